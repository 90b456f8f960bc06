import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, loadUsersFile, userChecker, verifyPassword } from './opcua-users';

describe('OPC UA users file', () => {
  it('hashes with scrypt and a fresh salt; verifies only the right password', () => {
    const a = hashPassword('correct horse');
    const b = hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(verifyPassword('correct horse', a)).toBe(true);
    expect(verifyPassword('correct horsE', a)).toBe(false);
    expect(verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('checks names and passwords; unknown names are refused', () => {
    const check = userChecker({ users: [{ name: 'op', password: hashPassword('pw') }] });
    expect(check('op', 'pw')).toBe(true);
    expect(check('op', 'nope')).toBe(false);
    expect(check('other', 'pw')).toBe(false);
  });

  it('refuses a file with a clear-text password, saying where', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'users-'));
    try {
      const file = path.join(dir, 'users.yaml');
      await writeFile(file, 'users:\n  - name: op\n    password: hunter2\n');
      await expect(loadUsersFile(file)).rejects.toThrow(/users\[0\]\.password: expected a hash/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

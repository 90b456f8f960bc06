/**
 * OPC UA user names and passwords, from a file of scrypt hashes (node:crypto).
 *
 * File (YAML or JSON):
 * ```yaml
 * users:
 *   - name: operator
 *     password: scrypt$16384$8$1$<salt b64>$<hash b64>   # from hashPassword()
 * ```
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseWith } from '@plcfleet/protocols';
import YAML from 'yaml';
import { z } from 'zod';
import { PlantIoError } from '../edge-agent-error';

const HASH_RE = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** The users file. Passwords are only ever stored as scrypt hashes. */
export const UsersFile = z.strictObject({
  users: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(100),
        password: z.string().regex(HASH_RE, 'expected a hash from hashPassword(): scrypt$N$r$p$salt$hash'),
      }),
    )
    .min(1),
});
export type UsersFile = z.infer<typeof UsersFile>;

/** Hashes a password for a users file (scrypt, N=16384, r=8, p=1, 16-byte salt). */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches `stored` (a hashPassword() string); constant time in the hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const m = HASH_RE.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, 'base64');
  const want = Buffer.from(m[5]!, 'base64');
  const got = scryptSync(password, salt, want.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return timingSafeEqual(got, want);
}

/** Reads and validates a users file. */
export async function loadUsersFile(path: string): Promise<UsersFile> {
  let doc: unknown;
  try {
    doc = YAML.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PlantIoError('BAD_CONFIG', `cannot read users file ${path}: ${(err as Error).message}`);
  }
  const r = parseWith(UsersFile, doc, path);
  if (!r.ok) throw new PlantIoError('BAD_CONFIG', r.error);
  return r.value;
}

/** A checker of user name + password against a users file. */
export function userChecker(file: UsersFile): (name: string, password: string) => boolean {
  const byName = new Map(file.users.map((u) => [u.name, u.password]));
  // a fixed hash to spend the same time on unknown names
  const dummy = hashPassword(randomBytes(8).toString('hex'));
  return (name, password) => {
    const stored = byName.get(name);
    const ok = verifyPassword(password, stored ?? dummy);
    return stored !== undefined && ok;
  };
}

/**
 * vitest's global set-up: every test's temporary files go under one directory made for the
 * run (TMPDIR, which `os.tmpdir()` and the processes the tests start read), removed when the
 * run ends — a test that forgets its own clean-up, or is killed mid-way, leaves nothing behind.
 * Set once per run: the projects inherit this set-up, and only the first one to run it owns
 * the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARK = 'PLCFLEET_TEST_TMPDIR';

export default function setup(): (() => void) | undefined {
  if (process.env[MARK]) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'plcfleet-test-'));
  const before = process.env.TMPDIR;
  process.env[MARK] = root;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    delete process.env[MARK];
    rmSync(root, { recursive: true, force: true, maxRetries: 10 });
  };
}

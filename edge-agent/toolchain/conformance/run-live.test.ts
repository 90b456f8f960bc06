import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Public-code sweep 11: `run-live.ts --help`, the command the sweep method names, threw
// ERR_PARSE_ARGS_UNKNOWN_OPTION with a stack trace, and `--count x` ran with NaN programs.
// Neither reaches MATIEC: the options are read before anything runs.
const here = dirname(fileURLToPath(import.meta.url));
const agentRoot = resolve(here, '..', '..');

function runLive(args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(here, 'run-live.ts'), ...args],
    {
      cwd: agentRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MATIEC_HOME: '/nonexistent' },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('run-live.ts options', () => {
  it('prints its usage for --help and exits 0', () => {
    const r = runLive(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: .*run-live\.ts/);
    expect(r.stdout).toContain('--seed N');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown option with exit 2, naming it, without a stack trace', () => {
    const r = runLive(['--seeds', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--seeds'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['--count', 'x'],
    ['--count', '0'],
    ['--seed', '-1'],
    ['--concurrency', '1.5'],
  ])('refuses %s %s with exit 2 naming the option', (option, value) => {
    const r = runLive([`${option}=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${option} must be a whole number`);
    expect(r.stderr).toContain(`'${value}'`);
  });

  it('refuses a --library that is not a directory with exit 2, naming it (it threw ENOENT)', () => {
    const r = runLive(['--library', '/nonexistent/twincat-folder']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--library /nonexistent/twincat-folder is not a directory');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

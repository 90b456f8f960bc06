import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURES = join(import.meta.dirname, '../../toolchain/fixtures/iec');

import { registerIecCommands } from './iec-commands';

async function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  const program = new Command('plcfleet-agent').exitOverride();
  registerIecCommands(program);
  let out = '';
  let err = '';
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'plcfleet-agent', ...args]);
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('plcfleet-agent compile', () => {
  it('prints the JSON summary of the issue contract and exits 0 for a clean project', async () => {
    const { out, code } = await run('compile', FIXTURES, '--json');
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['files', 'lines', 'pous', 'errors', 'warnings', 'diagnostics', 'ms']);
    expect(j).toMatchObject({ errors: 0, warnings: 0, diagnostics: [] });
    expect(j.files).toBeGreaterThanOrEqual(13);
    expect(j.pous).toBeGreaterThanOrEqual(10);
    expect(code).toBe(0);
  });
  it('exits 1 with positioned diagnostics when there are errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'bad.st');
    writeFileSync(f, 'PROGRAM P\nVAR x : INT; END_VAR\nx := y;\nEND_PROGRAM\n');
    const { out, code } = await run('compile', f, '--json');
    const j = JSON.parse(out);
    expect(j.errors).toBe(1);
    expect(j.diagnostics[0]).toEqual({
      file: f,
      line: 3,
      column: 6,
      endLine: 3,
      endColumn: 7,
      severity: 'error',
      code: 'ST2001',
      message: "unknown name 'y'",
    });
    expect(code).toBe(1);
    const syntax = await run('compile', f, '--syntax-only');
    expect(syntax.code).toBe(0);
    expect(syntax.out).toContain('0 errors');
  });
  it('accepts a list of externals and exits 2 for a missing path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'lib.st');
    writeFileSync(f, 'PROGRAM P\nVAR s : T_MaxString; END_VAR\nEND_PROGRAM\n');
    expect((await run('compile', f)).code).toBe(1);
    const ext = join(dir, 'externals.txt');
    writeFileSync(ext, '# Tc2_System\nT_MaxString\n');
    expect((await run('compile', f, '--externals', ext)).code).toBe(0);
    const missing = await run('compile', join(dir, 'nope.st'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^no such file or directory: .*nope\.st\n$/);
  });
});

describe('plcfleet-agent fmt and ast', () => {
  it('prints canonical ST, rewrites with --write, and refuses broken input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'p.st');
    writeFileSync(f, 'program P\nvar x:int;end_var\nx:=x+1;\nend_program\n');
    const printed = await run('fmt', f);
    expect(printed.out).toBe('PROGRAM P\nVAR\n    x : int;\nEND_VAR\nx := x + 1;\nEND_PROGRAM\n');
    expect((await run('fmt', f, '--write')).code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(printed.out);
    writeFileSync(f, 'PROGRAM P\nx := ;\nEND_PROGRAM\n');
    const broken = await run('fmt', f);
    expect(broken.code).toBe(1);
    expect(broken.out).toBe('');
    expect((await run('fmt', join(FIXTURES, 'twincat/FB_Valve.TcPOU'), '--write')).code).toBe(2);
  });
  it('dumps the AST as JSON', async () => {
    const { out, code } = await run('ast', join(FIXTURES, 'st/conveyor.st'), '--json');
    const ast = JSON.parse(out);
    expect(ast.kind).toBe('CompilationUnit');
    expect(ast.declarations.map((d: { name: string }) => d.name)).toEqual(['FB_Conveyor', 'PRG_Conveyor']);
    expect(code).toBe(0);
  });
});

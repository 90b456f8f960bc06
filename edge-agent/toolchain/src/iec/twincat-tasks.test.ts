/**
 * TwinCAT task objects (`.TcTTO`) read as the configuration the runtime runs: the task, its
 * cycle time and priority, and the programs it calls in order, every position in the task file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { programFile, taskFile } from '../testing/twincat-fixtures';
import type { ConfigurationDecl } from './ast';
import { loadProject } from './project';
import { mergeTaskConfigurations, readTcTto } from './twincat-tasks';
import { sourceFormat } from './vendor-format';

const lineOf = (text: string, needle: string, from = 0): number =>
  text.slice(0, text.indexOf(needle, from)).split('\n').length;

describe('TwinCAT task objects', () => {
  it('read as a CONFIGURATION: the task, its interval and priority, its calls in order', () => {
    const text = taskFile('PlcTask', ['MAIN', 'PRG_B'], 2500, 7);
    const r = readTcTto(text, '/plc/Line1/PlcTask.TcTTO');
    expect(r.diagnostics).toEqual([]);
    const c = r.unit.declarations[0] as ConfigurationDecl;
    expect(c.kind).toBe('Configuration');
    expect(c.name).toBe('Line1');
    expect(c.tasks.map((t) => [t.name, t.intervalMs, t.priorityValue])).toEqual([['PlcTask', 2.5, 7]]);
    expect(c.programs.map((p) => [p.name, p.task, p.program, p.span.file, p.span.line])).toEqual([
      ['MAIN', 'PlcTask', 'MAIN', '/plc/Line1/PlcTask.TcTTO', lineOf(text, '<PouCall>')],
      [
        'PRG_B',
        'PlcTask',
        'PRG_B',
        '/plc/Line1/PlcTask.TcTTO',
        lineOf(text, '<PouCall>', text.indexOf('MAIN')),
      ],
    ]);
    expect(c.tasks[0]?.span.line).toBe(lineOf(text, '<Task '));
  });

  it('are sources in a folder; a task that calls nothing is no configuration', () => {
    expect(sourceFormat('PlcTask.TcTTO')).toEqual({ readable: 'twincat' });
    expect(readTcTto(taskFile('Idle', []), '/plc/P/Idle.TcTTO').unit.declarations).toEqual([]);
  });

  it('name what cannot be read, where', () => {
    const bad = taskFile('PlcTask', ['MAIN', 'GVL.fb Inst']);
    const r = readTcTto(bad, '/plc/P/PlcTask.TcTTO');
    expect(r.unit.declarations).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      [
        'ST1012',
        lineOf(bad, '<PouCall>', bad.indexOf('MAIN')),
        "cannot read /plc/P/PlcTask.TcTTO: 'GVL.fb Inst' is not a name a task or a program can have",
      ],
    ]);
    const broken = readTcTto('<TcPlcObject><Task Name="T">', '/plc/P/T.TcTTO');
    expect(broken.diagnostics.map((d) => d.code)).toEqual(['ST1012']);
  });

  it('of one project make one configuration; an unknown program is an error at its call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-tasks-'));
    mkdirSync(join(dir, 'Plc'));
    writeFileSync(join(dir, 'Plc', 'MAIN.TcPOU'), programFile('MAIN', 'n := n + 1;'));
    writeFileSync(join(dir, 'Plc', 'PRG_Slow.TcPOU'), programFile('PRG_Slow', 'n := n + 1;'));
    writeFileSync(join(dir, 'Plc', 'Fast.TcTTO'), taskFile('Fast', ['MAIN'], 1000, 1));
    const slow = taskFile('Slow', ['PRG_Slow', 'PRG_Gone'], 100000, 30);
    writeFileSync(join(dir, 'Plc', 'Slow.TcTTO'), slow);
    const { project, diagnostics } = await loadProject([join(dir, 'Plc')]);
    const configs = project.units.flatMap((u) => u.declarations).filter((d) => d.kind === 'Configuration');
    expect(configs).toHaveLength(1);
    const c = configs[0] as ConfigurationDecl;
    expect(c.tasks.map((t) => t.name)).toEqual(['Fast', 'Slow']);
    expect(c.programs.map((p) => `${p.task}:${p.name}`)).toEqual([
      'Fast:MAIN',
      'Slow:PRG_Slow',
      'Slow:PRG_Gone',
    ]);
    // the lines count code, not task objects
    expect(project.lines).toBe(2 * (programFile('X', '').split('\n').length - 1));
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.file, d.line])).toEqual([
      ['ST2029', join(dir, 'Plc', 'Slow.TcTTO'), lineOf(slow, '<PouCall>', slow.indexOf('PRG_Slow'))],
    ]);
  });

  it('of two projects stay two configurations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-tasks-'));
    for (const p of ['A', 'B']) {
      mkdirSync(join(dir, p));
      writeFileSync(join(dir, p, `PRG_${p}.TcPOU`), programFile(`PRG_${p}`, 'n := n + 1;'));
      writeFileSync(join(dir, p, 'PlcTask.TcTTO'), taskFile('PlcTask', [`PRG_${p}`]));
    }
    const { project } = await loadProject([dir], { syntaxOnly: true });
    const configs = project.units.flatMap((u) => u.declarations).filter((d) => d.kind === 'Configuration');
    expect(configs.map((c) => c.name).sort()).toEqual(['A', 'B']);
  });

  it('are merged without changing the units given (a parse cache shares them)', () => {
    const a = readTcTto(taskFile('A', ['MAIN']), '/plc/P/A.TcTTO').unit;
    const b = readTcTto(taskFile('B', ['PRG_B']), '/plc/P/B.TcTTO').unit;
    const before = structuredClone([a, b]);
    const merged = mergeTaskConfigurations([a, b]);
    expect([a, b]).toEqual(before);
    expect(merged.map((u) => u.declarations.length)).toEqual([1, 0]);
    const c = merged[0]?.declarations[0] as ConfigurationDecl;
    expect(c.programs.map((p) => `${p.task}:${p.name}`)).toEqual(['A:MAIN', 'B:PRG_B']);
    expect(mergeTaskConfigurations([a, b])[0]?.declarations[0]).toEqual(c);
  });
});

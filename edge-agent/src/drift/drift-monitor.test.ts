import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DriftReport, DriftReport as DriftReportSchema } from '@plcfleet/protocols';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../sources';
import { DriftMonitor } from './drift-monitor';
import { LiveStore } from './live-store';

const PLANT = join(__dirname, '../../../examples/plants/press-line');

let dir: string;
let released: string;
let live: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plcfleet-drift-monitor-'));
  released = join(dir, 'released');
  live = join(dir, 'live');
  await cp(PLANT, released, { recursive: true });
  await cp(PLANT, live, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function monitor(opts: { keep?: number; intervalMs?: number; live?: string } = {}) {
  const reports: DriftReport[] = [];
  const warnings: string[] = [];
  let t = Date.parse('2026-12-06T10:00:00Z');
  const m = new DriftMonitor({
    site: 'press-1',
    released: createDirectorySource(released),
    live: createDirectorySource(opts.live ?? live),
    store: new LiveStore(join(dir, 'store'), { keep: opts.keep ?? 3 }),
    report: (r) => reports.push(r),
    logger: { info: () => undefined, warn: (o: unknown) => void warnings.push(JSON.stringify(o)) } as never,
    now: () => new Date((t += 60_000)),
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
  });
  return { m, reports, warnings };
}

const edit = (text: string) => writeFile(join(live, 'Conveyor.st'), text);

describe('DriftMonitor', () => {
  it('reports same, then drifted with the POU, keeping each live read once under its hash', async () => {
    const { m, reports } = monitor();
    expect((await m.check('deploy'))!.status).toBe('same');
    expect((await m.check('schedule'))!.status).toBe('same');
    const conveyor = await readFile(join(live, 'Conveyor.st'), 'utf8');
    await edit(conveyor.replace('Parts_Fed + 1', 'Parts_Fed + 3'));
    const drifted = (await m.check('manual'))!;
    expect(drifted).toMatchObject({ status: 'drifted', site: 'press-1', trigger: 'manual' });
    expect(drifted.pous.map((p) => p.pou)).toEqual(['Conveyor']);
    expect(DriftReportSchema.parse(drifted)).toEqual(drifted);
    expect(reports.map((r) => r.trigger)).toEqual(['deploy', 'schedule', 'manual']);
    // Three reads, two programs: content-addressed.
    expect(drifted.history).toHaveLength(3);
    expect(drifted.history[0]!.sha256).toBe(drifted.liveSha256);
    expect(drifted.history[1]!.sha256).toBe(drifted.history[2]!.sha256);
    expect((await readdir(join(dir, 'store', 'programs'))).sort()).toEqual(
      [...new Set(drifted.history.map((h) => `${h.sha256}.json`))].sort(),
    );
    const store = new LiveStore(join(dir, 'store'));
    expect(await store.program(drifted.liveSha256)).toContainEqual(
      expect.objectContaining({ path: 'Conveyor.st', text: expect.stringContaining('Parts_Fed + 3') }),
    );
    await m.stop();
  });

  it('keeps at most `keep` reads and deletes programs no kept read names', async () => {
    const { m } = monitor({ keep: 2 });
    const conveyor = await readFile(join(live, 'Conveyor.st'), 'utf8');
    for (const n of [1, 2, 3]) {
      await edit(conveyor.replace('Parts_Fed + 1', `Parts_Fed + ${n + 10}`));
      await m.check('schedule');
    }
    const history = await new LiveStore(join(dir, 'store')).history();
    expect(history).toHaveLength(2);
    expect((await readdir(join(dir, 'store', 'programs'))).sort()).toEqual(
      history.map((h) => `${h.sha256}.json`).sort(),
    );
    await m.stop();
  });

  it('logs a live program it cannot read and reports nothing for that check', async () => {
    const { m, reports, warnings } = monitor({ live: join(dir, 'gone') });
    expect(await m.check('schedule')).toBeUndefined();
    expect(reports).toEqual([]);
    expect(warnings[0]).toMatch(/--live .*gone/);
    await m.stop();
  });

  it('checks at start and on its schedule, one check at a time', async () => {
    const { m, reports } = monitor({ intervalMs: 60_000 });
    m.start();
    const first = Date.now();
    while (reports.length < 1 && Date.now() - first < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(reports).toHaveLength(1);
    await m.stop();
  });

  it('checks on its schedule, one check at a time', async () => {
    const { m, reports } = monitor({ intervalMs: 100 });
    m.start();
    const started = Date.now();
    while (reports.length < 2 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    await m.stop();
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.every((r) => r.trigger === 'schedule')).toBe(true);
    const times = reports.map((r) => r.checkedAt);
    expect([...times].sort()).toEqual(times);
  });
});

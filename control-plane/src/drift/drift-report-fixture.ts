/** A drift report for tests: drifted in one POU (Conveyor), checked 2026-12-06 10:00 UTC; `over` replaces fields. */
import type { DriftReport } from '@plcfleet/protocols';

export function driftReport(site: string, over: Partial<DriftReport> = {}): DriftReport {
  return {
    site,
    status: 'drifted',
    checkedAt: '2026-12-06T10:00:00.000Z',
    trigger: 'schedule',
    released: 'git+file:///srv/plant.git#main',
    live: 'opc.tcp://plc:4840',
    releasedSha256: 'a'.repeat(64),
    liveSha256: 'b'.repeat(64),
    pous: [{ pou: 'Conveyor', change: 'modified', file: 'Conveyor.st', diff: '-x := 1;\n+x := 5;\n' }],
    globals: [],
    types: [],
    configuration: false,
    unparsed: [],
    history: [],
    ...over,
  };
}

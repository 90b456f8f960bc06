import { describe, expect, it } from 'vitest';
import { decodeFrame } from './envelope';
import { Migration } from './migration';
import { parseWith } from './parse';
import { RolloutPlan } from './rollout-plan';
import { SiteFacts, SitePolicy } from './site-policy';
import { TagMap } from './tag-map';
import { PROTOCOL_VERSION } from './version';
import { MESSAGE_TYPES } from './wire';

const migration = {
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'm1',
  title: 'T',
  type: 'code',
  safetyClass: 'non-safety',
  goal: 'g',
  scope: { maxChangedLines: 10 },
};

const tag = (over: Record<string, unknown> = {}) => ({
  name: 'Motor_Speed',
  modbus: { table: 'holding', address: 100, type: 'REAL' },
  opcua: { nodeId: 'ns=1;s=Line1.Motor_Speed', browseName: 'Motor_Speed' },
  ...over,
});
const tagMap = (tags: unknown[]) => ({ apiVersion: 'plcfleet/v1', kind: 'TagMap', tags });

describe('Migration', () => {
  it('applies defaults', () => {
    const r = parseWith(Migration, migration);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.limits.maxTurns).toBe(10);
      expect(r.value.revision).toBe(1);
      expect(r.value.scope.pous).toEqual(['*']);
    }
  });

  // Each malformed input must be rejected with one line that names the field and the problem.
  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      'wrong type with path',
      { scope: { maxChangedLines: 'ten' } },
      /^scope\.maxChangedLines: expected number, got "ten"$/,
    ],
    ['missing field', { goal: undefined }, /^goal: expected string, got nothing$/],
    [
      'bad enum',
      { type: 'rewrite' },
      /^type: expected one of "code" \| "protocol-cutover" \| "ladder-to-st" \| "tag-change" \| "library-update", got "rewrite"$/,
    ],
    ['tag-change without changes', { type: 'tag-change' }, /^tagChanges: a tag-change migration needs/],
    [
      'tag changes on a code migration',
      { tagChanges: [{ from: 'A', to: 'B' }] },
      /^tagChanges: only tag-change migrations carry tagChanges$/,
    ],
    [
      'a rename into another scope',
      { type: 'tag-change', tagChanges: [{ from: 'GVL_IO.A', to: 'GVL_Other.A' }] },
      /^tagChanges\[0\]\.to: "GVL_Other\.A" moves the tag to another scope/,
    ],
    [
      'two renames onto one name',
      {
        type: 'tag-change',
        tagChanges: [
          { from: 'A', to: 'C' },
          { from: 'B', to: 'c' },
        ],
      },
      /^tagChanges\[1\]\.to: "c" is also tagChanges\[0\]\.to$/,
    ],
    [
      'a chained rename',
      {
        type: 'tag-change',
        tagChanges: [
          { from: 'A', to: 'B' },
          { from: 'B', to: 'C' },
        ],
      },
      /^tagChanges\[0\]\.to: "B" is renamed itself by tagChanges\[1\]/,
    ],
    [
      'a tag change to a bad address',
      { type: 'tag-change', tagChanges: [{ from: 'A', to: 'B', modbus: { table: 'coil', address: 70000 } }] },
      /^tagChanges\[0\]\.modbus\.address: /,
    ],
    [
      'library-update without library',
      { type: 'library-update' },
      /^library: a library-update migration needs/,
    ],
    [
      'a library target that is a range',
      { type: 'library-update', library: { name: 'Tc2_MC2', from: '>=3.3 <3.4', to: '>=3.4' } },
      /^library\.to: expected a version like "3\.1\.4"/,
    ],
    [
      'ladder-to-st without routines',
      { type: 'ladder-to-st' },
      /^scope\.routines: a ladder-to-st migration needs/,
    ],
    [
      'a routine glob without its program',
      { type: 'ladder-to-st', scope: { maxChangedLines: 10, routines: ['MainRoutine'] } },
      /^scope\.routines\[0\]: expected "PROGRAM\/ROUTINE"/,
    ],
    [
      'a library precondition with a bad range',
      { preconditions: { onlyIf: [{ library: { name: 'Tc2_MC2', version: 'new' } }] } },
      /^preconditions\.onlyIf\[0\]/,
    ],
    ['unknown field (typo)', { sefetyClass: 'x' }, /^\(root\): unknown field "sefetyClass"$/],
    [
      'wrong apiVersion',
      { apiVersion: 'plcfleet/v2' },
      /^apiVersion: expected one of "plcfleet\/v1", got "plcfleet\/v2"$/,
    ],
    ['bad id', { id: 'Guard Monitor' }, /^id: use lower-case letters/],
    [
      'bad firmware range',
      { preconditions: { onlyIf: [{ firmware: 'three' }] } },
      /^preconditions\.onlyIf\[0\]/,
    ],
    ['maxTurns out of range', { limits: { maxTurns: 0 } }, /^limits\.maxTurns: .*>=1/],
    [
      'bad relation',
      { successCriteria: { equivalence: { relations: ['Safety_OK new old'] } } },
      /relations\[0\]: expected "Output: new -> old"$/,
    ],
    ['cutover without tag map', { type: 'protocol-cutover' }, /^cutover: a protocol-cutover migration needs/],
    ['bad duration', { limits: { wallClock: '10 minutes' } }, /^limits\.wallClock: /],
    ['negative revision', { revision: -1 }, /^revision: /],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what}`, () => {
      const r = parseWith(Migration, { ...migration, ...patch }, 'm.yaml');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.replace(/^m\.yaml: /, '').replace(/ \(and \d+ more\)$/, '')).toMatch(message);
    });
  }

  it('accepts the tag-change, library-update and ladder-to-st fields of issue 20', () => {
    const tc = parseWith(Migration, {
      ...migration,
      type: 'tag-change',
      tagChanges: [
        { from: 'GVL_IO.Press_Enable', to: 'PressEnable' },
        {
          from: 'Hyd_Pressure_OK',
          to: 'HydPressureOk',
          type: 'BOOL',
          modbus: { table: 'coil', address: 12 },
          opcua: { nodeId: 'ns=1;s=Press.HydPressureOk' },
        },
      ],
    });
    expect(tc.ok && tc.value.tagChanges?.[1]?.modbus).toEqual({ table: 'coil', address: 12 });
    const lu = parseWith(Migration, {
      ...migration,
      type: 'library-update',
      library: { name: 'Tc2_MC2', from: '>=3.3 <3.4', to: '3.4.2' },
      preconditions: { onlyIf: [{ library: { name: 'Tc2_MC2', version: '>=3.3 <3.4' } }] },
    });
    expect(lu.ok && lu.value.library?.to).toBe('3.4.2');
    const ld = parseWith(Migration, {
      ...migration,
      type: 'ladder-to-st',
      scope: { maxChangedLines: 10, routines: ['MainProgram/*'] },
    });
    expect(ld.ok && ld.value.scope.routines).toEqual(['MainProgram/*']);
  });

  it('parses durations', () => {
    const r = parseWith(Migration, { ...migration, limits: { wallClock: '1h30m' } });
    expect(r.ok && r.value.limits.wallClock).toBe(5_400_000);
  });
});

describe('TagMap', () => {
  it('accepts a tag and defaults word order and access', () => {
    const r = parseWith(TagMap, tagMap([tag()]));
    expect(r.ok && r.value.tags[0]!.modbus.wordOrder).toBe('big');
    expect(r.ok && r.value.tags[0]!.access).toBe('read');
  });
  const bad: [string, unknown[], RegExp][] = [
    [
      'BOOL in a register table',
      [tag({ modbus: { table: 'holding', address: 1, type: 'BOOL' } })],
      /tags\[0\]\.modbus\.table: BOOL must be in the coil or discrete table/,
    ],
    [
      'register type in a bit table',
      [tag({ modbus: { table: 'coil', address: 1, type: 'INT' } })],
      /tags\[0\]\.modbus\.type: INT cannot live in the coil table/,
    ],
    [
      'overlapping registers',
      [
        tag(),
        tag({
          name: 'B',
          opcua: { nodeId: 'ns=1;s=B', browseName: 'B' },
          modbus: { table: 'holding', address: 101, type: 'INT' },
        }),
      ],
      /tags\[1\]\.modbus\.address: holding 101\.\.101 overlaps tags\[0\] \(100\.\.101\)/,
    ],
    [
      'duplicate name',
      [
        tag(),
        tag({
          modbus: { table: 'holding', address: 10, type: 'INT' },
          opcua: { nodeId: 'x', browseName: 'x' },
        }),
      ],
      /tags\[1\]\.name: duplicate tag "Motor_Speed"/,
    ],
    [
      'bad word order',
      [tag({ modbus: { table: 'holding', address: 1, type: 'DINT', wordOrder: 'middle' } })],
      /wordOrder: expected one of "big" \| "little"/,
    ],
    [
      'writable input register',
      [tag({ modbus: { table: 'input', address: 1, type: 'INT' }, access: 'readwrite' })],
      /tags\[0\]\.access: the input table is read-only/,
    ],
    [
      'address past the end',
      [tag({ modbus: { table: 'holding', address: 65534, type: 'LREAL' } })],
      /runs past address 65535/,
    ],
    ['bad PLC name', [tag({ name: '1Motor' })], /tags\[0\]\.name: not an ST identifier/],
  ];
  for (const [what, tags, message] of bad) {
    it(`rejects ${what}`, () => {
      const r = parseWith(TagMap, tagMap(tags));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    });
  }
});

describe('SitePolicy and RolloutPlan', () => {
  it('rejects a policy with a misspelt list', () => {
    const r = parseWith(SitePolicy, {
      apiVersion: 'plcfleet/v1',
      kind: 'SitePolicy',
      site: 's',
      emergencyStop: ['E'],
    });
    expect(!r.ok && r.error).toBe('(root): unknown field "emergencyStop"');
  });
  it('rejects an empty selector', () => {
    const r = parseWith(RolloutPlan, {
      apiVersion: 'plcfleet/v1',
      kind: 'RolloutPlan',
      phases: [{ name: 'a', select: {} }],
    });
    expect(!r.ok && r.error).toMatch(/^phases\[0\]\.select: a selector needs/);
  });
});

describe('SiteFacts', () => {
  const facts = { apiVersion: 'plcfleet/v1', kind: 'SiteFacts', site: 's', firmware: '3.4.0' };
  it('lists no libraries when the facts name none', () => {
    expect(SiteFacts.parse(facts).libraries).toEqual([]);
  });
  it('reads the installed libraries with their versions', () => {
    const libraries = [{ name: 'PressLib', version: '1.2.0' }];
    expect(SiteFacts.parse({ ...facts, libraries }).libraries).toEqual(libraries);
  });
  it('rejects a library version that is not a version, naming the entry', () => {
    const r = parseWith(SiteFacts, { ...facts, libraries: [{ name: 'PressLib', version: 'latest' }] });
    expect(!r.ok && r.error).toMatch(/^libraries\[0\]\.version: expected a version like "3\.1\.4"/);
  });
});

describe('decodeFrame', () => {
  const hb = { v: PROTOCOL_VERSION, id: 'h1', type: 'heartbeat' };
  it('accepts a valid message', () => {
    const r = decodeFrame(JSON.stringify(hb));
    expect(r.ok && r.message.type).toBe('heartbeat');
  });
  it('rejects garbage', () => {
    expect(decodeFrame('{nope')).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(decodeFrame('[1,2]')).toMatchObject({ ok: false, code: 'BAD_FRAME' });
  });
  it('rejects unknown types', () => {
    expect(decodeFrame(JSON.stringify({ ...hb, type: 'job.steal' }))).toMatchObject({
      ok: false,
      code: 'UNKNOWN_TYPE',
      id: 'h1',
    });
  });
  it('rejects wrong versions', () => {
    expect(decodeFrame(JSON.stringify({ ...hb, v: 99 }))).toMatchObject({
      ok: false,
      code: 'PROTOCOL_VERSION',
    });
    expect(decodeFrame(JSON.stringify({ ...hb, v: undefined }))).toMatchObject({
      ok: false,
      code: 'PROTOCOL_VERSION',
    });
  });
  it('names the bad field of a known type', () => {
    const r = decodeFrame(JSON.stringify({ ...hb, type: 'job.accept' }));
    expect(r).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      error: 'job.accept: jobId: expected string, got nothing',
    });
  });
  it('decodes a deploy.result.ack, which names the deploy and the result it acks', () => {
    const ack = {
      v: PROTOCOL_VERSION,
      id: 'a1',
      type: 'deploy.result.ack',
      deployId: 'dep-1',
      replyTo: 'r1',
    };
    const r = decodeFrame(JSON.stringify(ack));
    expect(r).toMatchObject({ ok: true, message: ack });
    expect(MESSAGE_TYPES).toContain('deploy.result.ack');
    expect(decodeFrame(JSON.stringify({ ...ack, replyTo: undefined }))).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      error: 'deploy.result.ack: replyTo: expected string, got nothing',
    });
    expect(decodeFrame(JSON.stringify({ ...ack, deployId: '' }))).toMatchObject({
      ok: false,
      code: 'VALIDATION',
    });
    expect(decodeFrame(JSON.stringify({ ...ack, jobId: 'j1' }))).toMatchObject({
      ok: false,
      code: 'VALIDATION',
    });
  });
  it('decodes a watch report with and without its rollback cause (ADR 0179: older agents send none)', () => {
    const report = {
      shadowId: 'watch-dep-1',
      kind: 'watch',
      site: 's1',
      jobId: 'j1',
      rolloutId: 'r1',
      deployId: 'dep-1',
      state: 'failed',
      startedAt: '2026-12-07T02:00:00.000Z',
      durationMs: 1000,
      seconds: 1.5,
      samples: 70,
      compared: 0,
      reason: 'post-deploy watch inconclusive: nothing compared: 70 sample(s) in 1.5 s, none judged',
    };
    const frame = (r: object) =>
      JSON.stringify({ v: PROTOCOL_VERSION, id: 's1', type: 'shadow.report', report: r });
    const older = decodeFrame(frame(report));
    expect(older.ok, older.ok ? '' : older.error).toBe(true);
    if (older.ok && older.message.type === 'shadow.report')
      expect(older.message.report.rollback).toBeUndefined();
    const tagged = decodeFrame(frame({ ...report, rollback: 'inconclusive' }));
    expect(tagged.ok && tagged.message.type === 'shadow.report' && tagged.message.report.rollback).toBe(
      'inconclusive',
    );
    const diverged = decodeFrame(frame({ ...report, state: 'diverged', rollback: 'divergence' }));
    expect(diverged.ok && diverged.message.type === 'shadow.report' && diverged.message.report.rollback).toBe(
      'divergence',
    );
    expect(decodeFrame(frame({ ...report, rollback: 'load' }))).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      error: expect.stringMatching(/^shadow\.report: report\.rollback: /),
    });
  });
  it('rejects oversized frames', () => {
    expect(decodeFrame('x'.repeat(5 * 1024 * 1024))).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });
});

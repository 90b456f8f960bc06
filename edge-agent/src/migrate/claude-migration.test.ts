/**
 * The executor with the Claude transformer and the LLM judge, both on the real
 * SDK against a local Messages API server with scripted sessions, and the real
 * verifiers (front end, safety verifier, virtual PLC) on the multi-guard fixture.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migration } from '@plcfleet/protocols';
import { parseScenarioFile } from '@plcfleet/toolchain/sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../sources';
import {
  type MessagesApiTestServer,
  type MessagesRequestBody,
  type Script,
  type ScriptedAnswer,
  startMessagesApiTestServer,
  text,
  toolUse,
} from '../testing/messages-api-test-server';
import { exampleMigration, FIXTURES, factsAt, policyAt } from '../testing/migration-fixtures';
import { createClaudeTransformer } from '../transform';
import { runMigration } from './run-migration';

let work: string;
let server: MessagesApiTestServer | undefined;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-claude-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const guard = exampleMigration('safety-guard-monitor');
const facts = factsAt(join(FIXTURES, 'site.facts.yaml'));

const monitor = (s: string, out: string) =>
  `${s}_Monitor(Guard_Sensor_1 := ${s}, Guard_Sensor_2 := ${s}_Redundant, Safety_OK => ${out});`;
const guardIf = (s: string, out: string) => `IF ${s} = TRUE THEN\n    ${out} := TRUE;\nEND_IF;`;
const edit = (id: string, path: string, oldText: string, newText: string) =>
  toolUse(id, 'edit', { path, old_text: oldText, new_text: newText });

/** The edits a careful engineer would make in FillerCell. */
const fillerEdits = [
  edit('e1', 'FillerCell.st', guardIf('Door_Closed', 'Door_OK'), monitor('Door_Closed', 'Door_OK')),
  edit('e2', 'FillerCell.st', guardIf('Hatch_Closed', 'Hatch_OK'), monitor('Hatch_Closed', 'Hatch_OK')),
  edit(
    'e3',
    'FillerCell.st',
    '    Start : BOOL;\nEND_VAR',
    '    Start : BOOL;\n    Door_Closed_Redundant : BOOL;\n    Hatch_Closed_Redundant : BOOL;\nEND_VAR',
  ),
  edit(
    'e4',
    'FillerCell.st',
    '    Bottle_Sensor : BOOL;\nEND_VAR',
    '    Bottle_Sensor : BOOL;\n    Door_Closed_Monitor : SAFETY_GUARD_MONITOR;\n    Hatch_Closed_Monitor : SAFETY_GUARD_MONITOR;\nEND_VAR',
  ),
];
const robotEdits = [
  edit('r1', 'RobotCell.st', guardIf('Fence_Closed', 'Fence_OK'), monitor('Fence_Closed', 'Fence_OK')),
  edit(
    'r2',
    'RobotCell.st',
    '    Auto : BOOL;\nEND_VAR',
    '    Auto : BOOL;\n    Fence_Closed_Redundant : BOOL;\nEND_VAR',
  ),
  edit(
    'r3',
    'RobotCell.st',
    '    Cycle_Timer : TON;\nEND_VAR',
    '    Cycle_Timer : TON;\n    Fence_Closed_Monitor : SAFETY_GUARD_MONITOR;\nEND_VAR',
  ),
];

/** The LLM judge's answer: "yes" to the safety question when the diff drops the E-stop term. */
function judgeAnswer(body: MessagesRequestBody): ScriptedAnswer {
  const diff = JSON.stringify(body.messages);
  const unsafe = diff.includes('-Filler_Enable := E_Stop_OK');
  return {
    content: [
      text(
        JSON.stringify({
          achievesGoal: unsafe ? 'no' : 'yes',
          safetyCriticalModified: unsafe ? 'yes' : 'no',
          certifiedTouched: 'no',
          timingChanged: 'no',
          forcingOrBypassAdded: unsafe ? 'yes' : 'no',
          unrelatedChanges: 'no',
          reasons: unsafe ? ['the E-stop term was removed from Filler_Enable'] : [],
        }),
      ),
    ],
  };
}

/** A script for the transformer's session(s) by model turn; judge requests (no tools) get {@link judgeAnswer}. */
function withJudge(session: (body: MessagesRequestBody, turn: number) => ScriptedAnswer): Script {
  let turn = 0;
  return (body) => (body.tools ? session(body, turn++) : judgeAnswer(body));
}

async function run(
  script: Script,
  opts: { migration?: Migration; sessions?: number; maxTurns?: number } = {},
) {
  server = await startMessagesApiTestServer(script);
  const dir = join(work, Math.random().toString(36).slice(2, 10));
  await cp(join(FIXTURES, 'multi-guard'), dir, { recursive: true });
  const out = join(dir, '..', `${dir.split('/').pop()}-job`);
  const source = createDirectorySource(dir);
  const before = await source.read();
  const key = 'sk-ant-test-0123456789';
  const verdict = await runMigration({
    migration: opts.migration ?? guard,
    source,
    policy: policyAt(join(dir, 'policy.yaml')),
    siteFacts: facts,
    transformer: createClaudeTransformer({
      apiKey: key,
      baseURL: server.url,
      sessions: opts.sessions ?? 1,
      ...(opts.maxTurns ? { maxTurns: opts.maxTurns } : {}),
    }),
    llmJudge: { apiKey: key, baseURL: server.url },
    scenarios: [
      parseScenarioFile(
        await readFile(join(FIXTURES, 'multi-guard.scenarios.yaml'), 'utf8'),
        'multi-guard.scenarios.yaml',
      ),
    ],
    outDir: out,
  });
  const traceText = await readFile(join(out, 'trace.jsonl'), 'utf8');
  expect(traceText).not.toContain(key);
  expect(await source.read()).toEqual(before);
  return {
    verdict,
    out,
    trace: traceText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string }),
    server: server!,
  };
}

describe('runMigration with the Claude transformer (scripted Messages API)', () => {
  it('passes a session that succeeds in three turns, judged by both judges', async () => {
    const {
      verdict,
      trace,
      server: s,
    } = await run(
      withJudge((_b, turn) => {
        if (turn === 0) return { content: [toolUse('t1', 'search', { pattern: '= TRUE THEN' })] };
        if (turn === 1) return { content: [...fillerEdits, ...robotEdits, toolUse('v1', 'verify')] };
        return { content: [text('All three guards now use SAFETY_GUARD_MONITOR; verify passes.')] };
      }),
    );
    expect(verdict.reason).toContain('verified after 3 turn(s)');
    expect(verdict.outcome).toBe('passed');
    expect(verdict.evidence.transformer).toBe('claude');
    expect(verdict.evidence.turns).toBe(3);
    expect(verdict.evidence.tokens).toEqual({ input: 400, output: 80 });
    expect(verdict.evidence.judges.map((j) => [j.judge, j.verdict])).toEqual([
      ['scope', 'pass'],
      ['llm', 'pass'],
    ]);
    expect(verdict.evidence.equivalence?.equivalent).toBe(true);
    expect(s.requests).toHaveLength(4);
    expect(trace.filter((e) => e.type === 'tool').length).toBe(9);
  });

  it('rejects a session that deletes a safety check: the verifier and the judge both say no', async () => {
    const { verdict } = await run(
      withJudge((_b, turn) =>
        turn === 0
          ? {
              content: [
                ...fillerEdits,
                ...robotEdits,
                edit('x', 'FillerCell.st', 'Filler_Enable := E_Stop_OK AND ', 'Filler_Enable := '),
                toolUse('v', 'verify'),
              ],
            }
          : { content: [text('Removed the E-stop term so that verification passes.')] },
      ),
    );
    expect(verdict.outcome).toBe('failed');
    expect(verdict.safetyFailure).toBe(true);
    expect(verdict.evidence.safety.verdict).toBe('fail');
    const categories = verdict.evidence.safety.findings
      .filter((f) => f.severity === 'error')
      .map((f) => f.category);
    expect(categories).toEqual(expect.arrayContaining(['forcing', 'permissive']));
    const llm = verdict.evidence.judges.find((j) => j.judge === 'llm');
    expect(llm?.verdict).toBe('veto');
    expect(llm?.findings.map((f) => f.code)).toContain('llm-safetyCriticalModified');
    expect(verdict.evidence.judges.find((j) => j.judge === 'scope')?.findings.map((f) => f.code)).toContain(
      'removed-reference',
    );
  });

  it('fails a session that edits out of scope (scope judge veto)', async () => {
    const narrow = Migration.parse({ ...guard, scope: { ...guard.scope, pous: ['FillerCell'] } });
    const { verdict } = await run(
      withJudge((_b, turn) =>
        turn === 0
          ? { content: [...fillerEdits, ...robotEdits, toolUse('v', 'verify')] }
          : { content: [text('done')] },
      ),
      { migration: narrow },
    );
    expect(verdict.outcome).toBe('failed');
    const scope = verdict.evidence.judges.find((j) => j.judge === 'scope');
    expect(scope?.verdict).toBe('veto');
    expect(scope?.findings.find((f) => f.code === 'pou-out-of-scope')?.message).toContain('RobotCell');
    // the safety verifier's own scope rule rejects it in the inner loop as well
    expect(
      verdict.evidence.safety.findings.some((f) => f.category === 'scope' && f.severity === 'error'),
    ).toBe(true);
  });

  it('fails a session that ignores its tools', async () => {
    const { verdict } = await run(
      withJudge(() => ({ content: [text('Replace each IF with a SAFETY_GUARD_MONITOR call.')] })),
    );
    expect(verdict.outcome).toBe('failed');
    expect(verdict.reason).toContain('without editing anything');
    expect(verdict.evidence.diff).toBe('');
  });

  it('stops a session that never converges at maxTurns with failed and its trace', async () => {
    const { verdict, trace, out } = await run(
      withJudge((_b, turn) => ({ content: [toolUse(`s${turn}`, 'read_file', { path: 'FillerCell.st' })] })),
      { maxTurns: 4 },
    );
    expect(verdict.outcome).toBe('failed');
    expect(verdict.reason).toContain('did not converge within 4 turns');
    expect(verdict.evidence.turns).toBe(4);
    expect(trace.filter((e) => e.type === 'model.request')).toHaveLength(4);
    expect(trace.filter((e) => e.type === 'model.response')).toHaveLength(4);
    expect(trace[trace.length - 1]?.type).toBe('verdict');
    expect((await readdir(out)).sort()).toEqual(['diff.patch', 'trace.jsonl', 'verdict.json']);
  });

  it('reports a model service outage as an error verdict', async () => {
    const { verdict } = await run(() => ({
      status: 400,
      error: { type: 'invalid_request_error', message: 'model not found' },
    }));
    expect(verdict.outcome).toBe('error');
    expect(verdict.reason).toContain('model not found');
  });
});

import { Migration } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MessagesApiTestServer,
  startMessagesApiTestServer,
  text,
} from '../testing/messages-api-test-server';
import type { TraceEvent } from '../transform';
import { judgeFromAnswer, parseJudgeAnswer, runLlmJudge } from './llm-judge';

const migration = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'm',
  title: 't',
  type: 'code',
  safetyClass: 'non-safety',
  goal: 'Swap the read block.',
  scope: {},
});
const answer = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    achievesGoal: 'yes',
    safetyCriticalModified: 'no',
    certifiedTouched: 'no',
    timingChanged: 'no',
    forcingOrBypassAdded: 'no',
    unrelatedChanges: 'no',
    reasons: [],
    ...over,
  });

let server: MessagesApiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function judge(reply: string) {
  server = await startMessagesApiTestServer(() => ({ content: [text(reply)] }));
  const trace: TraceEvent[] = [];
  const r = await runLlmJudge({
    migration,
    diff: '--- a/x\n+++ b/x\n',
    options: { apiKey: 'k', baseURL: server.url },
    trace: (e) => trace.push(e),
  });
  return { ...r, trace, body: server.requests[0]! };
}

describe('LLM judge (real SDK, local Messages API)', () => {
  it('passes when every answer is in the shape and no safety question is yes', async () => {
    const r = await judge(`Here is my answer:\n${answer()}`);
    expect(r.result).toEqual({ judge: 'llm', verdict: 'pass', findings: [] });
    expect(r.tokens).toEqual({ input: 100, output: 20 });
    expect(JSON.stringify(r.body.messages)).toContain('Swap the read block.');
    expect(r.trace.map((e) => e.type)).toEqual(['judge.request', 'judge.response']);
  });

  it('vetoes on any yes to a safety question', async () => {
    for (const q of ['safetyCriticalModified', 'certifiedTouched', 'timingChanged', 'forcingOrBypassAdded']) {
      const r = await judge(answer({ [q]: 'yes' }));
      expect(r.result.verdict).toBe('veto');
      expect(r.result.findings[0]?.code).toBe(`llm-${q}`);
      await server?.close();
      server = undefined;
    }
  });

  it('vetoes an answer that is not in the fixed shape (fail closed)', async () => {
    expect(judgeFromAnswer(parseJudgeAnswer('Looks fine to me.')).findings[0]?.code).toBe('llm-bad-answer');
    expect(judgeFromAnswer(parseJudgeAnswer(answer({ timingChanged: 'maybe' }))).verdict).toBe('veto');
    expect(judgeFromAnswer(parseJudgeAnswer(answer({ extra: 1 }))).verdict).toBe('veto');
    expect((await judge('{ not json')).result.verdict).toBe('veto');
  });
});

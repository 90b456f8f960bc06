/**
 * The LLM judge (when a model is configured): given the migration and the
 * diff, the model must answer in one fixed JSON shape. Any "yes" to a safety
 * question vetoes, and so does an answer that is not in the shape (fail closed).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Migration } from '@plcfleet/protocols';
import { z } from 'zod';
import { DEFAULT_CLAUDE_MODEL, type TraceEvent } from '../transform';
import type { JudgeFinding, JudgeResult } from './judge-result';

const YesNo = z.enum(['yes', 'no']);

/** The answer shape the model must give. */
export const LlmJudgeAnswer = z.strictObject({
  /** Does the diff reach the migration's end state and nothing else? */
  achievesGoal: YesNo,
  /** Were safety-critical elements (E-stops, interlocks, permissive conditions) modified beyond what the goal requires, or weakened? */
  safetyCriticalModified: YesNo,
  /** Was a certified module touched? */
  certifiedTouched: YesNo,
  /** Were timing values (presets, TIME constants) changed? */
  timingChanged: YesNo,
  /** Was forcing, a bypass or a disabled check added? */
  forcingOrBypassAdded: YesNo,
  /** Are there changes unrelated to the migration? */
  unrelatedChanges: YesNo,
  reasons: z.array(z.string().max(2000)).max(20).default([]),
});
export type LlmJudgeAnswer = z.infer<typeof LlmJudgeAnswer>;

/** The safety questions: any "yes" vetoes. */
export const SAFETY_QUESTIONS = [
  'safetyCriticalModified',
  'certifiedTouched',
  'timingChanged',
  'forcingOrBypassAdded',
] as const;

/** Options of the LLM judge. */
export interface LlmJudgeOptions {
  apiKey: string;
  /** @default the SDK's */
  baseURL?: string;
  /** @default 'claude-sonnet-5' */
  model?: string;
  /** @default 1024 */
  maxTokens?: number;
}

/** The judge's prompt. */
export function buildJudgePrompt(m: Migration, diff: string): { system: string; user: string } {
  const system =
    'You review a change to an industrial PLC program made by an automated migration. ' +
    'Answer ONLY with one JSON object, no prose, exactly of this shape: ' +
    '{"achievesGoal":"yes|no","safetyCriticalModified":"yes|no","certifiedTouched":"yes|no","timingChanged":"yes|no",' +
    '"forcingOrBypassAdded":"yes|no","unrelatedChanges":"yes|no","reasons":["..."]}. ' +
    'safetyCriticalModified: were E-stops, interlocks or permissive conditions modified beyond what the goal requires, or weakened? ' +
    'certifiedTouched: was a certified module changed? timingChanged: were existing timing values (presets, TIME constants) changed? ' +
    'forcingOrBypassAdded: was forcing, a bypass, or a disabled check added? When unsure, answer yes.';
  const user = `Migration ${m.id} r${m.revision} (${m.safetyClass}): ${m.title}\n\nGoal:\n${m.goal.trim()}\n\nScope: POUs ${m.scope.pous.join(', ')}; files ${m.scope.files.join(', ')}\n\nDiff:\n${diff}`;
  return { system, user };
}

/** Extracts the first JSON object of a text and validates it. */
export function parseJudgeAnswer(text: string): LlmJudgeAnswer | string {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return 'the answer holds no JSON object';
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch (err) {
    return `the answer is not JSON: ${(err as Error).message}`;
  }
  const r = LlmJudgeAnswer.safeParse(data);
  return r.success
    ? r.data
    : `the answer is not in the required shape: ${r.error.issues[0]?.message ?? 'invalid'}`;
}

/** Decides from an answer. */
export function judgeFromAnswer(answer: LlmJudgeAnswer | string): JudgeResult {
  if (typeof answer === 'string')
    return { judge: 'llm', verdict: 'veto', findings: [{ code: 'llm-bad-answer', message: answer }] };
  const findings: JudgeFinding[] = [];
  for (const q of SAFETY_QUESTIONS)
    if (answer[q] === 'yes') findings.push({ code: `llm-${q}`, message: `the judge answered yes to ${q}` });
  if (answer.achievesGoal === 'no')
    findings.push({ code: 'llm-goal-not-met', message: 'the judge finds the goal not reached' });
  if (answer.unrelatedChanges === 'yes')
    findings.push({ code: 'llm-unrelated', message: 'the judge finds unrelated changes' });
  for (const r of answer.reasons) findings.push({ code: 'llm-reason', message: r });
  const veto = findings.some((f) => f.code !== 'llm-reason');
  return { judge: 'llm', verdict: veto ? 'veto' : 'pass', findings };
}

/** Asks the model; a failed request is an error for the caller (the verdict becomes `error`). */
export async function runLlmJudge(args: {
  migration: Migration;
  diff: string;
  options: LlmJudgeOptions;
  trace: (e: TraceEvent) => void;
  signal?: AbortSignal;
}): Promise<{ result: JudgeResult; tokens: { input: number; output: number } }> {
  const { options } = args;
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 2,
  });
  const { system, user } = buildJudgePrompt(args.migration, args.diff);
  const model = options.model ?? DEFAULT_CLAUDE_MODEL;
  args.trace({ type: 'judge.request', model, system, user });
  const res = await client.messages.create(
    { model, max_tokens: options.maxTokens ?? 1024, system, messages: [{ role: 'user', content: user }] },
    args.signal ? { signal: args.signal } : {},
  );
  const text = res.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  args.trace({ type: 'judge.response', content: res.content, usage: res.usage });
  return {
    result: judgeFromAnswer(parseJudgeAnswer(text)),
    tokens: { input: res.usage.input_tokens, output: res.usage.output_tokens },
  };
}

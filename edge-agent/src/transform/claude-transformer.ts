import Anthropic from '@anthropic-ai/sdk';
import { EdgeAgentError } from '../edge-agent-error';
import { buildFirstMessage, buildSystemPrompt } from './claude-prompt';
import { CLAUDE_TOOLS, runTool } from './claude-tools';
import type { InnerReport, Transformer, TransformRequest, TransformResult } from './transformer';
import { Workspace } from './workspace';

/** Options of the Claude transformer; the migration's `limits` fill what is not given. */
export interface ClaudeTransformerOptions {
  /** API key. Resolve it with {@link resolveClaudeOptions} from `ANTHROPIC_API_KEY`; never logged. */
  apiKey: string;
  /** Messages API base URL. @default the SDK's (https://api.anthropic.com), or `ANTHROPIC_BASE_URL` via {@link resolveClaudeOptions} */
  baseURL?: string;
  /** @default 'claude-sonnet-5' */
  model?: string;
  /** `max_tokens` per model turn. @default 4096 */
  maxTokensPerTurn?: number;
  /** Model turns per session. @default migration.limits.maxTurns (10) */
  maxTurns?: number;
  /** Input + output tokens over all sessions. @default migration.limits.tokenBudget (200000) */
  tokenBudget?: number;
  /** Wall-clock limit over all sessions, ms. @default migration.limits.wallClock (10 min) */
  wallClockMs?: number;
  /** Whole sessions tried when one ends without passing verification. @default migration.limits.sessions (3) */
  sessions?: number;
  /** Per-request timeout, ms. @default 120000 */
  requestTimeoutMs?: number;
}

/** The default model. */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5';

/**
 * Resolves Claude options from explicit values and an environment
 * (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `PLCFLEET_CLAUDE_MODEL`); returns
 * `null` when no key is configured (then the recipe transformer is the default).
 */
export function resolveClaudeOptions(
  explicit: Partial<ClaudeTransformerOptions>,
  env: Record<string, string | undefined>,
): ClaudeTransformerOptions | null {
  const apiKey = explicit.apiKey ?? env.ANTHROPIC_API_KEY;
  if (!apiKey) return null;
  const baseURL = explicit.baseURL ?? env.ANTHROPIC_BASE_URL;
  const model = explicit.model ?? env.PLCFLEET_CLAUDE_MODEL;
  return { ...explicit, apiKey, ...(baseURL ? { baseURL } : {}), ...(model ? { model } : {}) };
}

/** A failure of the model service itself (network, HTTP error): the verdict is `error`, not `failed` (code `MODEL_SERVICE`). */
export class ModelServiceError extends EdgeAgentError<'MODEL_SERVICE'> {
  override readonly name = 'ModelServiceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_SERVICE', message, {}, options);
  }
}

type SessionEnd =
  | { kind: 'verified'; report: InnerReport }
  | { kind: 'rejected'; reason: string; report?: InnerReport }
  | { kind: 'limit'; reason: string };

/**
 * The Claude transformer: a tool-use loop on the Messages API. A session runs
 * at most `maxTurns` model turns; it ends when the model stops calling tools.
 * The result is accepted only when the final state passes the inner verifier;
 * otherwise a new session starts from the original program (up to `sessions`).
 * Every request and response goes to the trace; the key never does.
 */
export function createClaudeTransformer(options: ClaudeTransformerOptions): Transformer {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 2,
    timeout: options.requestTimeoutMs ?? 120_000,
  });
  const model = options.model ?? DEFAULT_CLAUDE_MODEL;

  return {
    name: 'claude',
    async transform(req: TransformRequest): Promise<TransformResult> {
      const m = req.migration;
      const maxTurns = options.maxTurns ?? m.limits.maxTurns;
      const tokenBudget = options.tokenBudget ?? m.limits.tokenBudget;
      const wallClockMs = options.wallClockMs ?? m.limits.wallClock;
      const sessions = options.sessions ?? m.limits.sessions;
      const system = buildSystemPrompt(m);
      const started = Date.now();
      const tokens = { input: 0, output: 0 };
      let turns = 0;
      const ws = new Workspace(req.files, m.scope.files);
      let lastReason = 'no session ran';
      let lastReport: InnerReport | undefined;

      const runSession = async (session: number): Promise<SessionEnd> => {
        ws.reset();
        const messages: Anthropic.MessageParam[] = [
          { role: 'user', content: buildFirstMessage(m, req.files.length) },
        ];
        req.trace({ type: 'session.start', session, model, system, tools: CLAUDE_TOOLS.map((t) => t.name) });
        for (let turn = 1; turn <= maxTurns; turn++) {
          if (req.signal?.aborted) return { kind: 'limit', reason: 'cancelled' };
          if (Date.now() - started > wallClockMs)
            return { kind: 'limit', reason: `wall-clock limit of ${wallClockMs} ms reached` };
          if (tokens.input + tokens.output >= tokenBudget)
            return { kind: 'limit', reason: `token budget of ${tokenBudget} used up` };
          turns++;
          req.progress?.({ phase: 'transform', message: `claude session ${session}, turn ${turn}`, turn });
          req.trace({ type: 'model.request', session, turn, model, message: messages[messages.length - 1] });
          let res: Anthropic.Message;
          try {
            res = await client.messages.create(
              { model, max_tokens: options.maxTokensPerTurn ?? 4096, system, tools: CLAUDE_TOOLS, messages },
              req.signal ? { signal: req.signal } : {},
            );
          } catch (err) {
            req.trace({ type: 'model.error', session, turn, message: (err as Error).message });
            if (req.signal?.aborted) return { kind: 'limit', reason: 'cancelled' };
            throw new ModelServiceError(`model request failed: ${(err as Error).message}`, { cause: err });
          }
          tokens.input += res.usage.input_tokens;
          tokens.output += res.usage.output_tokens;
          req.trace({
            type: 'model.response',
            session,
            turn,
            stopReason: res.stop_reason,
            content: res.content,
            usage: { input: res.usage.input_tokens, output: res.usage.output_tokens },
          });
          messages.push({ role: 'assistant', content: res.content });
          const calls = res.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
          if (res.stop_reason !== 'tool_use' || calls.length === 0) return finish(session);
          const results: Anthropic.ToolResultBlockParam[] = [];
          for (const call of calls) {
            const input = (call.input && typeof call.input === 'object' ? call.input : {}) as Record<
              string,
              unknown
            >;
            const answer = await runTool(call.name, input, ws, req.verify);
            req.trace({
              type: 'tool',
              session,
              turn,
              tool: call.name,
              input,
              isError: answer.isError,
              answer: answer.text,
            });
            results.push({
              type: 'tool_result',
              tool_use_id: call.id,
              content: answer.text,
              ...(answer.isError ? { is_error: true } : {}),
            });
          }
          messages.push({ role: 'user', content: results });
        }
        return { kind: 'limit', reason: `did not converge within ${maxTurns} turns` };
      };

      const finish = async (session: number): Promise<SessionEnd> => {
        if (!ws.changed()) return { kind: 'rejected', reason: 'the model ended without editing anything' };
        const report = await req.verify(ws.files());
        req.trace({
          type: 'verify',
          session,
          final: true,
          ok: report.ok,
          diagnostics: report.diagnostics.length,
          findings: report.findings.length,
        });
        if (report.ok) return { kind: 'verified', report };
        const first =
          report.diagnostics.find((d) => d.severity === 'error')?.message ??
          report.findings.find((f) => f.severity === 'error')?.message ??
          'verification failed';
        return { kind: 'rejected', reason: `the final state does not pass verification: ${first}`, report };
      };

      for (let session = 1; session <= sessions; session++) {
        const end = await runSession(session);
        req.trace({
          type: 'session.end',
          session,
          result: end.kind,
          reason: 'reason' in end ? end.reason : 'verified',
        });
        if (end.kind === 'verified')
          return {
            outcome: 'changed',
            files: ws.files(),
            reason: `claude: verified after ${turns} turn(s)`,
            turns,
            tokens,
            applications: [],
            lastReport: end.report,
          };
        lastReason = end.reason;
        if (end.kind === 'rejected') lastReport = end.report;
        // Limits that span sessions end the loop; a session that merely failed is retried.
        if (end.kind === 'limit' && !end.reason.startsWith('did not converge')) break;
      }
      return {
        outcome: 'failed',
        files: ws.files(),
        reason: `claude: ${lastReason} (${turns} turn(s))`,
        turns,
        tokens,
        applications: [],
        ...(lastReport ? { lastReport } : {}),
      };
    },
  };
}

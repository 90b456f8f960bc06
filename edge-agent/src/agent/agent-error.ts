import type { ErrorCode } from '@plcfleet/protocols';
import { EdgeAgentError } from '../edge-agent-error';

/**
 * The edge agent's error as the agent daemon, its link and its outbox throw it.
 * `code` is a stable wire code from protocols' `ERROR_CODES`, so a refusal can
 * travel in an `error` message unchanged.
 */
export class AgentError extends EdgeAgentError<ErrorCode> {
  override readonly name = 'AgentError';
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
  }
}

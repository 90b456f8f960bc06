import type { JobBundle, Verdict } from '@plcfleet/protocols';
import type { LinkSession } from '../link';
import type { AgentError } from './agent-error';
import type { DeployResult } from './deployer';

/** Events of a running agent (for the demo, tests and embedding). */
export interface AgentEvents {
  connected: [LinkSession];
  disconnected: [string];
  'job.started': [JobBundle];
  /** A verdict committed to the outbox. */
  verdict: [Verdict];
  /** A verdict or deploy result the control plane acked (outbox keys). */
  acked: [string[]];
  'deploy.result': [DeployResult];
  /** A deploy put off because the line said it was busy (`watch.deferWhile`); looked at again later. */
  'deploy.deferred': [{ deployId: string; reason: string }];
  /** Something the agent refused to act on, with the reason it sent back. */
  refused: [{ type: string; code: string; reason: string }];
  'job.cancelled': [{ jobId: string; reason: string }];
}

/**
 * Refuses a message from the control plane: logs it, emits `refused` and
 * answers with an `error` message (a reply to `replyTo` when given).
 */
export type Refuse = (type: string, code: AgentError['code'], reason: string, replyTo?: string) => void;

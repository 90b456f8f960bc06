import type { EventEmitter } from 'node:events';
import { CAPABILITIES, type Envelope } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { type AgentLink, envelope, type Outgoing } from '../link';
import type { Outbox, OutboxItem } from '../outbox';
import type { AgentEvents } from './agent-events';

/** What an {@link OutboxSender} sends through and reports to. */
export interface OutboxSenderOptions {
  outbox: Outbox;
  link: AgentLink;
  logger: Logger;
  events: EventEmitter<AgentEvents>;
  /** How long a sent, unacked item waits before it is sent again. */
  resendAfterMs: number;
  /** How many stage reports are kept while the link is down (the oldest dropped). */
  stageBufferSize: number;
}

/** Error codes after which a deploy result is worth sending again. */
const RETRYABLE = new Set(['INTERNAL', 'UNAVAILABLE', 'BACKPRESSURE']);

/**
 * The agent's sending side: commits verdicts and deploy results to the outbox
 * before sending them, sends them again until the control plane acks them, and
 * buffers stage reports while the link is down.
 */
export class OutboxSender {
  private readonly stageBuffer: Outgoing[] = [];
  private resendTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: OutboxSenderOptions) {}

  /** The committed item under `key`, if any (a job or order already handled). */
  get(key: string): Promise<OutboxItem | undefined> {
    return this.o.outbox.get(key);
  }

  /** Commits a message to the outbox, then sends it when the link is up. */
  async commit(key: string, kind: string, body: Outgoing, jobId?: string): Promise<OutboxItem> {
    const msg = envelope(body);
    const { created, item } = await this.o.outbox.put({
      key,
      kind,
      messageId: msg.id,
      ...(jobId ? { jobId } : {}),
      message: msg,
    });
    if (!created) this.o.logger.info({ key }, 'already in the outbox; resending the stored message');
    await this.send(item);
    return item;
  }

  /** Sends a committed item (when the link is up) and records that it was sent. */
  async send(item: OutboxItem): Promise<void> {
    const { link, outbox, logger, events } = this.o;
    // A control plane that does not name shadow-report would refuse a shadow report: it is done here.
    if (item.kind === 'shadow.report' && link.currentSession && !this.takesShadowReports()) {
      const keys = await outbox.ack({ replyTo: item.messageId, kind: 'shadow.report' });
      if (keys.length)
        logger.warn({ keys }, 'the control plane does not take shadow reports; not sending it');
      return;
    }
    if (!link.send(item.message as Envelope)) return;
    await outbox.markSent(item.key);
    // A control plane that does not name deploy-result-ack (older than it) never acks a deploy
    // result: sent once on a live link is all it gets, else the outbox would resend it for ever.
    const caps = link.currentSession?.controlPlaneCapabilities;
    if (item.kind === 'deploy.result' && caps && !caps.includes(CAPABILITIES.deployResultAck)) {
      const keys = await outbox.ack({ replyTo: item.messageId, kind: 'deploy.result' });
      if (keys.length) {
        logger.info({ keys }, 'deploy result sent to a control plane that does not ack them; done');
        events.emit('acked', keys);
      }
    }
  }

  /** Sends a message that is not worth keeping on disk; the last few wait for the link. */
  sendOrBuffer(body: Outgoing): void {
    if (this.o.link.connected && !this.wanted(body)) return;
    if (this.o.link.send(body)) return;
    this.stageBuffer.push(body);
    if (this.stageBuffer.length > this.o.stageBufferSize) this.stageBuffer.shift();
  }

  /**
   * After a (re)connect: sends everything unacked and everything buffered,
   * then keeps resending what stays unacked for `resendAfterMs`.
   */
  async resume(): Promise<void> {
    const { link, logger, resendAfterMs } = this.o;
    await this.flush(false);
    while (this.stageBuffer.length > 0 && link.connected) {
      const body = this.stageBuffer.shift()!;
      if (this.wanted(body)) link.send(body);
    }
    clearInterval(this.resendTimer);
    this.resendTimer = setInterval(
      () => void this.flush(true).catch((err: unknown) => logger.error({ err }, 'resend failed')),
      Math.max(250, Math.floor(resendAfterMs / 2)),
    );
  }

  /**
   * Whether the connected control plane takes this message: `drift.report` only
   * when it named `drift-report`, `shadow.report` and `deploy.deferred` only when it
   * named `shadow-report` (an older one answers them with an error).
   */
  private wanted(body: Outgoing): boolean {
    if (body.type === 'shadow.report' || body.type === 'deploy.deferred') return this.takesShadowReports();
    if (body.type !== 'drift.report') return true;
    const caps = this.o.link.currentSession?.controlPlaneCapabilities ?? [];
    return caps.includes(CAPABILITIES.driftReport);
  }

  private takesShadowReports(): boolean {
    const caps = this.o.link.currentSession?.controlPlaneCapabilities ?? [];
    return caps.includes(CAPABILITIES.shadowReport);
  }

  /** Stops resending (the link is down or the agent stops). */
  pause(): void {
    clearInterval(this.resendTimer);
  }

  /** Takes acked items out of the resend loop (`verdict.ack`, `deploy.result.ack`, `shadow.report.ack`). */
  async acked(by: { jobId?: string; deployId?: string; replyTo?: string }): Promise<void> {
    const keys = await this.o.outbox.ack(by);
    if (keys.length) {
      this.o.logger.info({ jobId: by.jobId, deployId: by.deployId, keys }, 'acked');
      this.o.events.emit('acked', keys);
    }
  }

  /**
   * A verdict or deploy result the control plane answered with an error that
   * resending cannot fix (`NOT_FOUND`, `WRONG_SITE`, `CONFLICT`, `VALIDATION`)
   * is taken out of the resend loop and logged (the job folder keeps the
   * verdict and its evidence); after a retryable one (`INTERNAL`,
   * `UNAVAILABLE`, `BACKPRESSURE`) it stays unacked and is sent again.
   */
  async refusedByControlPlane(code: string, replyTo: string): Promise<void> {
    if (RETRYABLE.has(code)) return;
    for (const kind of ['deploy.result', 'verdict', 'shadow.report'] as const) {
      const keys = await this.o.outbox.ack({ replyTo, kind });
      if (keys.length)
        this.o.logger.error(
          { keys, code },
          `control plane refused the ${{ verdict: 'verdict', 'deploy.result': 'deploy result', 'shadow.report': 'shadow report' }[kind]}; not resending it`,
        );
    }
  }

  /**
   * Sends what the outbox holds unacked (oldest first): everything after a
   * (re)connect, only what was last sent `resendAfter` ago on a live link. Every
   * kind has its ack (`verdict.ack`, `deploy.result.ack`); a lost message or a
   * lost ack just means one more send, which the control plane applies once.
   */
  private async flush(onlyStale: boolean): Promise<void> {
    const cutoff = Date.now() - this.o.resendAfterMs;
    for (const item of await this.o.outbox.pending()) {
      if (!this.o.link.connected) return;
      if (onlyStale && item.lastSentAt && Date.parse(item.lastSentAt) > cutoff) continue;
      await this.send(item);
    }
  }
}

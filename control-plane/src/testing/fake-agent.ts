/**
 * A scripted agent over a real websocket, for tests and the benchmark: says
 * hello, verifies job bundles with the key from `welcome`, and answers offers
 * as its `behave` function says.
 */

import {
  type Envelope,
  type JobBundle,
  type MessageOf,
  PROTOCOL_VERSION,
  type Verdict,
} from '@plcfleet/protocols';
import { checkSignature, sha256Hex } from '@plcfleet/protocols/signing';
import WebSocket from 'ws';

/** What the agent does with an offer: a verdict outcome, or `silent` (accept, then say nothing). */
export type Behaviour = 'passed' | 'failed' | 'skipped' | 'error' | 'safety' | 'silent' | 'ignore';

let seq = 0;
const nextId = () => `a${++seq}`;

/** A verdict for a bundle, with a one-line diff and program hashes for passed ones. */
export function makeVerdict(bundle: JobBundle, behaviour: Behaviour): Verdict {
  const outcome = behaviour === 'safety' ? 'failed' : (behaviour as Verdict['outcome']);
  const before = sha256Hex(`before:${bundle.site}`);
  const after = sha256Hex(`after:${bundle.site}`);
  return {
    jobId: bundle.jobId,
    site: bundle.site,
    migrationId: bundle.migration.id,
    revision: bundle.migration.revision,
    outcome,
    reason: behaviour === 'safety' ? 'SAFE-001: E-stop logic changed' : outcome,
    safetyFailure: behaviour === 'safety',
    evidence: {
      diagnostics: [],
      safety: { verdict: behaviour === 'safety' ? 'fail' : 'pass', findings: [], proofs: [] },
      scenarios: [],
      equivalence: null,
      judges: [],
      diff:
        outcome === 'passed'
          ? `--- a/main.st\n+++ b/main.st\n@@ -1 +1 @@\n-old ${bundle.site}\n+new ${bundle.site}\n`
          : '',
      sha256Before: before,
      sha256After: outcome === 'passed' ? after : null,
      transformer: 'recipe',
      turns: 0,
      tokens: { input: 0, output: 0 },
      timings: {},
      evidenceHash: null,
    },
  };
}

/** A connected fake agent. */
export class FakeAgent {
  readonly received: Envelope[] = [];
  readonly offers: JobBundle[] = [];
  signingKeys: string[] = [];
  private waiters: { pred: (m: Envelope) => boolean; resolve: (m: Envelope) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(
    readonly ws: WebSocket,
    readonly site: string,
    public behave: (bundle: JobBundle) => Behaviour,
  ) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Envelope;
      this.received.push(msg);
      if (msg.type === 'welcome') this.signingKeys = msg.signingKeys;
      if (msg.type === 'job.offer') this.onOffer(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
  }

  /** Opens the socket (rejects on an HTTP refusal); does not say hello. */
  static open(
    url: string,
    token: string | null,
    site: string,
    behave: (b: JobBundle) => Behaviour = () => 'passed',
  ): Promise<FakeAgent> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agents`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FakeAgent(ws, site, behave)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens, says hello and waits for `welcome`. */
  static async connect(
    url: string,
    token: string,
    site: string,
    behave: (b: JobBundle) => Behaviour = () => 'passed',
  ): Promise<FakeAgent> {
    const agent = await FakeAgent.open(url, token, site, behave);
    const welcome = agent.waitFor((m) => m.type === 'welcome' || m.type === 'reject');
    agent.hello();
    const reply = await welcome;
    if (reply.type === 'reject') throw new Error(`rejected: ${reply.code} ${reply.reason}`);
    return agent;
  }

  hello(site = this.site, protocols: number[] = [PROTOCOL_VERSION]): void {
    this.send({
      v: PROTOCOL_VERSION,
      id: nextId(),
      type: 'hello',
      agentId: 'fake',
      site,
      versions: { agent: '0.1.0', protocols },
      // `shadow`: it is sent bundles and orders with a shadow gate (tests answer them with reports).
      capabilities: ['recipe', 'shadow'],
    });
  }

  send(msg: Envelope): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Sends a verdict and returns its message id. */
  sendVerdict(verdict: Verdict): string {
    const id = nextId();
    this.send({ v: PROTOCOL_VERSION, id, type: 'verdict', verdict });
    return id;
  }

  /**
   * Sends a deploy or rollback result and returns its message id; pass the id
   * of an earlier one to resend it, as the agent's outbox does.
   */
  sendDeployResult(
    result: Omit<MessageOf<'deploy.result'>, 'v' | 'id' | 'ts' | 'type' | 'site'>,
    id: string = nextId(),
  ): string {
    this.send({ v: PROTOCOL_VERSION, id, type: 'deploy.result', site: this.site, ...result });
    return id;
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: Envelope) => boolean, timeoutMs = 10_000, includePast = false): Promise<Envelope> {
    if (includePast) {
      const past = this.received.find(pred);
      if (past) return Promise.resolve(past);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting on ${this.site}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  private onOffer(msg: Extract<Envelope, { type: 'job.offer' }>): void {
    // Verify the raw payload's signature before trusting anything in it.
    if (checkSignature(msg.bundle, this.signingKeys) !== null) throw new Error('bad bundle signature');
    const bundle = msg.bundle.payload;
    this.offers.push(bundle);
    const b = this.behave(bundle);
    if (b === 'ignore') return;
    this.send({ v: PROTOCOL_VERSION, id: nextId(), type: 'job.accept', jobId: bundle.jobId });
    if (b === 'silent') return;
    this.sendVerdict(makeVerdict(bundle, b));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

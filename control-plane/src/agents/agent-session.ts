import { CAPABILITIES, type Envelope, type ErrorCode, encodeFrame } from '@plcfleet/protocols';
import { WebSocket } from 'ws';
import { agentMessage } from './agent-message';

/** Stop offering to an agent whose socket has this much unsent data. */
const SEND_HIGH_WATER = 1024 * 1024;

/** One agent's websocket on this replica, from its upgrade to its close. */
export interface AgentSession {
  ws: WebSocket;
  agentId: string;
  site: string;
  remote: string;
  /** Said hello and was welcomed. */
  welcomed: boolean;
  /** What the agent named in its hello (`CAPABILITIES`); empty before it. */
  capabilities: readonly string[];
  /** The job this session holds an offer or run for. */
  jobId: string | null;
  leaseMs: number;
  lastHeard: number;
  badFrames: number;
  inflight: number;
  /** The agent's messages, handled one after another. */
  queue: Promise<void>;
}

/** A session for a socket that just passed the agent's token check. */
export function newSession(ws: WebSocket, agent: { id: string; site: string }, remote: string): AgentSession {
  return {
    ws,
    agentId: agent.id,
    site: agent.site,
    remote,
    welcomed: false,
    capabilities: [],
    jobId: null,
    leaseMs: 60_000,
    lastHeard: Date.now(),
    badFrames: 0,
    inflight: 0,
    queue: Promise.resolve(),
  };
}

/** What an agent must name to be sent work with this shadow requirement (none without one). */
export function shadowNeeds(shadow: unknown): readonly string[] {
  return shadow ? [CAPABILITIES.shadowRuns] : [];
}

/** Sends a message while the socket is open (a closing socket drops it). */
export function send(session: AgentSession, msg: Envelope): void {
  if (session.ws.readyState === WebSocket.OPEN) session.ws.send(encodeFrame(msg));
}

/** Tells the agent what was wrong with a message (`replyTo`: its id). */
export function sendError(session: AgentSession, code: ErrorCode, message: string, replyTo?: string): void {
  send(session, agentMessage('error', { code, message, ...(replyTo ? { replyTo } : {}) }));
}

/** Refuses the session and closes it. */
export function reject(session: AgentSession, code: ErrorCode, reason: string): void {
  send(session, agentMessage('reject', { code, reason }));
  session.ws.close(1008, code);
}

/**
 * Who is connected to this replica: every session, and the welcomed ones by agent
 * (the newest session of an agent wins) and by site.
 */
export class AgentSessions {
  /** Every open session, welcomed or not. */
  readonly all = new Set<AgentSession>();
  private readonly byAgent = new Map<string, AgentSession>();
  private readonly bySite = new Map<string, Set<AgentSession>>();

  /** Welcomed sessions. */
  get connectedCount(): number {
    let n = 0;
    for (const s of this.all) if (s.welcomed) n++;
    return n;
  }

  /** True when the agent has a welcomed session here. */
  isConnected(agentId: string): boolean {
    return this.byAgent.get(agentId)?.welcomed === true;
  }

  /** The agent's current session, if any. */
  ofAgent(agentId: string): AgentSession | undefined {
    return this.byAgent.get(agentId);
  }

  /** True when any agent has said hello here. */
  get anyAgent(): boolean {
    return this.byAgent.size > 0;
  }

  /** True when any site has a welcomed session here. */
  get anySite(): boolean {
    return this.bySite.size > 0;
  }

  /** A new session, before its hello. */
  add(session: AgentSession): void {
    this.all.add(session);
  }

  /** Drops the agent's current session from the index (a newer one replaces it). */
  forgetAgent(agentId: string): void {
    this.byAgent.delete(agentId);
  }

  /** A session that said hello: it becomes its agent's current one and serves its site. */
  welcome(session: AgentSession): void {
    session.welcomed = true;
    this.byAgent.set(session.agentId, session);
    const siblings = this.bySite.get(session.site) ?? new Set();
    siblings.add(session);
    this.bySite.set(session.site, siblings);
  }

  /** A closed session; true when it was its agent's current one. */
  remove(session: AgentSession): boolean {
    this.all.delete(session);
    const siblings = this.bySite.get(session.site);
    siblings?.delete(session);
    if (siblings?.size === 0) this.bySite.delete(session.site);
    if (this.byAgent.get(session.agentId) !== session) return false;
    this.byAgent.delete(session.agentId);
    return true;
  }

  /** A welcomed session of `site` naming every capability in `needs`, if any. */
  welcomedOf(site: string, needs: readonly string[] = []): AgentSession | undefined {
    for (const s of this.bySite.get(site) ?? [])
      if (s.welcomed && needs.every((c) => s.capabilities.includes(c))) return s;
    return undefined;
  }

  /**
   * A welcomed session of `site` without a job, not in `taken`, without a send backlog,
   * and naming every capability in `needs`.
   */
  idleOf(
    site: string,
    taken: ReadonlySet<AgentSession>,
    needs: readonly string[] = [],
  ): AgentSession | undefined {
    for (const s of this.bySite.get(site) ?? [])
      if (
        s.welcomed &&
        s.jobId === null &&
        !taken.has(s) &&
        s.ws.bufferedAmount <= SEND_HIGH_WATER &&
        needs.every((c) => s.capabilities.includes(c))
      )
        return s;
    return undefined;
  }
}

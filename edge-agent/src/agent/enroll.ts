import { join } from 'node:path';
import { type EnrollRequest, EnrollResponse, parseWith } from '@plcfleet/protocols';
import { z } from 'zod';
import { AgentError } from './agent-error';
import { readJson, writeJsonAtomic } from './state-files';

/** The agent's own credentials, kept in the data folder after enrollment. */
export const AgentCredentials = z.object({
  agentId: z.string().min(1),
  site: z.string().min(1),
  token: z.string().min(1),
});
export type AgentCredentials = z.infer<typeof AgentCredentials>;

/** Where enrollment keeps the credentials (mode 0600). */
export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'agent-credentials.json');
}

/** Reads kept credentials, or `undefined`. */
export async function readCredentials(dataDir: string): Promise<AgentCredentials | undefined> {
  const data = await readJson(credentialsFile(dataDir));
  if (data === undefined) return undefined;
  const r = AgentCredentials.safeParse(data);
  if (!r.success)
    throw new AgentError('VALIDATION', `${credentialsFile(dataDir)}: not valid agent credentials`);
  return r.data;
}

/** The enrollment exchange, replaceable in tests. */
export type EnrollFn = (input: {
  httpBase: string;
  enrollmentToken: string;
  site: string;
  agentId?: string;
}) => Promise<AgentCredentials>;

/**
 * Exchanges a one-time enrollment token for the agent's own token with the
 * control plane's `POST /v1/agents/enroll` (`EnrollRequest` → `EnrollResponse`
 * in protocols). The enrollment token names the site; an agent configured for
 * another site refuses the result.
 */
export const enrollOverHttp: EnrollFn = async ({ httpBase, enrollmentToken, site, agentId }) => {
  const request: EnrollRequest = { enrollmentToken, ...(agentId ? { agentId } : {}) };
  let res: Response;
  try {
    res = await fetch(`${httpBase}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (err) {
    throw new AgentError('UNAVAILABLE', `enrollment: cannot reach ${httpBase} (${(err as Error).message})`);
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = body as { error?: { code?: string; message?: string } } | null;
    throw new AgentError(
      res.status === 401 || res.status === 403
        ? 'UNAUTHORIZED'
        : res.status === 409
          ? 'CONFLICT'
          : 'UNAVAILABLE',
      `enrollment refused: HTTP ${res.status}${e?.error?.message ? ` ${e.error.message}` : ''}`,
    );
  }
  const r = parseWith(EnrollResponse, body, 'enrollment response');
  if (!r.ok) throw new AgentError('VALIDATION', r.error);
  if (r.value.site !== site)
    throw new AgentError(
      'WRONG_SITE',
      `enrollment: the token enrolls site "${r.value.site}", this agent serves "${site}"`,
    );
  return { agentId: r.value.agentId, site: r.value.site, token: r.value.token };
};

/**
 * The token and agent id to connect with: the configured token; else kept
 * credentials; else an enrollment (once), whose result is kept.
 */
export async function resolveCredentials(
  config: {
    agentId?: string;
    site: string;
    dataDir: string;
    controlPlane: { httpBase: string; token?: string; enrollmentToken?: string };
  },
  enroll: EnrollFn = enrollOverHttp,
): Promise<{ agentId: string; token: string }> {
  if (config.controlPlane.token !== undefined) {
    if (!config.agentId)
      throw new AgentError('VALIDATION', 'agentId: required when the config gives a token');
    return { agentId: config.agentId, token: config.controlPlane.token };
  }
  const kept = await readCredentials(config.dataDir);
  if (kept) {
    if (kept.site !== config.site)
      throw new AgentError(
        'WRONG_SITE',
        `${credentialsFile(config.dataDir)}: enrolled for site "${kept.site}", not "${config.site}"`,
      );
    return { agentId: kept.agentId, token: kept.token };
  }
  if (config.controlPlane.enrollmentToken === undefined)
    throw new AgentError('UNAUTHORIZED', 'no token: give controlPlane.token(Env) or an enrollment token');
  const creds = await enroll({
    httpBase: config.controlPlane.httpBase,
    enrollmentToken: config.controlPlane.enrollmentToken,
    site: config.site,
    ...(config.agentId ? { agentId: config.agentId } : {}),
  });
  await writeJsonAtomic(credentialsFile(config.dataDir), creds, 0o600);
  return { agentId: creds.agentId, token: creds.token };
}

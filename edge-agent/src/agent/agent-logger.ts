import { type DestinationStream, type Logger, pino } from 'pino';

/** Fields never written to the log, wherever they appear (tokens, keys, auth headers). */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'enrollmentToken',
  '*.enrollmentToken',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.Authorization',
  'password',
  '*.password',
  '*.*.password',
];

/**
 * The agent's logger: JSON lines (pino) with `agentId` and `site` on every
 * line; secrets redacted. Job code logs through a child carrying `jobId`.
 */
export function createAgentLogger(
  options: { level: string; agentId?: string; site: string },
  destination?: DestinationStream,
): Logger {
  const base = { site: options.site, ...(options.agentId ? { agentId: options.agentId } : {}) };
  return pino(
    { level: options.level, base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

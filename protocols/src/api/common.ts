import { z } from 'zod';
import { ERROR_CODE_LIST } from '../error-codes';

/** Roles of API users. */
export const ApiRole = z.enum(['admin', 'safety-engineer', 'operator', 'viewer']);
export type ApiRole = z.infer<typeof ApiRole>;

/** Every error response of the HTTP API: a stable code, one readable line, and context. */
export const ApiErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODE_LIST),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** `GET /healthz`. */
export const HealthResponse = z.object({
  status: z.literal('ok'),
  replicaId: z.string(),
  store: z.enum(['sqlite', 'postgres']),
  agentsConnected: z.number().int(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** A timestamp as the API writes it (ISO-8601 UTC). */
export const ApiTime = z.string();

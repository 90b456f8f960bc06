import { z } from 'zod';
import { UsageError } from './exit-codes';

/** Global flags of `plcfleet`, as commander parsed them. */
export interface GlobalFlags {
  server?: string;
  token?: string;
  json?: boolean;
  /** `--color` (true) or `--no-color` (false); undefined: decide from the terminal. */
  color?: boolean;
}

/** The CLI's resolved configuration. */
export interface CliConfig {
  /** Base URL of the control plane. */
  server: string;
  /** Bearer token; undefined sends no Authorization header (the server then answers UNAUTHORIZED). */
  token: string | undefined;
  /** JSON for scripts instead of tables. */
  json: boolean;
  /** ANSI colours on stdout. */
  color: boolean;
}

/** Where the control plane listens by default (`plcfleet-server` with no flags). */
export const DEFAULT_SERVER = 'http://127.0.0.1:8480';

const ServerUrl = z
  .string()
  .url()
  .refine((s) => /^https?:\/\//.test(s), 'use an http:// or https:// URL');

/**
 * Flags + environment → configuration. The only place the CLI reads the
 * environment: `PLCFLEET_SERVER`, `PLCFLEET_TOKEN`, `NO_COLOR`, `FORCE_COLOR`.
 * A flag beats the environment.
 */
export function resolveCliConfig(
  flags: GlobalFlags,
  env: Record<string, string | undefined>,
  stdoutIsTty: boolean,
): CliConfig {
  const server = flags.server ?? env.PLCFLEET_SERVER ?? DEFAULT_SERVER;
  const parsed = ServerUrl.safeParse(server);
  if (!parsed.success) throw new UsageError(`--server / PLCFLEET_SERVER: "${server}" is not an http(s) URL`);
  const token = flags.token ?? (env.PLCFLEET_TOKEN || undefined);
  const color =
    flags.color ?? (env.NO_COLOR ? false : env.FORCE_COLOR && env.FORCE_COLOR !== '0' ? true : stdoutIsTty);
  return { server, token, json: flags.json ?? false, color };
}

import type { Command } from 'commander';
import { PlcfleetClient } from '../client/plcfleet-client';
import { type CliConfig, type GlobalFlags, resolveCliConfig } from './cli-config';
import { type CliStreams, Output } from './output';

/** What every command action gets. */
export interface CommandContext {
  client: PlcfleetClient;
  out: Output;
  config: CliConfig;
  /** Aborted on SIGINT (long-running commands such as `rollouts watch` end cleanly). */
  signal: AbortSignal;
}

/** What the program needs from its surroundings (injected so tests can run it in-process). */
export interface CliDeps {
  env: Record<string, string | undefined>;
  streams: CliStreams;
  signal: AbortSignal;
  /** Client options beyond server and token (tests shorten the backoff). */
  clientOptions?: { retries?: number; backoffMs?: number; timeoutMs?: number };
}

/** Builds the context of a command from its flags (global ones included). */
export function contextOf(cmd: Command, deps: CliDeps): CommandContext {
  const flags = cmd.optsWithGlobals() as GlobalFlags;
  const config = resolveCliConfig(flags, deps.env, !!deps.streams.stdout.isTTY);
  return {
    client: new PlcfleetClient({ ...deps.clientOptions, server: config.server, token: config.token }),
    out: new Output(deps.streams, config.json, config.color),
    config,
    signal: deps.signal,
  };
}

/** Registers an action that receives the context, its arguments and its own options. */
export function action<A extends unknown[]>(
  cmd: Command,
  deps: CliDeps,
  fn: (ctx: CommandContext, ...args: A) => Promise<number | undefined> | Promise<void>,
): Command {
  return cmd.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const ctx = contextOf(self, deps);
    const code = await fn(ctx, ...(params.slice(0, -1) as A));
    if (typeof code === 'number' && code !== 0) throw new ExitWith(code);
  });
}

/** A command finished with a non-zero exit code after printing its own output. */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

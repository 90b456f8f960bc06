/**
 * `plcfleet`: the admin CLI for fleet admins, safety engineers and rollout controllers.
 * The one place that touches the process: arguments, environment, signals, exit code.
 */
import { runCli } from './cli/program';

const controller = new AbortController();
process.on('SIGINT', () => {
  // The first Ctrl-C ends a watch cleanly; a command that does not end within a
  // second of it, or a second Ctrl-C, leaves at once.
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
  setTimeout(() => process.exit(130), 1000).unref();
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  streams: { stdout: process.stdout, stderr: process.stderr },
  signal: controller.signal,
});

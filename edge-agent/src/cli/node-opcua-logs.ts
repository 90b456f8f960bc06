import { format } from 'node:util';

let routed: Promise<void> | undefined;

/**
 * Sends node-opcua's log output to stderr. node-opcua logs with `console.log`, and
 * stdout carries results (--json objects, JSON lines per scan, the daemon's JSON log).
 * Called by the commands that use OPC UA, before they start it: importing node-opcua
 * takes seconds, so no other command pays for it (docs/cli-startup.md).
 */
export function routeNodeOpcuaLogsToStderr(): Promise<void> {
  routed ??= import('node-opcua').then(({ setDebugLogger, setErrorLogger, setWarningLogger }) => {
    const toStderr = (_context: unknown, ...args: unknown[]) => {
      process.stderr.write(`${format(...args)}\n`);
    };
    setWarningLogger(toStderr);
    setErrorLogger(toStderr);
    setDebugLogger(toStderr);
  });
  return routed;
}

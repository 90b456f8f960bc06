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
    setWarningLogger((context, ...args) => {
      if (!aboutPkcs1Decryption(args) && !creatingDefaultCertificate(args)) toStderr(context, ...args);
    });
    setErrorLogger(toStderr);
    setDebugLogger(toStderr);
  });
  return routed;
}

/**
 * node-opcua checks at start-up whether this Node can still decrypt RSA PKCS#1 v1.5 (turned
 * off for CVE-2023-46809) and warns (W27) on every start when it cannot. Only the
 * Basic128Rsa15 policy encrypts with PKCS#1 v1.5; plcfleet offers and asks for
 * Basic256Sha256 and the Aes policies (OAEP / PSS), so the warning names nothing the user
 * did or can act on (nothing on stderr the command did not cause).
 */
export function aboutPkcs1Decryption(args: readonly unknown[]): boolean {
  const first = String(args[0] ?? '');
  return first.includes('NODE-OPCUA-W27') || first.includes('CVE-2023-46809');
}

/**
 * node-opcua's client says "Creating default certificate ... please wait" when it makes its
 * own certificate in a PKI folder plcfleet chose (a demo site, a first `shadow` run): a detail
 * of the library, not a step the user asked for.
 */
function creatingDefaultCertificate(args: readonly unknown[]): boolean {
  return String(args[0] ?? '').startsWith('Creating default certificate');
}

/**
 * An OPC UA server for plant I/O (node-opcua 2.182.2, the last release that
 * declares Node 18+; 2.183 needs Node 22): one security mode per server,
 * certificates created on first start in `<dataDir>/pki` with node-opcua's
 * own PKI (no openssl binary), users from a file of scrypt hashes, anonymous
 * off unless asked for.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  type AddressSpace,
  DataType,
  type Namespace,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  Subscription,
  type UAObject,
  type UAVariable,
  VariableIds,
  Variant,
} from 'node-opcua';
import { PlantIoError } from '../edge-agent-error';
import { freePort } from './free-port';
import { installOpcuaPublishTimeWorkaround } from './opcua-publish-time-workaround';
import { installOpcuaRefusalWorkaround } from './opcua-refusal-workaround';
import { endpointSecurity, type SecurityChoice } from './opcua-security';

/** Options of {@link startOpcuaServer}. */
export interface PlantOpcuaServerOptions {
  /** Folder for the PKI (own certificate, trusted and rejected peers). Created when missing. */
  dataDir: string;
  /** TCP port; 0 picks a free one. @default 4840 */
  port?: number;
  /** How port 0 picks a free port (tests give one that first returns a taken port). @default freePort */
  pickPort?: (host: string) => Promise<number>;
  /** Host name in the endpoint URL and to bind. @default '127.0.0.1' */
  host?: string;
  /** Message security. @default 'none' */
  security?: SecurityChoice;
  /** Checks a user name and password (see `userChecker`); without it no user can log in. */
  checkUser?: (name: string, password: string) => boolean;
  /** Lets sessions without a user identity in. @default false */
  allowAnonymous?: boolean;
  /**
   * Trusts client certificates not yet in `<dataDir>/pki/trusted` (trust on first use).
   * When false, an unknown client certificate lands in `pki/rejected` for an admin to move. @default false
   */
  trustUnknownClients?: boolean;
  /**
   * The server's ApplicationName and BuildInfo.ProductName; also the certificate's CN.
   * @default 'plcfleet'
   */
  productName?: string;
  /**
   * ApplicationUri (ServerInfo, the endpoints' ApplicationDescription) and the URI in the
   * certificate's subjectAltName, which clients check against each other.
   * @default `urn:plcfleet:` + productName in kebab case, e.g. 'urn:plcfleet:plcfleet-virtual-plc'
   */
  applicationUri?: string;
  /** ProductUri of ServerInfo and BuildInfo. @default 'urn:plcfleet:edge-agent' */
  productUri?: string;
  /** BuildInfo.ManufacturerName; also the certificate's O. @default 'plcfleet' */
  manufacturerName?: string;
  /** BuildInfo.SoftwareVersion. @default the edge agent's version */
  softwareVersion?: string;
  /** BuildInfo.BuildNumber. @default the edge agent's version */
  buildNumber?: string;
  /** BuildInfo.BuildDate. @default when the edge agent was built (when the server started, run from source) */
  buildDate?: Date;
  /**
   * Subject of the self-signed certificate made on first start, as `/CN=…/O=…/C=…`.
   * A certificate whose subject or application URI differs from the options is made
   * again (same key) at start: clients that trusted the old one must trust the new one.
   * @default `/CN=${productName}/O=${manufacturerName}`
   */
  certificateSubject?: string;
  /**
   * MinSupportedSampleRate advertised, ms. 0 makes node-opcua send every change of an
   * exception-based item instead of coalescing changes within a window; our values change at
   * most once per scan or poll, so every change is worth sending. @default 0
   */
  minSupportedSampleRate?: number;
  /**
   * Fastest publishing interval granted to a subscription, ms (node-opcua's own floor is 50).
   * A client that wants changes within a poll period asks for a short one; a client that asks
   * for more is not affected. node-opcua keeps this per process, not per server: the last
   * server started sets it. @default 10
   */
  minPublishingIntervalMs?: number;
}

/** The edge agent's version, shown in BuildInfo unless configured. */
const EDGE_AGENT_VERSION = '0.1.0';

// Set by tsup at build time (tsup.config.ts `define`); absent when run from source.
declare const __PLCFLEET_BUILD_DATE__: string | undefined;
const BUILD_DATE =
  typeof __PLCFLEET_BUILD_DATE__ === 'string' ? new Date(__PLCFLEET_BUILD_DATE__) : new Date();

/** The identity a server shows with these options: ServerInfo, BuildInfo and its certificate. */
function serverIdentity(options: Omit<PlantOpcuaServerOptions, 'dataDir'>) {
  const productName = options.productName ?? 'plcfleet';
  const manufacturerName = options.manufacturerName ?? 'plcfleet';
  const slug = productName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const softwareVersion = options.softwareVersion ?? EDGE_AGENT_VERSION;
  return {
    productName,
    manufacturerName,
    applicationUri: options.applicationUri ?? `urn:plcfleet:${slug || 'server'}`,
    productUri: options.productUri ?? 'urn:plcfleet:edge-agent',
    softwareVersion,
    buildNumber: options.buildNumber ?? softwareVersion,
    buildDate: options.buildDate ?? BUILD_DATE,
    certificateSubject: options.certificateSubject ?? `/CN=${productName}/O=${manufacturerName}`,
  };
}

/** A subject as a sorted list of `K=V` parts: `/CN=a/O=b` or node:crypto's `CN=a\nO=b` (the PKI reorders them). */
export function subjectParts(subject: string): string[] {
  return subject
    .split(/[/\n]/)
    .filter((part) => part.length > 0)
    .sort();
}

/**
 * Makes the server's self-signed certificate with our identity, unless the one on disk
 * already has it. node-opcua would make one named after itself (`O=Sterfive`, the
 * application URI `urn:<host>:NodeOPCUA-Server`).
 */
async function ensureCertificate(
  cm: OPCUACertificateManager,
  certificateFile: string,
  host: string,
  identity: ReturnType<typeof serverIdentity>,
): Promise<void> {
  const current = await readFile(certificateFile, 'utf8').then(
    (pem) => new X509Certificate(pem),
    () => undefined,
  );
  if (
    current &&
    subjectParts(current.subject).join('\n') === subjectParts(identity.certificateSubject).join('\n') &&
    (current.subjectAltName ?? '').split(', ').includes(`URI:${identity.applicationUri}`)
  )
    return;
  const addresses = Object.values(os.networkInterfaces()).flatMap((list) =>
    (list ?? []).map((a) => a.address),
  );
  const wildcard = host === '0.0.0.0' || host === '::';
  const ip = [
    ...new Set(isIP(host) && !wildcard ? [host, '127.0.0.1'] : ['127.0.0.1', ...(wildcard ? addresses : [])]),
  ];
  const dns = [...new Set(['localhost', os.hostname(), ...(isIP(host) ? [] : [host])])];
  await cm.createSelfSignedCertificate({
    applicationUri: identity.applicationUri,
    subject: identity.certificateSubject,
    dns,
    ip,
    outputFile: certificateFile,
    startDate: new Date(),
    validity: 365 * 10,
  });
}

/** A running OPC UA server. */
export interface PlantOpcuaServer {
  readonly server: OPCUAServer;
  readonly endpointUrl: string;
  readonly port: number;
  readonly addressSpace: AddressSpace;
  /** The server's own namespace (index 1): tag nodes and program files live here. */
  readonly namespace: Namespace;
  /** The Objects folder. */
  readonly objects: UAObject;
  /** Shuts the server down (closes sessions). */
  close(): Promise<void>;
}

/** Starts an OPC UA server with the given security; resolves once it accepts connections. */
export async function startOpcuaServer(options: PlantOpcuaServerOptions): Promise<PlantOpcuaServer> {
  const host = options.host ?? '127.0.0.1';
  const pkiRoot = path.join(options.dataDir, 'pki');
  await mkdir(pkiRoot, { recursive: true });
  const minPublishing = options.minPublishingIntervalMs ?? 10;
  if (!(Number.isFinite(minPublishing) && minPublishing >= 1 && minPublishing <= 60_000))
    throw new PlantIoError(
      'BAD_CONFIG',
      `minimum publishing interval must be 1-60000 ms, got ${minPublishing}`,
    );
  Subscription.minimumPublishingInterval = minPublishing;
  installOpcuaRefusalWorkaround();
  installOpcuaPublishTimeWorkaround();
  const sampleRate = options.minSupportedSampleRate ?? 0;
  // Port 0 means "any free port": one is picked just before listening, and picked again when
  // another process took it meanwhile (setting up certificates takes seconds on a loaded machine).
  for (let attempt = 1; ; attempt++) {
    const port = options.port === 0 ? await (options.pickPort ?? freePort)(host) : (options.port ?? 4840);
    try {
      const server = await listenOpcua(options, host, port, pkiRoot, sampleRate);
      return servedOpcua(server, host, port, sampleRate);
    } catch (err) {
      const taken = /EADDRINUSE/.test(String((err as { cause?: Error }).cause?.message ?? ''));
      if (options.port === 0 && taken && attempt < 5) continue;
      throw err;
    }
  }
}

/** Builds an OPC UA server (with certificate managers of its own) and starts it on `port`. */
async function listenOpcua(
  options: PlantOpcuaServerOptions,
  host: string,
  port: number,
  pkiRoot: string,
  sampleRate: number,
): Promise<ListeningOpcua> {
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: pkiRoot,
    automaticallyAcceptUnknownCertificate: options.trustUnknownClients ?? false,
  });
  await serverCertificateManager.initialize();
  const userCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(options.dataDir, 'user-pki'),
    automaticallyAcceptUnknownCertificate: false,
  });
  await userCertificateManager.initialize();
  const checkUser = options.checkUser;
  const identity = serverIdentity(options);
  const certificateFile = path.join(pkiRoot, 'own', 'certs', 'server_certificate.pem');
  await ensureCertificate(serverCertificateManager, certificateFile, host, identity);
  const server = new OPCUAServer({
    port,
    hostname: host,
    host,
    resourcePath: '/plcfleet',
    ...endpointSecurity(options.security ?? 'none'),
    allowAnonymous: options.allowAnonymous ?? false,
    serverCertificateManager,
    userCertificateManager,
    certificateFile,
    privateKeyFile: path.join(pkiRoot, 'own', 'private', 'private_key.pem'),
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverCapabilities: { minSupportedSampleRate: sampleRate },
    serverInfo: {
      applicationUri: identity.applicationUri,
      productUri: identity.productUri,
      applicationName: { text: identity.productName, locale: 'en' },
    },
    buildInfo: {
      productName: identity.productName,
      productUri: identity.productUri,
      manufacturerName: identity.manufacturerName,
      softwareVersion: identity.softwareVersion,
      buildNumber: identity.buildNumber,
      buildDate: identity.buildDate,
    },
    userManager: {
      isValidUser: (name: string, password: string) => (checkUser ? checkUser(name, password) : false),
    },
  });
  try {
    await server.initialize();
    await server.start();
  } catch (err) {
    await server.shutdown(0).catch(() => {});
    await serverCertificateManager.dispose().catch(() => {});
    await userCertificateManager.dispose().catch(() => {});
    throw new PlantIoError(
      'BAD_CONFIG',
      `OPC UA server did not start on ${host}:${port}: ${(err as Error).message}`,
      {},
      {
        cause: err,
      },
    );
  }
  return { server, serverCertificateManager, userCertificateManager };
}

interface ListeningOpcua {
  server: OPCUAServer;
  serverCertificateManager: OPCUACertificateManager;
  userCertificateManager: OPCUACertificateManager;
}

/** The served server's handles, once it listens. */
function servedOpcua(
  { server, serverCertificateManager, userCertificateManager }: ListeningOpcua,
  host: string,
  port: number,
  sampleRate: number,
): PlantOpcuaServer {
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new PlantIoError('BAD_CONFIG', 'OPC UA server has no address space');
  // node-opcua serves the configured rate but shows max(rate, 100) in ServerCapabilities:
  // show what is served.
  (
    addressSpace.findNode(
      `i=${VariableIds.Server_ServerCapabilities_MinSupportedSampleRate}`,
    ) as UAVariable | null
  )?.bindVariable({ get: () => new Variant({ dataType: DataType.Double, value: sampleRate }) }, true);
  const endpointUrl = `opc.tcp://${host}:${port}/plcfleet`;
  return {
    server,
    endpointUrl,
    port,
    addressSpace,
    namespace: addressSpace.getOwnNamespace(),
    objects: addressSpace.rootFolder.objects,
    close: async () => {
      await server.shutdown(0);
      await serverCertificateManager.dispose();
      await userCertificateManager.dispose();
    },
  };
}

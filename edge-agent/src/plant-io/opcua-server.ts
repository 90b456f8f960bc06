/**
 * An OPC UA server for plant I/O (node-opcua 2.182.2, the last release that
 * declares Node 18+; 2.183 needs Node 22): one security mode per server,
 * certificates created on first start in `<dataDir>/pki` with node-opcua's
 * own PKI (no openssl binary), users from a file of scrypt hashes, anonymous
 * off unless asked for.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type AddressSpace,
  type Namespace,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  Subscription,
  type UAObject,
} from 'node-opcua';
import { freePort } from './free-port';
import { endpointSecurity, type SecurityChoice } from './opcua-security';
import { PlantIoError } from './plant-io-error';

/** Options of {@link startOpcuaServer}. */
export interface PlantOpcuaServerOptions {
  /** Folder for the PKI (own certificate, trusted and rejected peers). Created when missing. */
  dataDir: string;
  /** TCP port; 0 picks a free one. @default 4840 */
  port?: number;
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
  /** Product name shown in the server's build info. @default 'plcfleet' */
  productName?: string;
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
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 4840);
  const pkiRoot = path.join(options.dataDir, 'pki');
  await mkdir(pkiRoot, { recursive: true });
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
  const minPublishing = options.minPublishingIntervalMs ?? 10;
  if (!(Number.isFinite(minPublishing) && minPublishing >= 1 && minPublishing <= 60_000))
    throw new PlantIoError(
      'BAD_CONFIG',
      `minimum publishing interval must be 1-60000 ms, got ${minPublishing}`,
    );
  Subscription.minimumPublishingInterval = minPublishing;
  const server = new OPCUAServer({
    port,
    hostname: host,
    host,
    resourcePath: '/plcfleet',
    ...endpointSecurity(options.security ?? 'none'),
    allowAnonymous: options.allowAnonymous ?? false,
    serverCertificateManager,
    userCertificateManager,
    certificateFile: path.join(pkiRoot, 'own', 'certs', 'server_certificate.pem'),
    privateKeyFile: path.join(pkiRoot, 'own', 'private', 'private_key.pem'),
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverCapabilities: { minSupportedSampleRate: options.minSupportedSampleRate ?? 0 },
    buildInfo: { productName: options.productName ?? 'plcfleet', manufacturerName: 'plcfleet' },
    userManager: {
      isValidUser: (name: string, password: string) => (checkUser ? checkUser(name, password) : false),
    },
  });
  try {
    await server.initialize();
    await server.start();
  } catch (err) {
    await server.shutdown(0).catch(() => {});
    throw new PlantIoError(
      'BAD_CONFIG',
      `OPC UA server did not start on ${host}:${port}: ${(err as Error).message}`,
      {},
      {
        cause: err,
      },
    );
  }
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new PlantIoError('BAD_CONFIG', 'OPC UA server has no address space');
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

/**
 * Ed25519 signing of bundles and orders over canonical JSON, and SHA-256
 * helpers. A separate entry point (`@plcfleet/protocols/signing`) because it
 * needs `node:crypto`, which the browser build of the SDK must not pull in.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { Evidence } from './verdict';

/** A payload with its detached ed25519 signature (base64) and the signer's key id. */
export interface Signed<T> {
  payload: T;
  signature: string;
  keyId: string;
}

/** SHA-256 of a string or bytes, lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Key id: the first 16 hex digits of the SHA-256 of the public key's DER (SPKI). */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return sha256Hex(der).slice(0, 16);
}

/** A new ed25519 key pair as PEM strings (PKCS#8 private, SPKI public). */
export function generateSigningKeyPair(): { publicKeyPem: string; privateKeyPem: string; keyId: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    publicKeyPem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKeyPem),
  };
}

/** Signs the canonical JSON of `payload` with an ed25519 private key (PEM). */
export function signPayload<T>(payload: T, privateKeyPem: string): Signed<T> {
  const key = createPrivateKey(privateKeyPem);
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const signature = sign(null, Buffer.from(canonicalJson(payload)), key).toString('base64');
  return { payload, signature, keyId: keyIdOf(publicKeyPem) };
}

/** Why a signature check failed; `null` when it verified. */
export type SignatureProblem = 'malformed' | 'unknown-key' | 'bad-signature';

/**
 * Verifies a signed payload against trusted public keys (PEM). Any change to
 * any byte of the payload's content, the signature or the key id fails.
 * Returns `null` when valid, otherwise the problem.
 */
export function checkSignature(
  signed: unknown,
  trustedPublicKeysPem: readonly string[],
): SignatureProblem | null {
  if (!signed || typeof signed !== 'object') return 'malformed';
  const s = signed as Partial<Signed<unknown>>;
  if (typeof s.signature !== 'string' || typeof s.keyId !== 'string' || !('payload' in s)) return 'malformed';
  const key = trustedPublicKeysPem.find((pem) => keyIdOf(pem) === s.keyId);
  if (!key) return 'unknown-key';
  let bytes: Buffer;
  try {
    bytes = Buffer.from(canonicalJson(s.payload));
  } catch {
    return 'malformed';
  }
  const sig = Buffer.from(s.signature, 'base64');
  if (sig.length !== 64 || sig.toString('base64') !== s.signature) return 'malformed';
  return verify(null, bytes, createPublicKey(key), sig) ? null : 'bad-signature';
}

/** True when {@link checkSignature} finds no problem. */
export function verifySigned(signed: unknown, trustedPublicKeysPem: readonly string[]): boolean {
  return checkSignature(signed, trustedPublicKeysPem) === null;
}

/**
 * The deterministic evidence hash: SHA-256 of the canonical JSON of the evidence
 * without `timings` and `evidenceHash`. Same program, migration and seed → same hash.
 */
export function computeEvidenceHash(evidence: Evidence): string {
  const { timings: _t, evidenceHash: _h, ...rest } = evidence;
  return sha256Hex(canonicalJson(rest));
}

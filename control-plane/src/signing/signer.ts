import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { canonicalJson } from '@plcfleet/protocols';
import type { Signed } from '@plcfleet/protocols/signing';
import type { SigningKey } from './signing-key.repository';

/**
 * Signs like `signPayload` of `@plcfleet/protocols/signing` (ed25519 over the
 * canonical JSON, same key id), but keeps the parsed private key: parsing the
 * PEM on every job offer cost more than signing. Tests verify its output with
 * the protocol's `checkSignature`.
 */
export class Signer {
  private readonly key: KeyObject;

  constructor(private readonly signingKey: SigningKey) {
    this.key = createPrivateKey(signingKey.privateKeyPem);
  }

  /** The payload with its detached signature and key id. */
  sign<T>(payload: T): Signed<T> {
    const signature = sign(null, Buffer.from(canonicalJson(payload)), this.key).toString('base64');
    return { payload, signature, keyId: this.signingKey.keyId };
  }
}

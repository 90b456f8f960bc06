import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { checkSignature, generateSigningKeyPair, signPayload } from './signing';

const bundle = {
  jobId: 'j1',
  site: 'press-line-2',
  migration: { id: 'm', goal: 'Safety_OK := TRUE', n: [1, 2.5] },
};

describe('canonicalJson', () => {
  it('sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [true, null] } })).toBe(
      '{"a":{"c":[true,null]},"b":1}',
    );
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/\$\.x is NaN/);
  });
});

describe('signing', () => {
  const keys = generateSigningKeyPair();
  it('verifies an untouched payload, also after a JSON round trip', () => {
    const signed = signPayload(bundle, keys.privateKeyPem);
    expect(checkSignature(JSON.parse(JSON.stringify(signed)), [keys.publicKeyPem])).toBeNull();
  });
  it('detects a change to any single byte of the content', () => {
    const signed = signPayload(bundle, keys.privateKeyPem);
    const text = canonicalJson(signed.payload);
    let detected = 0;
    let tried = 0;
    for (let i = 0; i < text.length; i++) {
      const mutated = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
      let payload: unknown;
      try {
        payload = JSON.parse(mutated);
      } catch {
        continue; // a byte flip that breaks JSON is refused before any signature check
      }
      if (canonicalJson(payload) === text) continue; // e.g. key order only: same content
      tried++;
      if (checkSignature({ ...signed, payload }, [keys.publicKeyPem]) !== null) detected++;
    }
    expect(tried).toBeGreaterThan(20);
    expect(detected).toBe(tried);
  });
  it('rejects an unknown key, a forged signature and malformed input', () => {
    const other = generateSigningKeyPair();
    const signed = signPayload(bundle, keys.privateKeyPem);
    expect(checkSignature(signed, [other.publicKeyPem])).toBe('unknown-key');
    const forged = signPayload(bundle, other.privateKeyPem);
    expect(checkSignature({ ...forged, keyId: signed.keyId }, [keys.publicKeyPem])).toBe('bad-signature');
    expect(checkSignature({ payload: bundle }, [keys.publicKeyPem])).toBe('malformed');
    expect(checkSignature(null, [keys.publicKeyPem])).toBe('malformed');
  });
});

import { JobBundle } from '@plcfleet/protocols';
import { generateSigningKeyPair, signPayload } from '@plcfleet/protocols/signing';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import { chooseTrustedKeys, openSigned } from './signed-payload';

const a = generateSigningKeyPair();
const b = generateSigningKeyPair();
const bundle = {
  jobId: 'j1',
  rolloutId: 'r1',
  site: 's1',
  attempt: 1,
  // as written: no defaults (revision, scope.pous, limits …) — the signature covers exactly this
  migration: {
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'm1',
    title: 't',
    type: 'code',
    safetyClass: 'non-safety',
    goal: 'g',
    scope: {},
  },
  issuedAt: '2026-11-26T10:00:00Z',
};

describe('openSigned', () => {
  it('verifies the payload as received, then parses it with defaults', () => {
    const r = openSigned(signPayload(bundle, a.privateKeyPem), JobBundle, [b.publicKeyPem, a.publicKeyPem]);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.payload.migration.revision).toBe(1);
  });

  it('fails when verifying the parsed form instead (defaults change the signed bytes)', () => {
    const signed = signPayload(bundle, a.privateKeyPem);
    const parsed = { ...signed, payload: JobBundle.parse(signed.payload) };
    expect(openSigned(parsed, JobBundle, [a.publicKeyPem])).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses unknown keys, tampering, junk and a signed payload that is not a bundle', () => {
    const signed = signPayload(bundle, a.privateKeyPem);
    expect(openSigned(signed, JobBundle, [b.publicKeyPem])).toMatchObject({
      ok: false,
      reason: 'it is signed with a key this agent does not trust',
    });
    expect(
      openSigned({ ...signed, payload: { ...bundle, site: 's2' } }, JobBundle, [a.publicKeyPem]),
    ).toMatchObject({
      ok: false,
      reason: 'the signature does not verify',
    });
    expect(openSigned('junk', JobBundle, [a.publicKeyPem])).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
    expect(openSigned(signed, JobBundle, [])).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    const notABundle = signPayload({ jobId: 'j1' }, a.privateKeyPem);
    expect(openSigned(notABundle, JobBundle, [a.publicKeyPem])).toMatchObject({
      ok: false,
      code: 'VALIDATION',
    });
  });
});

describe('chooseTrustedKeys', () => {
  it('trusts the welcome keys when nothing is pinned', () => {
    expect(chooseTrustedKeys([], [a.publicKeyPem])).toEqual({ ok: true, keys: [a.publicKeyPem] });
  });
  it('keeps the pinned keys when the welcome names a subset of them', () => {
    expect(chooseTrustedKeys([a.publicKeyPem, b.publicKeyPem], [b.publicKeyPem])).toEqual({
      ok: true,
      keys: [a.publicKeyPem, b.publicKeyPem],
    });
  });
  it('refuses a welcome that names a key the config does not pin, or junk', () => {
    expect(chooseTrustedKeys([a.publicKeyPem], [a.publicKeyPem, b.publicKeyPem]).ok).toBe(false);
    expect(chooseTrustedKeys([], ['not a key']).ok).toBe(false);
  });
});

describe('backoffDelay', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 5000 };
  it('doubles from the initial delay up to the ceiling, with half of it jittered', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, opts, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, opts, () => 0.999999))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(50, opts, () => 0.5)).toBe(3750);
    expect(backoffDelay(1000, opts, () => 1)).toBe(5000);
  });
});

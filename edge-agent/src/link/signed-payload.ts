import { formatZodError } from '@plcfleet/protocols';
import { checkSignature, keyIdOf, type SignatureProblem } from '@plcfleet/protocols/signing';
import type { z } from 'zod';

/** Result of {@link openSigned}. */
export type OpenResult<T> =
  | { ok: true; payload: T }
  | { ok: false; code: 'SIGNATURE_INVALID' | 'VALIDATION'; reason: string };

const PROBLEM: Record<SignatureProblem, string> = {
  malformed: 'the signature is malformed',
  'unknown-key': 'it is signed with a key this agent does not trust',
  'bad-signature': 'the signature does not verify',
};

/**
 * Verifies a signed object exactly as it arrived on the wire (before any
 * parsing, which could add defaults and change the signed bytes) against the
 * trusted keys, and only then parses its payload.
 */
export function openSigned<S extends z.ZodType>(
  rawSigned: unknown,
  schema: S,
  trustedKeysPem: readonly string[],
): OpenResult<z.output<S>> {
  if (trustedKeysPem.length === 0)
    return { ok: false, code: 'SIGNATURE_INVALID', reason: 'no trusted signing keys (no welcome yet)' };
  const problem = checkSignature(rawSigned, trustedKeysPem);
  if (problem) return { ok: false, code: 'SIGNATURE_INVALID', reason: PROBLEM[problem] };
  const parsed = schema.safeParse((rawSigned as { payload: unknown }).payload, { reportInput: true });
  if (!parsed.success) return { ok: false, code: 'VALIDATION', reason: formatZodError(parsed.error) };
  return { ok: true, payload: parsed.data };
}

/** Result of {@link chooseTrustedKeys}. */
export type TrustResult = { ok: true; keys: string[] } | { ok: false; reason: string };

/**
 * Which keys to trust after a `welcome`. Pinned keys (from the config) win:
 * the welcome may name only keys among them (a subset is fine: the control
 * plane may have retired one); a key it names that is not pinned is refused,
 * since a pinned agent must not learn keys from the connection it verifies.
 * Without pinned keys, the welcome's keys are trusted (trust on connect, over
 * an authenticated, ideally TLS, connection).
 */
export function chooseTrustedKeys(pinnedPem: readonly string[], welcomePem: readonly string[]): TrustResult {
  const ids = (keys: readonly string[]) => {
    const out: string[] = [];
    for (const k of keys) {
      try {
        out.push(keyIdOf(k));
      } catch {
        return null;
      }
    }
    return out;
  };
  const welcomeIds = ids(welcomePem);
  if (!welcomeIds)
    return { ok: false, reason: 'welcome.signingKeys holds a key that is not a PEM public key' };
  if (pinnedPem.length === 0) return { ok: true, keys: [...welcomePem] };
  const pinnedIds = new Set(ids(pinnedPem) ?? []);
  const foreign = welcomeIds.filter((id) => !pinnedIds.has(id));
  if (foreign.length > 0)
    return {
      ok: false,
      reason: `welcome.signingKeys names key ${foreign.join(', ')} that the config does not pin`,
    };
  return { ok: true, keys: [...pinnedPem] };
}

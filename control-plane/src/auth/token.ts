import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '@plcfleet/protocols/signing';

/**
 * A new secret token: a prefix saying what it is for and 32 random bytes
 * (256 bits) in base64url. With that much entropy a plain SHA-256 is a sound
 * way to store it: there is nothing to brute-force, so a slow password hash
 * (scrypt, argon2) would only cost CPU on every request.
 */
export function generateToken(prefix: 'plc' | 'agt' | 'enr'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** Compares two hex hashes in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && ba.length > 0 && timingSafeEqual(ba, bb);
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

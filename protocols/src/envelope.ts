import { ERROR_CODES, type ErrorCode } from './error-codes';
import { formatZodError } from './parse';
import { SUPPORTED_PROTOCOL_VERSIONS } from './version';
import { Envelope, MAX_FRAME_BYTES, MESSAGE_TYPES } from './wire';

/** Result of {@link decodeFrame}. */
export type DecodeResult =
  | { ok: true; message: Envelope }
  | { ok: false; code: ErrorCode; error: string; id?: string };

/**
 * Decodes one websocket text frame into a validated message, or says what is
 * wrong with it (a code from {@link ERROR_CODES} and one readable line).
 */
export function decodeFrame(frame: string | Uint8Array): DecodeResult {
  const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
  if (size > MAX_FRAME_BYTES)
    return { ok: false, code: 'TOO_LARGE', error: `frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}` };
  let data: unknown;
  try {
    data = JSON.parse(typeof frame === 'string' ? frame : new TextDecoder().decode(frame));
  } catch {
    return { ok: false, code: 'BAD_FRAME', error: 'frame is not JSON' };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { ok: false, code: 'BAD_FRAME', error: 'frame is not a JSON object' };
  const raw = data as { v?: unknown; type?: unknown; id?: unknown };
  const id = typeof raw.id === 'string' ? raw.id : undefined;
  if (typeof raw.v !== 'number' || !SUPPORTED_PROTOCOL_VERSIONS.includes(raw.v))
    return {
      ok: false,
      code: 'PROTOCOL_VERSION',
      error: `protocol version ${JSON.stringify(raw.v)} is not supported (we speak ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      id,
    };
  if (typeof raw.type !== 'string' || !(MESSAGE_TYPES as string[]).includes(raw.type))
    return { ok: false, code: 'UNKNOWN_TYPE', error: `unknown message type ${JSON.stringify(raw.type)}`, id };
  const parsed = Envelope.safeParse(data, { reportInput: true });
  if (!parsed.success)
    return { ok: false, code: 'VALIDATION', error: `${raw.type}: ${formatZodError(parsed.error)}`, id };
  return { ok: true, message: parsed.data };
}

/** Encodes a message as a frame (plain JSON; the envelope is validated by the receiver). */
export function encodeFrame(message: Envelope): string {
  return JSON.stringify(message);
}

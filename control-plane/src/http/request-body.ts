import type { Context as HonoContext } from 'hono';
import YAML from 'yaml';
import { fail } from '../errors';

/** The limits every request body is read under (from the control plane's config). */
export interface BodyLimits {
  /** Largest body in bytes, counted as it arrives (chunked bodies too). */
  maxBodyBytes: number;
  /** Largest YAML body in bytes (YAML costs far more to parse than JSON). */
  maxYamlBytes: number;
  /** Deepest nesting of arrays and objects (JSON) or collections (YAML). */
  maxBodyDepth: number;
  /** Most YAML aliases (`*anchor`) in one body: bounds "billion laughs" expansion. */
  maxYamlAliases: number;
}

/**
 * Reads, bounds and parses a request body: the one place every API route's body
 * goes through. In order, each step before the next costs anything:
 * 1. a declared `Content-Length` over the limit is refused before a byte is read;
 * 2. the body is read as a stream and counted chunk by chunk, so a chunked body
 *    is refused when it passes the limit, not after it was buffered (the rest is
 *    drained and the connection closed by the node adapter);
 * 3. the media type must be JSON (or YAML where the route allows it): JSON sent
 *    as `text/plain` is refused, since a browser sends that cross-site without asking;
 * 4. the nesting depth is measured by one linear scan before any parser runs
 *    (parsers recurse, and a 4 MB `[[[[…` stalls or overflows them);
 * 5. YAML is parsed with aliases capped and its warnings dropped (they quote the
 *    body, which must not reach the log).
 */
export async function readRequestBody(c: HonoContext, limits: BodyLimits, yaml: boolean): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const isYaml = yaml && /^application\/(x-)?yaml\b|^text\/(x-)?yaml\b/.test(type);
  const limit = isYaml ? Math.min(limits.maxBodyBytes, limits.maxYamlBytes) : limits.maxBodyBytes;
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > limit) tooLarge(c, `request body of ${declared} bytes exceeds ${limit}`);
  const text = await readLimited(c, limit);
  if (text.trim() === '') return {};
  if (!isYaml && !/^application\/(json|[a-z0-9.+-]+\+json)\b/.test(type))
    fail(
      'VALIDATION',
      `body: send Content-Type: application/json${yaml ? ' (or application/yaml)' : ''}, not ${type ? JSON.stringify(type.split(';')[0]) : 'none'}`,
    );
  const depth = isYaml ? yamlNestingDepth(text) : jsonNestingDepth(text);
  if (depth > limits.maxBodyDepth)
    fail('VALIDATION', `body: nested deeper than ${limits.maxBodyDepth} levels`);
  if (isYaml) return parseYaml(text, limits.maxYamlAliases);
  try {
    return JSON.parse(text);
  } catch {
    fail(
      'VALIDATION',
      yaml ? 'body: not JSON (send YAML with Content-Type: application/yaml)' : 'body: not JSON',
    );
  }
}

function tooLarge(c: HonoContext, message: string): never {
  // The client may still be sending: this connection is not reused.
  c.header('connection', 'close');
  fail('TOO_LARGE', message);
}

async function readLimited(c: HonoContext, limit: number): Promise<string> {
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      tooLarge(c, `request body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    fail('VALIDATION', 'body: not UTF-8');
  }
}

/** Deepest nesting of `[`/`{` in a JSON text, strings skipped; one pass, no allocation. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > max) max = depth;
    } else if ((ch === 93 /* ] */ || ch === 125) /* } */ && depth > 0) depth--;
  }
  return max;
}

/**
 * An upper estimate of a YAML text's nesting, in one pass: per line, the block
 * indentation levels open, plus compact indicators on the line (`- - x`,
 * `a: b: c`), plus flow collections (`[`, `{`) open across lines. Quoted
 * scalars, comments and block scalars (`|`, `>`) are skipped. It may count a
 * bracket inside a plain scalar; real documents stay far below the limit.
 */
export function yamlNestingDepth(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let max = 0;
  let blockScalarParent = -1;
  let quote = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let i = pos;
    while (i < end && text.charCodeAt(i) === 32) i++;
    const indent = i - pos;
    const blank = i >= end || text.charCodeAt(i) === 13;
    if (blockScalarParent >= 0 && (blank || indent > blockScalarParent)) {
      pos = end + 1;
      continue;
    }
    blockScalarParent = -1;
    if (!blank && quote === 0 && flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    let compact = 0;
    for (; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (quote) {
        if (quote === 39 && ch === 39) quote = 0;
        else if (quote === 34 && ch === 92) i++;
        else if (quote === 34 && ch === 34) quote = 0;
        continue;
      }
      const prev = i > pos ? text.charCodeAt(i - 1) : 32;
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 32;
      if (ch === 35 /* # */ && (prev === 32 || prev === 9)) break;
      if (
        (ch === 34 || ch === 39) &&
        (prev === 32 || prev === 91 || prev === 123 || prev === 44 || i === pos)
      )
        quote = ch;
      else if (ch === 91 || ch === 123) {
        flow++;
      } else if ((ch === 93 || ch === 125) && flow > 0) flow--;
      else if ((ch === 45 /* - */ || ch === 63) /* ? */ && next === 32 && (prev === 32 || i === pos))
        compact++;
      else if (ch === 58 /* : */ && (next === 32 || i + 1 === end)) compact++;
      const depth = indents.length + compact + flow;
      if (depth > max) max = depth;
    }
    // `key: |` or `- >-`: the more-indented lines after it are text, not structure.
    if (
      quote === 0 &&
      flow === 0 &&
      /(?:^|[\s:])[|>][-+1-9]{0,2}\s*$/.test(text.slice(Math.max(pos, end - 8), end))
    )
      blockScalarParent = indent;
    pos = end + 1;
  }
  return max;
}

function parseYaml(text: string, maxAliases: number): unknown {
  // logLevel 'silent': yaml's warnings go to process.emitWarning with the offending text in them.
  const doc = YAML.parseDocument(text, { logLevel: 'silent', prettyErrors: false });
  const [first] = doc.errors;
  if (first) fail('VALIDATION', `body: not YAML: ${first.message.split('\n')[0]!.slice(0, 200)}`);
  try {
    return doc.toJS({ maxAliasCount: maxAliases });
  } catch (err) {
    fail('VALIDATION', `body: not YAML: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
  }
}

/**
 * A local HTTP server that speaks the Anthropic Messages API (`POST
 * /v1/messages`, non-streaming) with scripted answers, so tests drive the real
 * `@anthropic-ai/sdk` over a real socket. Listens on 127.0.0.1, port 0.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request body as the SDK sends it. */
export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  system?: unknown;
  tools?: Array<{ name: string }>;
  messages: Array<{ role: 'user' | 'assistant'; content: unknown }>;
}

/** A content block of a scripted answer. */
export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** What a script returns for one request: an assistant message, or an HTTP error. */
export type ScriptedAnswer =
  | {
      content: ScriptedBlock[];
      stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens';
      usage?: { input_tokens: number; output_tokens: number };
    }
  | { status: number; error: { type: string; message: string } };

/** A script: the answer to the `index`-th request (0-based) given its body. */
export type Script = (body: MessagesRequestBody, index: number) => ScriptedAnswer;

/** A running test server. */
export interface MessagesApiTestServer {
  /** Base URL for the SDK's `baseURL`. */
  url: string;
  /** Every request body received, in order. */
  requests: MessagesRequestBody[];
  /** Every request's headers (to check that keys are sent as headers, not logged). */
  headers: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/** A text block. */
export const text = (t: string): ScriptedBlock => ({ type: 'text', text: t });
/** A tool_use block. */
export const toolUse = (id: string, name: string, input: Record<string, unknown> = {}): ScriptedBlock => ({
  type: 'tool_use',
  id,
  name,
  input,
});

/** The tool_result blocks of the last user message of a request. */
export function lastToolResults(
  body: MessagesRequestBody,
): Array<{ tool_use_id: string; content: string; is_error?: boolean }> {
  const last = body.messages[body.messages.length - 1];
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<{ type: string; tool_use_id: string; content: unknown; is_error?: boolean }>)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      tool_use_id: b.tool_use_id,
      content: typeof b.content === 'string' ? b.content : JSON.stringify(b.content),
      ...(b.is_error ? { is_error: true } : {}),
    }));
}

/** Starts the server with a script. */
export async function startMessagesApiTestServer(script: Script): Promise<MessagesApiTestServer> {
  const requests: MessagesRequestBody[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages'))
        return send(404, {
          type: 'error',
          error: { type: 'not_found_error', message: `${req.method} ${req.url}` },
        });
      let body: MessagesRequestBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesRequestBody;
      } catch {
        return send(400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad JSON' } });
      }
      const index = requests.length;
      requests.push(body);
      headers.push(req.headers);
      let answer: ScriptedAnswer;
      try {
        answer = script(body, index);
      } catch (err) {
        return send(500, { type: 'error', error: { type: 'api_error', message: (err as Error).message } });
      }
      if ('status' in answer) return send(answer.status, { type: 'error', error: answer.error });
      const hasTool = answer.content.some((b) => b.type === 'tool_use');
      send(200, {
        id: `msg_${index}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: answer.content,
        stop_reason: answer.stop_reason ?? (hasTool ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: answer.usage ?? { input_tokens: 100, output_tokens: 20 },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    headers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

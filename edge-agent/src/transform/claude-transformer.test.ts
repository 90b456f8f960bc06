import { Migration } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgramFile } from '../sources';
import {
  lastToolResults,
  type MessagesApiTestServer,
  type Script,
  startMessagesApiTestServer,
  text,
  toolUse,
} from '../testing/messages-api-test-server';
import { createClaudeTransformer, resolveClaudeOptions } from './claude-transformer';
import type { InnerVerify, TraceEvent } from './transformer';

const migration = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'guard',
  title: 'guard',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'Use the monitor block.',
  scope: { pous: ['Press'], files: ['src/**'] },
  limits: { maxTurns: 4, sessions: 1 },
});

const files: ProgramFile[] = [
  {
    path: 'src/press.st',
    text: 'PROGRAM Press\nIF Door = TRUE THEN\n    Ok := TRUE;\nEND_IF;\nRun := Ok AND E_Stop_OK;\nEND_PROGRAM\n',
  },
  { path: 'tests/press.scenario.st', text: '(* scenario *)\n' },
];

// A stand-in verifier: compiles unless the text holds `BROKEN`; quick safety rejects a program without E_Stop_OK.
const verify: InnerVerify = async (fs) => {
  const t = fs.map((f) => f.text).join('\n');
  const diagnostics = t.includes('BROKEN')
    ? [
        {
          file: 'src/press.st',
          line: 2,
          column: 1,
          endLine: 2,
          endColumn: 2,
          severity: 'error' as const,
          code: 'ST2001',
          message: "unknown name 'BROKEN'",
        },
      ]
    : [];
  const findings = t.includes('E_Stop_OK')
    ? []
    : [
        {
          rule: 'SF-ESTOP-1',
          category: 'estop' as const,
          severity: 'error' as const,
          file: 'src/press.st',
          line: 5,
          message: 'E-stop term removed',
        },
      ];
  return { ok: diagnostics.length === 0 && findings.length === 0, diagnostics, findings };
};

let server: MessagesApiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(script: Script, overrides: { maxTurns?: number; sessions?: number } = {}) {
  server = await startMessagesApiTestServer(script);
  const trace: TraceEvent[] = [];
  const t = createClaudeTransformer({ apiKey: 'sk-test-secret', baseURL: server.url, ...overrides });
  const result = await t.transform({ migration, files, verify, trace: (e) => trace.push(e) });
  return { result, trace, server };
}

describe('claude transformer against a local Messages API server', () => {
  it('succeeds in three turns: read, edit + verify, summary', async () => {
    const {
      result,
      trace,
      server: s,
    } = await run((body, i) => {
      if (i === 0)
        return { content: [text('Reading.'), toolUse('t1', 'read_file', { path: 'src/press.st' })] };
      if (i === 1) {
        expect(lastToolResults(body)[0]?.content).toContain('IF Door = TRUE THEN');
        return {
          content: [
            toolUse('t2', 'edit', {
              path: 'src/press.st',
              old_text: 'IF Door = TRUE THEN\n    Ok := TRUE;\nEND_IF;',
              new_text: 'Door_Monitor(Guard_Sensor_1 := Door, Safety_OK => Ok);',
            }),
            toolUse('t3', 'verify'),
          ],
        };
      }
      expect(lastToolResults(body).map((r) => r.content)).toEqual([
        'edited src/press.st; run verify',
        expect.stringMatching(/^OK/),
      ]);
      return { content: [text('Done: the guard uses the monitor block.')] };
    });
    expect(result.outcome).toBe('changed');
    expect(result.turns).toBe(3);
    expect(result.tokens).toEqual({ input: 300, output: 60 });
    expect(result.files.find((f) => f.path === 'src/press.st')?.text).toContain('Door_Monitor(');
    // the key travels as a header, never into the trace
    const h = s.headers[0] ?? {};
    expect(`${h['x-api-key'] ?? ''} ${h.authorization ?? ''}`).toContain('sk-test-secret');
    expect(JSON.stringify(trace)).not.toContain('sk-test-secret');
    expect(trace.filter((e) => e.type === 'model.response')).toHaveLength(3);
    expect(s.requests[0]?.tools?.map((t) => t.name)).toEqual([
      'list_files',
      'read_file',
      'search',
      'edit',
      'verify',
      'diff',
    ]);
  });

  it('fails a session that ignores its tools', async () => {
    const { result } = await run(() => ({
      content: [text('You should replace the IF with the monitor block.')],
    }));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('without editing anything');
    expect(result.files).toEqual(files);
  });

  it('refuses an edit outside the file scope and says so to the model', async () => {
    const { result, server: s } = await run((_b, i) =>
      i === 0
        ? { content: [toolUse('t1', 'edit', { path: 'tests/press.scenario.st', content: '(* gone *)\n' })] }
        : { content: [text('done')] },
    );
    expect(lastToolResults(s.requests[1]!)[0]).toMatchObject({
      is_error: true,
      content: expect.stringContaining('outside the migration'),
    });
    expect(result.outcome).toBe('failed');
  });

  it('rejects a session that deletes a safety term to make verification pass', async () => {
    const { result } = await run((_b, i) =>
      i === 0
        ? {
            content: [
              toolUse('t1', 'edit', {
                path: 'src/press.st',
                old_text: 'Run := Ok AND E_Stop_OK;',
                new_text: 'Run := Ok;',
              }),
            ],
          }
        : { content: [text('Simplified.')] },
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('E-stop term removed');
    expect(result.lastReport?.findings[0]?.category).toBe('estop');
    // the rejected state is returned for the evidence
    expect(result.files.find((f) => f.path === 'src/press.st')?.text).toContain('Run := Ok;');
  });

  it('stops a session that never converges at maxTurns, retrying whole sessions', async () => {
    const {
      result,
      trace,
      server: s,
    } = await run((_b, i) => ({ content: [toolUse(`t${i}`, 'search', { pattern: 'Door' })] }), {
      maxTurns: 3,
      sessions: 2,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('did not converge within 3 turns');
    expect(s.requests).toHaveLength(6);
    expect(result.turns).toBe(6);
    expect(trace.filter((e) => e.type === 'session.end').map((e) => e.result)).toEqual(['limit', 'limit']);
  });

  it('retries a whole session from the original program when the first one ends unverified', async () => {
    const { result, trace } = await run(
      (_b, i) => {
        // session 1: a broken edit, then stop; session 2: a good edit, then stop
        if (i === 0)
          return {
            content: [
              toolUse('a', 'edit', {
                path: 'src/press.st',
                old_text: 'Ok := TRUE;',
                new_text: 'Ok := BROKEN;',
              }),
            ],
          };
        if (i === 2)
          return {
            content: [
              toolUse('b', 'edit', {
                path: 'src/press.st',
                old_text: 'Ok := TRUE;',
                new_text: 'Ok := Door;',
              }),
            ],
          };
        return { content: [text('done')] };
      },
      { sessions: 2 },
    );
    expect(result.outcome).toBe('changed');
    expect(result.turns).toBe(4);
    const press = result.files.find((f) => f.path === 'src/press.st')!.text;
    expect(press).toContain('Ok := Door;');
    expect(press).not.toContain('BROKEN');
    expect(trace.filter((e) => e.type === 'session.end').map((e) => e.result)).toEqual([
      'rejected',
      'verified',
    ]);
  });

  it('stops at the wall-clock limit', async () => {
    server = await startMessagesApiTestServer(() => ({ content: [toolUse('t', 'list_files')] }));
    const t = createClaudeTransformer({ apiKey: 'k', baseURL: server.url, wallClockMs: 1, sessions: 3 });
    const r = await t.transform({ migration, files, verify, trace: () => {} });
    // the first turn may start within the first millisecond; no session outlives the limit by more than one turn
    expect(r.outcome).toBe('failed');
    expect(r.reason).toContain('wall-clock limit of 1 ms');
    expect(server.requests.length).toBeLessThanOrEqual(1);
  });

  it('stops at the token budget', async () => {
    const { result, server: s } = await run(() => ({
      content: [toolUse('t', 'list_files')],
      usage: { input_tokens: 150_000, output_tokens: 60_000 },
    }));
    expect(s.requests).toHaveLength(1);
    expect(result.reason).toContain('token budget');
  });

  it('reports a model service failure as an error, not a verdict', async () => {
    await expect(
      run(() => ({ status: 400, error: { type: 'invalid_request_error', message: 'bad model' } })),
    ).rejects.toThrow(/model request failed/);
  });

  it('resolves options from the environment', () => {
    expect(resolveClaudeOptions({}, {})).toBeNull();
    expect(resolveClaudeOptions({}, { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://x' })).toEqual({
      apiKey: 'k',
      baseURL: 'http://x',
    });
  });
});

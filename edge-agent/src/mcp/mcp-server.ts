/**
 * plcfleet's verifiers as an MCP server, so that an engineer's own coding
 * agent (Claude Code or any MCP client) can compile, safety-check, simulate
 * and compare a plant project while working on it. The program as it was when
 * the server started is the baseline; every tool reads the project's current
 * state from disk. Read-only unless `allowEdit`.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Migration, type SitePolicy } from '@plcfleet/protocols';
import { parseScenarioFile, VirtualPlc } from '@plcfleet/toolchain/sim';
import { z } from 'zod';
import { createVerifiers, jsonSafe } from '../migrate';
import { createDirectorySource, type ProgramFile, safeRelativePath } from '../sources';
import { formatInnerReport, runTool, unifiedDiff, Workspace } from '../transform';

/** Options of {@link createPlcfleetMcpServer}. */
export interface PlcfleetMcpOptions {
  /** Project directory (or one file). */
  project: string;
  /** Site policy for the safety tools; nothing is protected without one. */
  policy?: SitePolicy | null;
  /** Offer the `edit` tool, which writes to the project. @default false */
  allowEdit?: boolean;
  /**
   * The build's define set: the `{IF defined(...)}` branches the simulations and proofs run.
   * Absent, a project with `{IF}` branches is compiled (every branch) but not simulated
   * (decision 0178), as by the CLI's commands.
   */
  defines?: readonly string[];
}

type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };
const ok = (text: string): ToolResult => ({ content: [{ type: 'text', text }] });
const fail = (text: string): ToolResult => ({ content: [{ type: 'text', text }], isError: true });

const json = (v: unknown) => ok(JSON.stringify(jsonSafe(v), null, 2));

/** The migration-shaped wrapper the verifiers need for an ad-hoc equivalence check. */
function adHocMigration(equivalence: Record<string, unknown>): Migration {
  return Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'mcp-session',
    title: 'MCP session',
    type: 'code',
    safetyClass: 'non-safety',
    goal: 'ad-hoc verification',
    scope: {},
    successCriteria: { equivalence },
  });
}

/** Builds the server with its tools (not yet connected). */
export async function createPlcfleetMcpServer(options: PlcfleetMcpOptions): Promise<McpServer> {
  const source = createDirectorySource(options.project);
  const baseline: ProgramFile[] = await source.read();
  const policy = options.policy ?? null;
  const defines = options.defines;
  const verifiers = createVerifiers({ policy, ...(defines ? { defines } : {}) });
  const server = new McpServer({ name: 'plcfleet', version: '0.1.0' });
  const current = () => source.read();
  const workspace = async () => new Workspace(await current());
  const noVerify = async () => ({ ok: true, diagnostics: [], findings: [] });
  const guarded =
    <A>(fn: (args: A) => Promise<ToolResult>) =>
    async (args: A): Promise<ToolResult> => {
      try {
        return await fn(args);
      } catch (err) {
        return fail((err as Error).message);
      }
    };

  server.registerTool(
    'list_files',
    { description: 'List the project files with their line counts.', inputSchema: {} },
    guarded(async () => ok((await runTool('list_files', {}, await workspace(), noVerify)).text)),
  );
  server.registerTool(
    'read_file',
    {
      description: 'Read a project file (or a line range) with line numbers.',
      inputSchema: {
        path: z.string(),
        start_line: z.number().int().min(1).optional(),
        end_line: z.number().int().min(1).optional(),
      },
    },
    guarded(async (args) => {
      const a = await runTool('read_file', args, await workspace(), noVerify);
      return a.isError ? fail(a.text) : ok(a.text);
    }),
  );
  server.registerTool(
    'search',
    {
      description: 'Regular-expression search over the project (path:line: text).',
      inputSchema: { pattern: z.string(), case_sensitive: z.boolean().optional() },
    },
    guarded(async (args) => {
      const a = await runTool('search', args, await workspace(), noVerify);
      return a.isError ? fail(a.text) : ok(a.text);
    }),
  );
  server.registerTool(
    'compile',
    {
      description:
        'Parse and check the project; answers OK or the diagnostics (file:line:column code message).',
      inputSchema: {},
    },
    guarded(async () => {
      const r = verifiers.compile(await current());
      const lines = r.diagnostics.map(
        (d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`,
      );
      return ok(r.ok ? `OK${lines.length ? `\n${lines.join('\n')}` : ''}` : `FAILED\n${lines.join('\n')}`);
    }),
  );
  server.registerTool(
    'safety',
    {
      description:
        'Safety verification of the current project against the baseline (the program when the server started) under the site policy. quick: static rules; full: adds the simulation proofs.',
      inputSchema: { mode: z.enum(['quick', 'full']).default('quick') },
    },
    guarded(async ({ mode }) => {
      // every file of the project: compile reads the ST sources and an L5X as its model,
      // as the safety command does (an L5X is no parsed file, so it must not be filtered out)
      const files = await current();
      if (mode === 'quick') return ok(formatInnerReport(await verifiers.inner(baseline)(files)));
      return json(await verifiers.safety(verifiers.compile(baseline), verifiers.compile(files), 'full'));
    }),
  );
  server.registerTool(
    'simulate',
    {
      description:
        'Run a PROGRAM of the current project for some scans on the virtual PLC; inputs are set before the first scan.',
      inputSchema: {
        program: z.string(),
        scans: z.number().int().min(1).max(1_000_000),
        inputs: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])).optional(),
        vars: z.array(z.string()).optional(),
      },
    },
    guarded(async ({ program, scans, inputs, vars }) => {
      const r = verifiers.compile(await current());
      if (!r.ok) return fail('the project does not compile; run compile');
      // an L5X runs as its model, as the safety and equivalence checks run it; a program with
      // {IF} branches only with a define set (decision 0178)
      const units = verifiers.simulationUnits(r);
      const plc = new VirtualPlc({ units }, { program });
      for (const [k, v] of Object.entries(inputs ?? {})) plc.set(k, v);
      const fault = plc.scan(scans);
      const names = vars ?? plc.outputNames();
      return json({
        scans: plc.scanCount,
        t_ms: plc.timeMs,
        fault,
        values: Object.fromEntries(names.map((n) => [n, plc.get(n)])),
      });
    }),
  );
  server.registerTool(
    'scenarios',
    {
      description: 'Run a scenario file (YAML, path relative to the project) against the current project.',
      inputSchema: { file: z.string() },
    },
    guarded(async ({ file }) => {
      const text = await readFile(join(source.location, safeRelativePath(file)), 'utf8');
      const r = verifiers.compile(await current());
      if (!r.ok) return fail('the project does not compile; run compile');
      return json(verifiers.scenarios(r, [parseScenarioFile(text, file)]));
    }),
  );
  server.registerTool(
    'equivalence',
    {
      description:
        'Differential equivalence of the baseline and the current project on seeded random inputs: assumptions (`B = A`), relations (`Out: new -> old`), allowed differences.',
      inputSchema: {
        program: z.string().optional(),
        assumptions: z.array(z.string()).optional(),
        relations: z.array(z.string()).optional(),
        allowedDifferences: z.array(z.string()).optional(),
        seed: z.number().int().optional(),
        runs: z.number().int().min(1).max(10_000).optional(),
        scans: z.number().int().min(1).max(100_000).optional(),
      },
    },
    guarded(async (args) => {
      const m = adHocMigration(Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)));
      const v = createVerifiers({ migration: m, policy, ...(defines ? { defines } : {}) });
      const before = v.compile(baseline);
      const after = v.compile(await current());
      if (!before.ok || !after.ok)
        return fail('the baseline or the current project does not compile; run compile');
      return json(await v.equivalence(before, after, []));
    }),
  );
  server.registerTool(
    'diff',
    { description: 'Unified diff from the baseline to the current project.', inputSchema: {} },
    guarded(async () => ok(unifiedDiff(baseline, await current()) || 'no changes')),
  );
  if (options.allowEdit)
    server.registerTool(
      'edit',
      {
        description:
          'Replace the one occurrence of old_text with new_text in a file, or write content as the whole file. Writes to the project.',
        inputSchema: {
          path: z.string(),
          old_text: z.string().optional(),
          new_text: z.string().optional(),
          content: z.string().optional(),
        },
      },
      guarded(async (args) => {
        const ws = await workspace();
        const a = await runTool('edit', args, ws, noVerify);
        if (a.isError) return fail(a.text);
        const changed = ws
          .files()
          .filter((f) => ws.originalFiles().find((o) => o.path === f.path)?.text !== f.text);
        await source.write(changed);
        return ok(`edited ${args.path}`);
      }),
    );
  return server;
}

/**
 * Serves the verifiers over stdio until the client disconnects (closes our
 * stdin) or `signal` aborts; then closes the server and returns.
 */
export async function serveMcpOverStdio(options: PlcfleetMcpOptions, signal?: AbortSignal): Promise<void> {
  const server = await createPlcfleetMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not watch for the end of stdin; without this the
    // process ran out of work with this promise pending and Node exited 13.
    process.stdin.once('end', () => resolve());
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  await closed;
  await server.close();
}

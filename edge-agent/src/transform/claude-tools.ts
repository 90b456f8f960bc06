/**
 * The Claude transformer's tools: few and sharp. Each answers with short text
 * (what a person would want to see in a terminal), capped so that one answer
 * cannot eat the token budget.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { InnerReport, InnerVerify } from './transformer';
import { splitLines } from './unified-diff';
import { EditRefused, type Workspace } from './workspace';

/** Largest tool answer in characters. */
const MAX_ANSWER = 20_000;
const MAX_SEARCH_HITS = 200;
const MAX_READ_LINES = 500;

/** The tool definitions sent with every request. */
export const CLAUDE_TOOLS: Anthropic.Tool[] = [
  {
    name: 'list_files',
    description: 'List the project files with their line counts.',
    input_schema: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'read_file',
    description: 'Read a file (or a line range of it) with line numbers.',
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        start_line: { type: 'integer', minimum: 1 },
        end_line: { type: 'integer', minimum: 1 },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'search',
    description:
      'Search the project with a regular expression (JavaScript syntax, case-insensitive by default). Answers path:line: text, like ripgrep.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        case_sensitive: { type: 'boolean' },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
  },
  {
    name: 'edit',
    description:
      'Change a file: replace the one occurrence of old_text with new_text, or give content to write the whole file (a new POU). Only files inside the migration scope may change.',
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        old_text: { type: 'string' },
        new_text: { type: 'string' },
        content: { type: 'string' },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'verify',
    description:
      'Compile the current project and run the quick safety rules against the original. Answers OK or the relevant errors.',
    input_schema: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'diff',
    description: 'Show the unified diff of your changes so far.',
    input_schema: { type: 'object', properties: {}, additionalProperties: false },
  },
];

/** The answer of one tool call. */
export interface ToolAnswer {
  text: string;
  isError: boolean;
  /** The inner report when the tool was `verify`. */
  report?: InnerReport;
}

function cap(text: string): string {
  return text.length > MAX_ANSWER
    ? `${text.slice(0, MAX_ANSWER)}\n… (cut at ${MAX_ANSWER} characters)`
    : text;
}

function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  return typeof v === 'string' ? v : undefined;
}

/** Formats an inner report concisely: OK, or at most 20 errors and findings. */
export function formatInnerReport(report: InnerReport): string {
  if (report.ok) {
    const warnings = report.findings.filter((f) => f.severity !== 'error').length;
    return `OK: the project compiles and quick safety found no error${warnings ? ` (${warnings} warning(s))` : ''}.`;
  }
  const lines: string[] = [];
  for (const d of report.diagnostics.filter((x) => x.severity === 'error'))
    lines.push(`${d.file}:${d.line}:${d.column}: error ${d.code}: ${d.message}`);
  for (const f of report.findings.filter((x) => x.severity === 'error'))
    lines.push(`${f.file}:${f.line}: safety ${f.category} (${f.rule}): ${f.message}`);
  const shown = lines.slice(0, 20);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return `FAILED:\n${shown.join('\n')}`;
}

/** Runs one tool call against the workspace. Never throws: a bad call is answered with an error text. */
export async function runTool(
  name: string,
  input: Record<string, unknown>,
  ws: Workspace,
  verify: InnerVerify,
): Promise<ToolAnswer> {
  try {
    switch (name) {
      case 'list_files':
        return {
          text: ws
            .paths()
            .map((p) => `${p} (${splitLines(ws.get(p) ?? '').length} lines)`)
            .join('\n'),
          isError: false,
        };
      case 'read_file': {
        const path = str(input, 'path') ?? '';
        const text = ws.get(path);
        if (text === undefined) return { text: `no file ${path}; use list_files`, isError: true };
        const lines = splitLines(text);
        const start = Math.max(1, Number(input.start_line ?? 1) || 1);
        const end = Math.min(
          lines.length,
          Number(input.end_line ?? start + MAX_READ_LINES - 1) || lines.length,
        );
        const out = [];
        for (let i = start; i <= end && i - start < MAX_READ_LINES; i++)
          out.push(`${String(i).padStart(5)}| ${lines[i - 1]}`);
        if (end < lines.length) out.push(`… ${lines.length - end} more lines (use start_line)`);
        return { text: cap(out.join('\n')), isError: false };
      }
      case 'search': {
        const pattern = str(input, 'pattern') ?? '';
        let re: RegExp;
        try {
          re = new RegExp(pattern, input.case_sensitive === true ? '' : 'i');
        } catch (err) {
          return { text: `bad regular expression: ${(err as Error).message}`, isError: true };
        }
        const hits: string[] = [];
        for (const p of ws.paths()) {
          for (const [i, line] of splitLines(ws.get(p) ?? '').entries()) {
            if (re.test(line)) hits.push(`${p}:${i + 1}: ${line.trim()}`);
            if (hits.length >= MAX_SEARCH_HITS) break;
          }
          if (hits.length >= MAX_SEARCH_HITS) break;
        }
        return { text: cap(hits.length ? hits.join('\n') : 'no matches'), isError: false };
      }
      case 'edit': {
        const path = str(input, 'path') ?? '';
        const content = str(input, 'content');
        if (content !== undefined) ws.write(path, content);
        else {
          const oldText = str(input, 'old_text');
          const newText = str(input, 'new_text');
          if (oldText === undefined || newText === undefined)
            return { text: 'give old_text and new_text, or content', isError: true };
          ws.replace(path, oldText, newText);
        }
        return { text: `edited ${path}; run verify`, isError: false };
      }
      case 'verify': {
        const report = await verify(ws.files());
        return { text: formatInnerReport(report), isError: false, report };
      }
      case 'diff':
        return { text: cap(ws.diff() || 'no changes yet'), isError: false };
      default:
        return { text: `unknown tool ${name}`, isError: true };
    }
  } catch (err) {
    if (err instanceof EditRefused) return { text: err.message, isError: true };
    throw err;
  }
}

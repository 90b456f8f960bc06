/**
 * The transformer seam: a recipe engine and a Claude tool-use loop both turn a
 * program and a migration into a changed program, with the inner loop's
 * verifier (compile + quick safety) at hand.
 */
import type { Diagnostic, Migration, SafetyFinding } from '@plcfleet/protocols';
import type { ProgramFile } from '../sources';

/** What the inner loop's verifier says about one program state. */
export interface InnerReport {
  /** True when the program compiles and quick safety found no error. */
  ok: boolean;
  /** Compile diagnostics (errors first). */
  diagnostics: Diagnostic[];
  /** Quick (static) safety findings. */
  findings: SafetyFinding[];
}

/** Compile + quick safety of a program state against the original (the inner loop's check). */
export type InnerVerify = (files: readonly ProgramFile[]) => Promise<InnerReport>;

/** One line of the job's trace (`trace.jsonl`): model requests and responses, tool calls, verifier runs. Never a secret. */
export interface TraceEvent {
  type: string;
  [key: string]: unknown;
}

/** Progress for a person watching (`migrate` prints it on stderr). */
export interface ProgressEvent {
  phase: string;
  message: string;
  turn?: number;
}

/** Where a recipe rule applied: the scope judge checks every change against these. */
export interface RuleApplication {
  rule: string;
  file: string;
  pou: string;
  /** 1-based lines of the matched statement(s) in the original file. */
  line: number;
  endLine: number;
  /** Metavariable bindings as source text. */
  bindings: Record<string, string>;
}

/** What a transformer is given. */
export interface TransformRequest {
  migration: Migration;
  /** The program as read, sorted by path. */
  files: readonly ProgramFile[];
  /** The inner loop's verifier. */
  verify: InnerVerify;
  trace: (event: TraceEvent) => void;
  progress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What a transformer returns. */
export interface TransformResult {
  /** `changed`: a program that passed the inner loop; `no-change`: nothing to do; `failed`: no acceptable change. */
  outcome: 'changed' | 'no-change' | 'failed';
  /** The final program (every file), equal to the input unless `changed`. On `failed` the last attempted state, for evidence. */
  files: ProgramFile[];
  /** One line for the verdict. */
  reason: string;
  /** Model turns used (0 for recipes). */
  turns: number;
  tokens: { input: number; output: number };
  /** Recipe rule applications (empty for model transformers). */
  applications: RuleApplication[];
  /** The inner loop's last report on `files`, when it ran. */
  lastReport?: InnerReport;
}

/** A transformer: `recipe` (deterministic, offline) or `claude` (tool-use loop). */
export interface Transformer {
  readonly name: 'recipe' | 'claude';
  transform(request: TransformRequest): Promise<TransformResult>;
}

/**
 * The seam between the executor and a kind of migration. The executor reads the
 * program, checks preconditions and runs the outer loop (compile, safety,
 * scenarios, equivalence, judges) the same way for every kind; a kind says how the
 * change is made, how its equivalence is judged and what its scope judge checks.
 */
import type { Evidence, Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import type { JudgeResult } from '../../judge';
import type { ProgramFile } from '../../sources';
import type { ProgressEvent, TraceEvent, Transformer, TransformResult } from '../../transform';
import type { CompileReport, EquivalenceOutcome, Verifiers } from '../verifiers';

/** What a kind is given for one job. */
export interface KindJob {
  migration: Migration;
  /** The program as read, sorted by path (program sources and, where the source gives them, tag maps and HMI files). */
  files: readonly ProgramFile[];
  /** The program as read, compiled. */
  before: CompileReport;
  verifiers: Verifiers;
  /** The configured transformer; kinds that are deterministic do not use it. */
  transformer: Transformer;
  policy: SitePolicy | null;
  siteFacts: SiteFacts | null;
  trace: (event: TraceEvent) => void;
  progress: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** One kind of migration (`code`, `protocol-cutover`, `tag-change`, …). */
export interface MigrationKind {
  /**
   * The kind edits plant files beside the program (tag maps, HMI): a directory source is read with
   * those in scope (`withPlantFiles`) — always, or for the migrations the function selects.
   */
  readonly plantFiles?: boolean | ((migration: Migration) => boolean);
  /** The evidence's `transformer` field: the configured transformer's name, or `none` for deterministic kinds. */
  transformerName(job: Pick<KindJob, 'transformer'>): 'recipe' | 'claude' | 'none';
  /** Makes the change (the transformer's part); never writes to the source. */
  change(job: KindJob): Promise<TransformResult>;
  /** Differential equivalence of old and new; `null` when the kind has nothing to compare. */
  equivalence(
    job: KindJob,
    after: CompileReport,
    result: TransformResult,
  ): Promise<EquivalenceOutcome | null>;
  /** The deterministic scope judge of the change. */
  scopeJudge(job: KindJob, after: CompileReport, result: TransformResult): JudgeResult;
  /** Fields of the verdict's evidence only this kind fills (ladder-to-st: `routines`), for `result` of its `change`. */
  evidence?(result: TransformResult): Pick<Evidence, 'routines'>;
}

import { type JobBundle, Verdict } from '@plcfleet/protocols';
import type { JobRunContext, JobRunner, JobRunResult } from '../agent';
import { hashProgram, type ProgramSource } from '../sources';

/**
 * A job runner for tests: reads the program from a source, appends a marker
 * line to every file (the "change"), and passes — unless the test holds the
 * job at a gate, fails it, or makes it throw. Honours the abort signal.
 */
export class ScriptedRunner implements JobRunner {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  private holdAll = false;
  throwFor = new Set<string>();

  constructor(private readonly source: ProgramSource) {}

  /** Jobs started from now on wait until {@link release}. */
  hold(): void {
    this.holdAll = true;
  }

  /** Lets held jobs (or one) finish. */
  release(jobId?: string): void {
    if (jobId === undefined) this.holdAll = false;
    for (const [id, g] of this.gates) if (jobId === undefined || id === jobId) g.open();
  }

  private gate(jobId: string): Promise<void> {
    let open!: () => void;
    const promise = new Promise<void>((r) => {
      open = r;
    });
    this.gates.set(jobId, { promise, open });
    return promise;
  }

  async run(bundle: JobBundle, ctx: JobRunContext): Promise<JobRunResult> {
    this.started.push(bundle.jobId);
    ctx.logger.info({ phase: 'read' }, 'reading the program');
    ctx.onProgress({ phase: 'read', message: 'reading the program' });
    if (this.holdAll) {
      const gate = this.gate(bundle.jobId);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.aborted.push(bundle.jobId);
          reject(ctx.signal.reason);
        };
        if (ctx.signal.aborted) return onAbort();
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        void gate.then(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    if (this.throwFor.has(bundle.jobId)) throw new Error('the executor crashed');
    const before = await this.source.read();
    const after = before.map((f) => ({ ...f, text: `${f.text}(* changed by ${bundle.migration.id} *)\n` }));
    const verdict = Verdict.parse({
      jobId: bundle.jobId,
      site: bundle.site,
      migrationId: bundle.migration.id,
      revision: bundle.migration.revision,
      outcome: 'passed',
      evidence: { sha256Before: hashProgram(before), sha256After: hashProgram(after), transformer: 'recipe' },
    });
    return { verdict, program: after };
  }
}

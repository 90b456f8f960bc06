/**
 * The agent's drift checks: on a schedule (hourly by default) and after every
 * deploy or rollback, read the live program and the released one, compare them
 * semantically, keep the live read content-addressed, and report a
 * `DriftReport` (with the hash history) to the control plane. Checks never
 * overlap: one asked for while another runs follows it.
 */
import type { DriftReport, DriftTrigger } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { ProgramSource } from '../sources';
import { checkDrift } from './check-drift';
import type { LiveStore } from './live-store';

/** Settings of {@link DriftMonitor}. */
export interface DriftMonitorOptions {
  site: string;
  /** The released program (the plant's Git repository, or a folder). */
  released: ProgramSource;
  /** The live program (the PLC). */
  live: ProgramSource;
  store: LiveStore;
  /** Between scheduled checks. @default 3_600_000 (hourly) */
  intervalMs?: number;
  /** Hands a report to the link (sent, or buffered while it is down). */
  report: (report: DriftReport) => void;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Runs drift checks for one site. */
export class DriftMonitor {
  private timer: NodeJS.Timeout | undefined;
  /** The last check asked for: checks run one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: DriftMonitorOptions) {}

  /**
   * Starts the schedule with a first check at once: a site restarted at the plant is not
   * `unknown` to the fleet for an interval.
   */
  start(): void {
    void this.check('schedule');
    const every = this.o.intervalMs ?? 3_600_000;
    this.timer = setInterval(() => void this.check('schedule'), every);
    this.timer.unref?.();
  }

  /**
   * Checks after any check already asked for, and reports; resolves with the
   * report, or undefined when a side could not be read (logged; the next check
   * tries again) or the monitor stopped.
   */
  check(trigger: DriftTrigger): Promise<DriftReport | undefined> {
    const next = this.chain.then(() => (this.stopped ? undefined : this.run(trigger)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(trigger: DriftTrigger): Promise<DriftReport | undefined> {
    const { site, released, live, store, logger } = this.o;
    const at = (this.o.now ?? (() => new Date()))();
    let checked: Awaited<ReturnType<typeof checkDrift>>;
    try {
      checked = await checkDrift(released, live);
    } catch (err) {
      logger.warn({ err: (err as Error).message, trigger }, 'drift check failed; the next one tries again');
      return undefined;
    }
    let history: DriftReport['history'];
    try {
      ({ history } = await store.add(checked.live.files, at));
    } catch (err) {
      // The report still goes out; only the local record of this read is missing.
      logger.warn({ err: (err as Error).message }, 'keeping the live read failed');
      history = [];
    }
    const report: DriftReport = {
      ...checked.comparison,
      site,
      checkedAt: at.toISOString(),
      trigger,
      released: checked.released.location,
      ...(checked.released.commit ? { releasedCommit: checked.released.commit } : {}),
      live: checked.live.location,
      history: history.slice(0, 100),
    };
    logger.info(
      { trigger, status: report.status, pous: report.pous.map((p) => p.pou), liveSha256: report.liveSha256 },
      'drift checked',
    );
    if (!this.stopped) this.o.report(report);
    return report;
  }

  /** Stops the schedule and waits for a running check. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.chain;
    await this.o.released.close().catch(() => undefined);
  }
}

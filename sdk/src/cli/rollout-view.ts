import type { AgentView, JobView, RolloutDetail, RolloutProgress } from '@plcfleet/protocols';
import { formatDuration, type Output } from './output';

/** Job states that are over (a `retried` job was replaced by a new attempt and is not counted). */
const DONE = new Set(['passed', 'failed', 'skipped', 'error', 'cancelled']);
const FAILED = new Set(['failed', 'error']);
const STATE_COLOUR: Record<string, Parameters<Output['paint']>[0]> = {
  running: 'blue',
  completed: 'green',
  paused: 'yellow',
  halted: 'red',
  aborted: 'red',
  passed: 'green',
  failed: 'red',
  error: 'red',
  skipped: 'yellow',
  watching: 'blue',
  'awaiting-deploy': 'yellow',
  'awaiting-approval': 'yellow',
  done: 'green',
};

/** How many decisions the view shows. */
const LAST_DECISIONS = 5;
/** How many site names a phase line shows before `+N more`. */
const SITES_SHOWN = 8;
/** Job states that wait for an agent of their site to take them. */
const WAITING = new Set(['queued', 'ready']);

/** `a, b, c +5 more`. */
function siteList(sites: readonly string[]): string {
  const shown = sites.slice(0, SITES_SHOWN).join(', ');
  return sites.length > SITES_SHOWN ? `${shown} +${sites.length - SITES_SHOWN} more` : shown;
}

/**
 * The live view of `rollouts watch`: a progress bar per phase with its sites,
 * job counts by state, the gates of the current phase with where they stand,
 * the sites whose jobs wait for an agent that is not there (when `agents` is
 * given), per phase the sites verified / approved / deployed / watched / rolled back
 * (and deploys deferred while the line is busy), what the phase waits for and its shadow
 * gate (when `progress` is given), and the last decisions.
 * Pure: the same input gives the same lines.
 */
export function renderRolloutView(
  detail: RolloutDetail,
  jobs: readonly JobView[],
  out: Pick<Output, 'paint'>,
  width = 24,
  agents?: readonly AgentView[],
  progress?: RolloutProgress,
): string[] {
  const r = detail.rollout;
  const paint = (s: string) => out.paint(STATE_COLOUR[s] ?? 'grey', s);
  const phases = r.plan.phases;
  const lines: string[] = [];
  // The server names an unnamed rollout after its migration: do not say it twice.
  const named = r.name && r.name !== `${r.migrationId}@${r.revision}`;
  lines.push(
    `${out.paint('bold', `rollout ${r.id}`)} ${named ? `"${r.name}" ` : ''}· ${r.migrationId}@${r.revision} · ${paint(r.state)}`,
  );
  if (r.stateReason) lines.push(`  ${r.stateReason}`);
  const nameWidth = Math.max(...phases.map((p) => p.name.length));
  phases.forEach((phase, i) => {
    const mine = jobs.filter((j) => j.phaseIndex === i && j.state !== 'retried');
    const done = mine.filter((j) => DONE.has(j.state)).length;
    const label = `${i === r.phaseIndex ? '▶' : ' '} ${i + 1}. ${phase.name.padEnd(nameWidth)}`;
    const indent = ' '.repeat(label.length + 2);
    const outcome = progress?.phases[i];
    // A paused or halted rollout's phase is paused or halted, whatever it was doing.
    const phaseStatus =
      outcome?.status ?? (r.state === 'paused' || r.state === 'halted' ? r.state : r.phaseState);
    const outcomeLine = () => {
      if (!outcome || outcome.counts.sites === 0) return;
      const c = outcome.counts;
      lines.push(
        `${indent}verified ${c.verified} · approved ${c.approved} · deployed ${c.deployed} · watched ${c.watched} · rolled back ${c.rolledBack}` +
          (c.rolledBackInconclusive ? ` (${c.rolledBackInconclusive} inconclusive)` : '') +
          (c.deferred ? ` · deferred ${c.deferred} (line busy)` : '') +
          (outcome.waitsFor.length ? ` · waits for ${outcome.waitsFor.join(', ')}` : ''),
      );
      // The shadow gate's line: sites passed, running (how far), failed.
      if (outcome.shadow) lines.push(`${indent}${outcome.shadow}`);
    };
    if (mine.length === 0) {
      lines.push(
        `${label}  ${'·'.repeat(width)}  ${i < r.phaseIndex ? 'no sites' : i === r.phaseIndex ? phaseStatus : 'not started'}`,
      );
      // Sites named in the plan are known before the phase starts.
      if (i >= r.phaseIndex && phase.select.sites?.length)
        lines.push(`${indent}sites: ${siteList(phase.select.sites)}`);
      return;
    }
    const filled = Math.round((done / mine.length) * width);
    const failed = mine.filter((j) => FAILED.has(j.state)).length;
    const bar = out.paint(failed ? 'red' : 'green', '█'.repeat(filled)) + '░'.repeat(width - filled);
    const live = r.state === 'running' || r.state === 'paused';
    const shown = outcome ? outcome.status !== 'done' || i === r.phaseIndex : i === r.phaseIndex && live;
    const status = shown ? ` · ${paint(phaseStatus)}` : '';
    lines.push(`${label}  ${bar}  ${done}/${mine.length} done${failed ? `, ${failed} failed` : ''}${status}`);
    lines.push(`${indent}sites: ${siteList(mine.map((j) => j.site))}`);
    outcomeLine();
  });
  const counts = Object.entries(detail.jobs)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${paint(s)} ${n}`);
  lines.push(`jobs: ${counts.join(' · ') || 'none yet'}`);
  const phase = phases[r.phaseIndex];
  if (phase) {
    const g = phase.gates;
    const mine = jobs.filter((j) => j.phaseIndex === r.phaseIndex && j.state !== 'retried');
    const done = mine.filter((j) => DONE.has(j.state) && j.state !== 'cancelled');
    const failed = done.filter((j) => FAILED.has(j.state)).length;
    const safety = mine.filter((j) => j.safetyFailure).length;
    const pct = done.length ? (failed / done.length) * 100 : 0;
    const mark = (ok: boolean) => (ok ? out.paint('green', '✓') : out.paint('red', '✗'));
    lines.push(
      `gates (phase ${r.phaseIndex + 1}): ` +
        [
          `sample ${done.length}/${g.minSample} ${mark(done.length >= g.minSample)}`,
          `failures ${round(pct)}% ≤ ${g.maxFailurePercent}% ${mark(pct <= g.maxFailurePercent)}`,
          `safety ${safety} ≤ ${g.maxSafetyFailures} ${mark(safety <= g.maxSafetyFailures)}`,
          `soak ${formatDuration(g.soak)}`,
          g.requireApproval ? 'promotion by a person' : 'auto-promote',
        ].join(' · '),
    );
  }
  if (agents && (r.state === 'running' || r.state === 'paused')) {
    const waiting = jobs.filter((j) => j.phaseIndex === r.phaseIndex && WAITING.has(j.state));
    const missing = [...new Set(waiting.map((j) => j.site))].flatMap((site) => {
      const own = agents.filter((a) => a.site === site && !a.revoked);
      if (own.some((a) => a.connected)) return [];
      return [`${site} (${own.length ? 'agent not connected' : 'no agent enrolled'})`];
    });
    if (missing.length) lines.push(out.paint('yellow', `waiting for an agent: ${siteList(missing)}`));
  }
  const decisions = [...detail.decisions]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .slice(-LAST_DECISIONS);
  if (decisions.length) {
    lines.push('last decisions:');
    for (const d of decisions) lines.push(`  ${d.at.slice(11, 19)} ${d.summary}`);
  }
  return lines;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

import type {
  ActionAllowance,
  GateDecisionView,
  Phase,
  PhaseFiguresView,
  RolloutAllowedActions,
} from '@plcfleet/protocols';
import type { RolloutCommand } from '@plcfleet/sdk';
import { burndown } from '../charts';
import { confirmDialog } from '../dialog';
import { badge, type Child, h, outcomeKind, thead, time } from '../dom';
import { follow } from '../live';
import { api, type PageFrame, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

/** The rollout page's parts that outlive its redraws. */
interface RolloutFrame extends PageFrame {
  kind: 'rollout';
  id: string;
  toolbarKey: string;
  header: HTMLElement;
  toolbar: HTMLElement;
  body: HTMLElement;
}

/**
 * Commands the toolbar can show: those the allowed-actions answer covers (`close` is not in
 * its schema yet, so the page offers it only once the server answers for it).
 */
type ToolbarCommand = Exclude<RolloutCommand, 'close'>;

/** The commands in the order the toolbar shows them; which are shown is the server's answer. */
const COMMANDS: readonly ToolbarCommand[] = ['start', 'pause', 'resume', 'promote', 'retry', 'abort'];

/** A phase's progress bar over its sites: passed, failed, skipped, in flight. */
function bar(f: PhaseFiguresView): HTMLElement {
  const pct = (n: number) => (f.total ? `${(100 * n) / f.total}%` : '0');
  const waiting = f.total - f.done - f.inFlight;
  return h(
    'div',
    {
      class: 'progress',
      role: 'img',
      'aria-label': `${f.passed} passed, ${f.failed} failed, ${f.skipped} skipped, ${f.inFlight} running, ${waiting} waiting of ${f.total}`,
    },
    h('span', { class: 'p-done', style: `width:${pct(f.passed)}` }),
    h('span', { class: 'p-fail', style: `width:${pct(f.failed)}` }),
    h('span', { class: 'p-skip', style: `width:${pct(f.skipped)}` }),
    h('span', { class: 'p-run', style: `width:${pct(f.inFlight)}` }),
  );
}

/** What the gates say of the current phase now, in words. */
function decisionText(d: GateDecisionView): string {
  if (d.kind === 'soak') return `soaking until ${time(d.until)}`;
  return d.why ? `${d.kind}: ${d.why}` : d.kind;
}

/** The gates of the current phase next to the figures they judge (counted by the server). */
function gates(phase: Phase, f: PhaseFiguresView, decision: GateDecisionView | undefined): Child {
  const g = phase.gates;
  return [
    h(
      'ul',
      { class: 'gates' },
      h('li', {}, `minimum sample: ${f.done} / ${g.minSample} done`),
      h('li', {}, `failures: ${f.failed} of ${f.done} done; at most ${g.maxFailurePercent}%`),
      h('li', {}, `safety failures: ${f.safety}; at most ${g.maxSafetyFailures}`),
      h('li', {}, `soak: ${Math.round(g.soak / 1000)} s`),
      h('li', {}, `approval: ${g.requireApproval ? 'a person promotes' : 'automatic'}`),
    ),
    decision
      ? h(
          'p',
          { 'aria-label': 'gate decision' },
          'The gates say: ',
          badge(decision.kind, decision.kind === 'halt' ? 'bad' : decision.kind === 'pause' ? 'warn' : 'ok'),
          ` ${decisionText(decision)}`,
        )
      : null,
  ];
}

/** A rollout: phases with the figures the gates judge, the gates, a burndown, decisions, sites, controls. */
export async function rolloutPage(id: string): Promise<void> {
  const gen = state.gen;
  const client = api();
  const [detail, jobs, allowed, progress] = await Promise.all([
    client.rollouts.get(id),
    client.jobs.list({ rollout: id, limit: 10000 }),
    client.rollouts.allowedActions(id),
    client.rollouts.progress(id),
  ]);
  const r = detail.rollout;
  const current = allowed.phases[r.phaseIndex];
  const currentPhase = r.plan.phases[r.phaseIndex];

  const actions: RolloutAllowedActions['actions'] = allowed.actions;
  const command = (name: ToolbarCommand) =>
    h(
      'button',
      {
        type: 'button',
        class: name === 'abort' ? 'danger' : '',
        onclick: () =>
          confirmDialog(
            `${name} rollout ${r.name || r.id}?`,
            actions[name].needsReason === true,
            async (reason) => {
              await client.rollouts.command(r.id, name, reason || undefined);
              await rolloutPage(id);
            },
          ),
      },
      name,
    );
  const controls = COMMANDS.filter((c) => (actions[c] as ActionAllowance).allowed).map(command);

  if (gen !== state.gen) return;
  const header = [
    h('h1', {}, r.name || r.id, ' ', badge(r.state, outcomeKind(r.state))),
    h(
      'p',
      { class: 'muted' },
      `${r.migrationId}@${r.revision} · created by ${r.createdBy} ${time(r.createdAt)} · ${r.stateReason}`,
    ),
  ];
  const body = [
    h(
      'div',
      { class: 'row' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Phases'),
        h(
          'table',
          {},
          thead([
            '#',
            'Phase',
            'Status',
            'Progress',
            'Done',
            'Failed',
            'Skipped',
            'Running',
            'Waiting',
            'Verified',
            'Approved',
            'Deployed',
            'Watched',
            'Rolled back',
            'Waits for',
          ]),
          h(
            'tbody',
            {},
            allowed.phases.map((p) => {
              // Deploy outcomes and what the phase waits for, as the server counts them.
              const o = progress.phases[p.index];
              return h(
                'tr',
                { 'aria-current': p.index === r.phaseIndex ? 'step' : undefined },
                h('td', {}, p.index === r.phaseIndex ? '▶ ' : '', p.index + 1),
                h('td', {}, p.name),
                h('td', {}, o ? badge(o.status, outcomeKind(o.status)) : ''),
                h('td', {}, bar(p.figures)),
                h('td', {}, `${p.figures.passed}/${p.figures.total}`),
                h('td', {}, p.figures.failed),
                h('td', {}, p.figures.skipped),
                h('td', {}, p.figures.inFlight),
                h('td', {}, p.figures.total - p.figures.done - p.figures.inFlight),
                h('td', {}, o?.counts.verified ?? ''),
                h('td', {}, o?.counts.approved ?? ''),
                h('td', {}, o?.counts.deployed ?? ''),
                h('td', {}, o?.counts.watched ?? ''),
                h(
                  'td',
                  {},
                  o?.counts.rolledBack ?? '',
                  // Rollbacks made because the watch could not judge (ADR 0179), told apart.
                  o?.counts.rolledBackInconclusive
                    ? h(
                        'span',
                        { class: 'muted', 'aria-label': 'inconclusive rollbacks' },
                        ` (${o.counts.rolledBackInconclusive} inconclusive)`,
                      )
                    : null,
                ),
                h(
                  'td',
                  { 'aria-label': 'waits for' },
                  o?.waitsFor
                    .map((w) => (w === 'line-busy' ? `deferred (line busy): ${o.counts.deferred}` : w))
                    .join(', ') ?? '',
                  // The shadow gate: sites passed, running, failed.
                  o?.shadow ? h('div', { class: 'muted', 'aria-label': 'shadow gate' }, o.shadow) : null,
                  // Sites whose shadow work waits for an agent that runs shadow runs (an upgrade).
                  o?.held?.length
                    ? h('div', { class: 'muted', 'aria-label': 'held' }, o.held.join('; '))
                    : null,
                ),
              );
            }),
          ),
        ),
        h('h2', {}, `Gates of phase ${r.phaseIndex + 1}`),
        current && currentPhase ? gates(currentPhase, current.figures, current.decision) : null,
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Sites left over time'), burndown(jobs)),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Decisions'),
      h(
        'ol',
        { reversed: true },
        [...detail.decisions]
          .reverse()
          .map((d) =>
            h(
              'li',
              {},
              h('span', { class: 'muted' }, time(d.at)),
              ' ',
              badge(d.decision, outcomeKind(d.decision)),
              ' ',
              d.summary,
            ),
          ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Sites'),
      h(
        'table',
        {},
        thead(['Site', 'Phase', 'State', 'Attempt', 'Reason']),
        h(
          'tbody',
          {},
          jobs
            .slice(0, 500)
            .map((j) =>
              h(
                'tr',
                {},
                h('td', {}, j.site),
                h('td', {}, j.phaseIndex + 1),
                h(
                  'td',
                  {},
                  badge(j.state, outcomeKind(j.state)),
                  j.safetyFailure ? badge('safety', 'bad') : '',
                ),
                h('td', {}, j.attempt),
                h('td', {}, j.reason),
              ),
            ),
        ),
      ),
      jobs.length > 500 ? h('p', { class: 'muted' }, `and ${jobs.length - 500} more`) : null,
    ),
  ];
  // Events redraw the figures in place; the controls stay the same nodes while
  // the same ones apply, so focus and a pending click survive a stream of updates.
  const toolbarKey = controls.map((b) => b.textContent).join(',');
  const frame = state.page as RolloutFrame | null;
  // Drawn afresh when an error page took the frame's place (a failed update).
  if (frame && frame.gen === gen && frame.kind === 'rollout' && frame.id === id && frame.header.isConnected) {
    frame.header.replaceChildren(...header);
    if (frame.toolbarKey !== toolbarKey) {
      frame.toolbar.replaceChildren(...controls);
      frame.toolbarKey = toolbarKey;
    }
    frame.body.replaceChildren(...body);
    return;
  }
  const next: RolloutFrame = {
    gen,
    kind: 'rollout',
    id,
    toolbarKey,
    header: h('div', {}, header),
    toolbar: h('div', { class: 'toolbar', 'aria-label': 'rollout controls' }, controls),
    body: h('div', {}, body),
  };
  state.page = next;
  render(next.header, next.toolbar, next.body);
  follow(id, () => rolloutPage(id).catch(errorPage));
}

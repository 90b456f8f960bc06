import {
  type ActionAllowance,
  type ChangeRequestView,
  CLAIM_LABELS,
  claimText,
  type ProofClaim,
  proofClaim,
  type SafetyFinding,
} from '@plcfleet/protocols';
import { timingChart } from '../charts';
import { confirmDialog } from '../dialog';
import { diffView, focusLine } from '../diff-view';
import { badge, h, outcomeKind, time } from '../dom';
import { follow } from '../live';
import { api, me, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

/** What the change page says of the four-eyes rule; who may decide is the server's answer. */
const RULE: Record<ChangeRequestView['safetyClass'], string> = {
  'safety-related':
    'Four-eyes: a safety engineer who did not bring this safety-related change about must approve it.',
  'non-safety': 'An admin or operator approves this change.',
};

/** Why the user may not approve, in the page's words, with the server's reason. */
function whyNot(approve: ActionAllowance, cr: ChangeRequestView): string {
  if (approve.allowed) return '';
  if (approve.code === 'CONFLICT') return `This change is ${cr.state}.`;
  if (approve.code === 'FOUR_EYES') return `Four-eyes: ${approve.reason}.`;
  if (approve.code === 'FORBIDDEN') return `Your role (${me().role}) may not decide this change.`;
  return approve.reason;
}

/** One change request: what and where, the review, the diff with findings, and the evidence. */
export async function changePage(id: string): Promise<void> {
  const gen = state.gen;
  const client = api();
  // The change first: a page for a change that is not there (or not to be seen) says so.
  const { changeRequest: cr, approvals, shadowReports } = await client.changes.get(id);
  const [allowed, verdict, migration] = await Promise.all([
    client.changes.allowedActions(id),
    client.verdicts.get(cr.jobId).catch(() => null),
    client.migrations.get(cr.migrationId, { revision: cr.revision }).catch(() => null),
  ]);
  const ev = verdict?.verdict?.evidence;
  const findings = ev?.safety?.findings ?? [];
  const byCategory = new Map<string, SafetyFinding[]>();
  for (const f of findings) byCategory.set(f.category, [...(byCategory.get(f.category) ?? []), f]);
  const { approve, reject } = allowed.actions;
  const why = whyNot(approve, cr);

  const decide = (label: 'Approve' | 'Reject', allowance: ActionAllowance, question: string) =>
    h(
      'button',
      {
        type: 'button',
        class: label === 'Approve' ? 'primary' : 'danger',
        disabled: !allowance.allowed,
        title: allowance.allowed ? undefined : allowance.reason,
        onclick: () =>
          confirmDialog(question, true, async (reason) => {
            if (label === 'Approve') await client.changes.approve(cr.id, reason);
            else await client.changes.reject(cr.id, reason);
            await changePage(id);
          }),
      },
      label,
    );

  if (gen !== state.gen) return;
  render(
    h('h1', {}, `Change ${cr.id} `, badge(cr.state, outcomeKind(cr.state))),
    h(
      'div',
      { class: 'row' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'What and where'),
        h(
          'p',
          {},
          h('strong', {}, 'Site: '),
          cr.site,
          ' · ',
          h('strong', {}, 'Migration: '),
          `${cr.migrationId}@${cr.revision} `,
          badge(cr.safetyClass, cr.safetyClass === 'safety-related' ? 'warn' : ''),
        ),
        migration ? h('p', {}, h('strong', {}, 'Goal: '), migration.document?.goal ?? '') : null,
        h(
          'p',
          { class: 'muted' },
          `Program sha256 ${cr.sha256Before?.slice(0, 12) ?? '—'} → ${cr.sha256After?.slice(0, 12) ?? '—'} · evidence ${cr.evidenceHash?.slice(0, 12) ?? '—'}`,
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'review' },
        h('h2', {}, 'Review'),
        h('p', {}, RULE[cr.safetyClass]),
        h('p', {}, h('strong', {}, 'Requested by: '), cr.requestedBy),
        approvals.length
          ? h(
              'ul',
              {},
              approvals.map((a) =>
                h('li', {}, `${a.decision} by ${a.userName} (${a.role}) ${time(a.at)}: ${a.comment}`),
              ),
            )
          : null,
        why ? h('p', { class: 'badge warn', role: 'note' }, why) : null,
        // Shown while the change is open and its decisions are offered to the user's role;
        // disabled with the server's reason where a rule refuses them for now.
        cr.state === 'open' && (approve.offered || reject.offered)
          ? h(
              'div',
              { class: 'toolbar' },
              decide('Approve', approve, `Approve ${cr.id} for ${cr.site}?`),
              decide('Reject', reject, `Reject ${cr.id}?`),
            )
          : null,
      ),
    ),
    // Runs against the site's live PLC: the candidate's for the phase's shadow gate, the deploy's watch.
    shadowReports.length
      ? h(
          'section',
          { class: 'card', 'aria-label': 'live shadow' },
          h('h2', {}, 'Live shadow'),
          h(
            'ul',
            {},
            [...shadowReports].reverse().map((r) =>
              h(
                'li',
                {},
                badge(r.state, r.state === 'passed' ? 'ok' : r.state === 'running' ? 'warn' : 'bad'),
                // A watch that rolled its deploy back says why (ADR 0179): not shown to behave
                // (`inconclusive`) apart from shown not to (`divergence`); older agents say none.
                r.rollback ? [' ', badge(`rolled back (${r.rollback})`, 'bad')] : null,
                ` ${r.kind === 'candidate' ? 'candidate in shadow' : 'post-deploy watch'}: ${r.seconds} s of ${r.durationMs / 1000} s, ${r.compared} samples compared of ${r.samples}` +
                  // Disagreements on samples it could not judge: possible divergences (ADR 0159).
                  (r.unjudged?.disagreed ? `, ${r.unjudged.disagreed} disagreement(s) not confirmed` : ''),
                r.divergences.length
                  ? h(
                      'ul',
                      {},
                      r.divergences.map((d) =>
                        h(
                          'li',
                          {},
                          `${d.tag} diverged ${d.count}× from ${time(d.first)} (live ${JSON.stringify(d.live)}, shadow ${JSON.stringify(d.shadow)})`,
                        ),
                      ),
                    )
                  : null,
                r.reason ? h('p', { class: 'muted' }, r.reason) : null,
                r.coverage
                  ? h(
                      'p',
                      { class: 'muted' },
                      'Exercised: ',
                      [
                        ['branches', r.coverage.branches],
                        ['CASE arms', r.coverage.caseArms],
                        ['inputs', r.coverage.inputs],
                        ['BOOL outputs', r.coverage.boolOutputs],
                        ['timers', r.coverage.timers],
                      ]
                        .flatMap(([name, x]) =>
                          x && typeof x === 'object' && x.total > 0 ? [`${name} ${x.hit}/${x.total}`] : [],
                        )
                        .join(' · '),
                    )
                  : null,
              ),
            ),
          ),
        )
      : null,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Diff'),
      cr.diff ? diffView(cr.diff, findings) : h('p', { class: 'muted' }, 'No change.'),
    ),
    ev
      ? h(
          'div',
          { class: 'row' },
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Safety: ', badge(ev.safety.verdict, ev.safety.verdict === 'pass' ? 'ok' : 'bad')),
            findings.length === 0 ? h('p', { class: 'muted' }, 'No findings.') : null,
            [...byCategory].map(([category, list]) =>
              h(
                'div',
                {},
                h('h3', {}, category),
                h(
                  'ul',
                  { class: 'findings' },
                  list.map((f) =>
                    h(
                      'li',
                      {},
                      badge(
                        f.severity,
                        f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : 'info',
                      ),
                      ` ${f.rule} `,
                      h(
                        'a',
                        {
                          href: `#/changes/${cr.id}`,
                          onclick: (e: Event) => {
                            e.preventDefault();
                            focusLine(f);
                          },
                        },
                        `${f.file}:${f.line}`,
                      ),
                      ` — ${f.message}`,
                    ),
                  ),
                ),
              ),
            ),
            h('h3', {}, 'Proofs'),
            ev.safety.proofs.length
              ? h(
                  'ul',
                  {},
                  ev.safety.proofs.map((p) =>
                    h(
                      'li',
                      {},
                      badge(CLAIM_LABELS[proofClaim(p)], claimKind(proofClaim(p))),
                      ` ${p.kind} of ${p.subject} by ${p.method} (${p.runs} runs × ${p.scans} scans): ${claimText(p)}`,
                      p.counterexample?.relatedSignal
                        ? ` — judged by ${p.counterexample.relatedSignal}`
                        : null,
                      p.counterexample ? timingChart(p.counterexample) : null,
                    ),
                  ),
                )
              : h('p', { class: 'muted' }, 'none'),
          ),
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Compile'),
            ev.diagnostics.length
              ? h(
                  'ul',
                  {},
                  ev.diagnostics.map((d) =>
                    h('li', {}, `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`),
                  ),
                )
              : h('p', { class: 'muted' }, 'No diagnostics.'),
            h('h2', {}, 'Simulation'),
            ev.equivalence
              ? h(
                  'p',
                  {},
                  badge(
                    ev.equivalence.equivalent ? 'equivalent' : 'differs',
                    ev.equivalence.equivalent ? 'ok' : 'bad',
                  ),
                  ` ${ev.equivalence.runs} runs × ${ev.equivalence.scans} scans, seed ${ev.equivalence.seed}: ${claimText(ev.equivalence)}`,
                  ev.equivalence.counterexample?.relatedSignal
                    ? ` — judged by ${ev.equivalence.counterexample.relatedSignal}`
                    : null,
                )
              : null,
            ev.equivalence?.counterexample ? timingChart(ev.equivalence.counterexample) : null,
            ev.scenarios.length
              ? h(
                  'ul',
                  {},
                  ev.scenarios.map((sc) =>
                    h('li', {}, badge(sc.passed ? 'pass' : 'fail', sc.passed ? 'ok' : 'bad'), ` ${sc.name}`),
                  ),
                )
              : h('p', { class: 'muted' }, 'No scenarios.'),
            h('h2', {}, 'Judges'),
            h(
              'ul',
              {},
              ev.judges.map((j) =>
                h(
                  'li',
                  {},
                  badge(j.verdict, j.verdict === 'pass' ? 'ok' : 'bad'),
                  ` ${j.judge} judge`,
                  j.findings.length
                    ? h(
                        'ul',
                        {},
                        j.findings.map((f) => h('li', {}, `${f.code}: ${f.message}`)),
                      )
                    : null,
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No evidence recorded for this change.'),
  );
  follow(
    cr.rolloutId,
    () => changePage(id).catch(errorPage),
    (e) => e.type.startsWith('change') || e.type.startsWith('deploy') || e.type.startsWith('shadow'),
  );
}

/** Only an exhaustive proof is shown as settled; a search that found nothing is a warning. */
function claimKind(claim: ProofClaim): 'ok' | 'warn' | 'bad' {
  return claim === 'proved' ? 'ok' : claim === 'not-refuted' ? 'warn' : 'bad';
}

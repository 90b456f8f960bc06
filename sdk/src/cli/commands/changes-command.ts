import { writeFile } from 'node:fs/promises';
import { CLAIM_LABELS, claimText, proofClaim, type ShadowReportView } from '@plcfleet/protocols';
import { Command, Option } from 'commander';
import { changeReportHtml, changeReportMarkdown, gatherChangeRecord } from '../change-report';
import { action, type CliDeps } from '../command-context';
import { UsageError } from '../exit-codes';
import { colourDiff, shortTime } from '../output';

/** `plcfleet changes list|show|approve|reject|report`. */
export function changesCommand(deps: CliDeps): Command {
  const changes = new Command('changes').description('change requests: review, approve, reject, report');

  action(
    changes
      .command('list')
      .description('change requests (open ones first to review)')
      .addOption(
        new Option('--state <state>', 'only in this state').choices(['open', 'approved', 'rejected']),
      )
      .option('--rollout <id>', 'only of this rollout')
      .option('--site <name>', 'only of this site'),
    deps,
    async (
      { client, out },
      opts: { state?: 'open' | 'approved' | 'rejected'; rollout?: string; site?: string },
    ) => {
      const list = await client.changes.list(opts);
      out.result(list, () =>
        out.table(list, [
          ['change', (c) => c.id],
          ['site', (c) => c.site],
          ['migration', (c) => `${c.migrationId}@${c.revision}`],
          ['safety', (c) => c.safetyClass],
          ['state', (c) => c.state],
          ['requested by', (c) => c.requestedBy],
          ['opened', (c) => shortTime(c.createdAt)],
        ]),
      );
    },
  );

  action(
    changes
      .command('show')
      .description('a change request: its diff (coloured) and evidence summary')
      .argument('<id>'),
    deps,
    async ({ client, out }, id: string) => {
      const { changeRequest: cr, approvals, shadowReports } = await client.changes.get(id);
      const verdict = await client.verdicts.ofJob(cr.jobId);
      out.result({ changeRequest: cr, approvals, verdict, shadowReports }, () => {
        out.line(
          out.paint('bold', `change ${cr.id}`) +
            ` · ${cr.migrationId}@${cr.revision} at ${cr.site} · ${cr.state}`,
        );
        out.line(`${cr.safetyClass}; requested by ${cr.requestedBy} on ${shortTime(cr.createdAt)}`);
        if (cr.reason) out.line(`reason: ${cr.reason}`);
        out.line(`sha256 ${cr.sha256Before ?? '-'} → ${cr.sha256After ?? '-'}`);
        out.line();
        out.line(cr.diff ? colourDiff(cr.diff.replace(/\n$/, ''), out) : '(no change to the program)');
        out.line();
        const ev = verdict?.verdict.evidence;
        if (!verdict || !ev) out.line('evidence: none recorded');
        else {
          const ok = (s: string) =>
            out.paint(
              /^(pass|passed|proved|true)$/.test(s) ? 'green' : /^not refuted$/.test(s) ? 'yellow' : 'red',
              s,
            );
          const errors = ev.diagnostics.filter((d) => d.severity === 'error').length;
          out.line(
            `evidence (${verdict.agentId}, ${shortTime(verdict.receivedAt)}, hash ${(ev.evidenceHash ?? '-').slice(0, 12)}):`,
          );
          out.line(
            `  verdict      ${ok(verdict.outcome)}${verdict.reason && verdict.reason !== verdict.outcome ? ` — ${verdict.reason}` : ''}`,
          );
          out.line(`  compile      ${ok(errors ? 'fail' : 'pass')} (${ev.diagnostics.length} diagnostics)`);
          out.line(`  safety       ${ok(ev.safety.verdict)} (${ev.safety.findings.length} findings)`);
          for (const f of ev.safety.findings)
            out.line(`    ${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`);
          for (const p of ev.safety.proofs)
            out.line(
              `  ${p.kind.padEnd(12)} ${ok(CLAIM_LABELS[proofClaim(p)])} ${p.subject}: ${claimText(p)}`,
            );
          for (const s of ev.scenarios)
            out.line(`  scenario     ${ok(s.passed ? 'pass' : 'fail')} ${s.name}`);
          if (ev.equivalence)
            out.line(
              `  equivalence  ${ok(ev.equivalence.equivalent ? 'pass' : 'fail')} (${claimText(ev.equivalence)})`,
            );
          for (const j of ev.judges)
            out.line(`  judge ${j.judge.padEnd(6)} ${ok(j.verdict === 'pass' ? 'pass' : 'veto')}`);
        }
        // Shadow runs against the site's live PLC: the candidate's (a phase's shadow gate) and the deploy's watch.
        for (const r of [...shadowReports].reverse()) {
          const verdictWord =
            (r.state === 'passed' ? 'pass' : r.state === 'running' ? 'running' : r.state) +
            // A watch that rolled its deploy back says why (ADR 0179): `inconclusive` (not shown to
            // behave) apart from `divergence` (shown not to); absent from older agents' reports.
            (r.rollback ? `, rolled back (${r.rollback})` : '');
          const what = r.kind === 'candidate' ? 'shadow      ' : 'watch       ';
          const colour = r.state === 'passed' ? 'green' : r.state === 'running' ? 'yellow' : 'red';
          const d = r.divergences[0];
          out.line(
            `  ${what} ${out.paint(colour, verdictWord)} ${r.seconds} s, ${r.compared}/${r.samples} judged` +
              // Disagreements on samples it could not judge: possible divergences (ADR 0159).
              (r.unjudged?.disagreed ? `, ${r.unjudged.disagreed} disagreement(s) not confirmed` : '') +
              (d
                ? `; ${d.tag} diverged ${d.count}× (live ${JSON.stringify(d.live)}, shadow ${JSON.stringify(d.shadow)})`
                : '') +
              (r.reason ? ` — ${r.reason}` : ''),
          );
          if (r.coverage) out.line(`               exercised: ${coverageText(r.coverage)}`);
        }
        if (approvals.length) {
          out.line();
          for (const a of approvals)
            out.line(
              `${a.decision}d by ${a.userName} (${a.role}) on ${shortTime(a.at)}${a.comment ? `: ${a.comment}` : ''}`,
            );
        }
      });
    },
  );

  action(
    changes
      .command('approve')
      .description('approve a change; the control plane signs its deploy order')
      .argument('<id>')
      .requiredOption('--reason <text>', 'why it is safe to deploy (recorded with the approval)'),
    deps,
    async ({ client, out }, id: string, opts: { reason: string }) => {
      const r = await client.changes.approve(id, opts.reason);
      out.result(r, () =>
        out.line(
          `approved ${r.changeRequest.id} (${r.changeRequest.site}); deploy ${r.deploy.id} ordered for ` +
            `${shortTime(r.deploy.notBefore)} – ${shortTime(r.deploy.notAfter)}`,
        ),
      );
    },
  );

  action(
    changes
      .command('reject')
      .description('reject a change with a reason')
      .argument('<id>')
      .requiredOption('--reason <text>', 'why it is rejected'),
    deps,
    async ({ client, out }, id: string, opts: { reason: string }) => {
      const r = await client.changes.reject(id, opts.reason);
      out.result(r, () =>
        out.line(`rejected ${r.changeRequest.id} (${r.changeRequest.site}): ${opts.reason}`),
      );
    },
  );

  action(
    changes
      .command('report')
      .description(
        'the change record for compliance files (migration, site, diff, verifiers, approvals, deploy, audit)',
      )
      .argument('<id>')
      .addOption(new Option('--format <format>', 'md or html').choices(['md', 'html']).default('md'))
      .option('-o, --output <file>', 'write to a file instead of stdout'),
    deps,
    async ({ client, out }, id: string, opts: { format: 'md' | 'html'; output?: string }) => {
      const record = await gatherChangeRecord(client, id);
      if (out.json) {
        out.line(JSON.stringify(record, null, 2));
        return;
      }
      const text = opts.format === 'html' ? changeReportHtml(record) : changeReportMarkdown(record);
      if (!opts.output) return void out.streams.stdout.write(text);
      try {
        await writeFile(opts.output, text);
      } catch (err) {
        throw new UsageError(`${opts.output}: ${(err as Error).message}`);
      }
      out.note(`wrote ${opts.output}`);
    },
  );
  return changes;
}

/** `branches 5/8 · CASE arms 2/3 · inputs 3/4 · BOOL outputs 2/2 · timers 1/1` (what is measured). */
function coverageText(c: NonNullable<ShadowReportView['coverage']>): string {
  const parts: [string, { total: number; hit: number } | null][] = [
    ['branches', c.branches],
    ['CASE arms', c.caseArms],
    ['inputs', c.inputs],
    ['BOOL outputs', c.boolOutputs],
    ['timers', c.timers],
  ];
  return parts
    .filter(([, x]) => x !== null && x.total > 0)
    .map(([name, x]) => `${name} ${x!.hit}/${x!.total}`)
    .join(' · ');
}

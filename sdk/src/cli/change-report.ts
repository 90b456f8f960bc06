import {
  type ApprovalView,
  type AuditEntryView,
  type AuditVerification,
  type ChangeRequestView,
  CLAIM_LABELS,
  claimText,
  type DeployView,
  type MigrationView,
  proofClaim,
  type RollbackView,
  type SiteView,
  type VerdictView,
} from '@plcfleet/protocols';
import type { PlcfleetClient } from '../client/plcfleet-client';
import { PlcfleetError } from '../errors';

/** Everything the change record for compliance files holds. */
export interface ChangeRecord {
  changeRequest: ChangeRequestView;
  approvals: ApprovalView[];
  migration: MigrationView;
  /** Null when the site was removed from the registry since. */
  site: SiteView | null;
  /** The verdict that opened the change request, with every verifier's result. */
  verdict: VerdictView | null;
  deploys: DeployView[];
  rollbacks: RollbackView[];
  /** Audit entries about the change request and its deploys, in chain order. */
  audit: AuditEntryView[];
  /** The chain recomputed by the server when the record was made. */
  chain: AuditVerification;
  /** When the record was made. */
  generatedAt: string;
}

/** Gathers a change record from the API (the change request, its migration, site, verdict, deploys, audit). */
export async function gatherChangeRecord(
  client: PlcfleetClient,
  id: string,
  now = new Date(),
): Promise<ChangeRecord> {
  const { changeRequest: cr, approvals } = await client.changes.get(id);
  const [migration, site, job, deploys, rollbacks, chain] = await Promise.all([
    client.migrations.get(cr.migrationId, { revision: cr.revision }),
    client.sites.get(cr.site).catch(nullIfNotFound),
    client.jobs.get(cr.jobId).catch(nullIfNotFound),
    client.deploys.list({ site: cr.site, rollout: cr.rolloutId }),
    client.deploys.rollbacks({ site: cr.site, rollout: cr.rolloutId }),
    client.audit.verify(),
  ]);
  const mine = deploys.filter((d) => d.changeRequestId === cr.id);
  const deployIds = new Set(mine.map((d) => d.id));
  const subjects = [cr.id, ...deployIds];
  const entries = (
    await Promise.all(subjects.map((s) => client.audit.list({ subject: s, limit: 1000 })))
  ).flat();
  const audit = [...new Map(entries.map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
  return {
    changeRequest: cr,
    approvals,
    migration,
    site,
    verdict: job?.verdict ?? null,
    deploys: mine,
    rollbacks: rollbacks.filter((r) => r.deployId !== null && deployIds.has(r.deployId)),
    audit,
    chain,
    generatedAt: now.toISOString(),
  };
}

function nullIfNotFound(err: unknown): null {
  if (err instanceof PlcfleetError && err.code === 'NOT_FOUND') return null;
  throw err;
}

/** A block of the record: a heading and its lines, or a table, or preformatted text. */
type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'fields'; rows: [string, string][] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'pre'; text: string; lang?: string }
  | { kind: 'para'; text: string };

function blocks(r: ChangeRecord): Block[] {
  const cr = r.changeRequest;
  const ev = r.verdict?.verdict.evidence;
  const out: Block[] = [];
  out.push({ kind: 'heading', text: 'Change' });
  out.push({
    kind: 'fields',
    rows: [
      ['Change request', cr.id],
      ['State', cr.state + (cr.reason ? ` (${cr.reason})` : '')],
      ['Requested by', cr.requestedBy],
      ['Opened', cr.createdAt],
      ['Decided', cr.decidedAt ?? '—'],
      ['Rollout', cr.rolloutId],
      ['Job', cr.jobId],
      ['Program SHA-256 before', cr.sha256Before ?? '—'],
      ['Program SHA-256 after', cr.sha256After ?? '—'],
      ['Evidence hash', cr.evidenceHash ?? '—'],
    ],
  });
  out.push({ kind: 'heading', text: 'Migration' });
  out.push({
    kind: 'fields',
    rows: [
      ['Migration', `${r.migration.id} revision ${r.migration.revision}`],
      ['Title', r.migration.title],
      ['Type', r.migration.type],
      ['Safety class', r.migration.safetyClass],
      ['Definition SHA-256', r.migration.sha256],
      ['Stored', `${r.migration.createdAt} by ${r.migration.createdBy}`],
    ],
  });
  out.push({ kind: 'heading', text: 'Site' });
  out.push(
    r.site
      ? {
          kind: 'fields',
          rows: [
            ['Site', r.site.name],
            ['Tags', r.site.tags.join(', ') || '—'],
            ['Firmware', r.site.firmware ?? '—'],
            ['Time zone', r.site.timeZone],
            ['Safety policy', r.site.policy ? 'yes' : 'none'],
          ],
        }
      : { kind: 'para', text: `${cr.site} (no longer in the registry)` },
  );
  out.push({ kind: 'heading', text: 'Diff' });
  out.push(
    cr.diff
      ? { kind: 'pre', text: cr.diff, lang: 'diff' }
      : { kind: 'para', text: 'No change to the program.' },
  );
  out.push({ kind: 'heading', text: 'Verification' });
  if (!r.verdict || !ev) out.push({ kind: 'para', text: 'No verdict recorded.' });
  else {
    const errors = ev.diagnostics.filter((d) => d.severity === 'error').length;
    const rows: string[][] = [
      [
        'Verdict',
        r.verdict.outcome,
        r.verdict.reason && r.verdict.reason !== r.verdict.outcome ? r.verdict.reason : '—',
      ],
      [
        'Compile',
        errors ? 'fail' : 'pass',
        `${errors} errors, ${ev.diagnostics.length - errors} other diagnostics`,
      ],
      [
        'Safety verifier',
        ev.safety.verdict,
        `${ev.safety.findings.length} findings, ${ev.safety.proofs.length} proofs`,
      ],
      // The claim, not the raw result: a random search that found nothing is "not refuted", not proof.
      ...ev.safety.proofs.map((p) => [
        `Proof: ${p.kind} ${p.subject}`,
        CLAIM_LABELS[proofClaim(p)],
        claimText(p),
      ]),
      ...ev.scenarios.map((s) => [
        `Scenario: ${s.name}`,
        s.passed ? 'pass' : 'fail',
        s.failures.map((f) => f.message).join('; ') || '—',
      ]),
      ev.equivalence
        ? ['Equivalence', ev.equivalence.equivalent ? 'pass' : 'fail', claimText(ev.equivalence)]
        : ['Equivalence', 'not run', '—'],
      ...ev.judges.map((j) => [
        `Judge: ${j.judge}`,
        j.verdict,
        j.findings.map((f) => `${f.code}: ${f.message}`).join('; ') || '—',
      ]),
    ];
    out.push({ kind: 'table', header: ['Check', 'Result', 'Details'], rows });
    out.push({
      kind: 'fields',
      rows: [
        ['Agent', r.verdict.agentId],
        ['Received', r.verdict.receivedAt],
        ['Transformer', `${ev.transformer}${ev.turns ? `, ${ev.turns} turns` : ''}`],
      ],
    });
    if (ev.safety.findings.length)
      out.push({
        kind: 'table',
        header: ['Rule', 'Severity', 'Where', 'Finding'],
        rows: ev.safety.findings.map((f) => [f.rule, f.severity, `${f.file}:${f.line}`, f.message]),
      });
  }
  out.push({ kind: 'heading', text: 'Approvals' });
  out.push(
    r.approvals.length
      ? {
          kind: 'table',
          header: ['Decision', 'Who', 'Role', 'When', 'Comment'],
          rows: r.approvals.map((a) => [a.decision, a.userName, a.role, a.at, a.comment || '—']),
        }
      : { kind: 'para', text: 'None yet.' },
  );
  out.push({ kind: 'heading', text: 'Deploy and post-deploy check' });
  if (!r.deploys.length) out.push({ kind: 'para', text: 'Not deployed.' });
  for (const d of r.deploys) {
    const check =
      d.sha256Running === null
        ? 'not reported yet'
        : d.sha256Running === d.order.payload.sha256After
          ? `running program matches the approved SHA-256 (${d.sha256Running})`
          : `running program ${d.sha256Running} differs from the approved ${d.order.payload.sha256After}`;
    out.push({
      kind: 'fields',
      rows: [
        ['Deploy', d.id],
        ['State', d.state + (d.reason ? ` (${d.reason})` : '')],
        ['Window', `${d.notBefore} – ${d.notAfter}`],
        ['Approved by (in the signed order)', d.order.payload.approvedBy.join(', ')],
        ['Delivered', d.deliveredAt ?? '—'],
        ['Post-deploy check', check],
      ],
    });
  }
  for (const rb of r.rollbacks)
    out.push({
      kind: 'para',
      text: `Rollback ${rb.id}: ${rb.state}, by ${rb.createdBy} at ${rb.createdAt}: ${rb.reason}`,
    });
  out.push({ kind: 'heading', text: 'Audit chain' });
  out.push({
    kind: 'para',
    text: r.chain.ok
      ? `The audit chain verified intact over ${r.chain.checked} entries at ${r.generatedAt}.`
      : `The audit chain is BROKEN at entry ${r.chain.firstBroken?.seq}: ${r.chain.firstBroken?.problem} (checked ${r.generatedAt}).`,
  });
  out.push(
    r.audit.length
      ? {
          kind: 'table',
          header: ['Seq', 'When', 'Actor', 'Action', 'Hash'],
          rows: r.audit.map((e) => [String(e.seq), e.at, e.actor, e.action, e.hash]),
        }
      : { kind: 'para', text: 'No audit entries found for this change.' },
  );
  return out;
}

/** The change record as Markdown. */
export function changeReportMarkdown(r: ChangeRecord): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `# Change record ${r.changeRequest.id}`,
    '',
    `${r.migration.id}@${r.migration.revision} at site ${r.changeRequest.site} — generated ${r.generatedAt}`,
  ];
  for (const b of blocks(r)) {
    lines.push('');
    if (b.kind === 'heading') lines.push(`## ${b.text}`);
    else if (b.kind === 'para') lines.push(b.text);
    else if (b.kind === 'pre') {
      const fence = b.text.includes('```') ? '~~~~' : '```';
      lines.push(fence + (b.lang ?? ''), b.text.replace(/\n$/, ''), fence);
    } else if (b.kind === 'fields') {
      lines.push('| | |', '|---|---|', ...b.rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`));
    } else {
      lines.push(`| ${b.header.map(cell).join(' | ')} |`, `|${b.header.map(() => '---|').join('')}`);
      for (const row of b.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The change record as a self-contained HTML page. */
export function changeReportHtml(r: ChangeRecord): string {
  const h = escapeHtml;
  const body: string[] = [
    `<h1>Change record ${h(r.changeRequest.id)}</h1>`,
    `<p>${h(`${r.migration.id}@${r.migration.revision} at site ${r.changeRequest.site} — generated ${r.generatedAt}`)}</p>`,
  ];
  for (const b of blocks(r)) {
    if (b.kind === 'heading') body.push(`<h2>${h(b.text)}</h2>`);
    else if (b.kind === 'para') body.push(`<p>${h(b.text)}</p>`);
    else if (b.kind === 'pre')
      body.push(
        `<pre>${b.text
          .split('\n')
          .map((l) => {
            const cls =
              l.startsWith('+') && !l.startsWith('+++')
                ? 'add'
                : l.startsWith('-') && !l.startsWith('---')
                  ? 'del'
                  : '';
            return cls ? `<span class="${cls}">${h(l)}</span>` : h(l);
          })
          .join('\n')}</pre>`,
      );
    else if (b.kind === 'fields')
      body.push(
        `<table>${b.rows.map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(v)}</td></tr>`).join('')}</table>`,
      );
    else
      body.push(
        `<table><tr>${b.header.map((c) => `<th>${h(c)}</th>`).join('')}</tr>${b.rows
          .map((row) => `<tr>${row.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`)
          .join('')}</table>`,
      );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Change record ${h(r.changeRequest.id)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}pre{background:#f6f8fa;padding:.75rem;overflow:auto}.add{color:#116329;background:#dafbe1}.del{color:#82071e;background:#ffebe9}</style>
</head><body>
${body.join('\n')}
</body></html>
`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

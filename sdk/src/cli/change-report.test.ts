import { ChangeRequestView, MigrationView, Verdict } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { type ChangeRecord, changeReportHtml, changeReportMarkdown, escapeHtml } from './change-report';

const at = '2026-11-26T10:00:00.000Z';
const sha = (c: string) => c.repeat(64);

function record(over: Partial<ChangeRecord> = {}): ChangeRecord {
  const changeRequest = ChangeRequestView.parse({
    id: 'cr_1',
    jobId: 'job_1',
    rolloutId: 'ro_1',
    site: 'press-1',
    migrationId: 'guard',
    revision: 2,
    safetyClass: 'safety-related',
    state: 'approved',
    requestedBy: 'ann',
    sha256Before: sha('a'),
    sha256After: sha('b'),
    diff: '--- a/main.st\n+++ b/main.st\n@@ -1 +1 @@\n-IF a < b THEN\n+Guard(x := a);\n',
    evidenceHash: sha('c'),
    reason: 'checked <on site>',
    createdAt: at,
    decidedAt: at,
  });
  const verdict = Verdict.parse({
    jobId: 'job_1',
    site: 'press-1',
    migrationId: 'guard',
    revision: 2,
    outcome: 'passed',
    evidence: {
      safety: {
        verdict: 'pass',
        findings: [
          {
            rule: 'SAFE-007',
            category: 'timing',
            severity: 'warning',
            file: 'main.st',
            line: 3,
            message: 'T#5s | kept',
          },
        ],
        proofs: [
          {
            kind: 'permissive',
            subject: 'Press_Enable',
            result: 'proven',
            method: 'exhaustive',
            runs: 16,
            scans: 10,
          },
          {
            kind: 'estop',
            subject: 'E_Stop_OK',
            result: 'proven',
            method: 'random',
            runs: 128,
            scans: 25600,
            claim: 'not-refuted',
            seed: 42,
            basis: 'in 128 random runs × 200 scans (seed 42)',
          },
        ],
      },
      equivalence: { equivalent: true, runs: 200, scans: 400, seed: 42, counterexample: null },
      judges: [{ judge: 'scope', verdict: 'pass', findings: [] }],
      transformer: 'recipe',
    },
  });
  return {
    changeRequest,
    approvals: [
      {
        id: 'ap_1',
        changeRequestId: 'cr_1',
        userId: 'u2',
        userName: 'sam',
        role: 'safety-engineer',
        decision: 'approve',
        comment: 'checked <on site>',
        at,
      },
    ],
    migration: MigrationView.parse({
      id: 'guard',
      revision: 2,
      title: 'Guard monitor',
      type: 'code',
      safetyClass: 'safety-related',
      sha256: sha('d'),
      createdAt: at,
      createdBy: 'ann',
      document: {
        apiVersion: 'plcfleet/v1',
        kind: 'Migration',
        id: 'guard',
        revision: 2,
        title: 'Guard monitor',
        type: 'code',
        safetyClass: 'safety-related',
        goal: 'g',
        scope: {},
      },
    }),
    site: null,
    verdict: {
      jobId: 'job_1',
      rolloutId: 'ro_1',
      site: 'press-1',
      agentId: 'agent-1',
      outcome: 'passed',
      safetyFailure: false,
      reason: '',
      evidenceHash: sha('c'),
      receivedAt: at,
      verdict,
    },
    deploys: [],
    rollbacks: [],
    audit: [
      {
        seq: 7,
        at,
        actor: 'sam',
        action: 'change-request.approved',
        subjectType: 'change-request',
        subjectId: 'cr_1',
        details: {},
        prevHash: sha('e'),
        hash: sha('f'),
      },
    ],
    chain: { ok: true, checked: 9, firstBroken: null },
    generatedAt: at,
    ...over,
  };
}

describe('change report', () => {
  it('holds migration, site, diff, every verifier, approvals, deploy and the audit chain (Markdown)', () => {
    const md = changeReportMarkdown(record());
    expect(md).toMatch(/^# Change record cr_1\n/);
    expect(md).toContain('| Migration | guard revision 2 |');
    expect(md).toContain('press-1 (no longer in the registry)');
    expect(md).toContain('```diff\n--- a/main.st');
    expect(md).toContain('| Safety verifier | pass | 1 findings, 2 proofs |');
    // Each claim says what it rests on: only an exhaustive search proves (an older verdict without
    // `claim` is read the same way); a random search that found nothing is "not refuted".
    expect(md).toContain(
      '| Proof: permissive Press_Enable | proved | proved by exhaustive search (16 steps) |',
    );
    expect(md).toContain(
      '| Proof: estop E_Stop_OK | not refuted | not refuted in 128 random runs × 200 scans (seed 42) |',
    );
    expect(md).toContain('| Equivalence | pass | not refuted in 200 runs × 400 scans (seed 42) |');
    expect(md).not.toMatch(/\| proven \|/);
    expect(md).toContain('| Judge: scope | pass | — |');
    // A table cell with a pipe is escaped, so the table keeps its columns.
    expect(md).toContain('| SAFE-007 | warning | main.st:3 | T#5s \\| kept |');
    expect(md).toContain(
      '| approve | sam | safety-engineer | 2026-11-26T10:00:00.000Z | checked <on site> |',
    );
    expect(md).toContain('Not deployed.');
    expect(md).toContain('The audit chain verified intact over 9 entries');
    expect(md).toContain(
      `| 7 | 2026-11-26T10:00:00.000Z | sam | change-request.approved | ${'f'.repeat(64)} |`,
    );
  });

  it('says so when the chain is broken', () => {
    const md = changeReportMarkdown(
      record({ chain: { ok: false, checked: 4, firstBroken: { seq: 3, problem: 'hash mismatch' } } }),
    );
    expect(md).toContain('The audit chain is BROKEN at entry 3: hash mismatch');
  });

  it('escapes everything in HTML and marks diff lines', () => {
    const html = changeReportHtml(record());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<span class="del">-IF a &lt; b THEN</span>');
    expect(html).toContain('<span class="add">+Guard(x := a);</span>');
    expect(html).toContain('checked &lt;on site&gt;');
    expect(html).not.toContain('<on site>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

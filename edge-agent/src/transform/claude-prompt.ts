import type { Condition, Migration } from '@plcfleet/protocols';

function describeCondition(c: Condition): string {
  const note = c.note ? ` (${c.note})` : '';
  if ('firmware' in c) return `firmware ${c.firmware}${note}`;
  if ('uses' in c) return `uses ${'pou' in c.uses ? c.uses.pou : `the pattern:\n${c.uses.st.trim()}`}${note}`;
  if ('notUses' in c)
    return `does not use ${'pou' in c.notUses ? c.notUses.pou : `the pattern:\n${c.notUses.st.trim()}`}${note}`;
  if ('siteTag' in c) return `site tag ${c.siteTag}${note}`;
  if ('library' in c) return `library ${c.library.name} ${c.library.version}${note}`;
  return `certified safety PLC: ${c.certifiedSafetyPlc}${note}`;
}

/**
 * The system prompt of a Claude session, built from the migration: the goal as
 * the end state, the preconditions that held, worked examples, the success
 * criteria and what must not be touched.
 */
export function buildSystemPrompt(m: Migration): string {
  const parts: string[] = [];
  parts.push(
    'You are migrating an IEC 61131-3 Structured Text PLC project at an industrial plant. ' +
      'Every change is verified afterwards (compile, safety verifier, simulation, judges) and reviewed by a safety engineer. ' +
      'Make the smallest change that reaches the end state below.',
  );
  parts.push(
    `# Migration ${m.id} r${m.revision}: ${m.title}\nType: ${m.type}; safety class: ${m.safetyClass}.`,
  );
  parts.push(`# End state\n${m.goal.trim()}`);
  const pre = [
    ...m.preconditions.onlyIf.map(describeCondition),
    ...m.preconditions.skipIf.map((c) => `NOT ${describeCondition(c)}`),
  ];
  if (pre.length)
    parts.push(`# Preconditions (they held at this site)\n${pre.map((p) => `- ${p}`).join('\n')}`);
  if (m.examples.length)
    parts.push(
      `# Examples\n${m.examples
        .map(
          (e, i) =>
            `## ${e.name ?? `example ${i + 1}`}\nBefore:\n${e.before.trimEnd()}\nAfter:\n${e.after.trimEnd()}`,
        )
        .join('\n\n')}`,
    );
  const sc = m.successCriteria;
  const criteria = [
    sc.compile ? 'the project compiles without errors' : null,
    sc.safety ? 'the safety verifier accepts the change under the site policy' : null,
    sc.scenarios.length ? `${sc.scenarios.length} scenario test(s) pass` : null,
    sc.equivalence
      ? 'the old and new programs behave equivalently in differential simulation (with the declared assumptions and relations)'
      : null,
    'a scope judge finds every change inside the scope',
  ].filter((x): x is string => x !== null);
  parts.push(`# Success criteria\n${criteria.map((c) => `- ${c}`).join('\n')}`);
  parts.push(
    `# Do not touch\n- POUs outside: ${m.scope.pous.join(', ')}; files outside: ${m.scope.files.join(', ')}; at most ${m.scope.maxChangedLines} changed lines.\n` +
      '- Never remove, weaken or bypass a safety check, interlock, E-stop or permissive condition; never change certified POUs, safety timing, or add forcing.\n' +
      '- Do not edit tests or scenarios, do not refactor or rename anything unrelated, do not combine other migrations.',
  );
  parts.push(
    '# How to work\nUse list_files, search and read_file to find every place the migration applies. Change files with edit. ' +
      'Run verify after editing and fix what it reports. When verify answers OK, reply with a one-paragraph summary and no tool call.',
  );
  return parts.join('\n\n');
}

/** The first user message of a session. */
export function buildFirstMessage(m: Migration, fileCount: number): string {
  return `The project has ${fileCount} file(s). Apply migration ${m.id} now.`;
}

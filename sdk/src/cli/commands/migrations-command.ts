import { Migration } from '@plcfleet/protocols';
import { Command } from 'commander';
import { positiveInt } from '../arg-parsers';
import { action, type CliDeps } from '../command-context';
import { shortTime } from '../output';
import { readDocument } from '../read-document';

/** `plcfleet migrations apply|show|list`. */
export function migrationsCommand(deps: CliDeps): Command {
  const migrations = new Command('migrations').description('migration definitions (immutable revisions)');

  action(
    migrations
      .command('apply')
      .description('validate a migration file locally, then store it (a new revision is a new migration)')
      .requiredOption('-f, --file <file>', 'migration document (YAML or JSON)')
      .option('--dry-run', 'have the server validate it without storing'),
    deps,
    async ({ client, out }, opts: { file: string; dryRun?: boolean }) => {
      const { raw, value } = await readDocument(opts.file, Migration);
      const r = await client.migrations.apply(raw as Migration, { validateOnly: !!opts.dryRun });
      out.result(r, () => {
        if (r.validateOnly) out.line(`valid: ${value.id} revision ${value.revision} (not stored: --dry-run)`);
        else if (r.migration)
          out.line(
            `${r.created ? 'stored' : 'unchanged (already stored)'}: ${r.migration.id} revision ${r.migration.revision}, ` +
              `${r.migration.safetyClass}, sha256 ${r.migration.sha256.slice(0, 12)}`,
          );
      });
    },
  );

  action(
    migrations
      .command('show')
      .description('a migration: its latest revision, or --revision N')
      .argument('<id>', 'migration id')
      .option('--revision <n>', 'a given revision', positiveInt),
    deps,
    async ({ client, out }, id: string, opts: { revision?: number }) => {
      const m = await client.migrations.get(id, opts.revision ? { revision: opts.revision } : {});
      out.result(m, () => {
        out.line(`migration   ${m.id} revision ${m.revision}`);
        out.line(`title       ${m.title}`);
        out.line(`type        ${m.type}, ${m.safetyClass}`);
        out.line(`sha256      ${m.sha256}`);
        out.line(`stored      ${shortTime(m.createdAt)} by ${m.createdBy}`);
        out.line(
          `transformer ${m.document.recipe ? `recipe (${m.document.recipe.rules.length} rules)` : 'model'}`,
        );
        const sc = m.document.successCriteria;
        out.line(
          `criteria    compile ${sc.compile ? 'yes' : 'no'}, safety ${sc.safety ? 'yes' : 'no'}, ` +
            `${sc.scenarios.length} scenarios, equivalence ${sc.equivalence ? 'yes' : 'no'}, ` +
            `judges: scope${sc.judge.llm ? ' + llm' : ''}`,
        );
        out.line('goal:');
        for (const l of m.document.goal.trim().split('\n')) out.line(`  ${l}`);
      });
    },
  );

  action(migrations.command('list').description('every stored revision'), deps, async ({ client, out }) => {
    const list = await client.migrations.list();
    out.result(list, () =>
      out.table(list, [
        ['id', (m) => m.id],
        ['rev', (m) => String(m.revision)],
        ['type', (m) => m.type],
        ['safety', (m) => m.safetyClass],
        ['title', (m) => m.title],
        ['stored', (m) => shortTime(m.createdAt)],
      ]),
    );
  });
  return migrations;
}

import { Command } from 'commander';
import { nonNegativeInt, positiveInt } from '../arg-parsers';
import { action, type CliDeps } from '../command-context';
import { EXIT } from '../exit-codes';
import { shortTime } from '../output';

/** `plcfleet audit verify|head|list`. */
export function auditCommand(deps: CliDeps): Command {
  const audit = new Command('audit').description('the hash-chained audit log');

  action(
    audit
      .command('verify')
      .description('recompute the chain on the server (exit 1 when a link is broken)')
      .option(
        '--anchor <seq:hash>',
        'a row whose hash you kept (audit head); it must still be in the chain (repeatable)',
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      ),
    deps,
    async ({ client, out }, opts: { anchor: string[] }) => {
      const v = await client.audit.verify(opts.anchor);
      out.result(v, () =>
        out.line(
          v.ok
            ? `audit chain intact: ${v.checked} entries` +
                (opts.anchor.length ? `, ${v.anchorsChecked ?? 0} anchor(s) in place` : '')
            : `audit chain BROKEN at entry ${v.firstBroken?.seq}: ${v.firstBroken?.problem} (${v.checked} checked)`,
        ),
      );
      return v.ok ? EXIT.OK : EXIT.FAILED;
    },
  );

  action(
    audit
      .command('head')
      .description('the last row of the chain as SEQ:HASH: keep it elsewhere, verify with --anchor'),
    deps,
    async ({ client, out }) => {
      const head = await client.audit.head();
      out.result(head, () => out.line(head ? `${head.seq}:${head.hash}` : 'the audit log is empty'));
    },
  );

  action(
    audit
      .command('list')
      .description('the newest audit entries, in chain order (--after: the ones after a sequence number)')
      .option('--after <seq>', 'entries after this sequence number (oldest first)', nonNegativeInt)
      .option('--limit <n>', 'at most this many', positiveInt, 100)
      .option('--subject <id>', 'only about this object'),
    deps,
    async ({ client, out }, opts: { after?: number; limit: number; subject?: string }) => {
      // Without --after people want what just happened, not the first entries ever written.
      const list = await client.audit.list({
        ...opts,
        ...(opts.after === undefined ? { newest: true } : {}),
      });
      out.result(list, () =>
        out.table(list, [
          ['seq', (e) => String(e.seq)],
          ['at', (e) => shortTime(e.at)],
          ['actor', (e) => e.actor],
          ['action', (e) => e.action],
          ['subject', (e) => `${e.subjectType}:${e.subjectId}`],
          ['hash', (e) => e.hash.slice(0, 12)],
        ]),
      );
    },
  );
  return audit;
}

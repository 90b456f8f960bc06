import { ApiRole } from '@plcfleet/protocols';
import { Command, Option } from 'commander';
import { action, type CliDeps } from '../command-context';
import { shortTime } from '../output';

/** `plcfleet tokens list|create|revoke`: API tokens of people and automation, from any machine (admin). */
export function tokensCommand(deps: CliDeps): Command {
  const tokens = new Command('tokens').description('API tokens of people and automation (admin)');

  action(
    tokens.command('list').description('every token (never its secret)'),
    deps,
    async ({ client, out }) => {
      const list = await client.auth.listTokens();
      out.result(list, () =>
        out.table(list, [
          ['token', (t) => t.id],
          ['name', (t) => t.name],
          ['role', (t) => t.role],
          ['created', (t) => shortTime(t.createdAt)],
          ['revoked', (t) => (t.revokedAt ? shortTime(t.revokedAt) : 'no')],
        ]),
      );
    },
  );

  action(
    tokens
      .command('create')
      .description('create a token for a person or a tool; the secret is shown once')
      .requiredOption('--name <name>', 'who or what uses it, e.g. sam or ci-rollouts')
      .addOption(
        new Option('--role <role>', 'what it may do').choices(ApiRole.options).makeOptionMandatory(),
      ),
    deps,
    async ({ client, out }, opts: { name: string; role: ApiRole }) => {
      const r = await client.auth.createToken({ name: opts.name, role: opts.role });
      out.result(r, () => {
        out.line(r.token);
        out.note(
          `token ${r.tokenId} for ${r.user.name} (${r.user.role}); it is shown only once: hand it over as PLCFLEET_TOKEN`,
        );
      });
    },
  );

  action(
    tokens
      .command('revoke')
      .description('revoke a token at once')
      .argument('<id>', 'token id, as `tokens list` shows it'),
    deps,
    async ({ client, out }, id: string) => {
      const revoked = await client.auth.revokeToken(id);
      out.result({ id, revoked }, () =>
        out.line(revoked ? `revoked token ${id}` : `token ${id} was already revoked`),
      );
    },
  );
  return tokens;
}

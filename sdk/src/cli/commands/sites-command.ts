import { MaintenanceWindow, PutSiteRequest, parseWith } from '@plcfleet/protocols';
import { Command, Option } from 'commander';
import { action, type CliDeps } from '../command-context';
import { UsageError } from '../exit-codes';
import { formatTable, shortTime } from '../output';
import { readDocument } from '../read-document';

/** `plcfleet sites list|add|show`. */
export function sitesCommand(deps: CliDeps): Command {
  const sites = new Command('sites').description('the fleet registry: plant sites');

  action(sites.command('list').description('list the sites'), deps, async ({ client, out }) => {
    const list = await client.sites.list();
    out.result(list, () =>
      out.table(list, [
        ['site', (s) => s.name],
        ['tags', (s) => s.tags.join(',') || '-'],
        ['firmware', (s) => s.firmware ?? '-'],
        ['time zone', (s) => s.timeZone],
        ['windows', (s) => String(s.maintenanceWindows.length)],
        ['policy', (s) => (s.policy ? 'yes' : 'no')],
        ['updated', (s) => shortTime(s.updatedAt)],
      ]),
    );
  });

  action(
    sites
      .command('add')
      .description('register a site, or replace it (admin)')
      .argument('<name>', 'site name (lower-case letters, digits, . _ -)')
      .option(
        '-f, --file <file>',
        'site document (YAML or JSON): tags, firmware, timeZone, maintenanceWindows, policy',
      )
      .option('--tag <tag...>', 'a tag (repeat or list)')
      .option('--firmware <version>', 'firmware version, e.g. 3.1.4')
      .option('--time-zone <tz>', 'IANA time zone of the maintenance windows, e.g. Europe/Berlin')
      .addOption(
        new Option('--window <spec...>', 'maintenance window "DAYS HH:MM MINUTES", e.g. "sat,sun 02:00 240"'),
      ),
    deps,
    async (
      { client, out },
      name: string,
      opts: { file?: string; tag?: string[]; firmware?: string; timeZone?: string; window?: string[] },
    ) => {
      const base = opts.file
        ? ((await readDocument(opts.file, PutSiteRequest)).raw as Record<string, unknown>)
        : {};
      const doc: Record<string, unknown> = { ...base };
      if (opts.tag) doc.tags = opts.tag.flatMap((t) => t.split(',')).filter(Boolean);
      if (opts.firmware) doc.firmware = opts.firmware;
      if (opts.timeZone) doc.timeZone = opts.timeZone;
      if (opts.window) doc.maintenanceWindows = opts.window.map(parseWindow);
      const checked = parseWith(PutSiteRequest, doc, `site ${name}`);
      if (!checked.ok) throw new UsageError(checked.error);
      const r = await client.sites.put(name, doc as PutSiteRequest);
      out.result(r, () => out.line(`${r.created ? 'registered' : 'updated'} site ${r.site.name}`));
    },
  );

  action(
    sites.command('show').description('one site, its windows and its agents').argument('<name>', 'site name'),
    deps,
    async ({ client, out }, name: string) => {
      const site = await client.sites.get(name);
      const agents = await client.agents.list({ site: name });
      out.result({ site, agents }, () => {
        out.line(`site        ${site.name}`);
        out.line(`tags        ${site.tags.join(', ') || '-'}`);
        out.line(`firmware    ${site.firmware ?? '-'}`);
        out.line(`time zone   ${site.timeZone}`);
        const p = site.policy;
        out.line(
          `policy      ${p ? `${p.emergencyStops.length} E-stops, ${p.safetySignals.length} safety signals, ${p.permissives.length} permissives, ${p.certifiedPous.length} certified POUs` : 'none'}`,
        );
        out.line(
          `windows     ${site.maintenanceWindows.map((w) => `${w.days.join(',')} ${w.start} +${w.durationMinutes}m`).join('; ') || 'none'}`,
        );
        out.line(`registered  ${shortTime(site.createdAt)}, updated ${shortTime(site.updatedAt)}`);
        out.line();
        out.line('agents:');
        for (const l of formatTable(agents, [
          ['agent', (a) => a.id],
          ['connected', (a) => (a.connected ? 'yes' : 'no')],
          ['last seen', (a) => shortTime(a.lastSeenAt)],
          ['version', (a) => a.agentVersion ?? '-'],
          ['revoked', (a) => (a.revoked ? 'yes' : 'no')],
        ]))
          out.line(`  ${l}`);
      });
    },
  );
  return sites;
}

/** `"sat,sun 02:00 240"` or `"02:00 60"` (every day) → a maintenance window. */
export function parseWindow(spec: string): MaintenanceWindow {
  const parts = spec.trim().split(/\s+/);
  const [days, start, minutes] = parts.length === 2 ? [undefined, parts[0], parts[1]] : parts;
  const r = MaintenanceWindow.safeParse({
    ...(days ? { days: days.split(',') } : {}),
    start,
    durationMinutes: Number(minutes),
  });
  if (parts.length < 2 || parts.length > 3 || !r.success)
    throw new UsageError(`--window "${spec}": expected "DAYS HH:MM MINUTES", e.g. "sat,sun 02:00 240"`);
  return r.data;
}

import {
  MaintenanceWindow,
  PutSiteRequest,
  parseWith,
  type SiteDriftView,
  SiteFacts,
  Slug,
} from '@plcfleet/protocols';
import { Command, Option } from 'commander';
import type { PlcfleetClient } from '../../client/plcfleet-client';
import { PlcfleetError } from '../../errors';
import { action, type CliDeps } from '../command-context';
import { UsageError } from '../exit-codes';
import { formatTable, shortTime } from '../output';
import { readYamlFile } from '../read-document';

/** `plcfleet sites list|add|show|drift|delete`. */
export function sitesCommand(deps: CliDeps): Command {
  const sites = new Command('sites').description('the fleet registry: plant sites');

  action(sites.command('list').description('list the sites'), deps, async ({ client, out }) => {
    const { sites: plain, unreadable = [] } = await client.sites.listAll();
    // Sites come with their drift; from a control plane whose sites lack it, the fleet's drift list.
    const drift = plain.every((s) => s.drift) ? undefined : await driftBySite(client);
    const served = drift !== undefined || plain.every((s) => s.drift);
    for (const u of unreadable)
      out.note(
        `site ${JSON.stringify(u.name)} is stored with invalid data (${u.error}); remove it with: plcfleet sites delete ${JSON.stringify(u.name)}`,
      );
    const list = plain.map((s) => {
      const d = drift?.get(s.name);
      return !s.drift && d ? { ...s, drift: { status: d.status, checkedAt: d.checkedAt, pous: d.pous } } : s;
    });
    out.result(list, () =>
      out.table(list, [
        ['site', (s) => s.name],
        ['tags', (s) => s.tags.join(',') || '-'],
        ['firmware', (s) => s.firmware ?? '-'],
        ['time zone', (s) => s.timeZone],
        ['windows', (s) => String(s.maintenanceWindows.length)],
        ['policy', (s) => (s.policy ? 'yes' : 'no')],
        ['updated', (s) => shortTime(s.updatedAt)],
        ['drift', (s) => driftCell(s.drift, served)],
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
        'site document (YAML or JSON): tags, firmware, timeZone, maintenanceWindows, policy; or a SiteFacts file (its firmware and tags)',
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
      const named = Slug.safeParse(name);
      if (!named.success)
        throw new UsageError(
          `site name ${JSON.stringify(name)}: ${named.error.issues[0]?.message ?? 'not a site name'}`,
        );
      const raw = opts.file ? await readYamlFile(opts.file) : undefined;
      const base = opts.file ? siteDocumentFrom(raw, name, opts.file) : {};
      // Facts carry firmware and tags only: on a registered site they update those and keep the rest.
      const kept = isFacts(raw) ? await registryFieldsOf(client, name) : {};
      const doc: Record<string, unknown> = { ...kept, ...base };
      if (opts.tag) doc.tags = opts.tag.flatMap((t) => t.split(',')).filter(Boolean);
      if (opts.firmware) doc.firmware = opts.firmware;
      if (opts.timeZone) doc.timeZone = opts.timeZone;
      if (opts.window) doc.maintenanceWindows = opts.window.map(parseWindow);
      const checked = parseWith(PutSiteRequest, doc, opts.file ?? `site ${name}`);
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
  action(
    sites
      .command('drift')
      .description(
        "is the site's live program the released one: the last check, the POUs that differ with their diffs, the hash history",
      )
      .argument('<name>', 'site name')
      .option('--history <n>', 'live hashes to show', '10'),
    deps,
    async ({ client, out }, name: string, opts: { history: string }) => {
      const d = await client.sites.drift(name);
      const n = Number(opts.history);
      if (!Number.isInteger(n) || n < 0)
        throw new UsageError(`--history must be a whole number, not "${opts.history}"`);
      out.result(d, () => {
        const r = d.report;
        if (!r) {
          out.line(
            `site ${d.site}: no drift check reported yet (the agent checks hourly and after every deploy)`,
          );
          return;
        }
        const state = r.status === 'same' ? out.paint('green', 'same') : out.paint('red', 'DRIFTED');
        out.line(`site        ${d.site}`);
        out.line(`drift       ${state} (checked ${shortTime(r.checkedAt)}, ${r.trigger})`);
        out.line(`released    ${r.released}${r.releasedCommit ? ` @ ${r.releasedCommit.slice(0, 12)}` : ''}`);
        out.line(`live        ${r.live}, sha256 ${r.liveSha256.slice(0, 12)}…`);
        if (r.globals.length) out.line(`globals     ${r.globals.join(', ')}`);
        if (r.types.length) out.line(`types       ${r.types.join(', ')}`);
        if (r.configuration) out.line('configuration changed');
        for (const u of r.unparsed) out.line(`does not parse (${u.side}): ${u.file}: ${u.message}`);
        for (const p of r.pous) {
          out.line();
          out.line(out.paint('bold', `${p.change} ${p.pou}${p.file ? ` (${p.file})` : ''}`));
          for (const l of p.diff.trimEnd().split('\n'))
            out.line(l.startsWith('+') ? out.paint('green', l) : l.startsWith('-') ? out.paint('red', l) : l);
        }
        if (n > 0 && d.history.length) {
          out.line();
          out.line('history:');
          for (const l of formatTable(d.history.slice(0, n), [
            ['checked', (h) => shortTime(h.checkedAt)],
            ['drift', (h) => h.status],
            ['trigger', (h) => h.trigger],
            ['live sha256', (h) => h.sha256.slice(0, 12)],
          ]))
            out.line(`  ${l}`);
        }
      });
    },
  );
  action(
    sites
      .command('delete')
      .description('remove a site from the registry, also one stored with invalid data (admin)')
      .argument('<name>', 'site name, as `sites list` shows it'),
    deps,
    async ({ client, out }, name: string) => {
      const r = await client.sites.delete(name);
      out.result(r, () => out.line(`deleted site ${r.name}`));
    },
  );
  return sites;
}

/** Every site's drift by name; undefined when the control plane does not serve drift (older than issue #22). */
async function driftBySite(client: PlcfleetClient): Promise<Map<string, SiteDriftView> | undefined> {
  try {
    return new Map((await client.sites.driftAll()).map((d) => [d.site, d]));
  } catch (err) {
    if (err instanceof PlcfleetError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

function driftCell(d: Pick<SiteDriftView, 'status' | 'pous'> | undefined, served: boolean): string {
  if (!served) return '?';
  if (!d || d.status === 'unknown') return '-';
  return d.status === 'same' ? 'same' : `DRIFTED (${d.pous} POU${d.pous === 1 ? '' : 's'})`;
}

function isFacts(raw: unknown): boolean {
  return !!raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'SiteFacts';
}

/** What a registered site holds besides firmware and tags (nothing when it is not registered). */
async function registryFieldsOf(client: PlcfleetClient, name: string): Promise<Record<string, unknown>> {
  try {
    const s = await client.sites.get(name);
    return {
      timeZone: s.timeZone,
      maintenanceWindows: s.maintenanceWindows,
      ...(s.policy ? { policy: s.policy } : {}),
    };
  } catch (err) {
    if (err instanceof PlcfleetError && err.code === 'NOT_FOUND') return {};
    throw err;
  }
}

/**
 * The registry fields of a site file: a site document (`kind: Site`, or no
 * kind), or the agent's `kind: SiteFacts` file, whose firmware and tags the
 * registry keeps too (the examples' `examples/sites/*.facts.yaml`).
 */
function siteDocumentFrom(raw: unknown, name: string, file: string): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`${file}: expected a site document`);
  const { apiVersion: _v, kind, ...rest } = raw as Record<string, unknown>;
  if (kind === 'SiteFacts') {
    const facts = parseWith(SiteFacts, raw, file);
    if (!facts.ok) throw new UsageError(facts.error);
    if (facts.value.site !== name)
      throw new UsageError(`${file}: site "${facts.value.site}" does not match the site "${name}"`);
    return { tags: facts.value.tags, firmware: facts.value.firmware };
  }
  if (kind !== undefined && kind !== 'Site')
    throw new UsageError(`${file}: kind ${JSON.stringify(kind)} is not a site (expected Site or SiteFacts)`);
  const doc = parseWith(PutSiteRequest, rest, file);
  if (!doc.ok) throw new UsageError(doc.error);
  return rest;
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

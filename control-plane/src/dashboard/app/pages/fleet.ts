import type { AgentView, SiteView, StageReportView } from '@plcfleet/protocols';
import { ago, badge, h, thead } from '../dom';
import { follow } from '../live';
import { api, type PageFrame, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

interface FleetData {
  /** The sites, each with its drift (`SiteView.drift`): its live program against the released one. */
  sites: SiteView[];
  agents: AgentView[];
  stageReports: StageReportView[];
}

/** The fleet page's nodes that outlive its redraws: heading, filter and table body. */
interface FleetFrame extends PageFrame {
  kind: 'fleet';
  data: FleetData;
  heading: HTMLHeadingElement;
  filter: HTMLInputElement;
  tbody: HTMLTableSectionElement;
  nodes: HTMLElement[];
}

/** Sites with their agents, versions, firmware, tags, windows, cutover stage and drift; a filter. */
export async function fleetPage(): Promise<void> {
  const gen = state.gen;
  const client = api();
  // Each site comes with its last drift check (`SiteView.drift`).
  const [sites, agents, stageReports] = await Promise.all([
    client.sites.list(),
    client.agents.list(),
    client.agents.stageReports({ limit: 1000 }),
  ]);
  if (gen !== state.gen) return;
  // Events redraw the heading and the rows in place; the filter stays the same node, so
  // what the user typed, its caret and the focus survive a live update. (Drawn afresh when
  // an error page took its place.)
  const page = state.page as FleetFrame | null;
  const fresh = !(page?.gen === gen && page.kind === 'fleet' && page.heading.isConnected);
  const frame = fresh ? fleetFrame(gen) : page!;
  frame.data = { sites, agents, stageReports };
  frame.heading.textContent = `Fleet — ${sites.length} sites, ${agents.filter((a) => a.connected).length} agents online`;
  drawFleetRows(frame);
  if (fresh) {
    state.page = frame;
    render(frame.nodes);
  }
  follow(undefined, () => fleetPage().catch(errorPage));
}

function fleetFrame(gen: number): FleetFrame {
  const tbody = h('tbody');
  const heading = h('h1');
  const frame: FleetFrame = {
    gen,
    kind: 'fleet',
    data: { sites: [], agents: [], stageReports: [] },
    heading,
    tbody,
    filter: h('input', {
      type: 'search',
      placeholder: 'Filter by name, tag or firmware',
      'aria-label': 'filter sites',
      size: 36,
      oninput: () => drawFleetRows(frame),
    }),
    nodes: [],
  };
  frame.nodes = [
    heading,
    h('div', { class: 'toolbar' }, frame.filter),
    h(
      'table',
      {},
      thead(['Site', 'Agent', 'Versions', 'Firmware', 'Tags', 'Maintenance windows', 'Cutover', 'Drift']),
      tbody,
    ),
  ];
  return frame;
}

/** The fleet table's rows for the frame's data, as its filter says. */
function drawFleetRows({ data, filter, tbody }: FleetFrame): void {
  const { sites, agents, stageReports } = data;
  const q = filter.value.trim().toLowerCase();
  tbody.replaceChildren(
    ...sites
      .filter(
        (site) =>
          !q || [site.name, site.firmware ?? '', ...site.tags].some((x) => x.toLowerCase().includes(q)),
      )
      .map((site) => {
        const mine = agents.filter((a) => a.site === site.name && !a.revoked);
        const online = mine.some((a) => a.connected);
        const last = mine
          .map((a) => a.lastSeenAt)
          .filter((t): t is string => !!t)
          .sort()
          .at(-1);
        const stage = stageReports
          .filter((r) => r.site === site.name)
          .sort((a, b) => a.at.localeCompare(b.at))
          .at(-1);
        return h(
          'tr',
          {},
          h('td', {}, h('strong', {}, site.name)),
          h(
            'td',
            {},
            mine.length ? badge(online ? 'online' : 'offline', online ? 'ok' : 'bad') : badge('no agent'),
            ' ',
            h('span', { class: 'muted' }, last ? ago(last) : ''),
          ),
          h('td', {}, mine.map((a) => `${a.id} ${a.agentVersion ?? ''}`).join(', ') || '—'),
          h('td', {}, site.firmware ?? '—'),
          h(
            'td',
            {},
            site.tags.map((t) => badge(t)),
            '',
          ),
          h(
            'td',
            {},
            site.maintenanceWindows
              .map(
                (w) =>
                  `${w.days.length === 7 ? 'daily' : w.days.join(',')} ${w.start} +${w.durationMinutes}m`,
              )
              .join('; ') || 'none',
            h('span', { class: 'muted' }, ` ${site.timeZone}`),
          ),
          h('td', {}, stage ? badge(stage.stage, stage.stage === 'rolled-back' ? 'bad' : 'info') : '—'),
          driftCell(site),
        );
      }),
  );
}

/** The drift cell: the last check's status (a drifted site is skipped by rollouts unless the plan allows drift). */
function driftCell(site: SiteView): HTMLTableCellElement {
  const d = site.drift;
  if (!d || d.status === 'unknown') return h('td', { class: 'muted' }, 'not checked');
  const when = d.checkedAt ? h('span', { class: 'muted' }, ` ${ago(d.checkedAt)}`) : '';
  if (d.status === 'same') return h('td', {}, badge('same', 'ok'), when);
  return h(
    'td',
    { title: `plcfleet sites drift ${site.name}` },
    badge(`drifted: ${d.pous} POU${d.pous === 1 ? '' : 's'}`, 'bad'),
    when,
  );
}

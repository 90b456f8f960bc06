import type { StageReportView } from '@plcfleet/protocols';
import { lineChart } from '../charts';
import { badge, h } from '../dom';
import { follow } from '../live';
import { api, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

/** The latency figures of a stage report (the API lists a report's figures loosely). */
const latency = (f: StageReportView['figures']) => f.latencyMs as { p50?: number; p99?: number } | undefined;

/** One figure of a site's stage reports over time. */
function chart(reports: StageReportView[], key: (f: StageReportView['figures']) => unknown, label: string) {
  return lineChart(
    reports.map((r) => ({ t: Date.parse(r.at), v: Number(key(r.figures) ?? 0) })),
    label,
  );
}

/** Protocol cutover per site: its stage and its figures (divergences, latency, comm errors) over time. */
export async function cutoverPage(): Promise<void> {
  const gen = state.gen;
  const stageReports = await api().agents.stageReports({ limit: 1000 });
  const sites = [...new Set(stageReports.map((r) => r.site))].sort();
  if (gen !== state.gen) return;
  render(
    h('h1', {}, 'Protocol cutover'),
    sites.length === 0 ? h('p', { class: 'muted' }, 'No site has reported a cutover stage yet.') : null,
    sites.map((site) => {
      const reports = stageReports.filter((r) => r.site === site).sort((a, b) => a.at.localeCompare(b.at));
      const last = reports.at(-1)!;
      return h(
        'section',
        { class: 'card' },
        h('h2', {}, site, ' ', badge(last.stage, last.stage === 'rolled-back' ? 'bad' : 'info')),
        h(
          'p',
          { class: 'muted' },
          `${last.figures.tags ?? '?'} tags · ${last.figures.polls ?? '?'} polls · ${last.reason}`,
        ),
        h(
          'div',
          { class: 'row' },
          chart(reports, (f) => f.divergences, 'divergences'),
          chart(reports, (f) => latency(f)?.p50, 'latency p50 ms'),
          chart(reports, (f) => latency(f)?.p99, 'latency p99 ms'),
          chart(reports, (f) => f.commErrors, 'comm errors'),
        ),
      );
    }),
  );
  follow(
    undefined,
    () => cutoverPage().catch(errorPage),
    (e) => e.type.startsWith('stage'),
  );
}

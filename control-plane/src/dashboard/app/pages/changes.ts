import type { ChangeRequestView } from '@plcfleet/protocols';
import { ago, badge, h, linkRow, outcomeKind, thead } from '../dom';
import { follow } from '../live';
import { api, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

/** Change requests: the open ones first, then the decided. */
export async function changesPage(): Promise<void> {
  const gen = state.gen;
  const changeRequests = await api().changes.list();
  const open = changeRequests.filter((c) => c.state === 'open');
  const rows = (list: ChangeRequestView[]) =>
    h(
      'table',
      {},
      thead(['Change', 'Site', 'Migration', 'Class', 'State', 'Requested by', 'Created']),
      h(
        'tbody',
        {},
        list.map((c) =>
          linkRow(
            `#/changes/${c.id}`,
            c.id,
            h('td', {}, c.site),
            h('td', {}, `${c.migrationId}@${c.revision}`),
            h('td', {}, badge(c.safetyClass, c.safetyClass === 'safety-related' ? 'warn' : '')),
            h('td', {}, badge(c.state, outcomeKind(c.state))),
            h('td', {}, c.requestedBy),
            h('td', {}, ago(c.createdAt)),
          ),
        ),
      ),
    );
  if (gen !== state.gen) return;
  render(
    h('h1', {}, `Change requests — ${open.length} open`),
    open.length ? rows(open) : h('p', { class: 'muted' }, 'Nothing waits for review.'),
    h('h2', {}, 'Decided'),
    rows(changeRequests.filter((c) => c.state !== 'open')),
  );
  follow(undefined, () => changesPage().catch(errorPage));
}

import { badge, h, thead, time } from '../dom';
import { api, state } from '../session';
import { render } from './render';

/** The audit log, filterable, with the server's verification of its hash chain. */
export async function auditPage(): Promise<void> {
  const gen = state.gen;
  const client = api();
  const [entries, verification] = await Promise.all([
    client.audit.list({ limit: 1000 }),
    client.audit.verify(),
  ]);
  const filter = h('input', {
    type: 'search',
    placeholder: 'Filter by actor, action or subject',
    'aria-label': 'filter audit log',
    size: 36,
  });
  const tbody = h('tbody');
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    tbody.replaceChildren(
      ...[...entries]
        .reverse()
        .filter(
          (e) =>
            !q || [e.actor, e.action, e.subjectType, e.subjectId].some((x) => x.toLowerCase().includes(q)),
        )
        .map((e) =>
          h(
            'tr',
            {},
            h('td', {}, e.seq),
            h('td', {}, time(e.at)),
            h('td', {}, e.actor),
            h('td', {}, e.action),
            h('td', {}, `${e.subjectType} ${e.subjectId}`),
            h('td', { class: 'muted' }, e.hash.slice(0, 12)),
          ),
        ),
    );
  };
  filter.addEventListener('input', draw);
  draw();
  if (gen !== state.gen) return;
  render(
    h('h1', {}, 'Audit log'),
    h(
      'p',
      { role: 'status', id: 'audit-verify' },
      verification.ok
        ? badge(`chain verified: ${verification.checked} entries`, 'ok')
        : badge(
            `chain broken at #${verification.firstBroken?.seq}: ${verification.firstBroken?.problem}`,
            'bad',
          ),
    ),
    h('div', { class: 'toolbar' }, filter),
    h('table', {}, thead(['#', 'When', 'Who', 'Action', 'Subject', 'Hash']), tbody),
  );
}

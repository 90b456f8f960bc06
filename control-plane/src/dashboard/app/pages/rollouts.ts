import { ago, badge, h, linkRow, outcomeKind, thead } from '../dom';
import { follow } from '../live';
import { api, state } from '../session';
import { errorPage } from './error-page';
import { render } from './render';

/** Every rollout with its state and phase. */
export async function rolloutsPage(): Promise<void> {
  const gen = state.gen;
  const rollouts = await api().rollouts.list();
  if (gen !== state.gen) return;
  render(
    h('h1', {}, 'Rollouts'),
    rollouts.length === 0
      ? h('p', { class: 'muted' }, 'No rollouts yet.')
      : h(
          'table',
          {},
          thead(['Rollout', 'Migration', 'State', 'Phase', 'Updated']),
          h(
            'tbody',
            {},
            rollouts.map((r) =>
              linkRow(
                `#/rollouts/${r.id}`,
                r.name || r.id,
                h('td', {}, `${r.migrationId}@${r.revision}`),
                h(
                  'td',
                  {},
                  badge(r.state, outcomeKind(r.state)),
                  ' ',
                  h('span', { class: 'muted' }, r.stateReason),
                ),
                h(
                  'td',
                  {},
                  `${r.phaseIndex + 1}/${r.plan.phases.length} ${r.plan.phases[r.phaseIndex]?.name ?? ''}`,
                ),
                h('td', {}, ago(r.updatedAt)),
              ),
            ),
          ),
        ),
  );
  follow(undefined, () => rolloutsPage().catch(errorPage));
}

import { PlcfleetError } from '@plcfleet/sdk';
import { badge, h } from '../dom';
import { stopFollowing } from '../live';
import { api, setToken, signOut, state } from '../session';
import { render } from './render';

/** Asks for the API token; on success shows who is signed in and goes to the fleet. */
export function loginPage(message?: string): void {
  stopFollowing();
  document.getElementById('who')?.replaceChildren();
  const input = h('input', {
    type: 'password',
    id: 'token',
    autocomplete: 'off',
    'aria-label': 'API token',
    size: 48,
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        setToken(input.value.trim());
        try {
          state.me = await api().auth.whoami();
          showWho();
          location.hash = '#/fleet';
          // Already on #/fleet: no hashchange follows, so route now.
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        } catch (err) {
          signOut();
          loginPage(
            err instanceof PlcfleetError && err.status === 401
              ? 'That token is not valid (unknown or revoked).'
              : (err as Error).message,
          );
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'muted' },
      'Paste your plcfleet API token. It stays in this tab only (session storage) and is never put in a URL.',
    ),
    message ? h('p', { role: 'alert', class: 'badge bad' }, message) : null,
    h('div', { class: 'toolbar' }, input, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
  );
  render(form);
  input.focus();
}

/** Who is signed in, and a way out. */
export function showWho(): void {
  const me = state.me;
  if (!me) return;
  document.getElementById('who')?.replaceChildren(
    h('span', {}, me.name, ' ', badge(me.role, 'info')),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          signOut();
          loginPage();
        },
      },
      'Sign out',
    ),
  );
}

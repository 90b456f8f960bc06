import { PlcfleetError } from '@plcfleet/sdk';
import { h } from '../dom';
import { state } from '../session';
import { render } from './render';
import { loginPage } from './sign-in';

/** Shows a failed read or action: sign-in again for 401, a clear page for 403 and 404. */
export function errorPage(err: unknown): void {
  const status = err instanceof PlcfleetError ? err.status : undefined;
  if (status === 401) {
    loginPage('Your session ended: sign in again.');
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  render(
    h(
      'div',
      { class: 'card error-page', role: 'alert' },
      h(
        'h1',
        {},
        status === 403 ? '403 — not allowed' : status === 404 ? '404 — not found' : 'Something went wrong',
      ),
      h(
        'p',
        {},
        status === 403 ? `Your role (${state.me?.role}) may not see or do this. ${message}` : message,
      ),
      h('p', {}, h('a', { href: '#/fleet' }, 'Back to the fleet')),
    ),
  );
}

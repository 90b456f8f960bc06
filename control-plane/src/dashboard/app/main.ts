/**
 * plcfleet dashboard: a small single-page app on the public HTTP API through the SDK's
 * typed client (the same endpoints and tokens as the SDK and CLI; no private back door),
 * built into one script by the control plane's build (esbuild), no external requests.
 * What a user may do and the figures the gates judge are the server's answers
 * (`allowed-actions`); the page restates no rule.
 */
import { z } from 'zod';
import { forgetPosition, stopFollowing } from './live';
import { auditPage } from './pages/audit';
import { changePage } from './pages/change';
import { changesPage } from './pages/changes';
import { cutoverPage } from './pages/cutover';
import { errorPage } from './pages/error-page';
import { fleetPage } from './pages/fleet';
import { rolloutPage } from './pages/rollout';
import { rolloutsPage } from './pages/rollouts';
import { loginPage, showWho } from './pages/sign-in';
import { api, state, token } from './session';

// The page's CSP allows no eval: zod validates responses without compiling them.
z.config({ jitless: true });

async function route(): Promise<void> {
  state.gen++;
  stopFollowing();
  forgetPosition();
  const hash = location.hash || '#/fleet';
  for (const a of Array.from(document.querySelectorAll('#nav a')))
    a.setAttribute('aria-current', hash.startsWith(a.getAttribute('href') ?? '') ? 'page' : 'false');
  if (!token()) return loginPage();
  try {
    if (!state.me) {
      state.me = await api().auth.whoami();
      showWho();
    }
    const [, page, id] = hash.split('/');
    if (page === 'rollouts' && id) return await rolloutPage(decodeURIComponent(id));
    if (page === 'rollouts') return await rolloutsPage();
    if (page === 'changes' && id) return await changePage(decodeURIComponent(id));
    if (page === 'changes') return await changesPage();
    if (page === 'cutover') return await cutoverPage();
    if (page === 'audit') return await auditPage();
    return await fleetPage();
  } catch (err) {
    errorPage(err);
  }
}

window.addEventListener('hashchange', () => void route());
void route();

/**
 * The signed-in session: the token (in this tab's session storage only, never in a
 * URL), the SDK client that carries it, who it belongs to, and what the page shows.
 */

import type { WhoAmIResponse } from '@plcfleet/protocols';
import { PlcfleetClient } from '@plcfleet/sdk';

const TOKEN_KEY = 'plcfleet.token';

/** A page's nodes that outlive its redraws (see the fleet and rollout pages). */
export interface PageFrame {
  gen: number;
  kind: string;
}

/** The session's state. `gen` counts navigations: a page whose data arrives after the user moved on must not draw. */
export const state: {
  me: WhoAmIResponse | null;
  gen: number;
  focusedGen: number;
  page: PageFrame | null;
} = { me: null, gen: 0, focusedGen: -1, page: null };

let client: PlcfleetClient | null = null;

/** The stored token, if any. */
export const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);

/** Keeps a new token (and drops the client of the old one). */
export function setToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
  client = null;
}

/** Forgets the token and who it was. */
export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  client = null;
  state.me = null;
}

/** The SDK's typed client of this server, with the session's token. */
export function api(): PlcfleetClient {
  client ??= new PlcfleetClient({ server: location.origin, token: token() ?? undefined });
  return client;
}

/** Who is signed in (after the router read it). */
export function me(): WhoAmIResponse {
  if (!state.me) throw new Error('not signed in');
  return state.me;
}

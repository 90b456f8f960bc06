/**
 * The agent's link to the control plane: the websocket session (hello,
 * version negotiation, heartbeats, reconnect with jittered backoff) and the
 * checks every signed bundle and order passes before the agent acts on it.
 */
export {
  AgentLink,
  type AgentLinkOptions,
  envelope,
  type LinkHandlers,
  type LinkSession,
  type Outgoing,
} from './agent-link';
export { type BackoffOptions, backoffDelay } from './backoff';
export { chooseTrustedKeys, type OpenResult, openSigned, type TrustResult } from './signed-payload';

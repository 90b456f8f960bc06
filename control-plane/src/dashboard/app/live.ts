/**
 * Live updates: the page follows the SDK's event stream (`client.eventStream`, fetch
 * with the bearer token, since EventSource cannot send one) and redraws, coalesced,
 * after each event it wants. A stream that opens without an id, or a `reset` (the
 * server restarted, another replica answered, or the page fell behind), redraws too:
 * something may have changed that no event will tell. The position outlives the
 * page's own redraws, which follow again from it; navigation drops it.
 */
import type { ControlPlaneEvent } from '@plcfleet/protocols';
import { api } from './session';

let stream: AbortController | null = null;
let followed: string | null = null;
let position: string | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;

const liveRegion = (): HTMLElement | null => document.getElementById('live');

/** Coalesces bursts of events into one refresh at most every 400 ms. */
function scheduleRefresh(fn: () => void): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    fn();
  }, 400);
}

/**
 * Follows the events of `rollout` (all events when undefined) and calls `reload` after
 * each one `wants`. Following again replaces the stream but keeps a refresh already
 * scheduled (its change must still be shown) and, for the same rollout, the position.
 */
export function follow(
  rollout: string | undefined,
  reload: () => void,
  wants: (e: ControlPlaneEvent) => boolean = () => true,
): void {
  stream?.abort();
  const key = rollout ?? '';
  if (followed !== key) position = undefined;
  followed = key;
  const ctrl = new AbortController();
  stream = ctrl;
  const refresh = () => scheduleRefresh(reload);
  void (async () => {
    try {
      for await (const item of api().eventStream({
        rollout,
        signal: ctrl.signal,
        lastEventId: position,
        maxReconnects: Number.POSITIVE_INFINITY,
        reconnectDelayMs: 500,
      })) {
        if (ctrl.signal.aborted) return;
        const live = liveRegion();
        if (item.kind === 'open') {
          if (live) live.textContent = '● live';
          position = item.at;
          if (item.lastEventId === undefined) refresh();
        } else if (item.kind === 'event') {
          if (item.id !== undefined) position = item.id;
          if (wants(item.event)) refresh();
        } else if (item.kind === 'reset') {
          position = item.at;
          refresh();
        } else if (live) live.textContent = '○ reconnecting';
      }
    } catch {
      // Refused for good (the token was revoked, …): the next navigation tells the user.
      const live = liveRegion();
      if (!ctrl.signal.aborted && live) live.textContent = '○ offline';
    }
  })();
}

/** Stops following and drops a scheduled refresh. */
export function stopFollowing(): void {
  stream?.abort();
  stream = null;
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
  const live = liveRegion();
  if (live) live.textContent = '';
}

/** Forgets the stream's position (on navigation). */
export function forgetPosition(): void {
  position = undefined;
}

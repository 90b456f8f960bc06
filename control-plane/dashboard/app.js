// plcfleet dashboard: a small single-page app on the public HTTP API (the same
// endpoints and tokens as the SDK and CLI; no private back door). Plain ES
// modules, no build step, no external requests. Every value from the API is
// put into the page with textContent (never innerHTML), so data cannot inject markup.

const TOKEN_KEY = 'plcfleet.token';
const FINAL_ROLLOUT = new Set(['completed', 'halted', 'aborted']);
const STEER_ROLES = new Set(['admin', 'operator', 'safety-engineer']);
const REVIEW_ROLES = new Set(['admin', 'operator', 'safety-engineer']);

// gen counts navigations: a page whose data arrives after the user moved on must not draw.
const state = {
  me: null,
  stream: null,
  eventQuery: null,
  lastEventId: null,
  refreshTimer: null,
  gen: 0,
  focusedGen: -1,
  page: null,
};
const main = document.getElementById('main');

// ---------------------------------------------------------------- DOM helpers

/** Builds an element: h('td', { class: 'x', onclick }, 'text', child). */
function h(tag, attrs, ...children) {
  const el = document.createElementNS(
    tag === 'svg' || attrs?.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml',
    tag,
  );
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false || k === 'svg') continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    // CSSOM, not the style attribute: the page's CSP allows no inline styles.
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const s = (tag, attrs, ...children) => h(tag, { ...attrs, svg: true }, ...children);
const badge = (text, kind) => h('span', { class: `badge ${kind ?? ''}` }, text);
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const ago = (iso) => {
  if (!iso) return 'never';
  const sec = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return sec < 60
    ? `${sec}s ago`
    : sec < 3600
      ? `${Math.round(sec / 60)}m ago`
      : `${Math.round(sec / 3600)}h ago`;
};
const outcomeKind = (o) =>
  ({
    passed: 'ok',
    completed: 'ok',
    deployed: 'ok',
    approved: 'ok',
    failed: 'bad',
    halted: 'bad',
    error: 'bad',
    rejected: 'bad',
    refused: 'bad',
    'rolled-back': 'warn',
    paused: 'warn',
    skipped: '',
    running: 'info',
    offered: 'info',
    open: 'info',
  })[o] ?? '';

function render(...nodes) {
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  // Focus the page once per navigation (screen readers announce it); a redraw after
  // events leaves the focus where the user put it (e.g. on the navigation).
  if (state.focusedGen !== state.gen) {
    state.focusedGen = state.gen;
    main.focus({ preventScroll: true });
  }
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    method: opts.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.body ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(
      res.status,
      data?.error?.code ?? 'INTERNAL',
      data?.error?.message ?? `HTTP ${res.status}`,
    );
  return data;
}

/**
 * Follows the event stream (fetch, since EventSource cannot send the bearer token) and
 * redraws the page with `reload` (coalesced) after each event `wants`. A reconnect sends
 * the last event id, so the server replays what was missed; when it cannot (`reset`: it
 * restarted, another replica answered, or the page fell behind) the page is reloaded, as
 * it is when a stream opens without an id (something may have changed since the page read
 * its data). The id outlives the page's own redraws, which follow again; navigation drops it.
 */
function follow(query, reload, wants = () => true) {
  // Not stopFollowing(): a page follows again after each redraw, and a refresh that events
  // scheduled while it drew must stay, or their change would not be shown.
  state.stream?.abort();
  if (state.eventQuery !== query) state.lastEventId = null;
  state.eventQuery = query;
  const ctrl = new AbortController();
  state.stream = ctrl;
  const live = document.getElementById('live');
  const refresh = () => scheduleRefresh(reload);
  (async () => {
    let delay = 500;
    while (!ctrl.signal.aborted) {
      try {
        const resumeAfter = state.lastEventId;
        const res = await fetch(`/v1/events${query}`, {
          headers: {
            authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`,
            accept: 'text/event-stream',
            ...(resumeAfter ? { 'last-event-id': resumeAfter } : {}),
          },
          signal: ctrl.signal,
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        live.textContent = '● live';
        delay = 500;
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done || ctrl.signal.aborted) break;
          buf += dec.decode(value, { stream: true });
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            const m = sseMessage(buf.slice(0, i));
            buf = buf.slice(i + 2);
            if (m.id !== null) state.lastEventId = m.id;
            if (m.event === 'ready') {
              if (!resumeAfter) refresh();
            } else if (m.event === 'reset') refresh();
            else if (m.data !== null) {
              try {
                if (wants(JSON.parse(m.data))) refresh();
              } catch {
                /* a malformed event: ignore */
              }
            }
            i = buf.indexOf('\n\n');
          }
        }
      } catch {
        if (ctrl.signal.aborted) return;
      }
      live.textContent = '○ reconnecting';
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();
}
/** One server-sent message: its event type, id and data (null when it has no data line); comments skipped. */
function sseMessage(block) {
  const m = { event: 'message', id: null, data: null };
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // a comment (keep-alive), or a field this page does not use
    const value = line.slice(colon + 1).replace(/^ /, '');
    const field = line.slice(0, colon);
    if (field === 'event') m.event = value;
    else if (field === 'id') m.id = value;
    else if (field === 'data') m.data = m.data === null ? value : `${m.data}\n${value}`;
  }
  return m;
}
function stopFollowing() {
  state.stream?.abort();
  state.stream = null;
  clearTimeout(state.refreshTimer);
  state.refreshTimer = null;
  const live = document.getElementById('live');
  if (live) live.textContent = '';
}
/** Coalesces bursts of events into one refresh at most every 400 ms. */
function scheduleRefresh(fn) {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    fn();
  }, 400);
}

// ---------------------------------------------------------------- pages

function loginPage(message) {
  stopFollowing();
  document.getElementById('who').replaceChildren();
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
      onsubmit: async (e) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        try {
          state.me = await api('/v1/whoami');
          showWho();
          location.hash = '#/fleet';
          route();
        } catch (err) {
          sessionStorage.removeItem(TOKEN_KEY);
          loginPage(err.status === 401 ? 'That token is not valid (unknown or revoked).' : err.message);
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

/** A table head: one column header per name. */
function thead(columns) {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map((c) => h('th', { scope: 'col' }, c)),
    ),
  );
}

function errorPage(err) {
  if (err instanceof ApiError && err.status === 401) return loginPage('Your session ended: sign in again.');
  const forbidden = err instanceof ApiError && err.status === 403;
  render(
    h(
      'div',
      { class: 'card error-page', role: 'alert' },
      h(
        'h1',
        {},
        forbidden
          ? '403 — not allowed'
          : err instanceof ApiError && err.status === 404
            ? '404 — not found'
            : 'Something went wrong',
      ),
      h(
        'p',
        {},
        forbidden ? `Your role (${state.me?.role}) may not see or do this. ${err.message}` : err.message,
      ),
      h('p', {}, h('a', { href: '#/fleet' }, 'Back to the fleet')),
    ),
  );
}

function showWho() {
  const me = state.me;
  document.getElementById('who').replaceChildren(
    h('span', {}, me.name, ' ', badge(me.role, 'info')),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          sessionStorage.removeItem(TOKEN_KEY);
          state.me = null;
          loginPage();
        },
      },
      'Sign out',
    ),
  );
}

async function fleetPage() {
  const gen = state.gen;
  const [{ sites }, { agents }, { stageReports }] = await Promise.all([
    api('/v1/sites'),
    api('/v1/agents'),
    api('/v1/stage-reports?limit=1000'),
  ]);
  if (gen !== state.gen) return;
  // Events redraw the heading and the rows in place; the filter stays the same node, so
  // what the user typed, its caret and the focus survive a live update. (Drawn afresh when
  // an error page took its place.)
  const fresh = !(state.page?.gen === gen && state.page.kind === 'fleet' && state.page.heading.isConnected);
  const frame = fresh ? fleetFrame(gen) : state.page;
  frame.data = { sites, agents, stageReports };
  frame.heading.textContent = `Fleet — ${sites.length} sites, ${agents.filter((a) => a.connected).length} agents online`;
  drawFleetRows(frame);
  if (fresh) {
    state.page = frame;
    render(frame.nodes);
  }
  follow('', () => fleetPage().catch(errorPage));
}

/** The fleet page's nodes that outlive its redraws: heading, filter and table body. */
function fleetFrame(gen) {
  const frame = { gen, kind: 'fleet', data: null, heading: h('h1'), tbody: h('tbody') };
  frame.filter = h('input', {
    type: 'search',
    placeholder: 'Filter by name, tag or firmware',
    'aria-label': 'filter sites',
    size: 36,
    oninput: () => drawFleetRows(frame),
  });
  frame.nodes = [
    frame.heading,
    h('div', { class: 'toolbar' }, frame.filter),
    h(
      'table',
      {},
      thead(['Site', 'Agent', 'Versions', 'Firmware', 'Tags', 'Maintenance windows', 'Cutover']),
      frame.tbody,
    ),
  ];
  return frame;
}

/** The fleet table's rows for the frame's data, as its filter says. */
function drawFleetRows({ data, filter, tbody }) {
  const { sites, agents, stageReports } = data;
  const q = filter.value.trim().toLowerCase();
  tbody.replaceChildren(
    ...sites
      .filter(
        (site) =>
          !q || [site.name, site.firmware ?? '', ...site.tags].some((x) => x.toLowerCase().includes(q)),
      )
      .map((site) => {
        const mine = agents.filter((a) => a.site === site.name && !a.revoked);
        const online = mine.some((a) => a.connected);
        const last = mine
          .map((a) => a.lastSeenAt)
          .filter(Boolean)
          .sort()
          .at(-1);
        const stage = stageReports
          .filter((r) => r.site === site.name)
          .sort((a, b) => a.at.localeCompare(b.at))
          .at(-1);
        return h(
          'tr',
          {},
          h('td', {}, h('strong', {}, site.name)),
          h(
            'td',
            {},
            mine.length ? badge(online ? 'online' : 'offline', online ? 'ok' : 'bad') : badge('no agent'),
            ' ',
            h('span', { class: 'muted' }, last ? ago(last) : ''),
          ),
          h('td', {}, mine.map((a) => `${a.id} ${a.agentVersion ?? ''}`).join(', ') || '—'),
          h('td', {}, site.firmware ?? '—'),
          h(
            'td',
            {},
            site.tags.map((t) => badge(t)),
            '',
          ),
          h(
            'td',
            {},
            site.maintenanceWindows
              .map(
                (w) =>
                  `${w.days.length === 7 ? 'daily' : w.days.join(',')} ${w.start} +${w.durationMinutes}m`,
              )
              .join('; ') || 'none',
            h('span', { class: 'muted' }, ` ${site.timeZone}`),
          ),
          h('td', {}, stage ? badge(stage.stage, stage.stage === 'rolled-back' ? 'bad' : 'info') : '—'),
        );
      }),
  );
}

async function rolloutsPage() {
  const gen = state.gen;
  const { rollouts } = await api('/v1/rollouts');
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
              h(
                'tr',
                { class: 'clickable', onclick: () => (location.hash = `#/rollouts/${r.id}`) },
                h('td', {}, h('a', { href: `#/rollouts/${r.id}` }, r.name || r.id)),
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
  follow('', () => rolloutsPage().catch(errorPage));
}

const DONE_STATES = new Set(['passed', 'failed', 'skipped', 'error', 'cancelled']);

async function rolloutPage(id) {
  const gen = state.gen;
  const [detail, { jobs }] = await Promise.all([
    api(`/v1/rollouts/${encodeURIComponent(id)}`),
    api(`/v1/jobs?rollout=${encodeURIComponent(id)}&limit=10000`),
  ]);
  const r = detail.rollout;
  const phases = r.plan.phases.map((p, i) => {
    const mine = jobs.filter((j) => j.phaseIndex === i && j.state !== 'retried');
    const count = (pred) => mine.filter(pred).length;
    return {
      name: p.name,
      gates: p.gates,
      total: mine.length,
      passed: count((j) => j.state === 'passed'),
      failed: count((j) => j.state === 'failed' || j.state === 'error'),
      skipped: count((j) => j.state === 'skipped' || j.state === 'cancelled'),
      running: count((j) => !DONE_STATES.has(j.state)),
      safety: count((j) => j.safetyFailure),
    };
  });
  const bar = (p) => {
    const pct = (n) => (p.total ? `${(100 * n) / p.total}%` : '0');
    return h(
      'div',
      {
        class: 'progress',
        role: 'img',
        'aria-label': `${p.passed} passed, ${p.failed} failed, ${p.skipped} skipped, ${p.running} running of ${p.total}`,
      },
      h('span', { class: 'p-done', style: `width:${pct(p.passed)}` }),
      h('span', { class: 'p-fail', style: `width:${pct(p.failed)}` }),
      h('span', { class: 'p-skip', style: `width:${pct(p.skipped)}` }),
      h('span', { class: 'p-run', style: `width:${pct(p.running)}` }),
    );
  };
  const current = phases[r.phaseIndex];
  const done = current ? current.passed + current.failed + current.skipped : 0;
  const failPct = current && done ? Math.round((100 * current.failed) / done) : 0;
  const gateRows = current
    ? [
        ['minimum sample', `${done} / ${current.gates.minSample}`, done >= current.gates.minSample],
        [
          'failures',
          `${failPct}% ≤ ${current.gates.maxFailurePercent}%`,
          failPct <= current.gates.maxFailurePercent,
        ],
        [
          'safety failures',
          `${current.safety} ≤ ${current.gates.maxSafetyFailures}`,
          current.safety <= current.gates.maxSafetyFailures,
        ],
        ['soak', `${Math.round(current.gates.soak / 1000)} s`, true],
        ['approval', current.gates.requireApproval ? 'a person promotes' : 'automatic', true],
      ]
    : [];

  const canSteer = STEER_ROLES.has(state.me.role) && !FINAL_ROLLOUT.has(r.state);
  const command = (name, needsReason) =>
    h(
      'button',
      {
        type: 'button',
        class: name === 'abort' ? 'danger' : '',
        onclick: () =>
          confirmDialog(`${name} rollout ${r.name || r.id}?`, needsReason, async (reason) => {
            await api(`/v1/rollouts/${encodeURIComponent(r.id)}/${name}`, {
              method: 'POST',
              body: reason ? { reason } : {},
            });
            await rolloutPage(id);
          }),
      },
      name,
    );
  const controls = [];
  if (canSteer) {
    if (r.state === 'pending') controls.push(command('start'));
    if (r.state === 'running') controls.push(command('pause', true), command('promote'));
    if (r.state === 'paused') controls.push(command('resume'), command('promote'));
    if (phases.some((p) => p.failed > 0)) controls.push(command('retry'));
    controls.push(command('abort', true));
  }

  if (gen !== state.gen) return;
  const header = [
    h('h1', {}, r.name || r.id, ' ', badge(r.state, outcomeKind(r.state))),
    h(
      'p',
      { class: 'muted' },
      `${r.migrationId}@${r.revision} · created by ${r.createdBy} ${time(r.createdAt)} · ${r.stateReason}`,
    ),
  ];
  const body = [
    h(
      'div',
      { class: 'row' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Phases'),
        h(
          'table',
          {},
          thead(['#', 'Phase', 'Progress', 'Done', 'Failed', 'Skipped', 'Running']),
          h(
            'tbody',
            {},
            phases.map((p, i) =>
              h(
                'tr',
                { 'aria-current': i === r.phaseIndex ? 'step' : undefined },
                h('td', {}, i === r.phaseIndex ? '▶ ' : '', i + 1),
                h('td', {}, p.name),
                h('td', {}, bar(p)),
                h('td', {}, `${p.passed}/${p.total}`),
                h('td', {}, p.failed),
                h('td', {}, p.skipped),
                h('td', {}, p.running),
              ),
            ),
          ),
        ),
        h('h2', {}, `Gates of phase ${r.phaseIndex + 1}`),
        h(
          'ul',
          { class: 'gates' },
          gateRows.map(([name, figure, ok]) =>
            h('li', {}, badge(ok ? 'pass' : 'hold', ok ? 'ok' : 'bad'), ` ${name}: ${figure}`),
          ),
        ),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Sites left over time'), burndown(jobs)),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Decisions'),
      h(
        'ol',
        { reversed: true },
        [...detail.decisions]
          .reverse()
          .map((d) =>
            h(
              'li',
              {},
              h('span', { class: 'muted' }, time(d.at)),
              ' ',
              badge(d.decision, outcomeKind(d.decision)),
              ' ',
              d.summary,
            ),
          ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Sites'),
      h(
        'table',
        {},
        thead(['Site', 'Phase', 'State', 'Attempt', 'Reason']),
        h(
          'tbody',
          {},
          jobs
            .slice(0, 500)
            .map((j) =>
              h(
                'tr',
                {},
                h('td', {}, j.site),
                h('td', {}, j.phaseIndex + 1),
                h(
                  'td',
                  {},
                  badge(j.state, outcomeKind(j.state)),
                  j.safetyFailure ? badge('safety', 'bad') : '',
                ),
                h('td', {}, j.attempt),
                h('td', {}, j.reason),
              ),
            ),
        ),
      ),
      jobs.length > 500 ? h('p', { class: 'muted' }, `and ${jobs.length - 500} more`) : null,
    ),
  ];
  // Events redraw the figures in place; the controls stay the same nodes while
  // the same ones apply, so focus and a pending click survive a stream of updates.
  const toolbarKey = controls.map((b) => b.textContent).join(',');
  const frame = state.page;
  // Drawn afresh when an error page took the frame's place (a failed update).
  if (frame && frame.gen === gen && frame.kind === 'rollout' && frame.id === id && frame.header.isConnected) {
    frame.header.replaceChildren(...header);
    if (frame.toolbarKey !== toolbarKey) {
      frame.toolbar.replaceChildren(...controls);
      frame.toolbarKey = toolbarKey;
    }
    frame.body.replaceChildren(...body.filter(Boolean));
    return;
  }
  const next = {
    gen,
    kind: 'rollout',
    id,
    toolbarKey,
    header: h('div', {}, header),
    toolbar: h('div', { class: 'toolbar', 'aria-label': 'rollout controls' }, controls),
    body: h('div', {}, body),
  };
  state.page = next;
  render(next.header, next.toolbar, next.body);
  follow(`?rollout=${encodeURIComponent(id)}`, () => rolloutPage(id).catch(errorPage));
}

/** Sites left over time: one step down per finished job (an SVG step chart). */
function burndown(jobs) {
  const total = jobs.filter((j) => j.state !== 'retried').length;
  const finished = jobs
    .filter((j) => j.finishedAt && j.state !== 'retried')
    .map((j) => Date.parse(j.finishedAt))
    .sort((a, b) => a - b);
  const start = Math.min(...jobs.map((j) => Date.parse(j.createdAt)), Date.now());
  const end = Math.max(Date.now(), ...finished);
  const W = 420;
  const H = 160;
  const x = (t) => 30 + ((t - start) / Math.max(1, end - start)) * (W - 40);
  const y = (n) => 10 + (1 - n / Math.max(1, total)) * (H - 30);
  let left = total;
  let d = `M${x(start)},${y(left)}`;
  for (const t of finished) {
    d += ` H${x(t)} V${y(--left)}`;
  }
  d += ` H${x(end)}`;
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${left} of ${total} sites left` },
    s('line', { x1: 30, y1: H - 20, x2: W - 10, y2: H - 20, stroke: '#d8dde3' }),
    s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 2 }),
    s('text', { x: 2, y: y(total) + 4 }, total),
    s('text', { x: 2, y: H - 16 }, 0),
    s('text', { x: W - 90, y: 14 }, `${left} left`),
  );
}

function confirmDialog(question, needsReason, action) {
  const reason = h('textarea', {
    rows: 3,
    cols: 40,
    'aria-label': 'reason',
    placeholder: needsReason ? 'Reason (required)' : 'Comment (optional)',
  });
  const error = h('p', { role: 'alert', class: 'muted' });
  const dialog = h(
    'dialog',
    { 'aria-label': question },
    h(
      'form',
      {
        method: 'dialog',
        onsubmit: async (e) => {
          e.preventDefault();
          if (needsReason && !reason.value.trim()) {
            error.textContent = 'A reason is required.';
            return;
          }
          try {
            await action(reason.value.trim());
            dialog.close();
            dialog.remove();
          } catch (err) {
            error.textContent = `${err.code ?? ''} ${err.message}`;
          }
        },
      },
      h('h2', {}, question),
      reason,
      error,
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'submit', class: 'primary' }, 'Confirm'),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              dialog.close();
              dialog.remove();
            },
          },
          'Cancel',
        ),
      ),
    ),
  );
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
}

async function changesPage() {
  const gen = state.gen;
  const { changeRequests } = await api('/v1/change-requests');
  const open = changeRequests.filter((c) => c.state === 'open');
  const rows = (list) =>
    h(
      'table',
      {},
      thead(['Change', 'Site', 'Migration', 'Class', 'State', 'Requested by', 'Created']),
      h(
        'tbody',
        {},
        list.map((c) =>
          h(
            'tr',
            { class: 'clickable', onclick: () => (location.hash = `#/changes/${c.id}`) },
            h('td', {}, h('a', { href: `#/changes/${c.id}` }, c.id)),
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
  follow('', () => changesPage().catch(errorPage));
}

// ST syntax highlighting for diff lines: keywords, types, strings, numbers, comments.
const ST_KEYWORDS =
  /^(IF|THEN|ELSIF|ELSE|END_IF|CASE|OF|END_CASE|FOR|TO|BY|DO|END_FOR|WHILE|END_WHILE|REPEAT|UNTIL|END_REPEAT|RETURN|EXIT|CONTINUE|AND|OR|XOR|NOT|MOD|VAR|VAR_INPUT|VAR_OUTPUT|VAR_IN_OUT|VAR_GLOBAL|VAR_TEMP|VAR_EXTERNAL|CONSTANT|RETAIN|END_VAR|PROGRAM|END_PROGRAM|FUNCTION|END_FUNCTION|FUNCTION_BLOCK|END_FUNCTION_BLOCK|METHOD|END_METHOD|TRUE|FALSE|AT)$/i;
const ST_TYPES =
  /^(BOOL|BYTE|WORD|DWORD|LWORD|SINT|INT|DINT|LINT|USINT|UINT|UDINT|ULINT|REAL|LREAL|TIME|LTIME|DATE|TOD|DT|STRING|WSTRING|TON|TOF|TP|CTU|CTD|CTUD|R_TRIG|F_TRIG|SR|RS)$/i;
function highlight(text) {
  const out = [];
  const re =
    /(\(\*.*?\*\)|\/\/.*$|'(?:\$.|[^'])*')|([A-Za-z_][A-Za-z0-9_]*)|(\b\d[\d_.#A-Fa-f]*|T#[\w.]+)|([^A-Za-z_'(/\d]+|.)/g;
  for (const m of text.matchAll(re)) {
    if (m[1]) out.push(h('span', { class: m[1].startsWith("'") ? 'str' : 'cmt' }, m[1]));
    else if (m[2])
      out.push(
        ST_KEYWORDS.test(m[2])
          ? h('span', { class: 'kw' }, m[2])
          : ST_TYPES.test(m[2])
            ? h('span', { class: 'ty' }, m[2])
            : m[2],
      );
    else if (m[3]) out.push(h('span', { class: 'num' }, m[3]));
    else out.push(m[4] ?? m[0]);
  }
  return out;
}

/** Parses a unified diff into side-by-side rows: [{ file } | { left, right }] with line numbers. */
function sideBySide(diff) {
  const rows = [];
  let file = '';
  let l = 0;
  let r = 0;
  let dels = [];
  let adds = [];
  const flush = () => {
    const n = Math.max(dels.length, adds.length);
    for (let i = 0; i < n; i++) rows.push({ file, left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line.slice(4).replace(/^b\//, '');
      rows.push({ fileHeader: file });
    } else if (line.startsWith('--- ')) {
      flush();
    } else if (line.startsWith('@@')) {
      flush();
      const m = /-(\d+)(?:,\d+)? \+(\d+)/.exec(line);
      l = Number(m?.[1] ?? 1);
      r = Number(m?.[2] ?? 1);
      rows.push({ hunk: line });
    } else if (line.startsWith('-')) dels.push({ n: l++, text: line.slice(1), kind: 'del' });
    else if (line.startsWith('+')) adds.push({ n: r++, text: line.slice(1), kind: 'add' });
    else if (line.startsWith(' ')) {
      flush();
      rows.push({ file, left: { n: l++, text: line.slice(1) }, right: { n: r++, text: line.slice(1) } });
    }
  }
  flush();
  return rows;
}

function diffView(diff, findings) {
  const marked = new Map();
  for (const f of findings) marked.set(`${f.file}:${f.line}`, f);
  const cell = (side, row) => {
    const c = row[side];
    if (!c) return h('div', {});
    const finding = side === 'right' ? marked.get(`${row.file}:${c.n}`) : undefined;
    return h(
      'div',
      {
        class: `${c.kind ?? ''} ${finding ? 'finding' : ''}`,
        title: finding ? `${finding.rule}: ${finding.message}` : undefined,
        'data-line': c.n,
      },
      h('span', { class: 'ln' }, c.n),
      highlight(c.text),
    );
  };
  return h(
    'div',
    { class: 'diff', role: 'table', 'aria-label': 'diff, before left and after right' },
    sideBySide(diff).map((row) =>
      row.fileHeader
        ? h('div', { class: 'file' }, row.fileHeader)
        : row.hunk
          ? h('div', { class: 'file muted' }, row.hunk)
          : [cell('left', row), cell('right', row)],
    ),
  );
}

/** A counterexample trace as a small timing chart: one lane per boolean signal over the scans. */
function timingChart(ce) {
  const inputs = ce.inputs ?? [];
  const names = [...new Set(inputs.flatMap((i) => Object.keys(i)))].slice(0, 8);
  const W = 460;
  const lane = 26;
  const H = 20 + lane * (names.length + 1);
  const scans = Math.max(inputs.length, ce.scan + 1, 1);
  const x = (k) => 110 + (k / scans) * (W - 120);
  const lanes = names.map((name, li) => {
    let value = false;
    let d = '';
    for (let k = 0; k < scans; k++) {
      if (inputs[k] && name in inputs[k]) value = Boolean(inputs[k][name]);
      const yy = 10 + li * lane + (value ? 4 : 18);
      d += `${k === 0 ? 'M' : 'L'}${x(k)},${yy} L${x(k + 1)},${yy} `;
    }
    return [
      s('text', { x: 4, y: 24 + li * lane }, name),
      s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 1.5 }),
    ];
  });
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-label': `counterexample: ${ce.variable} differs at scan ${ce.scan}`,
    },
    lanes,
    s('line', { x1: x(ce.scan), x2: x(ce.scan), y1: 0, y2: H, stroke: '#cf222e', 'stroke-dasharray': '3 2' }),
    s(
      'text',
      { x: 4, y: H - 6 },
      `${ce.variable}: before ${JSON.stringify(ce.before)}, after ${JSON.stringify(ce.after)} at scan ${ce.scan}`,
    ),
  );
}

async function changePage(id) {
  const gen = state.gen;
  const { changeRequest: cr, approvals } = await api(`/v1/change-requests/${encodeURIComponent(id)}`);
  const [verdictView, migration] = await Promise.all([
    api(`/v1/verdicts/${encodeURIComponent(cr.jobId)}`).catch(() => null),
    api(`/v1/migrations/${encodeURIComponent(cr.migrationId)}?revision=${cr.revision}`).catch(() => null),
  ]);
  const ev = verdictView?.verdict?.evidence;
  const findings = ev?.safety?.findings ?? [];
  const byCategory = new Map();
  for (const f of findings) byCategory.set(f.category, [...(byCategory.get(f.category) ?? []), f]);
  const me = state.me;
  const isRequester = cr.requestedBy === me.name || cr.requestedBy === me.userId;
  const roleOk =
    cr.safetyClass === 'safety-related'
      ? me.role === 'safety-engineer'
      : me.role === 'admin' || me.role === 'operator';
  const canDecide = cr.state === 'open' && roleOk && !isRequester;
  // Rejecting is safe: the server lets an admin reject any change, and the requester withdraw their own.
  const canReject = cr.state === 'open' && (roleOk || me.role === 'admin');
  const rule =
    cr.safetyClass === 'safety-related'
      ? 'Four-eyes: a safety engineer who is not the requester must approve this safety-related change.'
      : 'An admin or operator (not the requester) approves this change.';
  const why =
    cr.state !== 'open'
      ? `This change is ${cr.state}.`
      : isRequester
        ? `You requested this change (${cr.requestedBy}), so you may not approve it.`
        : !roleOk
          ? `Your role (${me.role}) may not decide this change.`
          : '';

  if (gen !== state.gen) return;
  render(
    h('h1', {}, `Change ${cr.id} `, badge(cr.state, outcomeKind(cr.state))),
    h(
      'div',
      { class: 'row' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'What and where'),
        h(
          'p',
          {},
          h('strong', {}, 'Site: '),
          cr.site,
          ' · ',
          h('strong', {}, 'Migration: '),
          `${cr.migrationId}@${cr.revision} `,
          badge(cr.safetyClass, cr.safetyClass === 'safety-related' ? 'warn' : ''),
        ),
        migration ? h('p', {}, h('strong', {}, 'Goal: '), migration.document?.goal ?? '') : null,
        h(
          'p',
          { class: 'muted' },
          `Program sha256 ${cr.sha256Before?.slice(0, 12) ?? '—'} → ${cr.sha256After?.slice(0, 12) ?? '—'} · evidence ${cr.evidenceHash?.slice(0, 12) ?? '—'}`,
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'review' },
        h('h2', {}, 'Review'),
        h('p', {}, rule),
        h('p', {}, h('strong', {}, 'Requested by: '), cr.requestedBy),
        approvals.length
          ? h(
              'ul',
              {},
              approvals.map((a) =>
                h('li', {}, `${a.decision} by ${a.userName} (${a.role}) ${time(a.at)}: ${a.comment}`),
              ),
            )
          : null,
        why ? h('p', { class: 'badge warn', role: 'note' }, why) : null,
        cr.state === 'open' && REVIEW_ROLES.has(me.role)
          ? h(
              'div',
              { class: 'toolbar' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'primary',
                  disabled: !canDecide,
                  onclick: () =>
                    confirmDialog(`Approve ${cr.id} for ${cr.site}?`, true, async (reason) => {
                      await api(`/v1/change-requests/${encodeURIComponent(cr.id)}/approve`, {
                        method: 'POST',
                        body: { comment: reason },
                      });
                      await changePage(id);
                    }),
                },
                'Approve',
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  disabled: !canReject,
                  onclick: () =>
                    confirmDialog(`Reject ${cr.id}?`, true, async (reason) => {
                      await api(`/v1/change-requests/${encodeURIComponent(cr.id)}/reject`, {
                        method: 'POST',
                        body: { reason },
                      });
                      await changePage(id);
                    }),
                },
                'Reject',
              ),
            )
          : null,
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Diff'),
      cr.diff ? diffView(cr.diff, findings) : h('p', { class: 'muted' }, 'No change.'),
    ),
    ev
      ? h(
          'div',
          { class: 'row' },
          h(
            'section',
            { class: 'card' },
            h('h2', {}, `Safety: `, badge(ev.safety.verdict, ev.safety.verdict === 'pass' ? 'ok' : 'bad')),
            findings.length === 0 ? h('p', { class: 'muted' }, 'No findings.') : null,
            [...byCategory].map(([category, list]) =>
              h(
                'div',
                {},
                h('h3', {}, category),
                h(
                  'ul',
                  { class: 'findings' },
                  list.map((f) =>
                    h(
                      'li',
                      {},
                      badge(
                        f.severity,
                        f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : 'info',
                      ),
                      ` ${f.rule} `,
                      h(
                        'a',
                        {
                          href: `#/changes/${cr.id}`,
                          onclick: (e) => {
                            e.preventDefault();
                            focusLine(f);
                          },
                        },
                        `${f.file}:${f.line}`,
                      ),
                      ` — ${f.message}`,
                    ),
                  ),
                ),
              ),
            ),
            h('h3', {}, 'Proofs'),
            ev.safety.proofs.length
              ? h(
                  'ul',
                  {},
                  ev.safety.proofs.map((p) =>
                    h(
                      'li',
                      {},
                      badge(p.result, p.result === 'proven' ? 'ok' : p.result === 'refuted' ? 'bad' : 'warn'),
                      ` ${p.kind} of ${p.subject} by ${p.method} (${p.runs} runs × ${p.scans} scans)`,
                      p.counterexample ? timingChart(p.counterexample) : null,
                    ),
                  ),
                )
              : h('p', { class: 'muted' }, 'none'),
          ),
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Compile'),
            ev.diagnostics.length
              ? h(
                  'ul',
                  {},
                  ev.diagnostics.map((d) =>
                    h('li', {}, `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`),
                  ),
                )
              : h('p', { class: 'muted' }, 'No diagnostics.'),
            h('h2', {}, 'Simulation'),
            ev.equivalence
              ? h(
                  'p',
                  {},
                  badge(
                    ev.equivalence.equivalent ? 'equivalent' : 'differs',
                    ev.equivalence.equivalent ? 'ok' : 'bad',
                  ),
                  ` ${ev.equivalence.runs} runs × ${ev.equivalence.scans} scans, seed ${ev.equivalence.seed}`,
                )
              : null,
            ev.equivalence?.counterexample ? timingChart(ev.equivalence.counterexample) : null,
            ev.scenarios.length
              ? h(
                  'ul',
                  {},
                  ev.scenarios.map((sc) =>
                    h('li', {}, badge(sc.passed ? 'pass' : 'fail', sc.passed ? 'ok' : 'bad'), ` ${sc.name}`),
                  ),
                )
              : h('p', { class: 'muted' }, 'No scenarios.'),
            h('h2', {}, 'Judges'),
            h(
              'ul',
              {},
              ev.judges.map((j) =>
                h(
                  'li',
                  {},
                  badge(j.verdict, j.verdict === 'pass' ? 'ok' : 'bad'),
                  ` ${j.judge} judge`,
                  j.findings.length
                    ? h(
                        'ul',
                        {},
                        j.findings.map((f) => h('li', {}, `${f.code}: ${f.message}`)),
                      )
                    : null,
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No evidence recorded for this change.'),
  );
  follow(
    `?rollout=${encodeURIComponent(cr.rolloutId)}`,
    () => changePage(id).catch(errorPage),
    (e) => e.type?.startsWith('change') || e.type?.startsWith('deploy'),
  );
}

function focusLine(f) {
  const el = [...document.querySelectorAll('.diff .finding')].find(
    (d) => d.getAttribute('data-line') === String(f.line),
  );
  el?.scrollIntoView({ block: 'center' });
}

async function cutoverPage() {
  const gen = state.gen;
  const { stageReports } = await api('/v1/stage-reports?limit=1000');
  const sites = [...new Set(stageReports.map((r) => r.site))].sort();
  const chart = (reports, key, label) => {
    const pts = reports.map((r) => ({ t: Date.parse(r.at), v: Number(key(r.figures) ?? 0) }));
    const W = 320;
    const H = 110;
    const t0 = Math.min(...pts.map((p) => p.t));
    const t1 = Math.max(...pts.map((p) => p.t), t0 + 1);
    const vmax = Math.max(1, ...pts.map((p) => p.v));
    const d = pts
      .map(
        (p, i) =>
          `${i ? 'L' : 'M'}${30 + ((p.t - t0) / (t1 - t0)) * (W - 40)},${H - 18 - (p.v / vmax) * (H - 34)}`,
      )
      .join(' ');
    return s(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        class: 'chart',
        role: 'img',
        'aria-label': `${label}: latest ${pts.at(-1)?.v ?? 0}`,
      },
      s('text', { x: 4, y: 12 }, `${label} (max ${vmax})`),
      s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 2 }),
    );
  };
  if (gen !== state.gen) return;
  render(
    h('h1', {}, 'Protocol cutover'),
    sites.length === 0 ? h('p', { class: 'muted' }, 'No site has reported a cutover stage yet.') : null,
    sites.map((site) => {
      const reports = stageReports.filter((r) => r.site === site).sort((a, b) => a.at.localeCompare(b.at));
      const last = reports.at(-1);
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
          chart(reports, (f) => f.latencyMs?.p50, 'latency p50 ms'),
          chart(reports, (f) => f.latencyMs?.p99, 'latency p99 ms'),
          chart(reports, (f) => f.commErrors, 'comm errors'),
        ),
      );
    }),
  );
  follow(
    '',
    () => cutoverPage().catch(errorPage),
    (e) => e.type?.startsWith('stage'),
  );
}

async function auditPage() {
  const gen = state.gen;
  const [{ entries }, verification] = await Promise.all([
    api('/v1/audit?limit=1000'),
    api('/v1/audit/verify'),
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

// ---------------------------------------------------------------- router

async function route() {
  state.gen++;
  stopFollowing();
  state.lastEventId = null;
  const hash = location.hash || '#/fleet';
  for (const a of document.querySelectorAll('#nav a'))
    a.setAttribute('aria-current', hash.startsWith(a.getAttribute('href')) ? 'page' : 'false');
  if (!sessionStorage.getItem(TOKEN_KEY)) return loginPage();
  try {
    if (!state.me) {
      state.me = await api('/v1/whoami');
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

window.addEventListener('hashchange', route);
route();

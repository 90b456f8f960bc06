/**
 * DOM helpers of the dashboard. Every value from the API goes into the page as a
 * text node (never innerHTML), so data cannot inject markup.
 */

/** What an element's children may be: nodes, text, numbers, nothing, or lists of them. */
export type Child = Node | string | number | boolean | null | undefined | readonly Child[];
/** Attributes: `on…` adds a listener, `style` sets CSSOM, false/null/undefined leave it out. */
export type Attrs = Record<string, unknown>;

const HTML = 'http://www.w3.org/1999/xhtml';
const SVG = 'http://www.w3.org/2000/svg';

function build(ns: string, tag: string, attrs: Attrs | undefined, children: readonly Child[]): Element {
  const el = document.createElementNS(ns, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v as EventListener);
    // CSSOM, not the style attribute: the page's CSP allows no inline styles.
    else if (k === 'style') (el as HTMLElement | SVGElement).style.cssText = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of (children as unknown[]).flat(Number.POSITIVE_INFINITY) as Child[]) {
    if (c === undefined || c === null || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Builds an HTML element: h('td', { class: 'x', onclick }, 'text', child). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return build(HTML, tag, attrs, children) as HTMLElementTagNameMap[K];
}

/** Builds an SVG element. */
export function s(tag: string, attrs?: Attrs, ...children: Child[]): SVGElement {
  return build(SVG, tag, attrs, children) as SVGElement;
}

/** A small coloured label. */
export const badge = (text: string, kind = ''): HTMLSpanElement =>
  h('span', { class: `badge ${kind}` }, text);

/** A time in the user's locale, or a dash. */
export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/** How long ago, roughly. */
export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const sec = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return sec < 60
    ? `${sec}s ago`
    : sec < 3600
      ? `${Math.round(sec / 60)}m ago`
      : `${Math.round(sec / 3600)}h ago`;
}

const OUTCOME_KIND: Record<string, string> = {
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
};
/** The badge colour of a state or outcome. */
export const outcomeKind = (o: string): string => OUTCOME_KIND[o] ?? '';

/** A table row that opens `href` (a `#/…` page) when clicked anywhere; its first cell holds the link. */
export function linkRow(href: string, label: string, ...cells: Child[]): HTMLTableRowElement {
  return h(
    'tr',
    {
      class: 'clickable',
      onclick: () => {
        location.hash = href;
      },
    },
    h('td', {}, h('a', { href }, label)),
    cells,
  );
}

/** A table head: one column header per name. */
export function thead(columns: readonly string[]): HTMLTableSectionElement {
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

import type { Child } from '../dom';
import { state } from '../session';

/** The page's main region. */
const main = (): HTMLElement => document.getElementById('main')!;

/** Replaces the page's content. */
export function render(...nodes: Child[]): void {
  const el = main();
  el.replaceChildren(
    ...((nodes as unknown[]).flat(Number.POSITIVE_INFINITY) as Child[])
      .filter((n) => n !== null && n !== undefined && n !== false && n !== true)
      .map((n) => (n instanceof Node ? n : document.createTextNode(String(n)))),
  );
  // Focus the page once per navigation (screen readers announce it); a redraw after
  // events leaves the focus where the user put it (e.g. on the navigation).
  if (state.focusedGen !== state.gen) {
    state.focusedGen = state.gen;
    el.focus({ preventScroll: true });
  }
}

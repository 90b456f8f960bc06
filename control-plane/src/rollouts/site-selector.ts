import type { SiteSelector } from '@plcfleet/protocols';
import type { z } from 'zod';

/** What a selector needs to know of a site. */
export interface SelectableSite {
  name: string;
  tags: readonly string[];
}

/**
 * The sites a phase takes from `remaining` (sites not in an earlier phase).
 * `tags` and `sites` narrow the candidates (both must hold when both are given);
 * `count` and `percent` (rounded up) then take that many of the candidates in
 * name order; `rest` takes every candidate. See ADR 0003.
 */
export function selectSites(
  selector: z.output<typeof SiteSelector>,
  remaining: readonly SelectableSite[],
): string[] {
  let candidates = [...remaining].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (selector.tags) {
    const want = selector.tags;
    candidates = candidates.filter((s) => want.every((t) => s.tags.includes(t)));
  }
  if (selector.sites) {
    const want = new Set(selector.sites);
    candidates = candidates.filter((s) => want.has(s.name));
  }
  let take = candidates.length;
  if (selector.count !== undefined) take = Math.min(take, selector.count);
  if (selector.percent !== undefined)
    take = Math.min(take, Math.ceil((candidates.length * selector.percent) / 100));
  return candidates.slice(0, take).map((s) => s.name);
}

import type { SiteSelector } from '@plcfleet/protocols';
import type { z } from 'zod';

/** What a selector needs to know of a site. */
export interface SelectableSite {
  name: string;
  tags: readonly string[];
  /** The site's live program drifted from the released one (its agent's last drift report, issue #22). */
  drifted?: boolean;
}

/** A site a phase selected but does not migrate, and why. */
export interface SkippedSite {
  site: string;
  /** `drift`: the live program is not the released one and the plan does not set `allowDrift`. */
  reason: 'drift';
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

/**
 * A phase's selection ({@link selectSites}) split into the sites to migrate and
 * the drifted ones it skips with reason `drift` — unless the plan sets
 * `allowDrift: true`. A skipped site keeps its place in the phase (it is not
 * replaced by another), so what a phase takes does not depend on drift.
 */
export function selectPhaseSites(
  selector: z.output<typeof SiteSelector>,
  remaining: readonly SelectableSite[],
  options: { allowDrift: boolean },
): { sites: string[]; skipped: SkippedSite[] } {
  const selected = selectSites(selector, remaining);
  if (options.allowDrift) return { sites: selected, skipped: [] };
  const drifted = new Set(remaining.filter((s) => s.drifted).map((s) => s.name));
  return {
    sites: selected.filter((s) => !drifted.has(s)),
    skipped: selected.filter((s) => drifted.has(s)).map((site) => ({ site, reason: 'drift' as const })),
  };
}

import { SiteSelector } from '@plcfleet/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectPhaseSites, selectSites } from './site-selector';

const sites = [
  { name: 'c', tags: ['eu', 'canary'] },
  { name: 'a', tags: ['eu'] },
  { name: 'b', tags: ['us'] },
  { name: 'd', tags: ['eu'] },
];
const sel = (s: unknown) => SiteSelector.parse(s);

describe('selectSites', () => {
  it('narrows by tags and names, then takes a count or a percent in name order', () => {
    expect(selectSites(sel({ tags: ['eu'] }), sites)).toEqual(['a', 'c', 'd']);
    expect(selectSites(sel({ tags: ['eu', 'canary'] }), sites)).toEqual(['c']);
    expect(selectSites(sel({ sites: ['d', 'b', 'zz'] }), sites)).toEqual(['b', 'd']);
    expect(selectSites(sel({ count: 2 }), sites)).toEqual(['a', 'b']);
    expect(selectSites(sel({ percent: 50, tags: ['eu'] }), sites)).toEqual(['a', 'c']);
    expect(selectSites(sel({ rest: true }), sites)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never selects a site outside the remainder, and percent rounds up', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 30 }),
        fc.integer({ min: 1, max: 100 }),
        (names, percent) => {
          const remaining = names.map((name) => ({ name, tags: [] }));
          const picked = selectSites(sel({ percent }), remaining);
          expect(picked.every((p) => names.includes(p))).toBe(true);
          expect(picked).toHaveLength(Math.ceil((names.length * percent) / 100));
        },
      ),
    );
  });
});

describe('selectPhaseSites (issue #22: drift)', () => {
  const fleet = [
    { name: 'a', tags: ['eu'] },
    { name: 'b', tags: ['eu'], drifted: true },
    { name: 'c', tags: ['eu'], drifted: false },
    { name: 'd', tags: ['us'], drifted: true },
  ];

  it('skips a drifted site of the phase with reason drift, without taking another in its place', () => {
    expect(selectPhaseSites(sel({ count: 2 }), fleet, { allowDrift: false })).toEqual({
      sites: ['a'],
      skipped: [{ site: 'b', reason: 'drift' }],
    });
    expect(selectPhaseSites(sel({ tags: ['eu'] }), fleet, { allowDrift: false })).toEqual({
      sites: ['a', 'c'],
      skipped: [{ site: 'b', reason: 'drift' }],
    });
  });

  it('migrates drifted sites when the plan sets allowDrift', () => {
    expect(selectPhaseSites(sel({ rest: true }), fleet, { allowDrift: true })).toEqual({
      sites: ['a', 'b', 'c', 'd'],
      skipped: [],
    });
  });

  it('selects exactly what selectSites selects, split in two', () => {
    for (const s of [{ count: 3 }, { percent: 50 }, { sites: ['d', 'a'] }, { rest: true }]) {
      const { sites, skipped } = selectPhaseSites(sel(s), fleet, { allowDrift: false });
      expect([...sites, ...skipped.map((k) => k.site)].sort()).toEqual(selectSites(sel(s), fleet));
    }
  });
});

/**
 * The sites table keeps a site's libraries (SQLite and PostgreSQL): stored,
 * read back as they were given, absent when the site lists none.
 */
import { Site } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSite, upsertSite } from '../../sites/site.repository';
import { openTestStore, STORE_KINDS } from '../../testing/test-stores';
import type { Store } from '../database';

describe.each(STORE_KINDS)('site libraries on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close());

  it('stores the libraries of a site and reads them back; a site without them has none', async () => {
    const libraries = [
      { name: 'PressLib', version: '1.2.0' },
      { name: 'Tc2_MC2', version: '3.3.1' },
    ];
    await upsertSite(store.db, Site.parse({ name: 'press-hmi', firmware: '3.4.0', libraries }));
    expect(await getSite(store.db, 'press-hmi')).toMatchObject({ firmware: '3.4.0', libraries });
    // An update replaces the list (as after a library-update's deploy).
    const updated = [{ name: 'PressLib', version: '2.0.0' }];
    expect(await upsertSite(store.db, Site.parse({ name: 'press-hmi', libraries: updated }))).toBe(false);
    expect((await getSite(store.db, 'press-hmi'))?.libraries).toEqual(updated);
    await upsertSite(store.db, Site.parse({ name: 'plain' }));
    expect(await getSite(store.db, 'plain')).not.toHaveProperty('libraries');
  });
});

/**
 * The libraries on a site's controller with their versions (issue #20): what
 * `library` preconditions test and a `library-update` changes after deploy.
 * JSON, null when the site lists none.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('sites').addColumn('libraries', 'text').execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable('sites').dropColumn('libraries').execute();
}

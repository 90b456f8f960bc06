/**
 * Moved to `src/testing/migration-fixtures.ts` (test helpers live in `src/testing/`,
 * issue 16 point 5). Kept only for `verifiers.test.ts` until it imports from there.
 */
export { exampleMigration, FIXTURES, factsAt, policyAt, REPO } from '../testing/migration-fixtures';

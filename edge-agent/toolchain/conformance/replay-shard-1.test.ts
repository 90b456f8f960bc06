import { describe, expect, it } from 'vitest';
import { caseCount, describeReplayShard, fixtureFiles } from './replay';

describe('recorded conformance corpus', () => {
  it('holds at least 2,000 programs recorded under MATIEC', () => {
    expect(fixtureFiles().reduce((n, f) => n + caseCount(f), 0)).toBeGreaterThanOrEqual(2000);
  });
});

describeReplayShard(0, 2);

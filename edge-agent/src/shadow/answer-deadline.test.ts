import { describe, expect, it } from 'vitest';
import { AnswerDeadline } from './answer-deadline';

describe('AnswerDeadline', () => {
  it('waits one poll after three times the slowest answer of the memory, and forgets answers older than it', () => {
    const d = new AnswerDeadline(40, undefined, 1000, 3);
    // no deadline before three answers: the request's own timeout holds
    expect(d.now(0)).toBeUndefined();
    d.answered(100, 3);
    d.answered(200, 90);
    expect(d.now(200)).toBeUndefined();
    d.answered(300, 5);
    expect(d.now(300)).toBe(310);
    // the 90 ms answer leaves the memory; the 5 ms one is then the slowest
    expect(d.now(1250)).toBe(55);
    d.answered(1300, 2);
    expect(d.now(2250)).toBe(46);
    expect(d.report()).toEqual({ least: 40, longest: 310 });
  });

  it('keeps a fixed deadline whatever the answers took', () => {
    const d = new AnswerDeadline(40, 25);
    d.answered(0, 300);
    expect(d.now(10)).toBe(25);
    expect(d.report()).toEqual({ least: 25, longest: 25 });
  });
});

describe('AnswerDeadline from the first answer', () => {
  it('has a deadline once the first answer came when told to (a subscription: its setup)', () => {
    const d = new AnswerDeadline(10, undefined, 30_000, 1);
    expect(d.now(0)).toBeUndefined();
    d.answered(20, 12);
    expect(d.now(20)).toBe(46);
  });
});

describe('AnswerDeadline.stale (ADR 0120)', () => {
  it('is one poll after the 90th percentile of the recent answers, from the first answer on', () => {
    const d = new AnswerDeadline(10);
    expect(d.stale()).toBeUndefined();
    d.answered(0, 40); // the first answer (it carries the connection)
    expect(d.stale()).toBe(50);
    // a tail of one in twenty does not move it: the usual answer does
    for (let i = 1; i <= 200; i++) d.answered(i * 10, i % 20 === 0 ? 300 : 3);
    expect(d.stale()).toBe(13);
    // with a slack (a subscription: one publishing interval)
    expect(d.stale(10)).toBe(23);
    // while the lasting deadline waits for three times the slowest
    expect(d.now(2000)).toBe(910);
    expect(d.report()).toEqual({ least: 10, longest: 910 });
  });

  it('is the fixed deadline when one is given', () => {
    const d = new AnswerDeadline(10, 25);
    expect(d.stale()).toBe(25);
  });
});

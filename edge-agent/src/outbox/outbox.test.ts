import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const verdict = (jobId: string, n = 1) => ({
  key: `verdict:${jobId}`,
  kind: 'verdict',
  messageId: `m-${jobId}-${n}`,
  jobId,
  message: { type: 'verdict', n },
});

describe('Outbox', () => {
  it('keeps items until acked, oldest first, and survives reopening', async () => {
    const a = await Outbox.open(dir);
    await a.put(verdict('j1'));
    await a.put(verdict('j2'));
    await a.put({ key: 'deploy:d1', kind: 'deploy.result', messageId: 'm-d1', message: { d: 1 } });
    await a.close();

    const b = await Outbox.open(dir);
    expect((await b.pending()).map((i) => i.key)).toEqual(['verdict:j1', 'verdict:j2', 'deploy:d1']);
    expect(await b.ack({ jobId: 'j2', replyTo: 'unrelated' })).toEqual(['verdict:j2']);
    expect(await b.ack({ replyTo: 'm-d1' })).toEqual(['deploy:d1']);
    expect((await b.pending()).map((i) => i.key)).toEqual(['verdict:j1']);
    await b.close();
  });

  it('is idempotent by key: a second put keeps the first message', async () => {
    const o = await Outbox.open(dir);
    expect((await o.put(verdict('j1', 1))).created).toBe(true);
    const again = await o.put(verdict('j1', 2));
    expect(again.created).toBe(false);
    expect(again.item.message).toEqual({ type: 'verdict', n: 1 });
    expect(again.item.messageId).toBe('m-j1-1');
    await o.ack({ jobId: 'j1' });
    expect((await o.put(verdict('j1', 3))).created).toBe(false);
    expect(await o.pending()).toEqual([]);
    await o.close();
  });

  it('acks the deploy result a deploy.result.ack names by deployId, and by replyTo only of a kind when asked', async () => {
    const o = await Outbox.open(dir);
    const result = (key: string, deployId: string, messageId: string) => ({
      key,
      kind: 'deploy.result',
      messageId,
      message: { type: 'deploy.result', id: messageId, deployId, outcome: 'deployed' },
    });
    await o.put(result('deploy:d1', 'd1', 'm-d1'));
    await o.put(result('rollback:rb1', 'rb1', 'm-rb1'));
    await o.put(verdict('d1'));
    expect(await o.ack({ deployId: 'd1', replyTo: 'unrelated' })).toEqual(['deploy:d1']);
    expect(await o.ack({ deployId: 'd1' })).toEqual([]);
    // a rollback's result names the rollback
    expect(await o.ack({ deployId: 'rb1' })).toEqual(['rollback:rb1']);
    expect(await o.ack({ replyTo: 'm-d1-1', kind: 'deploy.result' })).toEqual([]);
    expect((await o.pending()).map((i) => i.key)).toEqual(['verdict:d1']);
    await o.close();
  });

  it('acks only once and counts attempts', async () => {
    const o = await Outbox.open(dir);
    await o.put(verdict('j1'));
    await o.markSent('verdict:j1');
    await o.markSent('verdict:j1');
    expect((await o.get('verdict:j1'))?.attempts).toBe(2);
    expect(await o.ack({ jobId: 'j1' })).toEqual(['verdict:j1']);
    expect(await o.ack({ jobId: 'j1' })).toEqual([]);
    // a verdict ack names verdicts only: a deploy result with the same job id stays
    await o.put({ key: 'deploy:d9', kind: 'deploy.result', messageId: 'x', jobId: 'j9', message: {} });
    expect(await o.ack({ jobId: 'j9' })).toEqual([]);
    expect(await o.prune(3_600_000)).toBe(0);
    expect((await o.pending()).map((i) => i.key)).toEqual(['deploy:d9']);
    await o.close();
  });
});

/**
 * Benchmark: the dashboard's rollout page for a rollout of N sites (default
 * 1,000) in Debian's chromium, and its responsiveness while verdicts stream in.
 *
 *   node --conditions=source --import tsx control-plane/scripts/bench-dashboard.ts [sites=1000]
 *
 * Prints JSON: time from navigation to the phases table drawn with every job,
 * then, while fake agents report a verdict every few ms, the longest main-thread
 * task and the delay of a click's response (both from the page itself).
 */
import { launchChromium, signIn } from '../src/testing/browser';
import { connectAgents, planDoc, seedFleet, startHarness } from '../src/testing/harness';

const N = Number(process.argv[2] ?? 1000);

async function main() {
  const h = await startHarness('sqlite');
  const sites = Array.from({ length: N }, (_, i) => ({ name: `site-${String(i).padStart(4, '0')}` }));
  await seedFleet(h, sites);
  const offers: { site: string; send: () => void }[] = [];
  const agents = await connectAgents(
    h.cp,
    sites.map((s) => s.name),
    () => 'silent',
  );
  const created = await h.admin.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: planDoc([{ name: 'all', select: { rest: true }, concurrency: N, gates: { minSample: N } }]),
  });
  const rolloutId = created.body.rollout.id as string;
  // Wait until every site holds its offer.
  for (;;) {
    const total = [...agents.values()].reduce((n, a) => n + a.offers.length, 0);
    if (total >= N) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { makeVerdict } = await import('../src/testing/fake-agent');
  for (const a of agents.values())
    offers.push({ site: a.site, send: () => a.sendVerdict(makeVerdict(a.offers[0]!, 'passed')) });

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, h.cp.url, h.cp.bootstrapToken!);

  const t0 = Date.now();
  await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
  await page.getByText(`0/${N}`, { exact: true }).waitFor({ timeout: 30_000 });
  const renderMs = Date.now() - t0;

  // Long tasks while verdicts stream in.
  await page.evaluate(() => {
    (window as unknown as { longest: number }).longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const w = window as unknown as { longest: number };
        w.longest = Math.max(w.longest, e.duration);
      }
    }).observe({ type: 'longtask', buffered: false });
  });
  const streamStart = Date.now();
  const clickDelays: number[] = [];
  for (let i = 0; i < offers.length; i++) {
    offers[i]!.send();
    if (i % 100 === 99) {
      const c0 = Date.now();
      await page.getByRole('button', { name: 'pause' }).click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      clickDelays.push(Date.now() - c0);
    }
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
  }
  await page.getByText(`${N}/${N}`, { exact: true }).waitFor({ timeout: 120_000 });
  const streamMs = Date.now() - streamStart;
  const longestTaskMs = await page.evaluate(() => (window as unknown as { longest: number }).longest);
  console.log(
    JSON.stringify(
      {
        sites: N,
        renderMs,
        verdictsStreamed: N,
        allShownAfterMs: streamMs,
        longestMainThreadTaskMs: Math.round(longestTaskMs),
        clickToDialogMs: { max: Math.max(...clickDelays), samples: clickDelays.length },
      },
      null,
      2,
    ),
  );
  await browser.close();
  for (const a of agents.values()) await a.close();
  await h.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/** The dashboard's small SVG charts. */
import type { Counterexample, JobView } from '@plcfleet/protocols';
import type { z } from 'zod';
import { s } from './dom';

/** Sites left over time: one step down per finished job (an SVG step chart). */
export function burndown(jobs: readonly JobView[]): SVGElement {
  const total = jobs.filter((j) => j.state !== 'retried').length;
  const finished = jobs
    .filter((j) => j.finishedAt && j.state !== 'retried')
    .map((j) => Date.parse(j.finishedAt!))
    .sort((a, b) => a - b);
  const start = Math.min(...jobs.map((j) => Date.parse(j.createdAt)), Date.now());
  const end = Math.max(Date.now(), ...finished);
  const W = 420;
  const H = 160;
  const x = (t: number) => 30 + ((t - start) / Math.max(1, end - start)) * (W - 40);
  const y = (n: number) => 10 + (1 - n / Math.max(1, total)) * (H - 30);
  let left = total;
  let d = `M${x(start)},${y(left)}`;
  for (const t of finished) {
    d += ` H${x(t)} V${y(--left)}`;
  }
  d += ` H${x(end)}`;
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${left} of ${total} sites left` },
    s('line', { x1: 30, y1: H - 20, x2: W - 10, y2: H - 20, stroke: '#d8dde3' }),
    s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 2 }),
    s('text', { x: 2, y: y(total) + 4 }, total),
    s('text', { x: 2, y: H - 16 }, 0),
    s('text', { x: W - 90, y: 14 }, `${left} left`),
  );
}

/** A counterexample trace as a small timing chart: one lane per boolean signal over the scans. */
export function timingChart(ce: z.infer<typeof Counterexample>): SVGElement {
  const inputs = ce.inputs ?? [];
  const names = [...new Set(inputs.flatMap((i) => Object.keys(i)))].slice(0, 8);
  const W = 460;
  const lane = 26;
  const H = 20 + lane * (names.length + 1);
  const scans = Math.max(inputs.length, ce.scan + 1, 1);
  const x = (k: number) => 110 + (k / scans) * (W - 120);
  const lanes = names.map((name, li) => {
    let value = false;
    let d = '';
    for (let k = 0; k < scans; k++) {
      const at = inputs[k];
      if (at && name in at) value = Boolean(at[name]);
      const yy = 10 + li * lane + (value ? 4 : 18);
      d += `${k === 0 ? 'M' : 'L'}${x(k)},${yy} L${x(k + 1)},${yy} `;
    }
    return [
      s('text', { x: 4, y: 24 + li * lane }, name),
      s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 1.5 }),
    ];
  });
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-label': `counterexample: ${ce.variable} differs at scan ${ce.scan}`,
    },
    lanes,
    s('line', { x1: x(ce.scan), x2: x(ce.scan), y1: 0, y2: H, stroke: '#cf222e', 'stroke-dasharray': '3 2' }),
    s(
      'text',
      { x: 4, y: H - 6 },
      `${ce.variable}: before ${JSON.stringify(ce.before)}, after ${JSON.stringify(ce.after)} at scan ${ce.scan}`,
    ),
  );
}

/** A line of one figure over time (the cutover page's divergences, latencies, comm errors). */
export function lineChart(points: readonly { t: number; v: number }[], label: string): SVGElement {
  const W = 320;
  const H = 110;
  const t0 = Math.min(...points.map((p) => p.t));
  const t1 = Math.max(...points.map((p) => p.t), t0 + 1);
  const vmax = Math.max(1, ...points.map((p) => p.v));
  const d = points
    .map(
      (p, i) =>
        `${i ? 'L' : 'M'}${30 + ((p.t - t0) / (t1 - t0)) * (W - 40)},${H - 18 - (p.v / vmax) * (H - 34)}`,
    )
    .join(' ');
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-label': `${label}: latest ${points.at(-1)?.v ?? 0}`,
    },
    s('text', { x: 4, y: 12 }, `${label} (max ${vmax})`),
    s('path', { d, fill: 'none', stroke: '#0969da', 'stroke-width': 2 }),
  );
}

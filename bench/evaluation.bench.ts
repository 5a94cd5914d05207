// How the exact evaluation grows with n: ROC-AUC, the exact dual-threshold AUC on continuous scores (the one-pass
// path), the same data with one repeated value (the two-pass path, which bootstrap resamples always take), with
// integer LIDs, and the reference's randomised protocol (the bounded option). Prints each time and the growth
// exponent between successive sizes (log t₂/t₁ ÷ log n₂/n₁).
// Run: pnpm bench:evaluation [pointsPerSide,...]   (default 10000,20000,40000,100000; the two-pass path up to 20000)
import { performance } from 'node:perf_hooks';
import { dualThresholdAuc, referenceDualThresholdAuc, rocAuc, type Scores2D } from '@dgm-ood/evaluation';

const sizes = (process.argv[2] ?? '10000,20000,40000,100000').split(',').map(Number);
const TWO_PASS_MAX = Number(process.env.TWO_PASS_MAX ?? 20_000);
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const set = (n: number, shift: number, lidMean: number, integer: boolean): Scores2D => ({
  x: Array.from({ length: n }, () => gauss() + shift),
  y: Array.from({ length: n }, () => (integer ? Math.max(0, Math.round(lidMean + 30 * gauss())) : lidMean + 30 * gauss())),
});
const timed = (fn: () => number) => {
  const t = performance.now();
  const value = fn();
  return { value, s: (performance.now() - t) / 1000 };
};

type Row = { label: string; run: (pos: Scores2D, neg: Scores2D, n: number) => number | undefined };
const rows: Row[] = [
  { label: 'rocAuc (log-likelihood alone)', run: (p, q) => rocAuc(p.x, q.x) },
  { label: 'exact dual threshold, continuous LID (one pass)', run: (p, q) => dualThresholdAuc(p, q) },
  {
    label: 'exact dual threshold, one repeated value (two passes)',
    run: (p, q, n) => (n > TWO_PASS_MAX ? undefined : dualThresholdAuc({ x: [q.x[0]!, ...p.x.slice(1)], y: p.y }, q)),
  },
  { label: 'exact dual threshold, integer LID', run: (p, q) => dualThresholdAuc({ x: p.x, y: p.y.map(Math.round) }, { x: q.x, y: q.y.map(Math.round) }) },
  { label: 'reference protocol (100k random pairs)', run: (p, q) => referenceDualThresholdAuc(p, q).dualAuc },
];
const previous = new Map<string, { n: number; s: number }>();
console.log(`node ${process.version}; sizes per side: ${sizes.join(', ')}`);
for (const n of sizes) {
  const pos = set(n, 0, 250, false);
  const neg = set(n, 0.8, 150, false);
  console.log(`${n} positives, ${n} negatives`);
  for (const row of rows) {
    const { value, s } = timed(() => row.run(pos, neg, n) ?? NaN);
    if (Number.isNaN(value)) {
      console.log(`  ${row.label.padEnd(56)} skipped above ${TWO_PASS_MAX} (TWO_PASS_MAX)`);
      continue;
    }
    const before = previous.get(row.label);
    const exponent = before && before.s > 0.02 ? ` growth n^${(Math.log(s / before.s) / Math.log(n / before.n)).toFixed(2)}` : '';
    console.log(`  ${row.label.padEnd(56)} AUC ${value.toFixed(4)}  ${s.toFixed(2)} s${exponent}`);
    previous.set(row.label, { n, s });
  }
}

// Exact evaluation at the scale the issue asks for (10k points per side): ROC-AUC, the exact
// dual-threshold AUC with integer LIDs and with two continuous scores, and the reference protocol.
// Run: pnpm tsx bench/evaluation.bench.ts [pointsPerSide]
import { performance } from 'node:perf_hooks';
import { dualThresholdAuc, referenceDualThresholdAuc, rocAuc } from '@dgm-ood/evaluation';

const n = Number(process.argv[2] ?? 10_000);
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const set = (shift: number, lidMean: number, integer: boolean) => ({
  x: Array.from({ length: n }, () => gauss() + shift),
  y: Array.from({ length: n }, () => (integer ? Math.max(0, Math.round(lidMean + 30 * gauss())) : lidMean + 30 * gauss())),
});
const time = (label: string, fn: () => number) => {
  const t = performance.now();
  const auc = fn();
  console.log(`${label.padEnd(58)} AUC ${auc.toFixed(4)}  ${((performance.now() - t) / 1000).toFixed(2)} s`);
};
for (const integer of [true, false]) {
  const pos = set(0, 250, integer);
  const neg = set(0.8, 150, integer);
  console.log(`${n} positives, ${n} negatives; LID ${integer ? 'integer' : 'continuous'}`);
  time('  rocAuc (log-likelihood alone)', () => rocAuc(pos.x, neg.x));
  time('  dualThresholdAuc (exact, all threshold pairs)', () => dualThresholdAuc(pos, neg));
  time('  reference protocol (100k random pairs)', () => referenceDualThresholdAuc(pos, neg).dualAuc);
}

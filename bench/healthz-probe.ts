import { performance } from 'node:perf_hooks';

/**
 * Asks `/healthz` every 50 ms until stopped, keeping the longest answer time: how long the coordinator's event loop
 * was held up while the work being measured ran. `stop()` returns that longest latency (ms).
 */
export function probeHealthz(app: { inject(options: { url: string }): Promise<unknown> }): { stop(): Promise<number> } {
  let longestMs = 0;
  let probing = true;
  const loop = (async () => {
    while (probing) {
      const start = performance.now();
      await app.inject({ url: '/healthz' });
      longestMs = Math.max(longestMs, performance.now() - start);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      probing = false;
      await loop;
      return longestMs;
    },
  };
}

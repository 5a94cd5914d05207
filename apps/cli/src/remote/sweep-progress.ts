/**
 * The live display of `sweep submit --wait`: on a terminal, one bar per job state (with its count) and an overall
 * bar (finished jobs, work done, elapsed, ETA), redrawn in place by cli-progress; elsewhere (logs, pipes, CI) one plain
 * line when the counts or the work done changed, at most every `minIntervalMs`, so a log stays readable.
 */
import cliProgress from 'cli-progress';
import type { CliIo } from '../io.js';
import { JOB_STATES, type SweepDetail } from './api.js';
import { countsText, etaMs, formatDuration, fractionText } from './format.js';

export interface ProgressDisplay {
  update(sweep: SweepDetail): void;
  stop(): void;
}

/** Plain lines are at most this often (ms) unless the caller says otherwise. */
export const PLAIN_LINE_INTERVAL_MS = 5000;

/** Work done in whole percent: finished jobs plus the fractions running jobs report (one long job still moves). */
const workPercent = (sweep: SweepDetail) => Math.floor(sweep.progress.workDone * 100);

function timing(sweep: SweepDetail): { elapsed: string; eta: string; work: string } {
  const elapsed = sweep.timings.elapsedMs;
  const { workDone, total } = sweep.progress;
  return { elapsed: formatDuration(elapsed), eta: formatDuration(etaMs(elapsed, workDone * total, total)), work: `${workPercent(sweep)}%` };
}

/**
 * One line per change of the counts or of the work done (whole percent):
 * `[elapsed 12s] 3/10 (30%) finished, work 41%: 5 queued, 2 running, 3 succeeded; ETA 28s`.
 */
export function plainProgress(io: CliIo, minIntervalMs = PLAIN_LINE_INTERVAL_MS, now: () => number = Date.now): ProgressDisplay {
  let printedKey: string | undefined;
  let printedAt = -Infinity;
  return {
    update(sweep) {
      const key = JSON.stringify([sweep.status, sweep.counts, workPercent(sweep)]);
      if (key === printedKey || now() - printedAt < minIntervalMs) return;
      printedKey = key;
      printedAt = now();
      const { elapsed, eta, work } = timing(sweep);
      io.stdout(`[elapsed ${elapsed}] ${fractionText(sweep.progress.finished, sweep.progress.total)} finished, work ${work}: ${countsText(sweep.counts)}; ETA ${eta}\n`);
    },
    stop() {},
  };
}

/** cli-progress bars on the terminal: one per job state and the overall fraction. */
export function terminalProgress(stream: NodeJS.WritableStream): ProgressDisplay {
  const width = Math.max(...JOB_STATES.map((s) => s.length), 'overall'.length);
  // No SIGINT handler (gracefulExit) and a visible cursor: Ctrl-C ends the wait at once and leaves the terminal as it was.
  const bars = new cliProgress.MultiBar(
    { stream, hideCursor: false, clearOnComplete: false, autopadding: true, barsize: 30, format: '{label} {bar} {value}/{total}', gracefulExit: false },
    cliProgress.Presets.shades_classic,
  );
  let byState: Map<string, cliProgress.SingleBar> | undefined;
  let overall: cliProgress.SingleBar | undefined;
  return {
    update(sweep) {
      const total = Math.max(sweep.jobCount, 1);
      const { elapsed, eta, work } = timing(sweep);
      if (byState === undefined || overall === undefined) {
        byState = new Map(JOB_STATES.map((s) => [s, bars.create(total, sweep.counts[s], { label: s.padEnd(width) })]));
        // Payload tokens not named eta/duration: those are cli-progress's own (its ETA counts updates, not jobs).
        overall = bars.create(total, sweep.progress.finished, { label: 'overall'.padEnd(width), elapsedText: elapsed, etaText: eta, workText: work }, {
          format: '{label} {bar} {value}/{total} finished | work {workText} | elapsed {elapsedText} | ETA {etaText}',
        });
      }
      for (const s of JOB_STATES) byState.get(s)!.update(sweep.counts[s]);
      overall.update(sweep.progress.finished, { elapsedText: elapsed, etaText: eta, workText: work });
    },
    stop() {
      bars.update();
      bars.stop();
    },
  };
}

/** Bars when stdout is a terminal, plain lines otherwise. */
export function sweepProgressDisplay(io: CliIo): ProgressDisplay {
  return io.terminal ? terminalProgress(io.terminal) : plainProgress(io);
}

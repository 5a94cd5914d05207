/**
 * What a single run shows while it works: a live bar (cli-progress) on a terminal, plain lines at most every few
 * seconds otherwise (a log file, CI), and the handler's log lines in both.
 */
import cliProgress from 'cli-progress';
import type { LogLine, ProgressReport } from '@dgm-ood/jobs';
import type { CliIo } from '../io.js';

export interface ProgressDisplay {
  progress(report: ProgressReport): void;
  log(line: LogLine): void;
  /** A line of the command's own. */
  note(text: string): void;
  stop(): void;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const short = (v: number) => (Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(3) : v.toFixed(4));

/** One line for a report of any handler: the training and OOD handlers' fields first, then its message. */
export function describeProgress(report: ProgressReport): string {
  const parts: string[] = [];
  if (typeof report.phase === 'string') parts.push(report.phase);
  if (num(report.epoch)) parts.push(`epoch ${report.epoch}${num(report.maxEpochs) ? `/${report.maxEpochs}` : ''}`);
  if (num(report.step)) parts.push(`step ${report.step}`);
  if (num(report.scored)) parts.push(`${report.scored}/${num(report.of) ? report.of : '?'} points`);
  if (num(report.loss)) parts.push(`loss ${short(report.loss)}`);
  if (typeof report.eta === 'string') parts.push(`eta ${report.eta}`);
  if (typeof report.message === 'string') parts.push(report.message);
  return parts.join(' · ');
}

function logText(line: LogLine): string {
  return `${line.level === 'info' ? '' : `${line.level}: `}${line.message}`;
}

export function createProgressDisplay(io: CliIo, label: string, options: { intervalMs?: number } = {}): ProgressDisplay {
  let text = '';
  let fraction: number | undefined;
  const update = (report: ProgressReport) => {
    const described = describeProgress(report);
    if (num(report.fraction)) fraction = Math.max(0, Math.min(1, report.fraction));
    if (described) text = described;
    else if (fraction === 1) text = 'done';
  };

  if (io.terminal) {
    const bars = new cliProgress.MultiBar(
      { stream: io.terminal, format: `${label} {bar} {percentage}% | {duration_formatted} | {text}`, hideCursor: true, clearOnComplete: false, barsize: 30, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(100, 0, { text: 'starting' });
    return {
      progress(report) {
        update(report);
        bar.update(Math.round((fraction ?? 0) * 1000) / 10, { text });
      },
      log: (line) => bars.log(`${logText(line)}\n`),
      note: (t) => bars.log(`${t}\n`),
      stop() {
        // A last render first: it writes the log lines still buffered (the bar redraws only fps times a second).
        bars.update();
        bars.stop();
      },
    };
  }

  const intervalMs = options.intervalMs ?? 5000;
  let printedAt = 0;
  let printedDone = false;
  return {
    progress(report) {
      update(report);
      const now = Date.now();
      const done = fraction === 1;
      if ((now - printedAt < intervalMs && !done) || (done && printedDone) || !text) return;
      printedAt = now;
      printedDone = done;
      io.stderr(`${label}${fraction === undefined ? '' : ` ${(fraction * 100).toFixed(1)}%`} ${text}\n`);
    },
    log: (line) => io.stderr(`${label} ${logText(line)}\n`),
    note: (t) => io.stderr(`${t}\n`),
    stop: () => {},
  };
}

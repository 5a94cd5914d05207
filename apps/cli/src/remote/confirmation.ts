/** The confirmation convention of commands that remove data: --yes does it; --dry-run, or neither, only shows what would go. */
import { EXIT } from '../io.js';
import type { RemoteContext } from './command-group.js';

export interface Confirmation {
  confirmed: boolean;
  /** The exit code once the preview or the removal is printed: 1 (with a hint) when there was something to remove but no --yes. */
  finish(somethingToRemove: boolean): number;
}

/** `verb`: what --yes does, for the hint (`delete`, `remove`). */
export function confirmation(ctx: RemoteContext, verb: 'delete' | 'remove' = 'remove'): Confirmation {
  const confirmed = ctx.has('--yes') && !ctx.has('--dry-run');
  return {
    confirmed,
    finish(somethingToRemove) {
      if (confirmed || ctx.has('--dry-run') || !somethingToRemove) return EXIT.ok;
      ctx.io.stderr(`${ctx.label}: nothing ${verb}d: add --yes to ${verb} (it cannot be undone)\n`);
      return EXIT.usage;
    },
  };
}

/** --grace MINUTES (default 60): only what has not changed for this long counts as an orphan. */
export function graceMinutes(ctx: RemoteContext): number | { error: string } {
  const raw = ctx.flag('--grace');
  if (raw === undefined) return 60;
  return /^\d+$/.test(raw) && Number(raw) <= 525_600 ? Number(raw) : { error: `--grace must be a whole number of minutes from 0 to 525600, not ${JSON.stringify(raw)}` };
}

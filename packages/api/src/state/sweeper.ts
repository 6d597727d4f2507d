import { addDuration, toCstDate } from '@fivecolor/core';
import type { Logger } from 'pino';
import { writeAuditCheckpoint } from '../audit/checkpoint.js';
import { errorFields } from '../http/logger.js';
import type { Deps } from '../services/deps.js';
import { cstMidnight, refreshStaleStates } from './party-state.js';

/** Milliseconds from `now` to the next midnight in Asia/Shanghai, when dates (and so `until`s) turn. */
export function msUntilNextCstMidnight(now: Date): number {
  return cstMidnight(addDuration(toCstDate(now), 'P1D')) - now.getTime();
}

/** Signs and stores a checkpoint of the audit chain's head with the current report-signing key; logs a failure. */
async function checkpoint(deps: Deps, logger: Logger): Promise<void> {
  try {
    const key = await deps.reports.currentKey(deps.db, deps.crypto, deps.now());
    const cp = await writeAuditCheckpoint(deps.db, key, deps.now());
    logger.info({ seq: cp.seq, kid: cp.kid }, 'signed a checkpoint of the audit chain');
  } catch (err) {
    logger.error({ err: errorFields(err) }, 'could not sign a checkpoint of the audit chain');
  }
}

/**
 * Recomputes the states that time has overtaken at start and then a second after every CST midnight,
 * so that a color that changes with time alone is stored, counted and written to the change feed that
 * day, not at the party's next read. Several processes may sweep at once: each party is recomputed
 * under its row lock and only when still stale. After each midnight sweep (not the one at start) it
 * also signs a checkpoint of the audit chain's head (`writeAuditCheckpoint`), published at
 * `/.well-known/fivecolor-audit-head`.
 */
export function startStateSweeper(deps: Deps, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  const stop = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let first = true;

  const sweep = async () => {
    try {
      const refreshed = await refreshStaleStates(deps, { signal: stop.signal });
      if (refreshed > 0) logger.info({ refreshed }, 'recomputed party states that time has overtaken');
    } catch (err) {
      logger.warn({ err: errorFields(err) }, 'state sweep failed');
    }
    // Each night after the first sweep: sign the audit chain's head (see `writeAuditCheckpoint`).
    if (!first && !stop.signal.aborted) await checkpoint(deps, logger);
    first = false;
    if (stop.signal.aborted) return;
    timer = setTimeout(() => {
      running = sweep();
    }, msUntilNextCstMidnight(deps.now()) + 1000);
    timer.unref();
  };

  running = sweep();
  return {
    /** The sweep under way (the first one right after start). */
    get running() {
      return running;
    },
    /** Ends the sweep under way after its current party, and schedules none. */
    async stop() {
      stop.abort();
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The edges' operational records: a scheduled job's runs and a queue's progress, written to the
 * table when the function has one bound (the stack lets every scheduled and queue-triggered
 * function write these records, and nothing else, besides its own bindings). A failed write is
 * logged, never the cause of a failed invocation: the work itself was done.
 */
import type { SQSEvent } from 'aws-lambda';
import { dynamoOpsStore } from '../adapters/dynamodb/ops.ts';
import type { CronOutcome, OpsStore } from '../core/ports.ts';
import { dynamoFor } from './clients.ts';
import { loadConfig } from './config.ts';
import { log } from './log.ts';

let store: OpsStore | null | undefined;

function opsStore(): OpsStore | undefined {
  if (store === undefined) {
    const config = loadConfig();
    store = config.TABLE_NAME
      ? dynamoOpsStore({ client: dynamoFor(config), tableName: config.TABLE_NAME })
      : null;
  }
  return store ?? undefined;
}

/** A queue's progress is written at most this often per container: it is a heartbeat. */
export const PROGRESS_INTERVAL_MS = 60_000;
const lastProgress = new Map<string, number>();

/** Records that a batch of the event's queue was handled, and how long its oldest had waited. */
export async function recordQueueProgress(event: SQSEvent): Promise<void> {
  const queue = event.Records[0]?.eventSourceARN?.split(':').at(-1);
  const ops = opsStore();
  const now = Date.now();
  if (!ops || !queue || now - (lastProgress.get(queue) ?? 0) < PROGRESS_INTERVAL_MS) return;
  const sent = event.Records.map((r) => Number(r.attributes?.SentTimestamp)).filter((at) => at > 0);
  const waitedSeconds = sent.length ? Math.max(0, (now - Math.min(...sent)) / 1000) : 0;
  try {
    await ops.recordProgress(queue, new Date(now).toISOString(), Math.round(waitedSeconds));
    lastProgress.set(queue, now);
  } catch (error) {
    log.warn('could not record queue progress', { queue, error });
  }
}

export async function recordCronRun(name: string, outcome: CronOutcome): Promise<void> {
  try {
    await opsStore()?.recordRun(name, outcome);
  } catch (error) {
    log.warn('could not record the run', { cron: name, error });
  }
}

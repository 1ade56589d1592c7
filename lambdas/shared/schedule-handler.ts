/**
 * The edge of every scheduled job: its log lines carry the Lambda context and the job's name; a
 * run that returns is recorded as the job's last success (with the gauges it reports) and
 * counted in the CronSucceeded metric, whose absence for twice the job's period raises its
 * alarm; a run that throws is recorded as its last failure and rethrown, so the scheduler
 * retries it. The status page reads the same records.
 */
import type { Context } from 'aws-lambda';
import { functions, type Trigger } from '../../system/functions.ts';
import type { Gauge } from '../core/ports.ts';
import { log, startInvocation } from './log.ts';
import { flushMetrics, recordMetric } from './metrics.ts';
import { recordCronRun } from './ops.ts';

/** Longest failure message kept in a run record. */
const MAX_ERROR_LENGTH = 300;

const scheduleNames = new Set(
  functions.flatMap((fn) =>
    (fn.triggers as readonly Trigger[]).flatMap((t) => (t.kind === 'schedule' ? [t.name] : [])),
  ),
);

export function createScheduledHandler<R extends { gauges?: Gauge[] } | undefined | object>(
  name: string,
  run: () => Promise<R>,
) {
  if (!scheduleNames.has(name)) throw new Error(`${name} is not a schedule in the catalog`);
  return async (_event?: unknown, context?: Partial<Context>): Promise<R> => {
    startInvocation(context, { cron: name });
    const started = Date.now();
    const finished = () => ({ at: new Date().toISOString(), durationMs: Date.now() - started });
    try {
      const report = await run();
      const gauges = (report as { gauges?: Gauge[] } | undefined)?.gauges;
      await recordCronRun(name, { ok: true, ...finished(), ...(gauges ? { gauges } : {}) });
      recordMetric('CronSucceeded', 1, { cron: name });
      return report;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await recordCronRun(name, {
        ok: false,
        ...finished(),
        error: message.slice(0, MAX_ERROR_LENGTH),
      });
      log.error('scheduled run failed', { cron: name, error });
      throw error;
    } finally {
      flushMetrics();
    }
  };
}

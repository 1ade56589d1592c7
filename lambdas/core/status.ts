/**
 * The status of each part of pinstack, from the signals the alarms watch: queue depths (SQS),
 * dead letters, the consumers' progress and the scheduled jobs' runs (the edges' records).
 * Read on request, cheaply (one query and one GetQueueAttributes per queue), and cached.
 */
import { functions, type QueueName, queueConsumers, type Trigger } from '../../system/functions.ts';
import {
  QUEUE_STALL_SECONDS,
  STATUS_COMPONENTS,
  type StatusComponent,
} from '../../system/status.ts';
import type {
  Clock,
  CronRecord,
  OpsStore,
  QueueDepth,
  QueueInspector,
  QueueProgressRecord,
} from './ports.ts';

export type Health = 'operational' | 'degraded' | 'down';

export interface Signals {
  checked: string;
  /** The table answered (the ops records could be read). */
  table: boolean;
  crons: CronRecord[];
  progress: QueueProgressRecord[];
  /** Undefined: SQS did not answer. */
  queues: { queue: string; name: string; depth: QueueDepth; deadLetters: number }[] | undefined;
}

export interface ComponentStatus {
  name: string;
  description: string;
  status: Health;
  /** What the status rests on, in a few words per signal. */
  detail: string[];
}

export interface StatusReport {
  status: Health;
  checked: string;
  components: ComponentStatus[];
}

export interface StatusPorts {
  ops: OpsStore;
  queues: QueueInspector;
  clock: Clock;
}

export async function readSignals(ports: StatusPorts): Promise<Signals> {
  const [records, queues] = await Promise.all([
    ports.ops.read().catch(() => undefined),
    ports.queues.depths().catch(() => undefined),
  ]);
  return {
    checked: ports.clock.now().toISOString(),
    table: records !== undefined,
    crons: records?.crons ?? [],
    progress: records?.queues ?? [],
    queues,
  };
}

const worst = (states: Health[]): Health =>
  states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'operational';

const periodMinutes = new Map(
  functions.flatMap((fn) =>
    (fn.triggers as readonly Trigger[]).flatMap((t) =>
      t.kind === 'schedule' ? [[t.name, t.rateMinutes] as const] : [],
    ),
  ),
);

function cronHealth(name: string, signals: Signals, now: number): [Health, string] {
  const run = signals.crons.find((c) => c.name === name);
  const period = periodMinutes.get(name) ?? 60;
  if (!run?.lastSuccess && !run?.lastFailure) return ['operational', `${name}: not run yet`];
  if (run.lastFailure && (!run.lastSuccess || run.lastFailure > run.lastSuccess)) {
    return ['degraded', `${name}: last run failed at ${run.lastFailure}`];
  }
  const age = (now - Date.parse(run.lastSuccess as string)) / 60_000;
  if (age > 2 * period) {
    return [
      'degraded',
      `${name}: no successful run for ${Math.round(age)} minutes (every ${period})`,
    ];
  }
  return ['operational', `${name}: last ran at ${run.lastSuccess}`];
}

function queueHealth(queue: QueueName, signals: Signals, now: number): [Health, string] {
  const seen = signals.queues?.find((q) => q.queue === queue);
  if (!signals.queues) return ['down', `${queue}: SQS did not answer`];
  if (!seen) return ['operational', `${queue}: not deployed`];
  const waiting = seen.depth.visible + seen.depth.inFlight;
  if (seen.deadLetters > 0) {
    return ['degraded', `${queue}: ${seen.deadLetters} message(s) failed after every retry`];
  }
  if (queueConsumers(queue).length === 0) {
    return ['operational', `${queue}: ${waiting} message(s) waiting for a consumer to come`];
  }
  const progress = signals.progress.find((p) => p.queue === seen.name);
  const idle = progress
    ? (now - Date.parse(progress.lastProcessed)) / 1000
    : Number.POSITIVE_INFINITY;
  // A working consumer takes a message within seconds, so waiting work nobody has in hand
  // means it stopped; work in hand for long with nothing finished means it keeps failing.
  const stopped = seen.depth.visible > 0 && seen.depth.inFlight === 0 && !progress;
  if (stopped || (waiting > 0 && idle > QUEUE_STALL_SECONDS)) {
    return [
      'degraded',
      `${queue}: ${waiting} message(s) waiting, ${progress ? `none handled since ${progress.lastProcessed}` : 'none handled yet'}`,
    ];
  }
  return ['operational', `${queue}: ${waiting} message(s) waiting`];
}

export function assessStatus(
  signals: Signals,
  components: readonly StatusComponent[] = STATUS_COMPONENTS,
): StatusReport {
  const now = Date.parse(signals.checked);
  const assessed = components.map((component): ComponentStatus => {
    const checks: [Health, string][] = [
      ...component.queues.map((queue) => queueHealth(queue, signals, now)),
      ...component.crons.map((cron) => cronHealth(cron, signals, now)),
    ];
    if (component.name === 'api') {
      checks.unshift(
        signals.table ? ['operational', 'table: answering'] : ['down', 'table: not answering'],
      );
    }
    return {
      name: component.name,
      description: component.description,
      status: worst(checks.map(([health]) => health)),
      detail: checks.map(([, text]) => text),
    };
  });
  return {
    status: worst(assessed.map((c) => c.status)),
    checked: signals.checked,
    components: assessed,
  };
}

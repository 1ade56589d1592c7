/**
 * Local EventBridge Scheduler: each catalog schedule fires its function at its rate, first one
 * period after start. A run that outlasts the period delays the next tick (runs of one schedule
 * never overlap); failures are logged and the schedule carries on.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { Trigger } from '../system/functions.ts';
import {
  type FunctionRuntime,
  type InvokeResult,
  LOCAL_ACCOUNT_ID,
  type Logger,
} from './lambda.ts';

export type ScheduleTrigger = Extract<Trigger, { kind: 'schedule' }>;

/**
 * The event a scheduled function receives: EventBridge's "Scheduled Event" shape, which the
 * deployed schedule should send too, so handlers see the same input locally and on AWS.
 */
export function scheduledEvent(
  scheduleName: string,
  region: string,
  time: Date = new Date(),
): ScheduledEvent<Record<string, never>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:scheduler:${region}:${LOCAL_ACCOUNT_ID}:schedule/default/${scheduleName}`],
    detail: {},
  };
}

export interface ScheduleEntry {
  runtime: FunctionRuntime;
  trigger: ScheduleTrigger;
}

export interface SchedulerOptions {
  entries: ScheduleEntry[];
  region: string;
  log: Logger;
}

export interface Scheduler {
  /** Cancels future runs and waits for the running ones. */
  stop(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const schedules = options.entries.map((entry) => new Schedule(entry, options));
  return {
    async stop() {
      await Promise.all(schedules.map((schedule) => schedule.stop()));
    },
  };
}

class Schedule {
  readonly #entry: ScheduleEntry;
  readonly #options: SchedulerOptions;
  readonly #periodMs: number;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(entry: ScheduleEntry, options: SchedulerOptions) {
    this.#entry = entry;
    this.#options = options;
    this.#periodMs = entry.trigger.rateMinutes * 60_000;
    if (!(this.#periodMs > 0)) {
      throw new Error(`schedule ${entry.trigger.name} needs a positive rate`);
    }
    this.#arm();
  }

  /** Waits for the next tick on the fixed-rate grid, skipping ticks a long run overlapped. */
  #arm() {
    if (this.#stopped) return;
    const elapsed = Date.now() - this.#startedAt;
    const nextTick = (Math.floor(elapsed / this.#periodMs) + 1) * this.#periodMs;
    this.#timer = setTimeout(() => this.#fire(), nextTick - elapsed);
  }

  #fire() {
    const { runtime, trigger } = this.#entry;
    this.#running = runtime
      .invoke(scheduledEvent(trigger.name, this.#options.region))
      .then((outcome: InvokeResult) => {
        if (outcome.ok) {
          this.#options.log.info(`schedule ${trigger.name} ran in ${outcome.durationMs}ms`);
        }
        // Failures were logged by the runtime; the schedule carries on.
      })
      .finally(() => {
        this.#running = undefined;
        this.#arm();
      });
  }

  async stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}

/**
 * A Lambda invoked on a rate by EventBridge Scheduler, with the failure handling written down:
 * a bounded number of retries, a maximum event age, and a DLQ that keeps what still failed.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OperationalAlarms } from './alarms.ts';

/** Scheduler retries: a missed cron run is retried a little, then recorded, not stacked up. */
export const SCHEDULE_RETRY = {
  retryAttempts: 2,
  maxEventAge: Duration.hours(1),
} as const;

export interface ScheduledInvocationProps {
  fn: IFunction;
  /** The job's name (the catalog's): its runs are recorded and alarmed under it. */
  name: string;
  rateMinutes: number;
  description: string;
  deadLetterQueue: IQueue;
}

export class ScheduledInvocation extends Construct {
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ScheduledInvocationProps) {
    super(scope, id);
    if (!Number.isInteger(props.rateMinutes) || props.rateMinutes < 1) {
      throw new Error(`${id}: rateMinutes must be a positive integer`);
    }
    this.schedule = new Schedule(this, 'Schedule', {
      description: props.description,
      schedule: ScheduleExpression.rate(Duration.minutes(props.rateMinutes)),
      target: new LambdaInvoke(props.fn, {
        ...SCHEDULE_RETRY,
        deadLetterQueue: props.deadLetterQueue,
        // The invocation says which job it is.
        input: ScheduleTargetInput.fromObject({ cron: props.name }),
      }),
    });
    OperationalAlarms.of(this).watchSchedule(id, props.name, props.rateMinutes);
  }
}

/**
 * The alarms an operator needs to notice that work is failing or piling up, one set per stack
 * (`OperationalAlarms.of(scope)`). The house constructs raise their own: a WorkQueue's DLQ (and
 * every DLQ made with createDeadLetterQueue), a QueueConsumer's queue age, a PinstackFunction's
 * errors, throttles and duration near its timeout, a ScheduledInvocation's missing successful
 * runs, the HTTP API's 5xx rate and latency — so whatever a feature adds with them comes with
 * its alarms (test/infra/alarm-coverage.test.ts fails on anything that does not).
 *
 * Actions are optional: with an `alarmTopicArn` (an SNS topic the operator already owns and
 * subscribes to) every alarm notifies it on ALARM and OK; without one they only show in the
 * console.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { METRIC_NAMESPACE } from '../../system/metrics.ts';

/** Work older than this in a queue means consumers are stuck or failing. */
export const MAX_QUEUE_AGE = Duration.minutes(15);
/** API answers slower than this (p99 over five minutes) are an alarm. */
export const MAX_API_LATENCY = Duration.seconds(10);
/** More than this share of API answers being 5xx (over five minutes) is an alarm. */
export const MAX_SERVER_ERROR_PERCENT = 5;
/** A function whose slowest run comes this close to its timeout is about to time out. */
export const NEAR_TIMEOUT = 0.9;
const PERIOD = Duration.minutes(5);
const ID = 'Alarms';

export interface OperationalAlarmsProps {
  alarmTopicArn?: string | undefined;
}

interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  description: string;
  comparison?: ComparisonOperator;
  missing?: TreatMissingData;
}

export class OperationalAlarms extends Construct {
  private readonly action: IAlarmAction | undefined;

  /** The stack's alarms: the ones the stack set up, else ones without actions. */
  static of(scope: IConstruct): OperationalAlarms {
    const stack = Stack.of(scope);
    return (
      (stack.node.tryFindChild(ID) as OperationalAlarms | undefined) ??
      new OperationalAlarms(stack, {})
    );
  }

  constructor(stack: Stack, props: OperationalAlarmsProps) {
    super(stack, ID);
    this.action = props.alarmTopicArn
      ? new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))
      : undefined;
  }

  private alarm(id: string, spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, id, {
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: 1,
      comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: spec.missing ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: spec.description,
    });
    if (this.action) {
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
    }
    return alarm;
  }

  /** Any message in a DLQ is a failure someone has to look at. */
  watchDeadLetterQueue(id: string, queue: IQueue): Alarm {
    return this.alarm(`${id}DeadLetters`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: 'Maximum',
      }),
      threshold: 0,
      description: `${id}: messages in a dead-letter queue (failed after all retries)`,
    });
  }

  /**
   * A dead-letter queue with a consumer is emptied at once, so its depth says little: every
   * invocation of the consumer is a message all attempts failed on.
   */
  watchDeadLetterConsumer(id: string, fn: IFunction): Alarm {
    return this.alarm(`${id}Invocations`, {
      metric: fn.metricInvocations({ period: PERIOD, statistic: 'Sum' }),
      threshold: 0,
      description: `${id}: messages reached a dead-letter queue (failed after all retries; logged by ${id})`,
    });
  }

  /** A consumed queue whose oldest message waits too long: its consumer is stuck or failing. */
  watchWorkQueue(id: string, queue: IQueue): Alarm {
    return this.alarm(`${id}OldestMessage`, {
      metric: queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      threshold: MAX_QUEUE_AGE.toSeconds(),
      description: `${id}: oldest message older than ${MAX_QUEUE_AGE.toMinutes()} minutes`,
    });
  }

  watchFunction(id: string, fn: IFunction, timeout: Duration): Alarm[] {
    return [
      this.alarm(`${id}Errors`, {
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        description: `${id}: invocations failed`,
      }),
      this.alarm(`${id}Throttles`, {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        description: `${id}: invocations throttled`,
      }),
      this.alarm(`${id}NearTimeout`, {
        metric: fn.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
        threshold: timeout.toMilliseconds() * NEAR_TIMEOUT,
        description: `${id}: a run took over ${NEAR_TIMEOUT * 100}% of its ${timeout.toSeconds()} s timeout`,
      }),
    ];
  }

  /**
   * A scheduled job with no successful run (its edge's CronSucceeded metric) in twice its
   * period; no data at all counts as none.
   */
  watchSchedule(id: string, cron: string, rateMinutes: number): Alarm {
    return this.alarm(`${id}NoSuccess`, {
      metric: new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'CronSucceeded',
        dimensionsMap: { service: 'pinstack', cron },
        period: Duration.minutes(2 * rateMinutes),
        statistic: 'Sum',
      }),
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      missing: TreatMissingData.BREACHING,
      description: `${id}: no successful ${cron} run in ${2 * rateMinutes} minutes (twice its period)`,
    });
  }

  /** An HTTP API: its 5xx rate and its p99 latency. */
  watchHttpApi(id: string, api: IHttpApi): Alarm[] {
    const rate = new MathExpression({
      expression: '100 * errors / MAX([requests, 1])',
      usingMetrics: {
        errors: api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        requests: api.metricCount({ period: PERIOD, statistic: 'Sum' }),
      },
      label: '5xx %',
      period: PERIOD,
    });
    return [
      this.alarm(`${id}ServerErrorRate`, {
        metric: rate,
        threshold: MAX_SERVER_ERROR_PERCENT,
        description: `${id}: over ${MAX_SERVER_ERROR_PERCENT}% of answers were 5xx`,
      }),
      this.alarm(`${id}Latency`, {
        metric: api.metricLatency({ period: PERIOD, statistic: 'p99' }),
        threshold: MAX_API_LATENCY.toMilliseconds(),
        description: `${id}: p99 latency over ${MAX_API_LATENCY.toSeconds()} s`,
      }),
    ];
  }

  /**
   * A CloudFront distribution (the gateway's): its 5xx rate and origin latency. CloudFront
   * publishes its metrics in us-east-1 only, and origin latency only with its additional
   * metrics turned on (without them that alarm sees no data, which does not breach).
   */
  watchDistribution(id: string, distributionId: string): Alarm[] {
    const metric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: distributionId, Region: 'Global' },
        period: PERIOD,
        statistic,
        region: 'us-east-1',
      });
    return [
      this.alarm(`${id}ServerErrorRate`, {
        metric: metric('5xxErrorRate', 'Average'),
        threshold: MAX_SERVER_ERROR_PERCENT,
        description: `${id}: over ${MAX_SERVER_ERROR_PERCENT}% of answers were 5xx`,
      }),
      this.alarm(`${id}Latency`, {
        metric: metric('OriginLatency', 'p99'),
        threshold: MAX_API_LATENCY.toMilliseconds(),
        description: `${id}: p99 origin latency over ${MAX_API_LATENCY.toSeconds()} s`,
      }),
    ];
  }
}

/**
 * The alarms an operator needs to notice that work is failing or piling up. Actions are
 * optional: with an `alarmTopicArn` (an SNS topic the operator already owns and subscribes to)
 * every alarm notifies it on ALARM and OK; without one the alarms only show in the console.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Work older than this in a queue means consumers are stuck or failing. */
export const MAX_QUEUE_AGE = Duration.minutes(15);
const PERIOD = Duration.minutes(5);

export interface OperationalAlarmsProps {
  alarmTopicArn?: string | undefined;
}

export class OperationalAlarms extends Construct {
  private readonly action: IAlarmAction | undefined;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    this.action = props.alarmTopicArn
      ? new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))
      : undefined;
  }

  private alarm(id: string, metric: Metric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.action) {
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
    }
    return alarm;
  }

  /** Any message in a DLQ is a failure someone has to look at. */
  watchDeadLetterQueue(id: string, queue: IQueue): Alarm {
    return this.alarm(
      `${id}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      0,
      `${id}: messages in a dead-letter queue (failed after all retries)`,
    );
  }

  /**
   * A dead-letter queue with a consumer is emptied at once, so its depth says little: every
   * invocation of the consumer is a message all attempts failed on.
   */
  watchDeadLetterConsumer(id: string, fn: IFunction): Alarm {
    return this.alarm(
      `${id}Invocations`,
      fn.metricInvocations({ period: PERIOD, statistic: 'Sum' }),
      0,
      `${id}: messages reached a dead-letter queue (failed after all retries; logged by ${id})`,
    );
  }

  watchWorkQueue(id: string, queue: IQueue): Alarm {
    return this.alarm(
      `${id}OldestMessage`,
      queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      MAX_QUEUE_AGE.toSeconds(),
      `${id}: oldest message older than ${MAX_QUEUE_AGE.toMinutes()} minutes`,
    );
  }

  watchFunction(id: string, fn: IFunction): Alarm[] {
    return [
      this.alarm(
        `${id}Errors`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        0,
        `${id}: invocations failed`,
      ),
      this.alarm(
        `${id}Throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        0,
        `${id}: invocations throttled`,
      ),
    ];
  }

  watchApi(id: string, api: IHttpApi): Alarm {
    return this.alarm(
      `${id}ServerErrors`,
      api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      0,
      `${id}: API answered with 5xx`,
    );
  }
}

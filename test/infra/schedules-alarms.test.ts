import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ScheduledInvocation } from '../../lib/constructs/scheduled-invocation.ts';
import { functions, queueConsumers, type Trigger } from '../../system/functions.ts';
import { buildStack, logicalId } from './helpers.ts';

const { stack, template } = buildStack();
const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

const catalogSchedules = functions.flatMap((spec) =>
  (spec.triggers as readonly Trigger[])
    .filter((t) => t.kind === 'schedule')
    .map((t) => ({ fn: spec.name, ...t })),
);

describe('schedules', () => {
  it('has one schedule per catalog schedule trigger, at its rate, targeting its function', () => {
    expect(schedules).toHaveLength(catalogSchedules.length);
    for (const s of catalogSchedules) {
      const target = { 'Fn::GetAtt': [logicalId(stack.functions[s.fn].fn), 'Arn'] };
      const matching = schedules.filter(
        (r) => JSON.stringify(r.Properties.Target.Arn) === JSON.stringify(target),
      );
      expect(matching, s.name).toHaveLength(1);
      expect(matching[0]?.Properties).toMatchObject({
        // CDK writes whole hours as hours.
        ScheduleExpression:
          s.rateMinutes % 60 === 0
            ? `rate(${s.rateMinutes / 60} hour${s.rateMinutes === 60 ? '' : 's'})`
            : `rate(${s.rateMinutes} minutes)`,
        State: 'ENABLED',
      });
    }
  });

  it('retries twice within an hour, then dead-letters', () => {
    const dlq = { 'Fn::GetAtt': [logicalId(stack.scheduleDeadLetterQueue), 'Arn'] };
    for (const schedule of schedules) {
      expect(schedule.Properties.Target).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: dlq },
      });
    }
  });

  it('rejects a rate that is not a positive number of minutes', () => {
    const scope = new Stack(new App(), 'Fixture');
    const fn = new LambdaFunction(scope, 'Fn', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });
    const deadLetterQueue = new Queue(scope, 'Dlq');
    expect(
      () =>
        new ScheduledInvocation(scope, 'Every0', {
          fn,
          name: 'never',
          rateMinutes: 0,
          description: 'never',
          deadLetterQueue,
        }),
    ).toThrow(/rateMinutes/);
  });
});

describe('alarms', () => {
  const alarmsOn = (metric: string, dimension: { Name: string; Value: unknown }) =>
    alarms.filter(
      (a) =>
        a.Properties.MetricName === metric &&
        JSON.stringify(a.Properties.Dimensions) === JSON.stringify([dimension]),
    );
  const queueDimension = (queue: Queue) => ({
    Name: 'QueueName',
    Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] },
  });

  it('fires on any message in any DLQ', () => {
    const dlqs = [
      stack.queues.ingestQueue.deadLetterQueue,
      stack.queues.pinQueue.deadLetterQueue,
      stack.scheduleDeadLetterQueue,
    ];
    for (const dlq of dlqs) {
      const [alarm, ...rest] = alarmsOn('ApproximateNumberOfMessagesVisible', queueDimension(dlq));
      expect(rest).toHaveLength(0);
      expect(alarm?.Properties).toMatchObject({
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it('fires when work waits longer than 15 minutes in a consumed queue', () => {
    const [alarm] = alarmsOn(
      'ApproximateAgeOfOldestMessage',
      queueDimension(stack.queues.ingestQueue.queue),
    );
    expect(alarm?.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 15 * 60,
    });
  });

  it('does not alarm on the age of the pin queue, whose messages wait for a consumer to come', () => {
    expect(queueConsumers('pinQueue')).toHaveLength(0);
    expect(
      alarmsOn('ApproximateAgeOfOldestMessage', queueDimension(stack.queues.pinQueue.queue)),
    ).toHaveLength(0);
  });

  it('fires on errors and throttles of every function', () => {
    for (const spec of functions) {
      const dimension = {
        Name: 'FunctionName',
        Value: { Ref: logicalId(stack.functions[spec.name].fn) },
      };
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarmsOn(metric, dimension), `${spec.name} ${metric}`).toHaveLength(1);
      }
    }
  });

  it('fires when over 5% of API answers are 5xx, and on a p99 latency over 10 s', () => {
    const api = { Ref: logicalId(stack.api.api) };
    const rate = alarms.find((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('"MetricName":"5xx"'),
    );
    expect(rate?.Properties).toMatchObject({ Threshold: 5 });
    expect(JSON.stringify(rate?.Properties.Metrics)).toContain(JSON.stringify(api));
    const [latency] = alarmsOn('Latency', { Name: 'ApiId', Value: api });
    expect(latency?.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 10_000 });
  });

  it('fires when a scheduled job has no successful run in twice its period, no data included', () => {
    for (const s of catalogSchedules) {
      const matching = alarms.filter(
        (a) =>
          a.Properties.MetricName === 'CronSucceeded' &&
          JSON.stringify(a.Properties.Dimensions).includes(`"Value":"${s.name}"`),
      );
      expect(matching, s.name).toHaveLength(1);
      expect(matching[0]?.Properties).toMatchObject({
        Namespace: 'pinstack',
        Period: 2 * s.rateMinutes * 60,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'breaching',
      });
    }
  });

  it('fires when a function run comes within 10% of its timeout', () => {
    for (const spec of functions) {
      const [alarm] = alarmsOn('Duration', {
        Name: 'FunctionName',
        Value: { Ref: logicalId(stack.functions[spec.name].fn) },
      });
      expect(alarm?.Properties, spec.name).toMatchObject({
        Statistic: 'Maximum',
        Threshold: spec.timeoutSeconds * 1000 * 0.9,
      });
    }
  });

  it('has no actions by default and notifies ALARM_TOPIC_ARN when given', () => {
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
    const topic = 'arn:aws:sns:eu-west-1:123456789012:pinstack-alarms';
    const withTopic = buildStack({ ALARM_TOPIC_ARN: topic }).template;
    const notifying = Object.values(withTopic.findResources('AWS::CloudWatch::Alarm'));
    expect(notifying).toHaveLength(alarms.length);
    for (const alarm of notifying) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
  });
});

describe('dashboard', () => {
  it('shows API latency and errors by route, uploads, queue ages, pin outcomes, jobs and cost drivers', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const shown of [
      'Latency',
      'by route',
      'UploadBytes',
      'IngestedObjects',
      'ApproximateAgeOfOldestMessage',
      'PinOutcomes',
      'CronSucceeded',
      'ConsumedWriteCapacityUnits',
      'Invocations',
    ]) {
      expect(body, shown).toContain(shown);
    }
  });
});

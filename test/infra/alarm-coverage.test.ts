/**
 * Every queue, function, schedule, HTTP API and CloudFront distribution in the stack has its
 * alarms — checked on the synthesized template, so a feature that adds one with a raw CDK
 * construct instead of a house construct (which raises them itself) fails here.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.ts';
import { referencedIds, SKIP_BUNDLING } from './helpers.ts';

type Resource = { Type: string; Properties?: Record<string, unknown> };
interface MetricRef {
  name: string;
  dimensions: { Name: string; Value: unknown }[];
}

/** The metrics an alarm watches, plain or inside metric math. */
function metricsOf(alarm: Resource): MetricRef[] {
  const p = alarm.Properties ?? {};
  if (typeof p.MetricName === 'string') {
    return [{ name: p.MetricName, dimensions: (p.Dimensions ?? []) as MetricRef['dimensions'] }];
  }
  return ((p.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[]).flatMap(
    (m) =>
      m.MetricStat
        ? [
            {
              name: String(m.MetricStat.Metric.MetricName),
              dimensions: (m.MetricStat.Metric.Dimensions ?? []) as MetricRef['dimensions'],
            },
          ]
        : [],
  );
}

/** What in the template has no alarm it should have, as readable lines. */
function unalarmed(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const metrics = Object.values(resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap(metricsOf);
  const watched = (metric: string, dimension: string, test: (value: unknown) => boolean) =>
    metrics.some(
      (m) => m.name === metric && m.dimensions.some((d) => d.Name === dimension && test(d.Value)),
    );
  const refersTo = (id: string) => (value: unknown) => referencedIds(value).has(id);
  const all = Object.entries(resources);
  const deadLetterTargets = new Set(
    all.flatMap(([, r]) => [
      ...referencedIds((r.Properties?.RedrivePolicy as object | undefined) ?? {}),
      ...(r.Type === 'AWS::Scheduler::Schedule'
        ? referencedIds(
            (r.Properties?.Target as { DeadLetterConfig?: unknown } | undefined)?.DeadLetterConfig,
          )
        : []),
    ]),
  );
  const consumed = new Set(
    all
      .filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')
      .flatMap(([, r]) => [...referencedIds(r.Properties?.EventSourceArn)]),
  );
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  for (const [id, r] of all) {
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        // CDK's own deploy-time handler runs only while CloudFormation deploys, which reports it.
        if (id.startsWith('BucketNotificationsHandler')) break;
        for (const metric of ['Errors', 'Throttles', 'Duration']) {
          need(watched(metric, 'FunctionName', refersTo(id)), `function ${id}: no ${metric} alarm`);
        }
        break;
      case 'AWS::SQS::Queue':
        if (deadLetterTargets.has(id)) {
          need(
            watched('ApproximateNumberOfMessagesVisible', 'QueueName', refersTo(id)),
            `DLQ ${id}: no alarm on its messages`,
          );
        } else {
          need(Boolean(r.Properties?.RedrivePolicy), `queue ${id}: no DLQ`);
          if (consumed.has(id)) {
            need(
              watched('ApproximateAgeOfOldestMessage', 'QueueName', refersTo(id)),
              `queue ${id}: no alarm on its oldest message's age`,
            );
          }
        }
        break;
      case 'AWS::Scheduler::Schedule': {
        const input = (r.Properties?.Target as { Input?: string } | undefined)?.Input;
        const cron = input ? (JSON.parse(input) as { cron?: string }).cron : undefined;
        need(
          cron !== undefined && watched('CronSucceeded', 'cron', (v) => v === cron),
          `schedule ${id}: no alarm on missing successful runs`,
        );
        break;
      }
      case 'AWS::ApiGatewayV2::Api':
        need(watched('5xx', 'ApiId', refersTo(id)), `API ${id}: no 5xx alarm`);
        need(watched('Latency', 'ApiId', refersTo(id)), `API ${id}: no latency alarm`);
        break;
      case 'AWS::CloudFront::Distribution':
        need(
          watched('5xxErrorRate', 'DistributionId', refersTo(id)),
          `distribution ${id}: no 5xx alarm`,
        );
        break;
    }
  }
  return problems;
}

const stackOf = () =>
  createApp({ context: { ...SKIP_BUNDLING }, cloudFormationValidation: false }).stack;

describe('alarm coverage', () => {
  it('finds every queue, function, schedule and API of the stack alarmed', () => {
    expect(unalarmed(Template.fromStack(stackOf()))).toEqual([]);
  });

  it('fails on a stack that adds a queue without alarms', () => {
    const stack = stackOf();
    new Queue(stack, 'RawQueue');
    const dlq = new Queue(stack, 'RawDeadLetters');
    new Queue(stack, 'RawWithDlq', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    expect(unalarmed(Template.fromStack(stack)).filter((p) => p.includes('Raw'))).toEqual([
      expect.stringMatching(/^queue RawQueue.*: no DLQ$/),
      expect.stringMatching(/^DLQ RawDeadLetters.*: no alarm on its messages$/),
    ]);
  });

  it('fails on a stack that adds a function, a consumer or a schedule without alarms', () => {
    const stack = stackOf();
    const fn = new LambdaFunction(stack, 'RawFunction', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });
    const dlq = new Queue(stack, 'RawDlq');
    const queue = new Queue(stack, 'RawWork', {
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
      visibilityTimeout: Duration.minutes(5),
    });
    fn.addEventSource(new SqsEventSource(queue));
    new Schedule(stack, 'RawSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new LambdaInvoke(fn),
    });
    const raw = unalarmed(Template.fromStack(stack)).filter((p) => p.includes('Raw'));
    expect(raw).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^function RawFunction.*: no Errors alarm$/),
        expect.stringMatching(/^function RawFunction.*: no Duration alarm$/),
        expect.stringMatching(/^queue RawWork.*: no alarm on its oldest message's age$/),
        expect.stringMatching(/^DLQ RawDlq.*: no alarm on its messages$/),
        expect.stringMatching(/^schedule RawSchedule.*: no alarm on missing successful runs$/),
      ]),
    );
  });
});

import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { QueueConsumer } from '../../lib/constructs/queue-consumer.ts';
import { WorkQueue } from '../../lib/constructs/work-queue.ts';
import {
  type BucketNotification,
  bucketNotifications,
  DEAD_LETTER_VISIBILITY_SECONDS,
  functions,
  QUEUE_NAMES,
  QUEUE_POLICY,
  type QueueName,
  type Trigger,
  visibilityTimeoutSeconds,
} from '../../system/functions.ts';
import { buildStack, logicalId, refId } from './helpers.ts';

const { stack, template } = buildStack();
const queues = template.findResources('AWS::SQS::Queue');
const mappings = template.findResources('AWS::Lambda::EventSourceMapping');

/** Queues something else dead-letters into: other queues' redrive targets and schedule DLQs. */
function deadLetterQueueIds(): Set<string> {
  const ids = new Set<string>();
  for (const q of Object.values(queues)) {
    const target = q.Properties.RedrivePolicy?.deadLetterTargetArn;
    if (target) ids.add(refId(target));
  }
  for (const s of Object.values(template.findResources('AWS::Scheduler::Schedule'))) {
    ids.add(refId(s.Properties.Target.DeadLetterConfig.Arn));
  }
  return ids;
}

describe('queues', () => {
  const dlqs = deadLetterQueueIds();

  it('gives every work queue a redrive policy after 3 receives into a 14-day DLQ', () => {
    const workQueues = Object.entries(queues).filter(([id]) => !dlqs.has(id));
    expect(workQueues.map(([id]) => id).sort()).toEqual(
      QUEUE_NAMES.map((q) => logicalId(stack.queues[q].queue)).sort(),
    );
    for (const [, queue] of workQueues) {
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(QUEUE_POLICY.maxReceiveCount);
      expect(QUEUE_POLICY.maxReceiveCount).toBe(3);
      const dlq = queues[refId(queue.Properties.RedrivePolicy.deadLetterTargetArn)];
      expect(dlq?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('marks the staged upload of an ingest message in the DLQ failed, with an alarm on each one', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions['ingest-failures'].fn) },
      EventSourceArn: {
        'Fn::GetAtt': [logicalId(stack.queues.ingestQueue.deadLetterQueue), 'Arn'],
      },
    });
    expect(
      queues[logicalId(stack.queues.ingestQueue.deadLetterQueue)]?.Properties.VisibilityTimeout,
    ).toBe(DEAD_LETTER_VISIBILITY_SECONDS);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: logicalId(stack.functions['ingest-failures'].fn) } },
      ],
      Threshold: 0,
    });
  });

  it('keeps every DLQ (queue and schedule DLQs) for 14 days', () => {
    // One per work queue, and the schedules' own.
    expect(dlqs.size).toBe(QUEUE_NAMES.length + 1);
    for (const id of dlqs) {
      expect(queues[id]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('gives each work queue its own DLQ', () => {
    const targets = Object.values(queues)
      .map((q) => q.Properties.RedrivePolicy?.deadLetterTargetArn)
      .filter(Boolean)
      .map(refId);
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('encrypts every queue with SQS-managed keys and denies non-TLS access', () => {
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('sets visibility from the catalog: prompt redelivery where asked, else 6x the timeout', () => {
    for (const [name, handle] of Object.entries(stack.queues)) {
      const visibility = queues[logicalId(handle.queue)]?.Properties.VisibilityTimeout;
      expect(visibility, name).toBe(visibilityTimeoutSeconds(name as QueueName));
    }
    const consumers = functions.flatMap((fn) =>
      (fn.triggers as readonly Trigger[]).flatMap((t) => (t.kind === 'queue' ? [{ fn, t }] : [])),
    );
    expect(consumers).not.toHaveLength(0);
    for (const { fn, t } of consumers) {
      const work = stack.queues[t.queue];
      const consumed = t.deadLetters ? work.deadLetterQueue : work.queue;
      const visibility = queues[logicalId(consumed)]?.Properties.VisibilityTimeout;
      // Never under the function's timeout: AWS refuses such a mapping.
      expect(visibility, fn.name).toBeGreaterThanOrEqual(fn.timeoutSeconds);
      expect(visibility, fn.name).toBeGreaterThanOrEqual(
        t.redelivery?.afterSeconds ?? 6 * fn.timeoutSeconds,
      );
    }
  });

  it('redelivers a crashed pin worker a minute after its timeout, backing off failed pins itself', () => {
    expect(visibilityTimeoutSeconds('pinQueue')).toBe(960);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues.pinQueue.queue), 'Arn'] },
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('redelivers a crashed staged ingest a minute after its 15-minute timeout, polling at most 20 at once', () => {
    const ingest = functions.find((fn) => fn.name === 'ingest');
    expect(ingest?.timeoutSeconds).toBe(900);
    expect(visibilityTimeoutSeconds('ingestQueue')).toBe(960);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues.ingestQueue.queue), 'Arn'] },
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('needs 6x the timeout when any consumer of a queue asks for no prompt redelivery', () => {
    const ingest = functions.find((fn) => fn.name === 'ingest');
    if (!ingest) throw new Error('catalog has no ingest function');
    const unleased = {
      ...ingest,
      triggers: [
        { kind: 'queue', queue: 'ingestQueue', batchSize: 1, maxBatchingWindowSeconds: 0 },
      ],
    } as unknown as typeof ingest;
    expect(visibilityTimeoutSeconds('ingestQueue', [ingest, unleased])).toBe(
      6 * ingest.timeoutSeconds,
    );
  });

  it('reports partial batch failures on every event source mapping', () => {
    for (const mapping of Object.values(mappings)) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('creates one event source mapping per catalog queue trigger, with its batch settings', () => {
    const queueTriggers = functions.flatMap((fn) =>
      (fn.triggers as readonly Trigger[])
        .filter((t) => t.kind === 'queue')
        .map((t) => ({ fn: fn.name, ...t })),
    );
    expect(Object.keys(mappings)).toHaveLength(queueTriggers.length);
    for (const trigger of queueTriggers) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.functions[trigger.fn].fn) },
        EventSourceArn: {
          'Fn::GetAtt': [
            logicalId(
              trigger.deadLetters
                ? stack.queues[trigger.queue].deadLetterQueue
                : stack.queues[trigger.queue].queue,
            ),
            'Arn',
          ],
        },
        BatchSize: trigger.batchSize,
      });
    }
  });

  it('sends ObjectCreated events matching each catalog filter to the named queue', () => {
    for (const n of bucketNotifications as readonly BucketNotification[]) {
      const rules = [
        ...(n.prefix ? [{ Name: 'prefix', Value: n.prefix }] : []),
        ...(n.suffix ? [{ Name: 'suffix', Value: n.suffix }] : []),
      ];
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: logicalId(stack.storage.buckets[n.bucket]) },
        NotificationConfiguration: {
          QueueConfigurations: Match.arrayWith([
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: rules } },
              QueueArn: { 'Fn::GetAtt': [logicalId(stack.queues[n.queue].queue), 'Arn'] },
            },
          ]),
        },
      });
    }
  });

  it('has no two notifications of one bucket that could match one key (S3 refuses that)', () => {
    // Two rules overlap unless one's prefix or suffix rules out every key of the other.
    const disjoint = (a: string | undefined, b: string | undefined, ends: 'start' | 'end') => {
      if (a === undefined || b === undefined) return false;
      return ends === 'start'
        ? !a.startsWith(b) && !b.startsWith(a)
        : !a.endsWith(b) && !b.endsWith(a);
    };
    const rules = bucketNotifications as readonly {
      bucket: string;
      prefix?: string;
      suffix?: string;
    }[];
    for (const [i, a] of rules.entries()) {
      for (const b of rules.slice(i + 1)) {
        if (a.bucket !== b.bucket) continue;
        const apart = disjoint(a.prefix, b.prefix, 'start') || disjoint(a.suffix, b.suffix, 'end');
        expect(apart, `${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`).toBe(true);
      }
    }
  });
});

describe('QueueConsumer', () => {
  function fixture(visibilitySeconds: number) {
    const scope = new Stack(new App(), 'Fixture');
    const queue = new WorkQueue(scope, 'Work', {
      visibilityTimeout: Duration.seconds(visibilitySeconds),
    });
    const fn = new LambdaFunction(scope, 'Fn', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({});'),
      timeout: Duration.seconds(60),
    });
    return { scope, queue, fn };
  }

  it('rejects a queue whose visibility timeout is under 6x the function timeout', () => {
    const { scope, queue, fn } = fixture(300);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          queue,
          batchSize: 1,
          maxBatchingWindow: Duration.seconds(0),
          reportBatchItemFailures: true,
        }),
    ).toThrow(/visibility timeout 300s is under 6x/);
  });

  it('accepts prompt redelivery on a queue whose visibility covers the function timeout', () => {
    const { scope, queue, fn } = fixture(90);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          redelivery: { after: Duration.seconds(90), maxConcurrency: 5 },
          queue,
          batchSize: 1,
          maxBatchingWindow: Duration.seconds(0),
          reportBatchItemFailures: true,
        }),
    ).not.toThrow();
  });

  it('rejects prompt redelivery on a queue whose visibility is under the function timeout', () => {
    const { scope, queue, fn } = fixture(45);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          redelivery: { after: Duration.seconds(45), maxConcurrency: 5 },
          queue,
          batchSize: 1,
          maxBatchingWindow: Duration.seconds(0),
          reportBatchItemFailures: true,
        }),
    ).toThrow(/AWS refuses the mapping/);
  });

  it('rejects prompt redelivery without a concurrency cap AWS accepts', () => {
    const { scope, queue, fn } = fixture(90);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          redelivery: { after: Duration.seconds(90), maxConcurrency: 1 },
          queue,
          batchSize: 1,
          maxBatchingWindow: Duration.seconds(0),
          reportBatchItemFailures: true,
        }),
    ).toThrow(/maxConcurrency/);
  });

  it('rejects batches over 10 without a batching window', () => {
    const { scope, queue, fn } = fixture(360);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          queue,
          batchSize: 50,
          maxBatchingWindow: Duration.seconds(0),
          reportBatchItemFailures: true,
        }),
    ).toThrow(/batching window/);
  });

  it('rejects a batch size outside 1..10000', () => {
    const { scope, queue, fn } = fixture(360);
    expect(
      () =>
        new QueueConsumer(scope, 'Consumer', {
          fn,
          functionTimeout: Duration.seconds(60),
          queue,
          batchSize: 0,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
        }),
    ).toThrow(/batchSize/);
  });
});

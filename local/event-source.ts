/**
 * Local SQS event source mappings: one poller per catalog queue trigger that receives batches,
 * invokes the consumer with a real SQSEvent and deletes what succeeded. Failed messages (the
 * reported batchItemFailures, or the whole batch when the handler throws or times out) are left
 * to reappear after the visibility timeout; the queue's RedrivePolicy moves a message to its DLQ
 * after maxReceiveCount receives. fauxqs implements RedrivePolicy on receive, as SQS does
 * (verified by the local-stack tests), so the driver does not redrive by itself.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Trigger } from '../system/functions.ts';
import type { FunctionRuntime, Logger } from './lambda.ts';

export type QueueTrigger = Extract<Trigger, { kind: 'queue' }>;

export interface QueueSource {
  runtime: FunctionRuntime;
  trigger: QueueTrigger;
  /** The queue polled: the trigger's queue, or its dead-letter queue. */
  name: string;
  queueUrl: string;
  queueArn: string;
}

export interface EventSourceOptions {
  sqs: SQSClient;
  sources: QueueSource[];
  region: string;
  log: Logger;
  /**
   * Long-poll wait per ReceiveMessage. Kept short because an abandoned long poll would still
   * take a message in the emulator; stopping waits for the current poll instead of aborting it.
   */
  pollWaitSeconds?: number;
}

export interface EventSources {
  stop(): Promise<void>;
}

const MAX_RECEIVE = 10;

export function startEventSources(options: EventSourceOptions): EventSources {
  const pollers = options.sources.map((source) => new Poller(source, options));
  for (const poller of pollers) poller.start();
  return {
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}

class Poller {
  readonly #source: QueueSource;
  readonly #options: EventSourceOptions;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(source: QueueSource, options: EventSourceOptions) {
    this.#source = source;
    this.#options = options;
  }

  start() {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop() {
    this.#running = false;
    await this.#loop;
  }

  async #run() {
    const { log } = this.#options;
    const { runtime } = this.#source;
    while (this.#running) {
      try {
        const messages = await this.#receiveBatch();
        if (messages.length === 0) continue;
        if (!this.#running) {
          await this.#release(messages);
          break;
        }
        await this.#process(messages);
      } catch (error) {
        log.error(`queue poller for ${runtime.fn.name} failed; retrying in 1s`, error);
        await sleep(1000);
      }
    }
  }

  /** Up to batchSize messages, waiting at most the batching window once the first arrives. */
  async #receiveBatch(): Promise<Message[]> {
    const { trigger } = this.#source;
    const messages = await this.#receive(Math.min(MAX_RECEIVE, trigger.batchSize), this.#wait());
    const windowEnds = Date.now() + trigger.maxBatchingWindowSeconds * 1000;
    while (
      messages.length > 0 &&
      messages.length < trigger.batchSize &&
      Date.now() < windowEnds &&
      this.#running
    ) {
      const remaining = Math.ceil((windowEnds - Date.now()) / 1000);
      const more = await this.#receive(
        Math.min(MAX_RECEIVE, trigger.batchSize - messages.length),
        Math.min(remaining, this.#wait()),
      );
      messages.push(...more);
    }
    return messages;
  }

  #wait(): number {
    return this.#options.pollWaitSeconds ?? 1;
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const result = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#source.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  }

  async #process(messages: Message[]) {
    const { runtime, queueArn } = this.#source;
    const records = messages.map((m) => toRecord(m, queueArn, this.#options.region));
    const event: SQSEvent = { Records: records };
    const outcome = await runtime.invoke(event);
    const failed = outcome.ok ? failedIds(outcome.value, records) : 'all';
    if (failed === 'all') return;
    const succeeded = records.filter((r) => !failed.has(r.messageId));
    await this.#delete(succeeded);
  }

  async #delete(records: SQSRecord[]) {
    for (let i = 0; i < records.length; i += MAX_RECEIVE) {
      const chunk = records.slice(i, i + MAX_RECEIVE);
      const result = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#source.queueUrl,
          Entries: chunk.map((r, index) => ({ Id: String(index), ReceiptHandle: r.receiptHandle })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        this.#options.log.error(`could not delete a message: ${failure.Code} ${failure.Message}`);
      }
    }
  }

  /** Messages received while stopping go back to the queue at once. */
  async #release(messages: Message[]) {
    await this.#options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.#source.queueUrl,
        Entries: messages.map((m, index) => ({
          Id: String(index),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * The messages a consumer reported as failed. Like Lambda, a response naming an id that is not
 * in the batch (or naming none) fails the whole batch.
 */
export function failedIds(value: unknown, records: SQSRecord[]): Set<string> | 'all' {
  const failures = (value as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) =>
        Buffer.from(b).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

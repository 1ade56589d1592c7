/**
 * Crash injection for the local stack (PINSTACK_CRASH_AT): the process kills itself with
 * SIGKILL right before, or right after, the first write of one kind an upload or a delete
 * makes — what a function dying there (a timeout, running out of memory, a lost container)
 * leaves behind, for a crash test to restart on and check.
 *
 * It is SDK middleware on the clients every handler of this process shares (one warm
 * container per client, lambdas/shared/clients.ts), matching the command and the item family
 * each port operation writes, so no handler has a test branch and no bundle contains this.
 */
import { writeSync } from 'node:fs';
import { BLOCK_INDEX_SUFFIX } from '../lambdas/core/block-index.ts';
import { dynamoFor, s3For, s3StagingFor, sqsFor } from '../lambdas/shared/clients.ts';
import { loadConfig } from '../lambdas/shared/config.ts';
import type { CrashPoint, SettingValues } from '../system/settings.ts';
import type { LocalStackEnv } from './stack-file.ts';

export type CrashAt = NonNullable<SettingValues<'local'>['PINSTACK_CRASH_AT']>;

/** A call to an SDK client, as its middleware sees it (DynamoDB input not yet marshalled). */
export interface Call {
  command: string;
  input: Record<string, unknown>;
}

export type Resources = Pick<
  LocalStackEnv,
  'CARPARK_BUCKET' | 'PIN_QUEUE_URL' | 'INGEST_QUEUE_URL'
>;

/** The sort key of the item a single-item DynamoDB command writes ('' when none). */
function sortKey(input: Record<string, unknown>): string {
  const key = (input.Key ?? input.Item) as { sk?: unknown } | undefined;
  return typeof key?.sk === 'string' ? key.sk : '';
}

/** The sort keys of the items a BatchWriteItem puts. */
function batchSortKeys(input: Record<string, unknown>): string[] {
  const requests = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).flat();
  return requests.map((request) => {
    const sk = (request as { PutRequest?: { Item?: { sk?: unknown } } }).PutRequest?.Item?.sk;
    return typeof sk === 'string' ? sk : '';
  });
}

const namesIn = (input: Record<string, unknown>) =>
  Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>);

/** Each crash point's write, told apart from every other write the functions make. */
const crashPoints = {
  // Any of an upload's bytes: its CAR (a staged one copied in), link index or long file list
  // (not the block index, which the indexer writes later from the stored CAR).
  'carpark.put': ({ command, input }, r) =>
    ['PutObjectCommand', 'CopyObjectCommand', 'CompleteMultipartUploadCommand'].includes(command) &&
    input.Bucket === r.CARPARK_BUCKET &&
    !String(input.Key).endsWith(BLOCK_INDEX_SUFFIX),
  // The CAR's record and the uploader's hold, in one batch: the only batch with a hold.
  'contents.recordCar': ({ command, input }) =>
    command === 'BatchWriteItemCommand' &&
    batchSortKeys(input).some((sk) => sk.startsWith('HOLDER#')),
  'pinQueue.send': ({ command, input }, r) =>
    command === 'SendMessageCommand' && input.QueueUrl === r.PIN_QUEUE_URL,
  // The only update that may create the content item: it sets `created` if absent.
  'contents.recordStored': ({ command, input }) =>
    command === 'UpdateItemCommand' &&
    sortKey(input) === 'CONTENT' &&
    namesIn(input).includes('created'),
  // A first upload's conditional put (a repeat's revive updates without a condition).
  'uploads.create': ({ command, input }) =>
    command === 'PutItemCommand' &&
    sortKey(input).startsWith('UPLOAD#') &&
    typeof input.ConditionExpression === 'string',
  // The completeness check of a partial DAG (staged CARs reach the ingest queue through S3).
  'ingestQueue.send': ({ command, input }, r) =>
    command === 'SendMessageCommand' && input.QueueUrl === r.INGEST_QUEUE_URL,
  'contents.addHolder': ({ command, input }) =>
    command === 'PutItemCommand' && sortKey(input).startsWith('HOLDER#'),
  // The conditional update that sets `deleted` (a repeat's revive removes it, unconditionally).
  'uploads.markDeleted': ({ command, input }) =>
    command === 'UpdateItemCommand' &&
    sortKey(input).startsWith('UPLOAD#') &&
    namesIn(input).includes('deleted') &&
    typeof input.ConditionExpression === 'string',
  // Two writes: the unpin schedule, then the hold's removal; `after:` stops in between.
  'contents.removeHolder': ({ command, input }) =>
    (command === 'UpdateItemCommand' && /^SET unpinAfter\b/.test(String(input.UpdateExpression))) ||
    (command === 'DeleteItemCommand' && sortKey(input).startsWith('HOLDER#')),
} satisfies Record<CrashPoint, (call: Call, resources: Resources) => boolean>;

/** The crash points a call is a write of (none for most calls; two would be a bug). */
export const crashPointsOf = (call: Call, resources: Resources) =>
  (Object.keys(crashPoints) as CrashPoint[]).filter((point) => crashPoints[point](call, resources));

/** SDK middleware, as much of its types as this needs. */
export type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

interface MiddlewareClient {
  middlewareStack: {
    add(middleware: Middleware, options: { step: 'initialize'; name: string }): void;
    remove(name: string): boolean;
  };
}

/**
 * Puts a middleware, under a name, on every client the handlers of this process share (built
 * from this process's environment on first use, so call it once the stack's is applied).
 * Returns its removal.
 */
export function onFunctionCalls(name: string, middleware: Middleware): () => void {
  const config = loadConfig();
  const clients = [dynamoFor(config), s3For(config), s3StagingFor(config), sqsFor(config)].map(
    (client) => client as unknown as MiddlewareClient,
  );
  for (const client of clients) {
    client.middlewareStack.add(middleware, { step: 'initialize', name });
  }
  return () => {
    for (const client of clients) client.middlewareStack.remove(name);
  };
}

/** How long a crash waits for the calls already sent before it kills the process anyway. */
const DRAIN_MS = 5000;

/**
 * Arms the crash on the clients the handlers of this process use (see onFunctionCalls).
 * Returns the disarm.
 *
 * From the crash on, no call of those clients returns: the functions are gone. Calls already
 * sent finish before the process dies, as DynamoDB or S3 would finish (or never see) them; the
 * emulators run in this process, and killing them mid-call could leave what the services never
 * do — an item written without its index entries.
 */
export function armCrash(at: CrashAt, resources: Resources): () => void {
  const [phase, point] = at.split(':') as ['before' | 'after', CrashPoint];
  let inFlight = 0;
  let crashing: Promise<never> | undefined;
  const crash = () => {
    crashing ??= (async () => {
      // Synchronous, so the line is out before the process is.
      writeSync(2, `PINSTACK_CRASH_AT=${at}: the local stack kills itself now\n`);
      const deadline = Date.now() + DRAIN_MS;
      while (inFlight > 0 && Date.now() < deadline) await sleep(5);
      process.kill(process.pid, 'SIGKILL');
      return new Promise<never>(() => {});
    })();
    return crashing;
  };
  const middleware: Middleware = (next, context) => async (args) => {
    if (crashing) return crashing;
    const call = { command: context.commandName ?? '', input: args.input };
    const matched = crashPointsOf(call, resources).includes(point);
    if (matched && phase === 'before') return crash();
    inFlight++;
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: await next(args) };
    } catch (error) {
      outcome = { error };
    } finally {
      inFlight--;
    }
    if (matched || crashing) return crash();
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  return onFunctionCalls('pinstackCrashAt', middleware);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Small helpers every DynamoDB adapter shares: conditional-failure detection and paging. */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

import { FailureError, failure } from '../../core/failures.ts';

export interface TableContext {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export const isConditionalFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Runs a conditional write; a failed condition is an answer (`false`), not an error. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

/** All items of a query, following LastEvaluatedKey. */
export async function queryAll(
  ctx: TableContext,
  input: Omit<QueryCommandInput, 'TableName'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.client.send(
      new QueryCommand({ ...input, TableName: ctx.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const BATCH_GET_LIMIT = 100;
const MAX_BATCH_ATTEMPTS = 8;

/** BatchGetItem over any number of keys, retrying UnprocessedKeys with jittered backoff. */
export async function batchGet(
  ctx: TableContext,
  keyList: Record<string, string>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keyList.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw unprocessed('BatchGetItem', pending.length);
      if (attempt > 0) await sleep(Math.random() * 25 * 2 ** attempt);
      const result: BatchGetCommandOutput = await ctx.client.send(
        new BatchGetCommand({
          RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      items.push(...(result.Responses?.[ctx.tableName] ?? []));
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys;
    }
  }
  return items;
}

/** Puts up to 25 items in one BatchWriteItem, retrying the ones DynamoDB leaves unprocessed. */
export async function batchPut(ctx: TableContext, items: Record<string, unknown>[]): Promise<void> {
  if (items.length > BATCH_WRITE_LIMIT)
    throw new Error(`batchPut takes at most ${BATCH_WRITE_LIMIT} items`);
  let pending: BatchWriteCommandInput['RequestItems'] = {
    [ctx.tableName]: items.map((Item) => ({ PutRequest: { Item } })),
  };
  for (let attempt = 0; pending?.[ctx.tableName]?.length; attempt++) {
    if (attempt >= MAX_BATCH_ATTEMPTS) {
      throw unprocessed('BatchWriteItem', pending[ctx.tableName]?.length ?? 0);
    }
    if (attempt > 0) await sleep(Math.random() * 25 * 2 ** attempt);
    const result: BatchWriteCommandOutput = await ctx.client.send(
      new BatchWriteCommand({ RequestItems: pending }),
    );
    pending = result.UnprocessedItems;
  }
}

/** Items DynamoDB kept leaving unprocessed: it is throttling, so the table is unavailable. */
function unprocessed(operation: string, count: number) {
  return new FailureError(
    failure.storageUnavailable(
      new Error(
        `${operation} left ${count} items unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`,
      ),
      'DynamoDB',
    ),
  );
}

const BATCH_WRITE_LIMIT = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Strips the table's key and index attributes from an item, and the usage-count mark counted
 * records carry (adapters/dynamodb/stats.ts).
 */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, ttl, counted, ...rest } = item;
  return rest as T;
}

export interface UpdateSpec {
  set?: Record<string, unknown>;
  /** Set only when the attribute is absent: first writer wins. */
  setIfAbsent?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
}

/**
 * Builds an UpdateExpression with every attribute name aliased, so reserved words (size, name,
 * status, ttl...) never break an expression. Undefined values are left out.
 */
export function buildUpdate(
  spec: UpdateSpec,
  extraValues: Record<string, unknown> = {},
  extraNames: Record<string, string> = {},
) {
  const names: Record<string, string> = { ...extraNames };
  const values: Record<string, unknown> = { ...extraValues };
  let n = 0;
  const alias = (attribute: string) => {
    const name = `#a${n}`;
    names[name] = attribute;
    return name;
  };
  const value = (v: unknown) => {
    const name = `:v${n++}`;
    values[name] = v;
    return name;
  };
  const defined = (record: Record<string, unknown> = {}) =>
    Object.entries(record).filter(([, v]) => v !== undefined);

  const sets = [
    ...defined(spec.set).map(([k, v]) => `${alias(k)} = ${value(v)}`),
    ...defined(spec.setIfAbsent).map(([k, v]) => {
      const a = alias(k);
      return `${a} = if_not_exists(${a}, ${value(v)})`;
    }),
  ];
  const adds = defined(spec.add).map(([k, v]) => `${alias(k)} ${value(v)}`);
  const removes = (spec.remove ?? []).map((k) => {
    const a = alias(k);
    n++;
    return a;
  });
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ].filter(Boolean);
  return {
    UpdateExpression: clauses.join(' '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

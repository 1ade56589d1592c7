/**
 * The usage totals in the single table: each counted record carries its count mark in a
 * `counted` attribute (so the record and its mark are read, and the mark moved, in one item),
 * and the totals are STATS_SHARDS items whose counters are top-level `n:<name>` attributes
 * (ADD works on those) plus a `version` every write moves.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { CountedRef, CountMark, StatsShard, StatsStore, Tally } from '../../core/ports.ts';
import { conditionally, type TableContext, withoutKeys } from './table.ts';

const COUNTER = 'n:';

function keyOf(ref: CountedRef) {
  switch (ref.kind) {
    case 'content':
      return keys.content(ref.cid);
    case 'upload':
      return keys.upload(ref.userId, ref.cid);
    case 'user':
      return keys.user(ref.userId);
    case 'deal':
      return keys.deal(ref.cid, ref.dealId);
  }
}

/** The counted record an item is, if it is one. */
export function refOf(item: Record<string, unknown>): CountedRef | undefined {
  const pk = String(item.pk);
  const sk = String(item.sk);
  if (pk.startsWith('CONTENT#')) {
    const cid = pk.slice('CONTENT#'.length);
    if (sk === 'CONTENT') return { kind: 'content', cid };
    if (sk.startsWith('DEAL#')) return { kind: 'deal', cid, dealId: sk.slice('DEAL#'.length) };
  }
  if (pk.startsWith('USER#')) {
    const userId = pk.slice('USER#'.length);
    if (sk === 'PROFILE') return { kind: 'user', userId };
    if (sk.startsWith('UPLOAD#'))
      return { kind: 'upload', userId, cid: sk.slice('UPLOAD#'.length) };
  }
  return undefined;
}

function shardOfItem(item: Record<string, unknown>): StatsShard {
  const tally: Tally = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(COUNTER) && Number(value) !== 0) {
      tally[name.slice(COUNTER.length)] = Number(value);
    }
  }
  return {
    shard: Number(String(item.sk).slice('SHARD#'.length)),
    tally,
    version: Number(item.version ?? 0),
  };
}

const stateOf = (item: Record<string, unknown> | undefined) => ({
  record: item ? withoutKeys<never>(item) : undefined,
  mark: item?.counted as CountMark | undefined,
});

/** The shards of the totals (alone, so a read-only function bundles only this of the store). */
export async function readShards(ctx: TableContext): Promise<StatsShard[]> {
  const { Items } = await ctx.client.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.stats },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map(shardOfItem);
}

export function dynamoStatsStore(ctx: TableContext): StatsStore {
  const { client, tableName: TableName } = ctx;
  return {
    async read(ref) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: keyOf(ref), ConsistentRead: true }),
      );
      return stateOf(Item);
    },

    mark(ref, previous, next) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keyOf(ref),
            UpdateExpression: 'SET #counted = :next',
            ConditionExpression: previous
              ? 'attribute_exists(pk) AND #counted.#id = :previous'
              : 'attribute_exists(pk) AND attribute_not_exists(#counted)',
            ExpressionAttributeNames: {
              '#counted': 'counted',
              ...(previous ? { '#id': 'id' } : {}),
            },
            ExpressionAttributeValues: {
              ':next': next,
              ...(previous ? { ':previous': previous.id } : {}),
            },
          }),
        ),
      );
    },

    async add(shard, delta) {
      const entries = Object.entries(delta);
      const names = Object.fromEntries(entries.map(([name], i) => [`#n${i}`, `${COUNTER}${name}`]));
      const values = Object.fromEntries(entries.map(([, n], i) => [`:n${i}`, n]));
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.statsShard(shard),
          UpdateExpression: `ADD ${[...entries.map((_, i) => `#n${i} :n${i}`), '#version :one'].join(', ')}`,
          ExpressionAttributeNames: { ...names, '#version': 'version' },
          ExpressionAttributeValues: { ...values, ':one': 1 },
        }),
      );
    },

    shards: () => readShards(ctx),

    rebase(shard, tally, version) {
      const counters = Object.fromEntries(
        Object.entries(tally).map(([name, n]) => [`${COUNTER}${name}`, n]),
      );
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: { ...keys.statsShard(shard), ...counters, version: version + 1 },
            ...(version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': version },
                }),
          }),
        ),
      );
    },

    async *scan(segment, segments) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName,
            Segment: segment,
            TotalSegments: segments,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const ref = refOf(item);
          if (ref) yield { ref, ...stateOf(item) };
        }
        start = page.LastEvaluatedKey;
      } while (start);
    },
  };
}

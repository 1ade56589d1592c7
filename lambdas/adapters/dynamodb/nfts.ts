/**
 * Tokens the scraper found, one item per (chain, contract, token id), keyed so a contract's
 * tokens sort by id (batch refreshes read id ranges); tokens whose metadata is due sit in the
 * sparse gsi3 partition META#due, ordered by when.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { chainKeys } from '../../codecs/chain-keys.ts';
import { HIGH } from '../../codecs/keys.ts';
import { type NftKey, nftKeyString, tokenIdKey } from '../../codecs/nft.ts';
import type { NftRecord, NftStore } from '../../core/ports.ts';
import { batchGet, batchPut, type TableContext, withoutKeys } from './table.ts';

const keyOf = (key: NftKey) =>
  chainKeys.chainToken(key.chainId, key.contract, tokenIdKey(key.tokenId));

const recordKey = (record: NftRecord) =>
  keyOf({ chainId: record.chainId, contract: record.contract, tokenId: BigInt(record.tokenId) });

function itemOf(record: NftRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { ...recordKey(record), ...record };
  if (record.metadataDue) {
    item.gsi3pk = chainKeys.metadataDue;
    item.gsi3sk = `${record.metadataDue}#${record.chainId}#${record.contract}#${tokenIdKey(BigInt(record.tokenId))}`;
  }
  return item;
}

const WRITE_BATCH = 25;
const WRITES_IN_FLIGHT = 4;
const GET_BATCH = 100;

/** Reading one token: all the public route needs (so its bundle carries nothing else). */
export function dynamoNftReader(ctx: TableContext): Pick<NftStore, 'get'> {
  return {
    async get(key) {
      const { Item } = await ctx.client.send(
        new GetCommand({ TableName: ctx.tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      return Item ? withoutKeys<NftRecord>(Item) : undefined;
    },
  };
}

export function dynamoNftStore(ctx: TableContext): NftStore {
  const { client, tableName: TableName } = ctx;

  const query = async (input: {
    pk: string;
    condition: string;
    values: Record<string, string>;
    index?: string;
    limit: number;
  }) => {
    const records: NftRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          ...(input.index ? { IndexName: input.index } : { ConsistentRead: true }),
          KeyConditionExpression: input.condition,
          ExpressionAttributeValues: input.values,
          ExclusiveStartKey: start,
          Limit: input.limit - records.length,
        }),
      );
      for (const item of page.Items ?? []) records.push(withoutKeys<NftRecord>(item));
      start = page.LastEvaluatedKey;
    } while (start && records.length < input.limit);
    return records;
  };

  return {
    ...dynamoNftReader(ctx),

    async getMany(list) {
      const unique = [...new Map(list.map((key) => [nftKeyString(key), key])).values()];
      const chunks: NftKey[][] = [];
      for (let i = 0; i < unique.length; i += GET_BATCH)
        chunks.push(unique.slice(i, i + GET_BATCH));
      const found = new Map<string, NftRecord>();
      await inParallel(chunks, WRITES_IN_FLIGHT, async (chunk) => {
        for (const item of await batchGet(ctx, chunk.map(keyOf))) {
          const record = withoutKeys<NftRecord>(item);
          found.set(nftKeyString({ ...record, tokenId: BigInt(record.tokenId) }), record);
        }
      });
      return found;
    },

    async putMany(records) {
      const chunks: NftRecord[][] = [];
      for (let i = 0; i < records.length; i += WRITE_BATCH) {
        chunks.push(records.slice(i, i + WRITE_BATCH));
      }
      await inParallel(chunks, WRITES_IN_FLIGHT, (chunk) => batchPut(ctx, chunk.map(itemOf)));
    },

    listRange(chainId, contract, from, to, limit) {
      return query({
        pk: chainKeys.contractTokens(chainId, contract),
        condition: 'pk = :pk AND sk BETWEEN :from AND :to',
        values: {
          ':pk': chainKeys.contractTokens(chainId, contract),
          ':from': `TOKEN#${tokenIdKey(from)}`,
          ':to': `TOKEN#${tokenIdKey(to)}`,
        },
        limit,
      });
    },

    listMetadataDue(now, limit) {
      return query({
        pk: chainKeys.metadataDue,
        index: INDEX.gsi3,
        condition: 'gsi3pk = :pk AND gsi3sk <= :due',
        values: { ':pk': chainKeys.metadataDue, ':due': `${now}#${HIGH}` },
        limit,
      });
    },
  };
}

/** `work` over every item, at most `limit` at once. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

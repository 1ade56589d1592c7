/**
 * The block index on the table: one item per block and CAR holding it, keyed by the block's
 * multihash, so a lookup is one query of one partition whichever CID form names the block.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { BlockIndexStore } from '../../core/ports.ts';
import { batchDelete, batchPut, type TableContext } from './table.ts';

/** BatchWriteItem's limit per call. */
const BATCH = 25;
/** Batches in flight at once while a CAR is indexed. */
const CONCURRENT_BATCHES = 4;

export function dynamoBlockIndexStore(ctx: TableContext): BlockIndexStore {
  return {
    async record(carCid, blocks) {
      const batches: Record<string, unknown>[][] = [];
      for (let at = 0; at < blocks.length; at += BATCH) {
        batches.push(
          blocks.slice(at, at + BATCH).map((block) => ({
            ...keys.block(block.multihash, carCid),
            offset: block.offset,
            length: block.length,
          })),
        );
      }
      const lanes = Array.from({ length: CONCURRENT_BATCHES }, async () => {
        for (let batch = batches.shift(); batch; batch = batches.shift())
          await batchPut(ctx, batch);
      });
      await Promise.all(lanes);
    },

    async forget(carCid, multihashes) {
      await batchDelete(
        ctx,
        multihashes.map((multihash) => keys.block(multihash, carCid)),
      );
    },

    async locate(multihash) {
      // Eventually consistent: half the read cost; an index written a moment ago may miss
      // once, and a miss is a 404 nobody caches.
      const { Items = [] } = await ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.blockPk(multihash) },
          Limit: 1,
        }),
      );
      const [item] = Items;
      if (!item) return undefined;
      return {
        carCid: String(item.sk).slice('CAR#'.length),
        offset: Number(item.offset),
        length: Number(item.length),
      };
    },
  };
}

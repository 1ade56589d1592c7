/** Filecoin deal records in the single table, beside their content (CONTENT#<cid> / DEAL#<id>). */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { keys } from '../../codecs/keys.ts';
import type { DealRecord, DealStore } from '../../core/ports.ts';
import { buildUpdate, queryAll, type TableContext, withoutKeys } from './table.ts';

/** Fields a later report may leave out: they go, as it says. */
const OPTIONAL_FIELDS = [
  'dataModelSelector',
  'batchRootCid',
  'carCid',
  'statusText',
  'activation',
  'expiration',
] as const satisfies (keyof DealRecord)[];

/** A content's deals (alone, so a read-only function bundles only this of the store). */
export async function listDeals(ctx: TableContext, cid: string): Promise<DealRecord[]> {
  const items = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :deal)',
    ExpressionAttributeValues: { ':pk': keys.contentPk(cid), ':deal': 'DEAL#' },
    ConsistentRead: true,
  });
  return items.map((item) => withoutKeys<DealRecord>(item));
}

export function dynamoDealStore(ctx: TableContext): DealStore {
  const { client, tableName: TableName } = ctx;
  return {
    async get(cid, dealId) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: keys.deal(cid, dealId), ConsistentRead: true }),
      );
      return Item ? withoutKeys<DealRecord>(Item) : undefined;
    },

    async put(deal) {
      // An update, not a put: the record's usage-count mark stays.
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.deal(deal.cid, deal.dealId),
          ...buildUpdate({
            set: { ...deal },
            remove: OPTIONAL_FIELDS.filter((field) => deal[field] === undefined),
          }),
        }),
      );
    },

    list: (cid) => listDeals(ctx, cid),

    async contentOfCar(carCid) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.gsi2,
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.carIndexPk(carCid) },
          Limit: 1,
        }),
      );
      const cid = Items?.[0]?.gsi2sk;
      return typeof cid === 'string' ? cid : undefined;
    },
  };
}

/** Content, pins, content→CAR links, holders and the CAR index in the single table. */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { HIGH, keys } from '../../codecs/keys.ts';
import type { CarRecord, ContentRecord, ContentStore, StoredDag } from '../../core/ports.ts';
import {
  batchGet,
  batchPut,
  buildUpdate,
  conditionally,
  queryAll,
  type TableContext,
  withoutKeys,
} from './table.ts';

/**
 * A holder item, unconfirmed: the sparse gsi3 partition of unconfirmed holds lists it (by when
 * it was recorded) until the cron confirms it.
 */
const holderItem = (cid: string, holder: string, now: string) => ({
  ...keys.holder(cid, holder),
  holder,
  gsi3pk: keys.unconfirmedHolders,
  gsi3sk: `${now}#${cid}#${holder}`,
});

/** A content record (alone, so a read-only function bundles only this of the store). */
export async function getContent(ctx: TableContext, cid: string) {
  const { Item } = await ctx.client.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.content(cid), ConsistentRead: true }),
  );
  return Item ? withoutKeys<ContentRecord>(Item) : undefined;
}

export function dynamoContentStore(ctx: TableContext): ContentStore {
  const { client, tableName: TableName } = ctx;
  const get = (cid: string) => getContent(ctx, cid);

  const hasHolders = async (cid: string) => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :holder)',
        ExpressionAttributeValues: { ':pk': keys.contentPk(cid), ':holder': 'HOLDER#' },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return Boolean(Items?.[0]);
  };

  return {
    get,
    async getMany(cids) {
      const items = await batchGet(ctx, [...new Set(cids)].map(keys.content));
      const records = items.map((item) => withoutKeys<ContentRecord>(item));
      return new Map(records.map((record) => [record.cid, record]));
    },

    async recordStored(dag: StoredDag) {
      const stored = {
        set: { cid: dag.cid, updated: dag.now, structure: dag.structure },
        setIfAbsent: { created: dag.now, size: dag.size },
      };
      if (dag.structure === 'complete') {
        // A complete DAG's size is measured, so it replaces any size a partial chunk declared.
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(dag.cid),
            ...buildUpdate({
              set: { ...stored.set, pinStatus: 'pinned', size: dag.size },
              setIfAbsent: { created: dag.now },
              remove: ['gsi3pk', 'gsi3sk'],
            }),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return withoutKeys<ContentRecord>(Attributes ?? {});
      }
      // A partial chunk never downgrades content that is already complete and pinned.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(dag.cid),
            ...buildUpdate(
              {
                ...stored,
                set: {
                  ...stored.set,
                  pinStatus: 'pinning',
                  gsi3pk: keys.pendingPins('pinning'),
                  gsi3sk: `${dag.now}#${dag.cid}`,
                },
              },
              { ':pinned': 'pinned' },
            ),
            ConditionExpression: 'attribute_not_exists(pinStatus) OR pinStatus <> :pinned',
          }),
        ),
      );
      const record = await get(dag.cid);
      if (!record) throw new Error(`Content ${dag.cid} could not be read back`);
      return record;
    },

    async markComplete(cid, size, now) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.content(cid),
          ...buildUpdate({
            set: { structure: 'complete', pinStatus: 'pinned', updated: now, size },
            remove: ['gsi3pk', 'gsi3sk'],
          }),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    },

    async markFailed(cid, now) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            ...buildUpdate(
              { set: { pinStatus: 'failed', updated: now }, remove: ['gsi3pk', 'gsi3sk'] },
              { ':pinned': 'pinned' },
            ),
            ConditionExpression: 'attribute_exists(pk) AND pinStatus <> :pinned',
          }),
        ),
      );
    },

    async recordCar(cid, car, holder) {
      await batchPut(ctx, [
        // Indexed by its CAR CID, so a deal reported for the CAR finds its content.
        { ...keys.contentCar(cid, car.carCid), ...car, ...keys.carIndex(car.carCid, cid) },
        holderItem(cid, holder, car.created),
      ]);
    },

    async listCars(cid) {
      const items = await queryAll(ctx, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :car)',
        ExpressionAttributeValues: { ':pk': keys.contentPk(cid), ':car': 'CAR#' },
        ConsistentRead: true,
      });
      return items.map((item) => withoutKeys<CarRecord>(item));
    },

    async addHolder(cid, holder, now) {
      await client.send(new PutCommand({ TableName, Item: holderItem(cid, holder, now) }));
    },

    async listUnconfirmedHolders(before, limit) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.gsi3,
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
          ExpressionAttributeValues: { ':pk': keys.unconfirmedHolders, ':before': before },
          Limit: limit,
        }),
      );
      return (Items ?? []).map((item) => ({
        cid: String(item.pk).slice(keys.contentPk('').length),
        holder: String(item.holder),
        recorded: String(item.gsi3sk).split('#')[0] as string,
      }));
    },

    async confirmHolder(cid, holder, recorded) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.holder(cid, holder),
            UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
            ConditionExpression: 'gsi3sk = :recorded',
            ExpressionAttributeValues: { ':recorded': `${recorded}#${cid}#${holder}` },
          }),
        ),
      );
    },

    async removeHolder(cid, holder, unpinAfter, onlyIfUnconfirmedSince) {
      // The unpin first, whoever else holds the content (see the port): the cron re-checks
      // holders when it is due, so a schedule on held content is safe.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            UpdateExpression: 'SET unpinAfter = :due, gsi2pk = :unpin, gsi2sk = :position',
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(unpinRequested) AND ' +
              '(attribute_not_exists(unpinAfter) OR unpinAfter < :due)',
            ExpressionAttributeValues: {
              ':due': unpinAfter,
              ':unpin': keys.unpinDue,
              ':position': `${unpinAfter}#${cid}`,
            },
          }),
        ),
      );
      await conditionally(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: keys.holder(cid, holder),
            ...(onlyIfUnconfirmedSince === undefined
              ? {}
              : {
                  ConditionExpression: 'gsi3sk = :recorded',
                  ExpressionAttributeValues: {
                    ':recorded': `${onlyIfUnconfirmedSince}#${cid}#${holder}`,
                  },
                }),
          }),
        ),
      );
    },

    hasHolders,

    async listPending(status, updatedBefore, limit) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.gsi3,
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
          ExpressionAttributeValues: { ':pk': keys.pendingPins(status), ':before': updatedBefore },
          Limit: limit,
        }),
      );
      return (Items ?? []).map((item) => withoutKeys<ContentRecord>(item));
    },

    async listUnpinDue(now, limit) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.gsi2,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :now',
          ExpressionAttributeValues: { ':pk': keys.unpinDue, ':now': `${now}${HIGH}` },
          Limit: limit,
        }),
      );
      return (Items ?? []).map((item) => withoutKeys<ContentRecord>(item));
    },

    async cancelUnpin(cid, due) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            UpdateExpression: 'REMOVE unpinAfter, unpinRequested, gsi2pk, gsi2sk',
            ...(due === undefined
              ? { ConditionExpression: 'attribute_exists(pk)' }
              : {
                  ConditionExpression: 'unpinAfter = :due',
                  ExpressionAttributeValues: { ':due': due },
                }),
          }),
        ),
      );
    },

    async markUnpinRequested(cid, now) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.content(cid),
          UpdateExpression: 'SET unpinRequested = :now REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    },
  };
}

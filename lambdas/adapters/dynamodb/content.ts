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

export function dynamoContentStore(ctx: TableContext): ContentStore {
  const { client, tableName: TableName } = ctx;

  const get = async (multihash: string) => {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.content(multihash), ConsistentRead: true }),
    );
    return Item ? withoutKeys<ContentRecord>(Item) : undefined;
  };

  const firstHolder = async (multihash: string) => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :holder)',
        ExpressionAttributeValues: { ':pk': keys.contentPk(multihash), ':holder': 'HOLDER#' },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return Items?.[0];
  };

  return {
    get,
    async getMany(multihashes) {
      const items = await batchGet(ctx, [...new Set(multihashes)].map(keys.content));
      const records = items.map((item) => withoutKeys<ContentRecord>(item));
      return new Map(records.map((record) => [record.multihash, record]));
    },

    async recordStored(dag: StoredDag) {
      const stored = {
        set: { multihash: dag.multihash, updated: dag.now, structure: dag.structure },
        setIfAbsent: { cid: dag.cid, created: dag.now, size: dag.size },
      };
      if (dag.structure === 'complete') {
        // A complete DAG's size is measured, so it replaces any size a partial chunk declared.
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(dag.multihash),
            ...buildUpdate({
              set: { ...stored.set, pinStatus: 'pinned', size: dag.size },
              setIfAbsent: { cid: dag.cid, created: dag.now },
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
            Key: keys.content(dag.multihash),
            ...buildUpdate(
              {
                ...stored,
                set: {
                  ...stored.set,
                  pinStatus: 'pinning',
                  gsi3pk: keys.pendingPins('pinning'),
                  gsi3sk: `${dag.now}#${dag.multihash}`,
                },
              },
              { ':pinned': 'pinned' },
            ),
            ConditionExpression: 'attribute_not_exists(pinStatus) OR pinStatus <> :pinned',
          }),
        ),
      );
      const record = await get(dag.multihash);
      if (!record) throw new Error(`Content ${dag.multihash} could not be read back`);
      return record;
    },

    async markComplete(multihash, size, now) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.content(multihash),
          ...buildUpdate({
            set: { structure: 'complete', pinStatus: 'pinned', updated: now, size },
            remove: ['gsi3pk', 'gsi3sk'],
          }),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    },

    async markFailed(multihash, now) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(multihash),
            ...buildUpdate(
              { set: { pinStatus: 'failed', updated: now }, remove: ['gsi3pk', 'gsi3sk'] },
              { ':pinned': 'pinned' },
            ),
            ConditionExpression: 'attribute_exists(pk) AND pinStatus <> :pinned',
          }),
        ),
      );
    },

    async recordCar(multihash, car, holder) {
      await batchPut(ctx, [
        { ...keys.contentCar(multihash, car.carCid), ...car },
        { ...keys.holder(multihash, holder), holder },
      ]);
    },

    async listCars(multihash) {
      const items = await queryAll(ctx, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :car)',
        ExpressionAttributeValues: { ':pk': keys.contentPk(multihash), ':car': 'CAR#' },
        ConsistentRead: true,
      });
      return items.map((item) => withoutKeys<CarRecord>(item));
    },

    async addHolder(multihash, holder) {
      await client.send(
        new PutCommand({ TableName, Item: { ...keys.holder(multihash, holder), holder } }),
      );
    },

    async removeHolder(multihash, holder, unpinAfter) {
      await client.send(new DeleteCommand({ TableName, Key: keys.holder(multihash, holder) }));
      if (await firstHolder(multihash)) return;
      // The cron re-checks holders before unpinning, so a holder added meanwhile is safe.
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(multihash),
            UpdateExpression: 'SET unpinAfter = :due, gsi2pk = :unpin, gsi2sk = :position',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(unpinAfter)',
            ExpressionAttributeValues: {
              ':due': unpinAfter,
              ':unpin': keys.unpinDue,
              ':position': `${unpinAfter}#${multihash}`,
            },
          }),
        ),
      );
    },

    async hasHolders(multihash) {
      return Boolean(await firstHolder(multihash));
    },

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

    async cancelUnpin(multihash) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(multihash),
            UpdateExpression: 'REMOVE unpinAfter, unpinRequested, gsi2pk, gsi2sk',
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
    },

    async markUnpinRequested(multihash, now) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.content(multihash),
          UpdateExpression: 'SET unpinRequested = :now REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    },
  };
}

/** Content, pins, content→CAR links, holders and the CAR index in the single table. */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { HIGH, keys } from '../../codecs/keys.ts';
import { pinKeys } from '../../codecs/pin-keys.ts';
import type { CarRecord, ContentRecord, ContentStore, StoredDag } from '../../core/ports.ts';
import { dynamoContentReader, PROVIDER_ATTRIBUTE, toContent } from './content-reader.ts';
import {
  batchDelete,
  batchPut,
  buildUpdate,
  conditionally,
  queryAll,
  type TableContext,
  withoutKeys,
} from './table.ts';

/** The index attributes of each pin state: not final ones in gsi3, pinned ones in gsi1. */
const pending = (status: string, now: string, cid: string) => ({
  gsi3pk: keys.pendingPins(status),
  gsi3sk: `${now}#${cid}`,
});
const pinned = (providerSet: string, now: string, cid: string) => ({
  gsi1pk: pinKeys.pinnedWith(providerSet),
  gsi1sk: `${now}#${cid}`,
});

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

export function dynamoContentStore(ctx: TableContext): ContentStore {
  const { client, tableName: TableName } = ctx;
  const { get, getMany } = dynamoContentReader(ctx);

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

  /** Content records in one partition of a sparse index, optionally below a sort key. */
  const contentsIn = async (
    index: 'gsi1' | 'gsi2' | 'gsi3',
    partition: string,
    range: { below: string; inclusive?: boolean } | undefined,
    limit: number,
  ) => {
    const pk = `${index}pk`;
    const sk = `${index}sk`;
    const { Items } = await client.send(
      new QueryCommand({
        TableName,
        IndexName: INDEX[index],
        KeyConditionExpression: range
          ? `${pk} = :pk AND ${sk} ${range.inclusive ? '<=' : '<'} :below`
          : `${pk} = :pk`,
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(range ? { ':below': range.below } : {}),
        },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(toContent);
  };

  return {
    get,
    getMany,

    async recordStored(dag: StoredDag) {
      const stored = {
        set: { cid: dag.cid, updated: dag.now, structure: dag.structure },
        setIfAbsent: { created: dag.now, size: dag.size },
      };
      if (dag.structure === 'complete') {
        // A complete DAG's size is measured, so it replaces any size a partial chunk declared.
        const complete = {
          set: { ...stored.set, size: dag.size },
          setIfAbsent: { created: dag.now },
          remove: ['fetch', 'failure'],
        };
        if (dag.awaitsProviders) {
          // Already with its providers (pinned, or being pinned): only the record changes.
          const kept = await conditionally(() =>
            client.send(
              new UpdateCommand({
                TableName,
                Key: keys.content(dag.cid),
                ...buildUpdate(complete, {
                  ':complete': 'complete',
                  ':pinned': 'pinned',
                  ':pinning': 'pinning',
                }),
                ConditionExpression: 'structure = :complete AND pinStatus IN (:pinned, :pinning)',
              }),
            ),
          );
          if (kept) return (await get(dag.cid)) as ContentRecord;
        }
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(dag.cid),
            ...buildUpdate(
              dag.awaitsProviders
                ? {
                    ...complete,
                    set: {
                      ...complete.set,
                      pinStatus: 'queued',
                      ...pending('queued', dag.now, dag.cid),
                    },
                    remove: [...complete.remove, 'gsi1pk', 'gsi1sk', 'pinnedWith'],
                  }
                : {
                    ...complete,
                    set: { ...complete.set, pinStatus: 'pinned', ...pinned('', dag.now, dag.cid) },
                    remove: [...complete.remove, 'gsi3pk', 'gsi3sk', 'pinnedWith'],
                  },
            ),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toContent(Attributes ?? {});
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
                  ...pending('pinning', dag.now, dag.cid),
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

    async markComplete(cid, size, now, awaitsProviders) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.content(cid),
          ...buildUpdate(
            awaitsProviders
              ? {
                  set: {
                    structure: 'complete',
                    pinStatus: 'queued',
                    updated: now,
                    size,
                    ...pending('queued', now, cid),
                  },
                  remove: ['failure'],
                }
              : {
                  set: {
                    structure: 'complete',
                    pinStatus: 'pinned',
                    updated: now,
                    size,
                    ...pinned('', now, cid),
                  },
                  remove: ['gsi3pk', 'gsi3sk', 'failure'],
                },
          ),
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

    async recordRequested({ cid, origins, now }) {
      const created = await conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.content(cid),
              cid,
              structure: 'unknown',
              pinStatus: 'queued',
              created: now,
              updated: now,
              fetch: { origins },
              ...pending('queued', now, cid),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      const existing = await get(cid);
      if (!existing) throw new Error(`Content ${cid} could not be read back`);
      if (created) return existing;
      if (existing.pinStatus === 'failed') {
        // A new request deserves a new try, with the attempts counted afresh.
        const fetch =
          existing.structure === 'complete'
            ? undefined
            : { origins: [...new Set([...(existing.fetch?.origins ?? []), ...origins])] };
        await conditionally(() =>
          client.send(
            new UpdateCommand({
              TableName,
              Key: keys.content(cid),
              ...buildUpdate(
                {
                  set: { pinStatus: 'queued', updated: now, fetch, ...pending('queued', now, cid) },
                  remove: ['failure', 'gsi1pk', 'gsi1sk'],
                },
                { ':failed': 'failed' },
              ),
              ConditionExpression: 'pinStatus = :failed',
            }),
          ),
        );
        return (await get(cid)) as ContentRecord;
      }
      const known = new Set(existing.fetch?.origins ?? []);
      if (existing.fetch && origins.some((o) => !known.has(o))) {
        await conditionally(() =>
          client.send(
            new UpdateCommand({
              TableName,
              Key: keys.content(cid),
              UpdateExpression: 'SET #fetch.origins = :origins',
              ConditionExpression: 'attribute_exists(#fetch)',
              ExpressionAttributeNames: { '#fetch': 'fetch' },
              ExpressionAttributeValues: {
                ':origins': [...known, ...origins.filter((o) => !known.has(o))],
              },
            }),
          ),
        );
        return (await get(cid)) as ContentRecord;
      }
      return existing;
    },

    async recordCars(cid, cars) {
      for (let i = 0; i < cars.length; i += 25) {
        await batchPut(
          ctx,
          cars.slice(i, i + 25).map((car) => ({ ...keys.contentCar(cid, car.carCid), ...car })),
        );
      }
    },

    startFetch(cid, now) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            UpdateExpression:
              'SET pinStatus = :pinning, updated = :now, #fetch.started = :now, gsi3pk = :pk, gsi3sk = :sk',
            ConditionExpression:
              'attribute_exists(#fetch) AND structure <> :complete AND attribute_not_exists(unpinRequested)',
            ExpressionAttributeNames: { '#fetch': 'fetch' },
            ExpressionAttributeValues: {
              ':pinning': 'pinning',
              ':now': now,
              ':complete': 'complete',
              ':pk': keys.pendingPins('pinning'),
              ':sk': `${now}#${cid}`,
            },
          }),
        ),
      );
    },

    async recordProgress(progress) {
      const { cid, now, status } = progress;
      const providers = Object.fromEntries(
        Object.entries(progress.providers).map(([name, state]) => [
          `${PROVIDER_ATTRIBUTE}${name}`,
          state,
        ]),
      );
      const spec =
        status === 'pinned'
          ? {
              set: {
                ...providers,
                pinStatus: status,
                updated: now,
                size: progress.size,
                pinnedWith: progress.pinnedWith || undefined,
                ...pinned(progress.pinnedWith ?? '', now, cid),
              },
              remove: [
                'gsi3pk',
                'gsi3sk',
                'failure',
                'fetch',
                ...(progress.pinnedWith ? [] : ['pinnedWith']),
              ],
            }
          : {
              set: { ...providers, pinStatus: status, updated: now, ...pending(status, now, cid) },
              remove: ['gsi1pk', 'gsi1sk', 'failure'],
            };
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            // A pin given up on meanwhile (the dead-letter consumer) stays failed, unless pinned.
            ...(status === 'pinned'
              ? { ...buildUpdate(spec), ConditionExpression: 'attribute_exists(pk)' }
              : {
                  ...buildUpdate(spec, { ':failed': 'failed' }),
                  ConditionExpression: 'attribute_exists(pk) AND pinStatus <> :failed',
                }),
          }),
        ),
      );
    },

    claimProvider(cid, provider, now, staleBefore, lastError) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            UpdateExpression: 'SET #p = :claim',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(#p) OR (attribute_not_exists(#p.requestId) AND (attribute_not_exists(#p.claimed) OR #p.claimed < :stale)))',
            ExpressionAttributeNames: { '#p': `${PROVIDER_ATTRIBUTE}${provider}` },
            ExpressionAttributeValues: {
              ':claim': {
                status: 'queued',
                claimed: now,
                updated: now,
                ...(lastError ? { error: lastError } : {}),
              },
              ':stale': staleBefore,
            },
          }),
        ),
      );
    },

    recordFailure(cid, failure, now) {
      const index = failure.retryAt
        ? { set: { gsi3pk: pinKeys.retryDue, gsi3sk: `${failure.retryAt}#${cid}` }, remove: [] }
        : { set: {}, remove: ['gsi3pk', 'gsi3sk'] };
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            ...buildUpdate(
              {
                set: { pinStatus: 'failed', failure, updated: now, ...index.set },
                remove: ['gsi1pk', 'gsi1sk', ...index.remove],
              },
              { ':pinned': 'pinned' },
            ),
            ConditionExpression: 'attribute_exists(pk) AND pinStatus <> :pinned',
          }),
        ),
      );
    },

    requeue(cid, now) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            ...buildUpdate({
              set: { pinStatus: 'queued', updated: now, ...pending('queued', now, cid) },
              remove: ['gsi1pk', 'gsi1sk'],
            }),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(unpinRequested)',
          }),
        ),
      );
    },

    async listRetryDue(now, limit) {
      return contentsIn(
        'gsi3',
        pinKeys.retryDue,
        { below: `${now}${HIGH}`, inclusive: true },
        limit,
      );
    },

    async listPinnedWith(providerSet, limit) {
      return contentsIn('gsi1', pinKeys.pinnedWith(providerSet), undefined, limit);
    },

    async removeContent(cid, carCids) {
      const removed = await conditionally(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: keys.content(cid),
            ConditionExpression: 'attribute_exists(unpinRequested)',
          }),
        ),
      );
      if (!removed) return false;
      await batchDelete(
        ctx,
        carCids.map((carCid) => keys.contentCar(cid, carCid)),
      );
      return true;
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
      return contentsIn('gsi3', keys.pendingPins(status), { below: updatedBefore }, limit);
    },

    async listUnpinDue(now, limit) {
      return contentsIn('gsi2', keys.unpinDue, { below: `${now}${HIGH}`, inclusive: true }, limit);
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

    async rescheduleUnpin(cid, due) {
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.content(cid),
            UpdateExpression:
              'SET unpinAfter = :due, gsi2pk = :unpin, gsi2sk = :position REMOVE unpinRequested',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':due': due,
              ':unpin': keys.unpinDue,
              ':position': `${due}#${cid}`,
            },
          }),
        ),
      );
    },
  };
}

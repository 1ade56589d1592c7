/**
 * Staged-upload intents in the single table. While open (`waiting`, `uploading`) an intent is
 * in the sparse gsi3 partition of open uploads, by expiry, where the cron finds those that
 * expired; it leaves it once it is `validating` or final. On AWS the item also expires by TTL a
 * week after the upload did (dynalite has no TTL: the cron is what expires uploads locally).
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { keys } from '../../codecs/keys.ts';
import {
  OPEN_STAGED_STATUSES,
  type StagedStatus,
  type StagedUploadRecord,
  type StagedUploadStore,
} from '../../core/ports.ts';
import { buildUpdate, conditionally, type TableContext, withoutKeys } from './table.ts';

const KEEP_AFTER_EXPIRY_SECONDS = 7 * 86_400;
const FINAL: readonly StagedStatus[] = ['stored', 'failed'];
const NOT_FINAL: readonly StagedStatus[] = ['waiting', 'uploading', 'validating'];

/** Intents recorded before multipart uploads existed were all single PUTs. */
const decode = (item: Record<string, unknown>): StagedUploadRecord => {
  const record = withoutKeys<StagedUploadRecord>(item);
  return { ...record, method: record.method ?? 'put' };
};

/** A condition on the item's status being one of `statuses`, with its values. */
function statusIn(statuses: readonly StagedStatus[]) {
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  return {
    condition: `attribute_exists(pk) AND #current IN (${Object.keys(values).join(', ')})`,
    values,
    names: { '#current': 'status' },
  };
}

export function dynamoStagedUploadStore(ctx: TableContext): StagedUploadStore {
  const get = async (id: string): Promise<StagedUploadRecord | undefined> => {
    const { Item } = await ctx.client.send(
      new GetCommand({ TableName: ctx.tableName, Key: keys.staged(id), ConsistentRead: true }),
    );
    return Item ? decode(Item) : undefined;
  };
  const update = (
    id: string,
    spec: Parameters<typeof buildUpdate>[0],
    from: readonly StagedStatus[],
  ) => {
    const { condition, values, names } = statusIn(from);
    return conditionally(() =>
      ctx.client.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: keys.staged(id),
          ...buildUpdate(spec, values, names),
          ConditionExpression: condition,
        }),
      ),
    );
  };

  return {
    async create(record) {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: {
            ...keys.staged(record.id),
            ...record,
            ...(OPEN_STAGED_STATUSES.includes(record.status)
              ? { gsi3pk: keys.openStaged, gsi3sk: `${record.expires}#${record.id}` }
              : {}),
            ttl: Math.floor(Date.parse(record.expires) / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    get,
    async startValidating(id, now) {
      if (
        await update(
          id,
          { set: { status: 'validating', updated: now }, remove: ['gsi3pk', 'gsi3sk'] },
          OPEN_STAGED_STATUSES,
        )
      ) {
        return true;
      }
      // Already validating (a redelivered event, a second complete) is fine too.
      const record = await get(id);
      return record !== undefined && !FINAL.includes(record.status);
    },
    async finish(id, outcome, now, from = NOT_FINAL) {
      return update(
        id,
        {
          set: {
            status: outcome.status,
            cid: outcome.cid,
            failure: outcome.failure,
            updated: now,
          },
          remove: ['gsi3pk', 'gsi3sk'],
        },
        from,
      );
    },
    async listExpired(before, limit) {
      const { Items = [] } = await ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: INDEX.gsi3,
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
          ExpressionAttributeValues: { ':pk': keys.openStaged, ':before': before },
          Limit: limit,
        }),
      );
      return Items.map(decode);
    },
  };
}

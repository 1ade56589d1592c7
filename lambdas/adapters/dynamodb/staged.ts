/** Staged-upload intents in the single table; they expire by TTL a week after their URL. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { StagedUploadRecord, StagedUploadStore } from '../../core/ports.ts';
import { buildUpdate, conditionally, type TableContext, withoutKeys } from './table.ts';

const KEEP_AFTER_EXPIRY_SECONDS = 7 * 86_400;

export function dynamoStagedUploadStore(ctx: TableContext): StagedUploadStore {
  return {
    async create(record) {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: {
            ...keys.staged(record.id),
            ...record,
            ttl: Math.floor(Date.parse(record.expires) / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async get(id) {
      const { Item } = await ctx.client.send(
        new GetCommand({ TableName: ctx.tableName, Key: keys.staged(id), ConsistentRead: true }),
      );
      return Item ? withoutKeys<StagedUploadRecord>(Item) : undefined;
    },
    async finish(id, outcome, now) {
      await conditionally(() =>
        ctx.client.send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: keys.staged(id),
            ...buildUpdate(
              {
                set: {
                  status: outcome.status,
                  cid: outcome.cid,
                  failure: outcome.failure,
                  updated: now,
                },
              },
              { ':waiting': 'waiting' },
              { '#current': 'status' },
            ),
            ConditionExpression: 'attribute_exists(pk) AND #current = :waiting',
          }),
        ),
      );
    },
  };
}

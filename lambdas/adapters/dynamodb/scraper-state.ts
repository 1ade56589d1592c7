/**
 * The scraper's own state: one cursor per chain (moved only by a conditional write that
 * expects the version its writer read) and the run lease of a scheduled job (taken with a
 * conditional put; dynalite has no transactions, and none are needed).
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { ChainCursor, CursorStore, LeaseStore } from '../../core/ports.ts';
import { conditionally, type TableContext, withoutKeys } from './table.ts';

export function dynamoCursorStore(ctx: TableContext): CursorStore {
  const { client, tableName: TableName } = ctx;
  return {
    async get(chainId) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: keys.chainCursor(chainId), ConsistentRead: true }),
      );
      return Item ? withoutKeys<ChainCursor>(Item) : undefined;
    },

    save(cursor, expectedVersion) {
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.chainCursor(cursor.chainId),
              ...cursor,
              version: expectedVersion + 1,
            },
            ...(expectedVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      );
    },
  };
}

export function dynamoLeaseStore(ctx: TableContext): LeaseStore {
  const { client, tableName: TableName } = ctx;
  return {
    acquire(job, holder, now, ttlSeconds) {
      const expires = now.getTime() + ttlSeconds * 1000;
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.lease(job),
              holder,
              acquired: now.toISOString(),
              expires,
              // DynamoDB's TTL sweeps a lease its holder never gave back, a while after it ends.
              ttl: Math.ceil(expires / 1000) + 3600,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expires < :now',
            ExpressionAttributeValues: { ':now': now.getTime() },
          }),
        ),
      );
    },

    async release(job, holder) {
      await conditionally(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: keys.lease(job),
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder },
          }),
        ),
      );
    },
  };
}

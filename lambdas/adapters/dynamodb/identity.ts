/** Users, API tokens and rate-limit buckets in the single table. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { keys } from '../../codecs/keys.ts';
import type {
  RateLimitStore,
  TokenRecord,
  TokenStore,
  UserRecord,
  UserStore,
} from '../../core/ports.ts';
import { batchGet, conditionally, queryAll, type TableContext, withoutKeys } from './table.ts';

export function dynamoUserStore(ctx: TableContext): UserStore {
  const get = async (userId: string) => {
    const { Item } = await ctx.client.send(
      new GetCommand({ TableName: ctx.tableName, Key: keys.user(userId), ConsistentRead: true }),
    );
    return Item ? withoutKeys<UserRecord>(Item) : undefined;
  };
  return {
    get,
    async ensure(userId, now) {
      const user: UserRecord = { userId, created: now };
      const created = await conditionally(() =>
        ctx.client.send(
          new PutCommand({
            TableName: ctx.tableName,
            Item: { ...keys.user(userId), ...user },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (created) return user;
      const existing = await get(userId);
      if (!existing) throw new Error(`User ${userId} exists but could not be read`);
      return existing;
    },
  };
}

export function dynamoTokenStore(ctx: TableContext): TokenStore {
  return {
    async put(token) {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: {
            ...keys.token(token.tokenId),
            ...token,
            gsi2pk: keys.userTokens(token.userId),
            gsi2sk: `${token.created}#${token.tokenId}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async get(tokenId) {
      // Strongly consistent: a token just revoked must stop working at once.
      const { Item } = await ctx.client.send(
        new GetCommand({
          TableName: ctx.tableName,
          Key: keys.token(tokenId),
          ConsistentRead: true,
        }),
      );
      return Item ? withoutKeys<TokenRecord>(Item) : undefined;
    },
    async listByUser(userId) {
      const items = await queryAll(ctx, {
        IndexName: INDEX.gsi2,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.userTokens(userId) },
      });
      return items.map((item) => withoutKeys<TokenRecord>(item));
    },
    revoke(tokenId, now) {
      return conditionally(() =>
        ctx.client.send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: keys.token(tokenId),
            UpdateExpression: 'SET revoked = if_not_exists(revoked, :now)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    },
  };
}

export function dynamoRateLimitStore(ctx: TableContext): RateLimitStore {
  const bucketKey = (key: string, bucket: number) => keys.counter(`${key}:${bucket}`);
  return {
    async counts(key, first, n) {
      const wanted = Array.from({ length: n }, (_, i) => first + i);
      const items = await batchGet(
        ctx,
        wanted.map((bucket) => bucketKey(key, bucket)),
      );
      const counts = new Map(items.map((item) => [String(item.pk), Number(item.count ?? 0)]));
      return wanted.map((bucket) => counts.get(bucketKey(key, bucket).pk) ?? 0);
    },
    take(key, bucket, budget, expiresAtEpochSeconds) {
      return conditionally(() =>
        ctx.client.send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: bucketKey(key, bucket),
            UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :budget',
            ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':one': 1,
              ':ttl': expiresAtEpochSeconds,
              ':budget': budget,
            },
          }),
        ),
      );
    },
  };
}

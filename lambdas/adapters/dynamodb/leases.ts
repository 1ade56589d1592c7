/**
 * Run leases of scheduled jobs (`LEASE#<job>`): a conditional put takes one unless another
 * holder's is still live, so two runs of a job never overlap (no transactions needed).
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { pinKeys } from '../../codecs/pin-keys.ts';
import type { LeaseStore } from '../../core/ports.ts';
import { conditionally, type TableContext } from './table.ts';

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
              ...pinKeys.lease(job),
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
            Key: pinKeys.lease(job),
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder },
          }),
        ),
      );
    },
  };
}

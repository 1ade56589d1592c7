/**
 * Pinning Service API requests in the single table, under their user: `USER#<id>` /
 * `PINREQ#<created>`, so a user's requests list newest first by a key range. Live requests are
 * also indexed by (user, CID) in gsi2; deleted ones whose cleanup has not finished by deletion
 * time in gsi3.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { HIGH } from '../../codecs/keys.ts';
import { pinKeys } from '../../codecs/pin-keys.ts';
import { createdOf } from '../../codecs/request-id.ts';
import type { PinRequestRecord, PinRequestStore } from '../../core/ports.ts';
import { conditionally, queryAll, type TableContext, withoutKeys } from './table.ts';

const PREFIX = 'PINREQ#';

/** A creation time `ms` milliseconds later (or earlier). */
const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export function dynamoPinRequestStore(ctx: TableContext): PinRequestStore {
  const { client, tableName: TableName } = ctx;

  return {
    create(record) {
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...pinKeys.pinRequest(record.userId, record.created),
              ...record,
              gsi2pk: pinKeys.cidPinRequests(record.userId, record.cid),
              gsi2sk: record.created,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },

    async get(userId, requestId) {
      const created = createdOf(requestId);
      if (!created) return undefined;
      const { Item } = await client.send(
        new GetCommand({
          TableName,
          Key: pinKeys.pinRequest(userId, created),
          ConsistentRead: true,
        }),
      );
      const record = Item ? withoutKeys<PinRequestRecord>(Item) : undefined;
      return record?.requestId === requestId ? record : undefined;
    },

    async page({ userId, before, after, cursor, limit }) {
      // Both bounds are exclusive. Creation times are whole milliseconds, so BETWEEN (which
      // includes its bounds) runs from a millisecond after `after` to one before the upper.
      const upper = cursor ?? before;
      const low = `${PREFIX}${after === undefined ? '' : shifted(after, 1)}`;
      const high = `${PREFIX}${upper === undefined ? HIGH : `${shifted(upper, -1)}${HIGH}`}`;
      // Nothing lies inside (the bounds a millisecond apart or less, or crossed); DynamoDB
      // refuses a BETWEEN whose bounds are crossed.
      if (low > high) return { requests: [] };
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          FilterExpression: 'attribute_not_exists(deleted)',
          ExpressionAttributeValues: {
            ':pk': pinKeys.pinRequest(userId, '').pk,
            ':low': low,
            ':high': high,
          },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      const requests = Items.map((item) => withoutKeys<PinRequestRecord>(item));
      const last = LastEvaluatedKey?.sk;
      return {
        requests,
        ...(typeof last === 'string' ? { next: last.slice(PREFIX.length) } : {}),
      };
    },

    async liveForCid(userId, cid) {
      const items = await queryAll(ctx, {
        IndexName: INDEX.gsi2,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': pinKeys.cidPinRequests(userId, cid) },
      });
      return items.map((item) => withoutKeys<PinRequestRecord>(item));
    },

    async markDeleted(userId, requestId, now) {
      const created = createdOf(requestId);
      if (!created) return false;
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: pinKeys.pinRequest(userId, created),
            UpdateExpression:
              'SET deleted = :now, gsi3pk = :deleted, gsi3sk = :position REMOVE gsi2pk, gsi2sk',
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(deleted) AND requestId = :id',
            ExpressionAttributeValues: {
              ':now': now,
              ':deleted': pinKeys.deletedPinRequests,
              ':position': `${now}#${userId}#${created}`,
              ':id': requestId,
            },
          }),
        ),
      );
    },

    async listDeleted(before, limit) {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.gsi3,
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
          ExpressionAttributeValues: { ':pk': pinKeys.deletedPinRequests, ':before': before },
          Limit: limit,
        }),
      );
      return Items.map((item) => withoutKeys<PinRequestRecord>(item));
    },

    async purge(userId, requestId) {
      const created = createdOf(requestId);
      if (!created) return;
      await conditionally(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: pinKeys.pinRequest(userId, created),
            ConditionExpression: 'requestId = :id AND attribute_exists(deleted)',
            ExpressionAttributeValues: { ':id': requestId },
          }),
        ),
      );
    },
  };
}

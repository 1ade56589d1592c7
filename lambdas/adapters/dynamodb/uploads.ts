/** A user's uploads in the single table, listed newest first through sparse indexes. */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { HIGH, keys } from '../../codecs/keys.ts';
import type { ListUploadsQuery, UploadRecord, UploadStore } from '../../core/ports.ts';
import { buildUpdate, conditionally, type TableContext, withoutKeys } from './table.ts';

/** Items read per query page while a filter thins the results. */
const FILTERED_PAGE = 200;
/** Query pages one request reads at most: a sparse filter must not run into the API timeout. */
const MAX_PAGES = 10;

export function dynamoUploadStore(ctx: TableContext): UploadStore {
  const { client, tableName: TableName } = ctx;

  const get = async (userId: string, cid: string) => {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.upload(userId, cid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<UploadRecord>(Item) : undefined;
  };

  const live = (upload: UploadRecord) => {
    const position = keys.uploadPosition(upload.created, upload.cid);
    return {
      gsi1pk: keys.userUploads(upload.userId),
      gsi1sk: position,
      gsi2pk: keys.tokenUploads(upload.tokenId),
      gsi2sk: position,
    };
  };

  const write = (record: UploadRecord, condition?: string) =>
    client.send(
      new PutCommand({
        TableName,
        Item: { ...keys.upload(record.userId, record.cid), ...record, ...live(record) },
        ConditionExpression: condition,
      }),
    );

  return {
    get,

    create(upload) {
      const { deleted: _deleted, ...fresh } = upload;
      return conditionally(() => write(fresh, 'attribute_not_exists(pk)'));
    },

    async revive(upload, { rename }) {
      const existing = await get(upload.userId, upload.cid);
      const { deleted: _deleted, ...base } = existing ?? upload;
      const record: UploadRecord = {
        ...base,
        name: rename || !existing ? upload.name : existing.name,
        updated: upload.updated,
      };
      // An update, not a put: the record's other attributes (its usage-count mark) stay.
      const { userId: _user, cid: _cid, ...fields } = record;
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.upload(record.userId, record.cid),
          ...buildUpdate({
            set: { userId: record.userId, cid: record.cid, ...fields, ...live(record) },
            remove: ['deleted'],
          }),
        }),
      );
      return record;
    },

    markDeleted(userId, cid, now) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.upload(userId, cid),
            ...buildUpdate({
              set: { deleted: now, updated: now },
              remove: ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'],
            }),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted)',
          }),
        ),
      );
    },

    rename(userId, cid, name, now) {
      return conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.upload(userId, cid),
            ...buildUpdate({ set: { name, updated: now } }),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted)',
          }),
        ),
      );
    },

    positionOf: (upload) => keys.uploadPosition(upload.created, upload.cid),

    async list(query: ListUploadsQuery) {
      const byToken = query.tokenId !== undefined;
      const [index, pkName, skName] = byToken
        ? [INDEX.gsi2, 'gsi2pk', 'gsi2sk']
        : [INDEX.gsi1, 'gsi1pk', 'gsi1sk'];
      const partition = byToken
        ? keys.tokenUploads(query.tokenId as string)
        : keys.userUploads(query.userId);

      // Upper bound: strictly below the cursor, else at or below `before` (inclusive, as
      // nft.storage answered), else everything.
      const bound = query.cursor
        ? { op: '<', value: query.cursor }
        : query.before
          ? { op: '<=', value: `${query.before}${HIGH}` }
          : undefined;

      const filters: string[] = [];
      const names: Record<string, string> = { '#pk': pkName };
      const values: Record<string, unknown> = { ':pk': partition };
      if (bound) {
        names['#sk'] = skName;
        values[':bound'] = bound.value;
      }
      if (query.namePrefix) {
        filters.push('begins_with(#name, :prefix)');
        names['#name'] = 'name';
        values[':prefix'] = query.namePrefix;
      }
      if (byToken) {
        // A token belongs to one user; the check keeps listings strictly the caller's own.
        filters.push('userId = :user');
        values[':user'] = query.userId;
      }

      const uploads: UploadRecord[] = [];
      let start: Record<string, unknown> | undefined;
      let pages = 0;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            IndexName: index,
            KeyConditionExpression: `#pk = :pk${bound ? ` AND #sk ${bound.op} :bound` : ''}`,
            FilterExpression: filters.length ? filters.join(' AND ') : undefined,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: filters.length ? FILTERED_PAGE : query.limit - uploads.length + 1,
            ExclusiveStartKey: start,
          }),
        );
        uploads.push(...(page.Items ?? []).map((item) => withoutKeys<UploadRecord>(item)));
        start = page.LastEvaluatedKey;
        pages++;
      } while (start && uploads.length < query.limit && pages < MAX_PAGES);

      if (uploads.length > query.limit || (uploads.length === query.limit && start)) {
        const pageItems = uploads.slice(0, query.limit);
        const last = pageItems.at(-1) as UploadRecord;
        return { uploads: pageItems, next: keys.uploadPosition(last.created, last.cid) };
      }
      // A sparse filter may stop at the page cap with fewer matches: continue after the last
      // item read, so each request's work stays bounded and the next page picks up from there.
      const scannedTo = start?.[skName];
      return { uploads, ...(typeof scannedTo === 'string' ? { next: scannedTo } : {}) };
    },
  };
}

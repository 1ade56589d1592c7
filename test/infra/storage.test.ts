import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTableInput, pinTable } from '../../system/table.ts';
import { buildStack, logicalId } from './helpers.ts';

const { stack, template } = buildStack();
const buckets = template.findResources('AWS::S3::Bucket');

describe('buckets', () => {
  it('blocks all public access, encrypts, and denies non-TLS requests on every bucket', () => {
    // Staging, carpark, ipni, their access logs, and the CDN logs.
    expect(Object.keys(buckets)).toHaveLength(5);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption, id).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('expires staged objects and incomplete multipart uploads after a day', () => {
    const staging = buckets[logicalId(stack.storage.buckets.staging)];
    expect(staging?.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Status: 'Enabled',
          ExpirationInDays: 1,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
        expect.objectContaining({ Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
      ]),
    );
    // A rule with a prefix or tag filter would leave other staged objects behind forever.
    for (const rule of staging?.Properties.LifecycleConfiguration.Rules ?? []) {
      expect(rule.Prefix).toBeUndefined();
      expect(rule.TagFilters).toBeUndefined();
    }
  });

  it('never expires the carpark (validated CARs are the product)', () => {
    const carpark = buckets[logicalId(stack.storage.buckets.carpark)];
    expect(carpark?.Properties.LifecycleConfiguration).toBeUndefined();
  });

  it('never expires IPNI advertisements (an indexer may walk the chain from its start)', () => {
    const ipni = buckets[logicalId(stack.storage.buckets.ipni)];
    expect(ipni?.Properties.LifecycleConfiguration).toBeUndefined();
  });

  it('sends server access logs of the data buckets to the access log bucket', () => {
    const logBucket = logicalId(stack.storage.accessLogBucket);
    for (const name of ['staging', 'carpark', 'ipni'] as const) {
      const bucket = buckets[logicalId(stack.storage.buckets[name])];
      expect(bucket?.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucket },
        LogFilePrefix: `${name}/`,
      });
    }
  });

  it('retains buckets by default and destroys them only when context asks', () => {
    for (const bucket of Object.values(buckets)) expect(bucket.DeletionPolicy).toBe('Retain');
    const destroy = buildStack({ REMOVAL_POLICY: 'destroy' }).template;
    for (const bucket of Object.values(destroy.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('table', () => {
  const tables = template.findResources('AWS::DynamoDB::Table');
  const table = Object.values(tables)[0];

  it('is one on-demand table with point-in-time recovery and the TTL attribute', () => {
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: pinTable.timeToLiveAttribute, Enabled: true },
    });
  });

  it('has exactly the keys and indexes lib/tables.ts gives the emulators', () => {
    const expected = createTableInput('ignored');
    const byName = <T extends { AttributeName: string }>(items: T[]) =>
      [...items].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));
    expect(table?.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(byName(table?.Properties.AttributeDefinitions)).toEqual(
      byName(expected.AttributeDefinitions),
    );
    expect(table?.Properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
  });

  it('is deletion-protected and retained by default', () => {
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });

  it('drops deletion protection and retention only when context says so', () => {
    const relaxed = buildStack({
      DELETION_PROTECTION: 'false',
      REMOVAL_POLICY: 'destroy',
    }).template;
    const [t] = Object.values(relaxed.findResources('AWS::DynamoDB::Table'));
    expect(t?.Properties.DeletionProtectionEnabled).toBe(false);
    expect(t?.DeletionPolicy).toBe('Delete');
  });
});

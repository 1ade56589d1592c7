/**
 * Durable state: the single DynamoDB table (built from lib/tables.ts, the same definition the
 * emulators use), the staging bucket uploads land in before ingest, the carpark bucket that
 * holds validated CARs, and the bucket their server access logs go to.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BucketName } from '../../system/functions.ts';
import { STAGING_LIFETIME_DAYS } from '../../system/functions.ts';
import { type KeyAttribute, pinTable, type TableDefinition } from '../../system/table.ts';

/** Staged uploads are ingested within minutes; anything a day old was abandoned. */
export const STAGING_EXPIRY = Duration.days(STAGING_LIFETIME_DAYS);
/** How long S3 server access logs are kept. */
export const ACCESS_LOG_EXPIRY = Duration.days(365);

export interface StorageProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

const ATTRIBUTE_TYPES = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
} as const satisfies Record<KeyAttribute['type'], AttributeType>;

const keyAttribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: ATTRIBUTE_TYPES[key.type],
});

/** Settings every bucket shares: private, TLS only, encrypted, ACLs off. */
const PRIVATE_BUCKET: BucketProps = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  encryption: BucketEncryption.S3_MANAGED,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: false,
};

export class Storage extends Construct {
  readonly table: Table;
  readonly accessLogBucket: Bucket;
  readonly buckets: Record<BucketName, Bucket>;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = createTable(this, 'Table', pinTable, props);

    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      ...PRIVATE_BUCKET,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: ACCESS_LOG_EXPIRY }],
    });

    const staging = new Bucket(this, 'StagingBucket', {
      ...PRIVATE_BUCKET,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'staging/',
      lifecycleRules: [
        {
          id: 'expire-abandoned-uploads',
          expiration: STAGING_EXPIRY,
          abortIncompleteMultipartUploadAfter: STAGING_EXPIRY,
        },
        // The bucket is unversioned, so this only clears markers left if versioning is ever
        // switched on; S3 rejects it in the rule that sets a current-version expiration.
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      // Browser apps PUT staged CARs straight to their presigned URLs; the signature, not the
      // origin, is what authorises a PUT.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT],
          allowedOrigins: ['*'],
          allowedHeaders: ['content-length', 'content-type', 'x-amz-checksum-sha256'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
    });

    // Validated CARs are the product: no expiry.
    const carpark = new Bucket(this, 'CarparkBucket', {
      ...PRIVATE_BUCKET,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'carpark/',
    });

    // IPNI advertisements and entry chunks: immutable, named by CID, kept as long as the chain
    // (an indexer may walk it from its start).
    const ipni = new Bucket(this, 'IpniBucket', {
      ...PRIVATE_BUCKET,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'ipni/',
    });

    this.buckets = { staging, carpark, ipni };
  }
}

function createTable(
  scope: Construct,
  id: string,
  definition: TableDefinition,
  props: StorageProps,
): Table {
  const table = new Table(scope, id, {
    partitionKey: keyAttribute(definition.partitionKey),
    sortKey: keyAttribute(definition.sortKey),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: definition.timeToLiveAttribute,
    deletionProtection: props.deletionProtection,
    removalPolicy: props.removalPolicy,
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: keyAttribute(index.partitionKey),
      sortKey: keyAttribute(index.sortKey),
      // Same projection as createTableInput() gives the emulators.
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}

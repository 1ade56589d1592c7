/**
 * The shared resources a function may be bound to, and the env var that names each one. Apart
 * from the function catalog so a function's config reads it without bundling the catalog.
 */
export const RESOURCE_ENV = {
  table: 'TABLE_NAME',
  staging: 'STAGING_BUCKET',
  carpark: 'CARPARK_BUCKET',
  ipni: 'IPNI_BUCKET',
  ingestQueue: 'INGEST_QUEUE_URL',
  pinQueue: 'PIN_QUEUE_URL',
  ipniQueue: 'IPNI_QUEUE_URL',
  indexQueue: 'INDEX_QUEUE_URL',
  /** The Secrets Manager secret holding the provider's key (its ARN, never the key). */
  providerKey: 'PROVIDER_KEY_SECRET_ARN',
  /** The provider's peer ID, derived from that key when the stack deploys. */
  providerId: 'PROVIDER_PEER_ID',
  /** Every work queue and its DLQ, by name, as JSON (for their depths). */
  queueStats: 'QUEUE_URLS',
} as const;

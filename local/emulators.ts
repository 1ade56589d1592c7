/**
 * The embedded AWS-compatible emulators: dynalite (DynamoDB) and fauxqs (S3 + SQS), started
 * in this process. With a data dir their state persists across restarts — S3 objects as files,
 * since fauxqs' SQLite store cannot hold an object over about 953 MiB — and without one it
 * lives in memory (tests).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

/** fauxqs takes at most 11 MiB in one request (a PUT, a multipart part). */
export const EMULATOR_REQUEST_BYTES = 11 * 1024 ** 2;
/** The staged-upload part size on the embedded emulator: under its request limit. */
export const EMULATOR_PART_BYTES = 8 * 1024 ** 2;

export interface Emulators {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Persist state here; in memory when omitted. */
  dataDir?: string;
  dynamodbPort?: number;
  fauxqsPort?: number;
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const { dataDir } = options;
  if (dataDir) await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
  const objectDir = dataDir && !keepsObjectsInSqlite(dataDir) ? join(dataDir, 's3') : undefined;
  if (objectDir) await mkdir(objectDir, { recursive: true });
  const dynamo = dynalite({
    path: dataDir ? join(dataDir, 'dynamodb') : undefined,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(options.dynamodbPort ?? 0, '127.0.0.1', () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;
  const fauxqs = await startFauxqs({
    port: options.fauxqsPort ?? 0,
    // No `host`: fauxqs then builds queue URLs from the request's Host header
    // (http://127.0.0.1:<port>/000000000000/<name>). With a host it builds
    // http://sqs.<region>.<host>:<port>/..., which for an IP host is not even a valid URL
    // (WHATWG parses a name ending in a number as IPv4) and fails config validation.
    logger: false,
    ...(dataDir ? { dataDir: join(dataDir, 'fauxqs') } : {}),
    ...(objectDir ? { s3StorageDir: objectDir } : {}),
  });
  return {
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: fauxqs.address,
    sqsEndpoint: fauxqs.address,
    async stop() {
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}

/**
 * A data dir from before objects were stored as files keeps them in fauxqs' SQLite database,
 * where they stay readable (objects over about 953 MiB cannot be stored there).
 */
function keepsObjectsInSqlite(dataDir: string): boolean {
  return existsSync(join(dataDir, 'fauxqs', 'fauxqs.db')) && !existsSync(join(dataDir, 's3'));
}

/**
 * S3 -> SQS ObjectCreated notifications for the local stack.
 *
 * fauxqs has no bucket notifications, and its only in-process signal (the message spy) is a
 * test aid: a bounded buffer with no subscription API that reports neither the event kind
 * (Put/Copy/Post/CompleteMultipartUpload) nor size and ETag. Instead the stack puts a thin HTTP
 * proxy in front of fauxqs and advertises it as the S3 endpoint (PINSTACK_S3_ENDPOINT), so every
 * S3 request passes through it: SDK calls from handlers, and also uploads by external clients to
 * presigned URLs, because those URLs are signed for the proxy's address. The proxy forwards
 * requests untouched (fauxqs does not check signatures) and, when a request that creates an
 * object succeeds, sends a standard S3 event notification to every matching queue before it
 * returns the response, so a client that sees its upload acknowledged can rely on the event
 * being queued. Only the S3 wire protocol is relied on, not fauxqs internals.
 *
 * The same proxy answers ListParts, which fauxqs lacks, from the multipart requests it sees
 * pass (local/multipart-parts.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import busboy from 'busboy';
import { notificationMatches } from '../system/functions.ts';
import type { Activity, Logger } from './lambda.ts';
import { listenOn } from './listen.ts';
import { MultipartRegistry } from './multipart-parts.ts';

export type ObjectCreatedEvent =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:CompleteMultipartUpload';

export interface NotificationTarget {
  bucket: string;
  /** Keys that start with `prefix` and end with `suffix` (either may be absent). */
  prefix?: string;
  suffix?: string;
  queueUrl: string;
  /** The notification configuration id S3 reports in each record. */
  configurationId: string;
}

export interface S3Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/** Bucket and key of an S3 request, path-style or virtual-hosted-style, keys decoded as S3 does. */
export function parseS3Request(url: string, headers: IncomingHttpHeaders): S3Target {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  const hostname = (headers.host ?? '').split(':')[0] ?? '';
  const contentType = headers['content-type'] ?? '';
  const virtualHosted =
    hostname.includes('.') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(hostname) &&
    !contentType.includes('x-amz-json') &&
    !contentType.includes('x-www-form-urlencoded');
  const rest = path.replace(/^\//, '');
  if (virtualHosted) {
    return { bucket: hostname.slice(0, hostname.indexOf('.')), key: decodeKey(rest), query };
  }
  const slash = rest.indexOf('/');
  if (slash === -1) return { bucket: decodeKey(rest), query };
  return { bucket: decodeKey(rest.slice(0, slash)), key: decodeKey(rest.slice(slash + 1)), query };
}

function decodeKey(value: string): string | undefined {
  if (value === '') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query keys that do not select a subresource: presigning and the SDK's operation hint. */
const isPlainQueryKey = (key: string) => key === 'x-id' || key.toLowerCase().startsWith('x-amz-');

/** The ObjectCreated event a request would cause if it succeeds, or undefined. */
export function objectCreatedEvent(
  method: string,
  target: S3Target,
  headers: IncomingHttpHeaders,
): ObjectCreatedEvent | undefined {
  if (!target.bucket) return undefined;
  const subresources = [...target.query.keys()].filter((key) => !isPlainQueryKey(key));
  if (method === 'PUT' && target.key && subresources.length === 0) {
    return headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put';
  }
  if (
    method === 'POST' &&
    target.key &&
    subresources.length === 1 &&
    subresources[0] === 'uploadId'
  ) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  if (method === 'POST' && !target.key && contentType.startsWith('multipart/form-data')) {
    return 'ObjectCreated:Post';
  }
  return undefined;
}

/**
 * Keys in S3 event notifications are URL-encoded like an HTML form value (space as `+`),
 * leaving `/` as is; consumers decode with decodeURIComponent(key.replace(/\+/g, ' ')).
 */
export function encodeEventKey(key: string): string {
  let encoded = '';
  for (const char of key) {
    if (/^[A-Za-z0-9.\-*_/]$/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else
      for (const byte of Buffer.from(char, 'utf8'))
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

export interface CreatedObject {
  eventName: ObjectCreatedEvent;
  bucket: string;
  key: string;
  size: number;
  eTag: string;
  sourceIp: string;
  requestId: string;
  time: Date;
}

let sequence = 0;

/** A standard S3 event notification record (event version 2.1). */
export function s3EventRecord(
  object: CreatedObject,
  region: string,
  configurationId: string,
): S3EventRecord {
  sequence = (sequence + 1) % 0x10000;
  const sequencer = (object.time.getTime().toString(16) + sequence.toString(16).padStart(4, '0'))
    .toUpperCase()
    .padStart(16, '0');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: object.time.toISOString(),
    eventName: object.eventName,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: object.sourceIp },
    responseElements: { 'x-amz-request-id': object.requestId, 'x-amz-id-2': 'pinstack-local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size,
        eTag: object.eTag.replaceAll('"', ''),
        sequencer,
      },
    },
  };
}

export interface S3NotificationProxyOptions {
  /** The real S3 endpoint (fauxqs). */
  upstream: string;
  targets: NotificationTarget[];
  sqs: SQSClient;
  region: string;
  activity: Activity;
  log: Logger;
  port?: number;
  /** Where the multipart registry keeps its log (the persisted stack); in memory without. */
  multipartLog?: string;
}

export interface S3NotificationProxy {
  endpoint: string;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

/** The multipart operations the proxy keeps track of, by method and subresource. */
export function multipartOperation(
  method: string,
  target: S3Target,
  headers: IncomingHttpHeaders,
): 'create' | 'part' | 'list' | 'complete' | 'abort' | undefined {
  if (!target.bucket || !target.key) return undefined;
  const { query } = target;
  if (method === 'POST' && query.has('uploads')) return 'create';
  if (!query.has('uploadId')) return undefined;
  if (method === 'PUT' && query.has('partNumber') && !headers['x-amz-copy-source']) return 'part';
  if (method === 'GET') return 'list';
  if (method === 'POST') return 'complete';
  if (method === 'DELETE') return 'abort';
  return undefined;
}

export async function startS3NotificationProxy(
  options: S3NotificationProxyOptions,
): Promise<S3NotificationProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  const multipart = new MultipartRegistry(options.multipartLog);

  const forward = (req: IncomingMessage, path = req.url ?? '/', method = req.method) =>
    httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method,
      path,
      headers: forwardable(req.headers),
      agent,
    });

  const server = createServer((req, res) => {
    const target = parseS3Request(req.url ?? '/', req.headers);
    const eventName = objectCreatedEvent(req.method ?? 'GET', target, req.headers);
    const notifies =
      eventName !== undefined && options.targets.some((t) => t.bucket === target.bucket);
    const operation = multipartOperation(req.method ?? 'GET', target, req.headers);
    const { bucket = '', key = '' } = target;
    const uploadId = target.query.get('uploadId') ?? '';
    if (operation === 'list') {
      const { status, body } = multipart.listParts(bucket, key, uploadId, target.query);
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(body);
      return;
    }
    // What a multipart request that succeeded tells the registry.
    const observe = (status: number, headers: IncomingHttpHeaders, body?: Buffer) => {
      if (operation === 'create' && status === 200 && body) {
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body.toString('utf8'))?.[1];
        if (id) multipart.open(id, bucket, key);
      } else if (operation === 'part' && status === 200 && headers.etag) {
        multipart.part(uploadId, bucket, key, {
          partNumber: Number(target.query.get('partNumber')),
          etag: String(headers.etag),
          size: Number(req.headers['content-length'] ?? 0),
          lastModified: new Date().toISOString(),
        });
      } else if (
        (operation === 'complete' &&
          status === 200 &&
          body?.includes('CompleteMultipartUploadResult')) ||
        (operation === 'abort' && status === 204)
      ) {
        multipart.close(uploadId);
      }
    };
    const handled = notifies
      ? options.activity.track(() => proxyAndNotify(req, res, target, eventName, observe))
      : operation === 'create' || operation === 'complete'
        ? proxyBuffered(req, res, observe)
        : proxyStreaming(req, res, observe);
    handled.catch((error: unknown) => {
      options.log.error(`S3 proxy failed on ${req.method} ${req.url}`, error);
      if (!res.headersSent) {
        res.statusCode = 502;
        res.end();
      } else res.destroy();
    });
  });

  type Observe = (status: number, headers: IncomingHttpHeaders, body?: Buffer) => void;

  function proxyStreaming(
    req: IncomingMessage,
    res: ServerResponse,
    observe?: Observe,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstreamReq = forward(req);
      upstreamReq.once('error', reject);
      // A client that goes away (e.g. having read all it wanted) must not leave the upstream
      // exchange hanging; that is no failure of the proxy.
      res.once('close', () => {
        if (res.writableFinished) return;
        upstreamReq.destroy();
        resolve();
      });
      upstreamReq.once('response', (upstreamRes) => {
        observe?.(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        res.writeHead(upstreamRes.statusCode ?? 502, forwardable(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.once('end', () => resolve());
        upstreamRes.once('error', reject);
      });
      req.pipe(upstreamReq);
    });
  }

  /** Forwards a request and reads the whole (small) answer. */
  function exchange(req: IncomingMessage) {
    const upstreamReq = forward(req);
    const response = new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        upstreamReq.once('error', reject);
        upstreamReq.once('response', (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.once('error', reject);
          upstreamRes.once('end', () =>
            resolve({
              status: upstreamRes.statusCode ?? 502,
              headers: upstreamRes.headers,
              body: Buffer.concat(chunks),
            }),
          );
        });
      },
    );
    req.pipe(upstreamReq);
    return response;
  }

  async function proxyBuffered(req: IncomingMessage, res: ServerResponse, observe: Observe) {
    const { status, headers, body } = await exchange(req);
    observe(status, headers, body);
    res.writeHead(status, { ...forwardable(headers), 'content-length': body.length });
    res.end(body);
  }

  async function proxyAndNotify(
    req: IncomingMessage,
    res: ServerResponse,
    target: S3Target,
    eventName: ObjectCreatedEvent,
    observe: Observe,
  ): Promise<void> {
    const formKey = eventName === 'ObjectCreated:Post' ? postedKey(req) : undefined;
    const { status, headers, body } = await exchange(req);
    observe(status, headers, body);

    const key = target.key ?? (await formKey);
    if (key && target.bucket && succeeded(eventName, status, body)) {
      await notify(target.bucket, key, eventName, req, headers);
    }
    res.writeHead(status, { ...forwardable(headers), 'content-length': body.length });
    res.end(body);
  }

  async function notify(
    bucket: string,
    key: string,
    eventName: ObjectCreatedEvent,
    req: IncomingMessage,
    headers: IncomingHttpHeaders,
  ) {
    const matching = options.targets.filter(
      (t) => t.bucket === bucket && notificationMatches(t, key),
    );
    if (matching.length === 0) return;
    const stored = await headObject(bucket, key);
    const object: CreatedObject = {
      eventName,
      bucket,
      key,
      size: stored?.size ?? 0,
      eTag: stored?.eTag ?? String(headers.etag ?? ''),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId: String(headers['x-amz-request-id'] ?? randomUUID()),
      time: new Date(),
    };
    for (const target of matching) {
      const event: S3Event = {
        Records: [s3EventRecord(object, options.region, target.configurationId)],
      };
      await options.sqs.send(
        new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(event) }),
      );
    }
  }

  /** Size and ETag as stored; the notification carries what S3 reports for the new object. */
  function headObject(bucket: string, key: string) {
    const path = `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return new Promise<{ size: number; eTag: string } | undefined>((resolve) => {
      const head = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: 'HEAD', path, agent },
        (res) => {
          res.resume();
          if (res.statusCode !== 200) return resolve(undefined);
          resolve({
            size: Number(res.headers['content-length'] ?? 0),
            eTag: String(res.headers.etag ?? ''),
          });
        },
      );
      head.once('error', () => resolve(undefined));
      head.end();
    });
  }

  const listening = await listenOn(server, '127.0.0.1', options.port ?? 0);
  return {
    endpoint: listening.url,
    async stop() {
      await listening.stop();
      agent.destroy();
    },
  };
}

function succeeded(eventName: ObjectCreatedEvent, status: number, body: Buffer): boolean {
  switch (eventName) {
    case 'ObjectCreated:Post':
      return (status >= 200 && status < 300) || status === 303;
    case 'ObjectCreated:CompleteMultipartUpload':
      // S3 may answer 200 and still report an error in the body.
      return status === 200 && body.includes('CompleteMultipartUploadResult');
    default:
      return status === 200 && !body.includes('<Error>');
  }
}

/**
 * The key of a browser-style POST upload: the form's `key` field, with `${filename}` replaced
 * by the uploaded file's name, as S3 does. Resolves undefined for a malformed form.
 */
function postedKey(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers });
    } catch {
      return resolve(undefined);
    }
    let key: string | undefined;
    let filename = '';
    let fileSeen = false;
    form.on('field', (name, value) => {
      if (!fileSeen && name.toLowerCase() === 'key') key = value;
    });
    form.on('file', (_name, stream, info) => {
      if (!fileSeen) filename = (info.filename ?? '').split(/[\\/]/).pop() ?? '';
      fileSeen = true;
      stream.resume();
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal key placeholder
    form.once('close', () => resolve(key?.replaceAll('${filename}', filename)));
    form.once('error', () => resolve(undefined));
    req.once('close', () => {
      if (!req.complete) resolve(undefined);
    });
    req.pipe(form);
  });
}

/**
 * The ingest function in a process of its own, so its memory is its own: the staged-ingest
 * benchmark's local stack hands it the events its queue delivers. It answers each invocation
 * with its duration and the process's peak RSS, and on request runs, from the same process and
 * emulator, the baseline (a plain GET of an object with SHA-256 over it), the ingest's own
 * streaming part alone (the same GET through the CAR verifier, as the ingest reads a staged
 * object) and the emulator's CopyObject of an object (what the ingest waits for after
 * verifying; server-side on S3).
 *
 * Messages in: {env} first, then {invoke: event}, or {baseline | verify | copy: {bucket, key}}.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CopyObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { verifyCar } from '../lambdas/core/ipfs/car.ts';

type Message =
  | { env: Record<string, string> }
  | { invoke: unknown; id: number }
  | { baseline: { bucket: string; key: string }; id: number }
  | { copy: { bucket: string; key: string }; id: number }
  | { verify: { bucket: string; key: string }; id: number };

/**
 * The peak resident memory of this process's own address space (Linux's VmHWM, what Lambda's
 * "Max Memory Used" reports). Not getrusage's maxRSS: Linux carries that across fork and exec,
 * so a child forked from the benchmark's process — which holds the stack and the S3 emulator,
 * hundreds of MB after the first CAR — starts with the parent's RSS as its "peak".
 */
function peakRss(): number {
  try {
    const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kB) return Number(kB) * 1024;
  } catch {
    // Not Linux: no per-address-space figure; getrusage's is the closest there is.
  }
  return process.resourceUsage().maxRSS * 1024;
}
let handler: ((event: unknown, context: unknown) => Promise<unknown>) | undefined;

const reply = (message: unknown) => process.send?.(message);

const s3 = () =>
  new S3Client({
    region: process.env.AWS_REGION,
    endpoint: process.env.PINSTACK_S3_ENDPOINT,
    forcePathStyle: true,
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

process.on('message', async (message: Message) => {
  if ('env' in message) {
    Object.assign(process.env, message.env);
    const module = await import('../lambdas/handlers/ingest.ts');
    handler = module.handler as typeof handler;
    reply({ ready: true, rss: peakRss() });
    return;
  }
  if ('invoke' in message) {
    const started = performance.now();
    try {
      const value = await handler?.(message.invoke, { getRemainingTimeInMillis: () => 900_000 });
      reply({ id: message.id, ok: true, value, ms: performance.now() - started, rss: peakRss() });
    } catch (error) {
      reply({ id: message.id, ok: false, error: String(error), rss: peakRss() });
    }
    return;
  }
  const client = s3();
  const started = performance.now();
  if ('copy' in message) {
    // As the ingest copies a staged CAR into the carpark (lambdas/adapters/s3/staging.ts).
    const { bucket, key } = message.copy;
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: `${key}.bench-copy`,
        CopySource: `${bucket}/${key}`,
        ContentType: 'application/vnd.ipld.car',
        MetadataDirective: 'REPLACE',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    client.destroy();
    reply({ id: message.id, ok: true, ms: performance.now() - started });
    return;
  }
  if ('verify' in message) {
    const { bucket, key } = message.verify;
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const verified = await verifyCar({
      stream: object.Body as AsyncIterable<Uint8Array>,
      readBack: async (offset, length) => {
        const range = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            Range: `bytes=${offset}-${offset + length - 1}`,
          }),
        );
        return (
          range.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray();
      },
    });
    client.destroy();
    reply({ id: message.id, ok: verified.ok, ms: performance.now() - started });
    return;
  }
  const object = await client.send(
    new GetObjectCommand({ Bucket: message.baseline.bucket, Key: message.baseline.key }),
  );
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  hash.digest();
  client.destroy();
  reply({ id: message.id, ok: true, ms: performance.now() - started, bytes });
});

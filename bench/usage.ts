/**
 * The benchmarks' usage meter: what one operation costs in AWS requests, measured on the
 * local stack. It is SDK middleware on the clients the handlers share (the same hook as the
 * crash tests'), counting every request by service and operation, DynamoDB capacity as the
 * emulator reports it (ReturnConsumedCapacity; index writes, which dynalite does not report,
 * counted from the index attributes a write sets), bytes put to S3, and the bytes the
 * functions write to their logs (what CloudWatch Logs ingests, metric lines included).
 * `npm run cost` prices these records (bench/cost.ts).
 *
 * A benchmark adds an operation with one line: `recordUsage(await meter({...}, run))`.
 */
import { onFunctionCalls } from '../local/faults.ts';

export interface UsageRecord {
  /** What was done once, e.g. "POST /upload, 4 MB file". */
  operation: string;
  /** The cost model's kind: what it scales with the workload. */
  kind: 'upload' | 'check' | 'gateway-read' | 'pin' | 'staged-upload' | 'other';
  /** Times it ran while metered: every figure below is per run. */
  runs: number;
  /** Bytes the operation brought in (an upload's body), 0 for reads. */
  bytesIn: number;
  /** Bytes it sent out to the client (for data transfer out). */
  bytesOut: number;
  lambda: { function: string; memoryMB: number; invocations: number; durationMs: number }[];
  /** Requests by `service:Operation`. */
  requests: Record<string, number>;
  dynamodb: { readUnits: number; writeUnits: number };
  s3: { bytesPut: number };
  logBytes: number;
}

const collected: UsageRecord[] = [];
export const recordUsage = (record: UsageRecord) => void collected.push(record);
export const usageRecords = () => collected.splice(0);

const SERVICE_OF: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  S3Client: 's3',
  SQSClient: 'sqs',
};

const INDEX_KEYS = ['gsi1pk', 'gsi2pk', 'gsi3pk'];

/** Index writes a DynamoDB write makes (dynalite reports only the table's). */
function indexWrites(command: string, input: Record<string, unknown>): number {
  const text = JSON.stringify(input.Item ?? input.UpdateExpression ?? input.RequestItems ?? '');
  const names = JSON.stringify(input.ExpressionAttributeNames ?? {});
  if (!command.match(/Put|Update|Delete|BatchWrite/)) return 0;
  return INDEX_KEYS.filter((key) => text.includes(key) || names.includes(key)).length;
}

interface Metered {
  operation: string;
  kind: UsageRecord['kind'];
  function: string;
  memoryMB: number;
  runs: number;
  bytesIn?: number;
}

/**
 * Runs `run` `runs` times with the meter on; each run returns the bytes it sent the client.
 * The handler's own time is measured around each run.
 */
export async function meter(spec: Metered, run: () => Promise<number>): Promise<UsageRecord> {
  const requests: Record<string, number> = {};
  const dynamodb = { readUnits: 0, writeUnits: 0 };
  const s3 = { bytesPut: 0 };
  const remove = onFunctionCalls('pinstackUsage', (next, context) => async (args) => {
    const command = (context.commandName ?? '').replace(/Command$/, '');
    const client = (context as { clientName?: string }).clientName ?? '';
    const service = SERVICE_OF[client] ?? client;
    const key = `${service}:${command}`;
    requests[key] = (requests[key] ?? 0) + 1;
    if (service === 'dynamodb') {
      args.input.ReturnConsumedCapacity = 'TOTAL';
      dynamodb.writeUnits += indexWrites(command, args.input);
    }
    if (service === 's3' && command === 'PutObject') {
      s3.bytesPut += Number(
        args.input.ContentLength ?? (args.input.Body as Uint8Array)?.length ?? 0,
      );
    }
    try {
      const output = (await next(args)) as { output?: { ConsumedCapacity?: unknown } };
      if (service === 'dynamodb') {
        const consumed = output.output?.ConsumedCapacity;
        const units = [consumed]
          .flat()
          .reduce(
            (sum: number, c) => sum + Number((c as { CapacityUnits?: number })?.CapacityUnits ?? 0),
            0,
          );
        if (/Get|Query|Scan/.test(command)) dynamodb.readUnits += units;
        else dynamodb.writeUnits += units;
      }
      return output;
    } catch (error) {
      // A failed condition still costs a write.
      if (service === 'dynamodb' && (error as Error).name === 'ConditionalCheckFailedException') {
        dynamodb.writeUnits += 1;
      }
      throw error;
    }
  });
  let logBytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    // Counted, not shown: the functions' log and metric lines, as CloudWatch would take them.
    logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    void rest;
    return true;
  }) as typeof process.stdout.write;
  let durationMs = 0;
  let bytesOut = 0;
  try {
    for (let i = 0; i < spec.runs; i++) {
      const started = performance.now();
      bytesOut += await run();
      durationMs += performance.now() - started;
    }
  } finally {
    process.stdout.write = write;
    remove();
  }
  const per = (n: number) => n / spec.runs;
  return {
    operation: spec.operation,
    kind: spec.kind,
    runs: spec.runs,
    bytesIn: spec.bytesIn ?? 0,
    bytesOut: per(bytesOut),
    lambda: [
      {
        function: spec.function,
        memoryMB: spec.memoryMB,
        invocations: 1,
        durationMs: per(durationMs),
      },
    ],
    requests: Object.fromEntries(Object.entries(requests).map(([k, n]) => [k, per(n)])),
    dynamodb: { readUnits: per(dynamodb.readUnits), writeUnits: per(dynamodb.writeUnits) },
    s3: { bytesPut: per(s3.bytesPut) },
    logBytes: per(logBytes),
  };
}

/**
 * Structured JSON logs (one line each, the shape CloudWatch Logs Insights queries best) through
 * Powertools for AWS Lambda's Logger. Every module logs through this facade,
 * `log.<level>(message, fields)`; the edges (the API, queue and schedule handlers) start each
 * invocation with `startInvocation`, which puts the Lambda context (request id, cold start,
 * function) and the invocation's correlation ids on every line until the next one starts.
 *
 * A container runs one invocation at a time on Lambda. The local stack runs every function in
 * one process, so there the keys of invocations running side by side can mix; the API's error
 * lines carry their request id in their own fields for that reason.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;

/** LOG_LEVEL (debug | info (default) | warn | error | silent) as Powertools names it. */
const LEVELS = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'SILENT',
} as const;
type PowertoolsLevel = (typeof LEVELS)[keyof typeof LEVELS];

let logger: Logger | undefined;
let level: PowertoolsLevel | undefined;

/** The logger, at LOG_LEVEL as it is now (tests and tools change it at run time). */
function current(): Logger {
  const wanted = LEVELS[(process.env.LOG_LEVEL ?? 'info').toLowerCase() as keyof typeof LEVELS];
  const next = wanted ?? LEVELS.info;
  if (!logger) logger = new Logger({ serviceName: 'pinstack', logLevel: next });
  else if (next !== level) logger.setLogLevel(next);
  level = next;
  return logger;
}

/** LOG_LEVEL=silent: nothing is written, metric lines included (see metrics.ts). */
export function isSilent(): boolean {
  current();
  return level === LEVELS.silent;
}

const write = (at: Level, message: string, fields: Fields = {}) => current()[at](message, fields);

export const log = {
  debug: (message: string, fields?: Fields) => write('debug', message, fields),
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};

/** The key correlation ids travel under, in log lines and in queue message attributes. */
export const CORRELATION_ID = 'correlation_id';

/**
 * Starts an invocation's log context: the Lambda context's fields, and `keys` (correlation
 * ids) on every line until the next invocation starts. Keys from the previous one are dropped.
 */
export function startInvocation(
  context: Partial<Context> | undefined,
  keys: Record<string, string | undefined> = {},
): void {
  const logger = current();
  logger.resetKeys();
  if (context?.awsRequestId) logger.addContext(context as Context);
  appendLogKeys(keys);
}

/** Adds keys (e.g. a queue record's message id) to the lines of the running invocation. */
export function appendLogKeys(keys: Record<string, string | undefined>): void {
  const defined = Object.entries(keys).filter(([, value]) => value !== undefined && value !== '');
  if (defined.length > 0) current().appendKeys(Object.fromEntries(defined));
}

/** The running invocation's correlation id, to hand on with the work it queues. */
export const correlationId = (): string | undefined => current().getCorrelationId() as string;

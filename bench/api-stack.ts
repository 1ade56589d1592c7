/**
 * The local stack serving only the functions that answer requests (the API's and the gateway),
 * for the API benchmark: a request's follow-up work (pins, the block index, IPNI) runs in other
 * Lambdas when deployed, but would run in the emulators' process here and slow the very
 * requests measured. Its messages wait in their queues instead.
 */
import { consoleLogger } from '../local/lambda.ts';
import { startLocalStack } from '../local/stack.ts';
import { functions } from '../system/functions.ts';

const stack = await startLocalStack({
  log: consoleLogger,
  functions: functions.filter((fn) =>
    fn.triggers.some((trigger) => trigger.kind === 'http' || trigger.kind === 'url'),
  ),
  schedules: false,
});
console.log(`pinstack local stack ready (requests only): ${stack.apiUrl}`);
process.on('SIGTERM', () => {
  stack.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

/**
 * `pinstack run <job>`: runs one scheduled job once, now, against the running local stack —
 * the same handler and the same event its schedule would send.
 */

import {
  Activity,
  FunctionRuntime,
  type HandlerLoader,
  moduleHandlerLoader,
  silentLogger,
} from '../local/lambda.ts';
import { scheduledEvent } from '../local/scheduler.ts';
import { applyStackEnv, readLocalStack } from '../local/stack-file.ts';
import type { FunctionSpec } from '../system/functions.ts';
import { jobs } from './jobs.ts';

export interface RunJobOptions {
  dataDir?: string;
  /** For tests: the functions to pick the job from (default the catalog) and their loader. */
  functions?: readonly FunctionSpec[];
  loadHandler?: HandlerLoader;
  /** Where the one-line result goes (default stdout). */
  print?: (line: string) => void;
}

export interface JobResult {
  job: string;
  functionName: string;
  durationMs: number;
  value: unknown;
}

export class JobError extends Error {
  override name = 'JobError';
}

export async function runJob(name: string, opts: RunJobOptions = {}): Promise<JobResult> {
  const available = jobs(opts.functions);
  const job = available.find((j) => j.name === name);
  if (!job) {
    const valid = available.map((j) => j.name).join(', ');
    throw new JobError(`unknown job "${name}": valid jobs are ${valid}`);
  }
  const stack = await readLocalStack(opts.dataDir);
  // Handlers read their config when their module loads: set the env first.
  applyStackEnv(stack.env);

  const runtime = new FunctionRuntime({
    fn: job.fn,
    loader: opts.loadHandler ?? moduleHandlerLoader(),
    region: stack.region,
    activity: new Activity(),
    // The failure is reported by the thrown JobError below.
    log: silentLogger,
  });
  const outcome = await runtime.invoke(scheduledEvent(job.name, stack.region));
  if (!outcome.ok) {
    const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    throw new JobError(`${job.name} failed after ${outcome.durationMs} ms: ${reason}`, {
      cause: outcome.error,
    });
  }
  const print = opts.print ?? ((line: string) => console.log(line));
  const summary = outcome.value === undefined ? '' : ` ${JSON.stringify(outcome.value)}`;
  print(`${job.name}: ok in ${outcome.durationMs} ms${summary}`);
  return {
    job: job.name,
    functionName: job.fn.name,
    durationMs: outcome.durationMs,
    value: outcome.value,
  };
}

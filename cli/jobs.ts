/** The scheduled jobs `pinstack run` can run: the catalog's schedules, each with its function. */
import { functions as catalogFunctions, type FunctionSpec } from '../system/functions.ts';

export function jobs(functions: readonly FunctionSpec[] = catalogFunctions) {
  return functions.flatMap((fn) =>
    fn.triggers.flatMap((t) => (t.kind === 'schedule' ? [{ name: t.name, fn }] : [])),
  );
}

export const jobNames = () => jobs().map((job) => job.name);

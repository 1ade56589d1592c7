/**
 * `<dataDir>/stack.json`: how other processes (the admin CLI, `pinstack run`) find the running
 * local stack — its API and gateway URLs and the environment its handlers run with. Kept free of emulator
 * imports so the CLI can read it cheaply.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const STACK_FILE = 'stack.json';

/** Resources, endpoints and region, plus any function setting the stack was started with. */
const stackEnvSchema = z
  .object({
    TABLE_NAME: z.string().min(1),
    STAGING_BUCKET: z.string().min(1),
    CARPARK_BUCKET: z.string().min(1),
    INGEST_QUEUE_URL: z.url(),
    PIN_QUEUE_URL: z.url(),
    INDEX_QUEUE_URL: z.url(),
    PINSTACK_DYNAMODB_ENDPOINT: z.url(),
    PINSTACK_S3_ENDPOINT: z.url(),
    PINSTACK_SQS_ENDPOINT: z.url(),
    AWS_REGION: z.string().min(1),
  })
  .catchall(z.string());

const stackFileSchema = z.object({
  pid: z.number().int().positive(),
  apiUrl: z.url(),
  /** The IPFS gateway's origin. */
  gatewayUrl: z.optional(z.url()),
  region: z.string().min(1),
  env: stackEnvSchema,
});

/** The environment handlers of the local stack run with. */
export type LocalStackEnv = z.infer<typeof stackEnvSchema>;
export type LocalStackFile = z.infer<typeof stackFileSchema>;

/** The data dir: the given one, else $PINSTACK_DATA_DIR, else `.pinstack`, as an absolute path. */
export function resolveDataDir(dataDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dataDir ?? env.PINSTACK_DATA_DIR ?? '.pinstack');
}

export class NoLocalStackError extends Error {
  override name = 'NoLocalStackError';
  constructor(dataDir: string, reason: string) {
    super(`no local stack running in ${dataDir}: start it with npm start (${reason})`);
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads and validates stack.json; throws NoLocalStackError when absent, invalid or stale. */
export async function readLocalStack(dataDir?: string): Promise<LocalStackFile> {
  const dir = resolveDataDir(dataDir);
  let text: string;
  try {
    text = await readFile(join(dir, STACK_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NoLocalStackError(dir, `${STACK_FILE} not found`);
    }
    throw error;
  }
  let parsed: ReturnType<typeof stackFileSchema.safeParse>;
  try {
    parsed = stackFileSchema.safeParse(JSON.parse(text));
  } catch {
    throw new NoLocalStackError(dir, `${STACK_FILE} is not JSON`);
  }
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new NoLocalStackError(dir, `${STACK_FILE} is invalid: ${problems.join('; ')}`);
  }
  if (!isProcessAlive(parsed.data.pid)) {
    throw new NoLocalStackError(dir, `its process ${parsed.data.pid} is gone`);
  }
  return parsed.data;
}

/** Like readLocalStack, but undefined when no live stack owns the dir. */
export async function findLocalStack(dataDir?: string): Promise<LocalStackFile | undefined> {
  try {
    return await readLocalStack(dataDir);
  } catch (error) {
    if (error instanceof NoLocalStackError) return undefined;
    throw error;
  }
}

export async function writeStackFile(dataDir: string, stack: LocalStackFile): Promise<void> {
  const path = join(dataDir, STACK_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stackFileSchema.parse(stack), null, 2)}\n`);
  await rename(temporary, path);
}

export async function removeStackFile(dataDir: string): Promise<void> {
  await rm(join(dataDir, STACK_FILE), { force: true });
}

/**
 * Points this process at the stack: sets its env vars and, when no AWS credentials are
 * configured, dummy ones (the emulators accept any) so the SDK never probes for real ones.
 * Returns a function that restores what was there before.
 */
export function applyStackEnv(env: LocalStackEnv): () => void {
  const values: Record<string, string> = { ...env };
  if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    values.AWS_ACCESS_KEY_ID = 'local';
    values.AWS_SECRET_ACCESS_KEY = 'local';
  }
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

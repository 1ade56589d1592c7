/**
 * The `pinstack` CLI: a table of commands, each with its usage and options, from which
 * `pinstack help`, `--help` on every command and the argument parsing all come.
 * Exit codes: 0 done, 1 the command failed, 2 bad usage.
 *
 * Each command loads what it needs when it runs: the content commands never load the AWS SDK.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jobNames } from './jobs.ts';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];
type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** Words that select it, e.g. `token create`. */
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Extra lines for its --help. */
  details?: string;
  run(values: Values, positionals: string[]): Promise<void>;
}

class UsageError extends Error {
  override name = 'UsageError';
}

const TARGET_OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
} as const satisfies Options;

const TARGET_HELP = `Without --stack it acts on the local stack started with \`npm start\` in this folder
(data dir .pinstack/, or PINSTACK_DATA_DIR); with --stack <name> [--region <region>] on a
deployed stack, through your AWS credentials and the stack's outputs.`;

async function identity(values: Values) {
  const [{ resolveTarget }, { identityPorts, systemClock }, tokens] = await Promise.all([
    import('./target.ts'),
    import('../lambdas/shared/wiring.ts'),
    import('../lambdas/core/tokens.ts'),
  ]);
  const target = await resolveTarget({
    stack: values.stack as string | undefined,
    region: values.region as string | undefined,
  });
  return { target, tokens, ports: { ...identityPorts(target.config), clock: systemClock } };
}

const CONTENT_OPTIONS = {
  endpoint: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Options;

const CONTENT_HELP = `--endpoint <url> (or PINSTACK_ENDPOINT): the API; without it, the local stack started
with \`npm start\` in this folder. --token <key> (or PINSTACK_TOKEN): your API key.
--json: one JSON object on stdout instead of text.`;

async function content(values: Values) {
  const module = await import('./content.ts');
  const target = await module.contentTarget({
    endpoint: values.endpoint as string | undefined,
    token: values.token as string | undefined,
  });
  return { module, target };
}

const positiveInteger = (value: unknown, name: string) => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new UsageError(`--${name} must be a positive whole number`);
  }
  return number;
};

/** Prints a result: JSON with --json, else the text lines, the CID (if any) alone last. */
function print(values: Values, json: unknown, lines: string[]) {
  if (values.json) console.log(JSON.stringify(json));
  else for (const line of lines) console.log(line);
}

const PUT_OPTIONS = {
  ...CONTENT_OPTIONS,
  name: { type: 'string' },
  concurrency: { type: 'string' },
  'chunk-size': { type: 'string' },
} as const satisfies Options;

async function putCommand(values: Values, paths: string[], car: boolean) {
  if (paths.length === 0)
    throw new UsageError(car ? 'put-car needs a CAR file' : 'put needs a file or a directory');
  const { module, target } = await content(values);
  const { cid, stats, bytes } = await module.put(target, paths, {
    car,
    json: Boolean(values.json),
    name: values.name as string | undefined,
    concurrency: positiveInteger(values.concurrency, 'concurrency'),
    maxChunkSize: positiveInteger(values['chunk-size'], 'chunk-size'),
  });
  print(values, { cid, bytes, ...stats }, [
    `Stored ${paths.join(' ')} on ${target.endpoint.origin}` +
      (stats.partsSkipped ? ` (resumed: ${stats.partsSkipped} parts were already there)` : ''),
    cid,
  ]);
}

const commands: Command[] = [
  {
    name: 'token create',
    summary: 'create an API token for a user (and the user if needed)',
    usage:
      'pinstack token create --user <id> [--name <label>] [--admin] [--stack <name> [--region <r>]]',
    options: {
      user: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'boolean' },
      ...TARGET_OPTIONS,
    },
    details: `The token is printed alone on the last line; only its hash is stored. --admin lets
it call the admin routes too (POST /deals, for a deal aggregator).\n${TARGET_HELP}`,
    async run(values) {
      if (!values.user) throw new UsageError('token create needs --user <id>');
      const { target, tokens, ports } = await identity(values);
      const { token, record } = await tokens.createToken(
        {
          userId: values.user as string,
          name: values.name as string | undefined,
          admin: values.admin === true,
        },
        ports,
      );
      console.log(
        `Created token ${record.tokenId} ("${record.name}") for user ${record.userId} on ${target.description}.`,
      );
      console.log('Keep it secret: it is shown only once.');
      console.log(token);
    },
  },
  {
    name: 'token list',
    summary: "list a user's tokens: id, created, state, name",
    usage: 'pinstack token list --user <id> [--stack <name> [--region <r>]]',
    options: { user: { type: 'string' }, ...TARGET_OPTIONS },
    details: TARGET_HELP,
    async run(values) {
      if (!values.user) throw new UsageError('token list needs --user <id>');
      const { tokens: module, ports } = await identity(values);
      const tokens = await module.listTokens(values.user as string, ports);
      if (tokens.length === 0) console.log(`No tokens for user ${values.user}.`);
      for (const t of tokens) {
        console.log(
          [t.tokenId, t.created, t.revoked ? `revoked ${t.revoked}` : 'active', t.name].join('\t'),
        );
      }
    },
  },
  {
    name: 'token revoke',
    summary: 'revoke a token: it stops working at once',
    usage: 'pinstack token revoke <token-id> [--stack <name> [--region <r>]]',
    options: { ...TARGET_OPTIONS },
    details: TARGET_HELP,
    async run(values, [tokenId]) {
      if (!tokenId) throw new UsageError('token revoke needs a token id (see token list)');
      const { tokens, ports } = await identity(values);
      if (!(await tokens.revokeToken(tokenId, ports)))
        throw new Error(`No token with id ${tokenId}`);
      console.log(`Revoked token ${tokenId}.`);
    },
  },
  {
    name: 'deals add',
    summary: 'record a Filecoin deal of stored content, as POST /deals does',
    usage:
      'pinstack deals add (--cid <cid> | --car <car cid>) --deal-id <n> --piece <cid> --provider <id> --status <status> [--network <n>] [--activation <iso>] [--expiration <iso>] [--batch-root <cid>] [--selector <path>] [--stack <name> [--region <r>]]',
    options: {
      cid: { type: 'string' },
      car: { type: 'string' },
      'deal-id': { type: 'string' },
      piece: { type: 'string' },
      provider: { type: 'string' },
      status: { type: 'string' },
      network: { type: 'string' },
      activation: { type: 'string' },
      expiration: { type: 'string' },
      'batch-root': { type: 'string' },
      selector: { type: 'string' },
      ...TARGET_OPTIONS,
    },
    details: `The report is checked like a POST /deals body; a repeat stores nothing new.\n${TARGET_HELP}`,
    async run(values) {
      const [z, { DealReport }, { recordDeals }, { resolveTarget }, { contentPorts, systemClock }] =
        await Promise.all([
          import('zod/mini'),
          import('../contract/deals.ts'),
          import('../lambdas/core/deals.ts'),
          import('./target.ts'),
          import('../lambdas/shared/wiring.ts'),
        ]);
      const report = z.safeParse(DealReport, {
        cid: values.cid,
        carCid: values.car,
        dealId: values['deal-id'] === undefined ? undefined : Number(values['deal-id']),
        pieceCid: values.piece,
        provider: values.provider,
        status: values.status,
        network: values.network,
        activation: values.activation,
        expiration: values.expiration,
        batchRootCid: values['batch-root'],
        dataModelSelector: values.selector,
      });
      if (!report.success) {
        const problems = report.error.issues.map(
          (i) => `${i.path.join('.') || 'deal'}: ${i.message}`,
        );
        throw new UsageError(`deals add: ${problems.join('; ')}`);
      }
      const target = await resolveTarget({
        stack: values.stack as string | undefined,
        region: values.region as string | undefined,
      });
      const { contents, deals, stats } = contentPorts(target.config);
      const outcome = await recordDeals([report.data], {
        contents,
        deals,
        stats,
        clock: systemClock,
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
      console.log(
        outcome.value.recorded
          ? `Recorded deal ${report.data.dealId} on ${target.description}.`
          : `Deal ${report.data.dealId} was already recorded as it is.`,
      );
    },
  },
  {
    name: 'run',
    summary: 'run a scheduled job once, now, on the local stack',
    usage: 'pinstack run <job>',
    options: {},
    details: `Jobs: ${jobNames().join(', ')}.`,
    async run(_values, [job]) {
      if (!job) throw new UsageError('pinstack run needs a job name');
      const { runJob } = await import('./run.ts');
      await runJob(job, {});
    },
  },
  {
    name: 'put',
    summary: 'store files or a directory; prints the root CID alone on the last line',
    usage:
      'pinstack put <file|dir>... [--name <name>] [--concurrency <n>] [--chunk-size <bytes>] [--endpoint <url>] [--token <key>] [--json]',
    options: PUT_OPTIONS,
    details: `One file is stored as itself, one directory as itself (its files under it), several
arguments as a directory holding each. CIDs are computed here, as \`ipfs add --cid-version=1\`
does; large content goes straight to S3 in parts, several at once. Interrupted, run the same
command again: it resumes, sending only the parts S3 does not have yet.
${CONTENT_HELP}`,
    run: (values, paths) => putCommand(values, paths, false),
  },
  {
    name: 'put-car',
    summary: 'store a CAR file; prints its root CID alone on the last line',
    usage:
      'pinstack put-car <file.car> [--name <name>] [--concurrency <n>] [--chunk-size <bytes>] [--endpoint <url>] [--token <key>] [--json]',
    options: PUT_OPTIONS,
    details: `A CAR up to --chunk-size (default 32 GiB) is sent as it is; a larger one as CARs that
share its root. Interrupted, run it again to resume.
${CONTENT_HELP}`,
    run: (values, paths) => putCommand(values, paths, true),
  },
  {
    name: 'status',
    summary: 'the status of one of your uploads: pin, size, created',
    usage: 'pinstack status <cid> [--endpoint <url>] [--token <key>] [--json]',
    options: CONTENT_OPTIONS,
    details: CONTENT_HELP,
    async run(values, [cid]) {
      if (!cid) throw new UsageError('status needs a CID');
      const { target } = await content(values);
      const { NFTStorage } = await import('../client/index.ts');
      const status = await new NFTStorage(target).status(cid);
      print(values, status, [
        `${status.cid}\t${status.pin.status}\t${status.size} bytes\tcreated ${status.created.toISOString()}`,
      ]);
    },
  },
  {
    name: 'check',
    summary: 'whether content is stored, and its pin (no token needed)',
    usage: 'pinstack check <cid> [--endpoint <url>] [--json]',
    options: CONTENT_OPTIONS,
    details: CONTENT_HELP,
    async run(values, [cid]) {
      if (!cid) throw new UsageError('check needs a CID');
      const { contentTarget } = await import('./content.ts');
      const target = await contentTarget({
        endpoint: values.endpoint as string | undefined,
        token: (values.token as string | undefined) ?? process.env.PINSTACK_TOKEN ?? 'none',
      });
      const { NFTStorage } = await import('../client/index.ts');
      const check = await new NFTStorage(target).check(cid);
      print(values, check, [`${check.cid}\t${check.pin.status}`]);
    },
  },
  {
    name: 'ls',
    summary: 'your uploads, newest first: CID, pin, size, created, name',
    usage: 'pinstack ls [--limit <n>] [--endpoint <url>] [--token <key>] [--json]',
    options: { ...CONTENT_OPTIONS, limit: { type: 'string' } },
    details: CONTENT_HELP,
    async run(values) {
      const { target } = await content(values);
      const { NFTStorage } = await import('../client/index.ts');
      const limit = positiveInteger(values.limit, 'limit');
      const uploads = [];
      for await (const upload of new NFTStorage(target).list({
        limit: Math.min(limit ?? 100, 1000),
      })) {
        uploads.push(upload);
        if (limit !== undefined && uploads.length >= limit) break;
      }
      print(
        values,
        uploads,
        uploads.length === 0
          ? ['No uploads.']
          : uploads.map((u) => [u.cid, u.pin.status, u.size, u.created, u.name].join('\t')),
      );
    },
  },
  {
    name: 'rm',
    summary: 'delete one of your uploads (its content stays pinned while others hold it)',
    usage: 'pinstack rm <cid> [--endpoint <url>] [--token <key>] [--json]',
    options: CONTENT_OPTIONS,
    details: CONTENT_HELP,
    async run(values, [cid]) {
      if (!cid) throw new UsageError('rm needs a CID');
      const { target } = await content(values);
      const { NFTStorage } = await import('../client/index.ts');
      await new NFTStorage(target).delete(cid);
      print(values, { deleted: cid }, [`Deleted ${cid}.`]);
    },
  },
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function overview(): string {
  const HELP = 'help [command]';
  const width = Math.max(HELP.length, ...commands.map((c) => c.name.length));
  return [
    `pinstack ${version()}: NFT storage in your own AWS account`,
    '',
    'Usage: pinstack <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${HELP.padEnd(width)}  this text, or one command's`,
    '',
    'Options: --help on any command, --version.',
    'Exit codes: 0 done, 1 the command failed, 2 bad usage.',
  ].join('\n');
}

const helpOf = (command: Command) =>
  [
    `${command.usage}`,
    '',
    `${command.summary}.`,
    ...(command.details ? ['', command.details] : []),
  ].join('\n');

/** The command the words at the front of argv select (longest name first). */
function select(words: string[]): { command: Command; rest: string[] } | undefined {
  const byLength = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const command of byLength) {
    const parts = command.name.split(' ');
    if (parts.every((part, i) => words[i] === part)) {
      return { command, rest: words.slice(parts.length) };
    }
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    console.log(version());
    return;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(overview());
    return;
  }
  if (argv[0] === 'help') {
    const selected = argv.length > 1 ? select(argv.slice(1)) : undefined;
    if (argv.length > 1 && !selected)
      throw new UsageError(`unknown command "${argv.slice(1).join(' ')}"`);
    console.log(selected ? helpOf(selected.command) : overview());
    return;
  }
  const selected = select(argv);
  if (!selected) {
    // A command group (`pinstack token`): its commands' help, or what it needs.
    const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv[1] === '--help' || argv[1] === '-h')) {
      console.log(group.map(helpOf).join('\n\n'));
      return;
    }
    if (group.length > 0 && argv.length === 1) {
      throw new UsageError(`${argv[0]} needs a command: ${group.map((c) => c.name).join(', ')}`);
    }
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"`);
  }
  const { command, rest } = selected;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(`${command.name}: ${(error as Error).message}`);
  }
  if (parsed.values.help) {
    console.log(helpOf(command));
    return;
  }
  await command.run(parsed.values as Values, parsed.positionals);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const usage = error instanceof Error && error.name === 'UsageError';
    // One readable line: the message, never a stack trace.
    console.error(`pinstack: ${message.split('\n')[0]}`);
    if (usage) console.error('Run `pinstack help` for the commands.');
    process.exit(usage ? 2 : 1);
  },
);

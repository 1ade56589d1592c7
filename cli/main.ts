/**
 * The `pinstack` CLI: a table of commands, each with its usage and options, from which
 * `pinstack help`, `--help` on every command and the argument parsing all come.
 * Exit codes: 0 done, 1 the command failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { DealReport } from '../contract/deals.ts';
import { recordDeals } from '../lambdas/core/deals.ts';
import { createToken, listTokens, revokeToken } from '../lambdas/core/tokens.ts';
import { contentPorts, identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { jobs, runJob } from './run.ts';
import { resolveTarget } from './target.ts';

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
  const target = await resolveTarget({
    stack: values.stack as string | undefined,
    region: values.region as string | undefined,
  });
  return { target, ports: { ...identityPorts(target.config), clock: systemClock } };
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
      const { target, ports } = await identity(values);
      const { token, record } = await createToken(
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
      const { ports } = await identity(values);
      const tokens = await listTokens(values.user as string, ports);
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
      const { ports } = await identity(values);
      if (!(await revokeToken(tokenId, ports))) throw new Error(`No token with id ${tokenId}`);
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
    details: `Jobs: ${jobs()
      .map((job) => job.name)
      .join(', ')}.`,
    async run(_values, [job]) {
      if (!job) throw new UsageError('pinstack run needs a job name');
      await runJob(job, {});
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
    console.error(`pinstack: ${message}`);
    if (error instanceof UsageError) console.error('Run `pinstack help` for the commands.');
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);

/**
 * `pinstack` admin CLI.
 *   pinstack token create --user <id> [--name <label>]   prints the new token alone on the last line
 *   pinstack token list --user <id>
 *   pinstack token revoke <token-id>
 *   pinstack run <job>                                  runs one scheduled job once, locally
 * Token commands act on the local stack started from this folder (its data dir is `.pinstack/`
 * or PINSTACK_DATA_DIR), or with `--stack <name>` on a deployed stack through the caller's AWS
 * credentials and the stack's outputs.
 */
import { parseArgs } from 'node:util';
import { createToken, listTokens, revokeToken } from '../lambdas/core/tokens.ts';
import { identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { runJob } from './run.ts';
import { resolveTarget } from './target.ts';

const USAGE = `Usage:
  pinstack token create --user <id> [--name <label>] [--stack <name>] [--region <region>]
  pinstack token list --user <id> [--stack <name>] [--region <region>]
  pinstack token revoke <token-id> [--stack <name>] [--region <region>]
  pinstack run <job>            (jobs: the schedules in lib/catalog.ts, e.g. pin-status, scraper)

Without --stack, commands act on the local stack started with \`npm start\` in this folder
(data dir .pinstack/, or PINSTACK_DATA_DIR).`;

class UsageError extends Error {
  override name = 'UsageError';
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      name: { type: 'string' },
      stack: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) {
    console.log(USAGE);
    return;
  }
  if (group === 'run') {
    if (!command) throw new UsageError('pinstack run needs a job name');
    await runJob(command, {});
    return;
  }
  if (group !== 'token') throw new UsageError(`unknown command "${group}"`);

  const target = await resolveTarget({ stack: values.stack, region: values.region });
  const ports = { ...identityPorts(target.config), clock: systemClock };
  switch (command) {
    case 'create': {
      if (!values.user) throw new UsageError('token create needs --user <id>');
      const { token, record } = await createToken(
        { userId: values.user, name: values.name },
        ports,
      );
      console.log(
        `Created token ${record.tokenId} ("${record.name}") for user ${record.userId} on ${target.description}.`,
      );
      console.log('Keep it secret: it is shown only once.');
      console.log(token);
      return;
    }
    case 'list': {
      if (!values.user) throw new UsageError('token list needs --user <id>');
      const tokens = await listTokens(values.user, ports);
      if (tokens.length === 0) console.log(`No tokens for user ${values.user}.`);
      for (const t of tokens) {
        console.log(
          [t.tokenId, t.created, t.revoked ? `revoked ${t.revoked}` : 'active', t.name].join('\t'),
        );
      }
      return;
    }
    case 'revoke': {
      if (!arg) throw new UsageError('token revoke needs a token id (see token list)');
      if (!(await revokeToken(arg, ports))) throw new Error(`No token with id ${arg}`);
      console.log(`Revoked token ${arg}.`);
      return;
    }
    default:
      throw new UsageError(`unknown token command "${command ?? ''}"`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`pinstack: ${message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);

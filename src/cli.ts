#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ApiClient, apiBase, baseUrl, DEFAULT_TIMEOUT_S } from './cli/client.js';
import { checkToken, dbLocation, envSwitch, keyIdsAsOperands, parsePort, parseWholeNumber, requireText, REVOKE_REASON_HELP } from './cli/options.js';
import { CliError, toCliError } from './cli/errors.js';
import { forTerminal } from './cli/output.js';
import { cmdCheck } from './cli/check-command.js';
import { registerIncidentCommands } from './cli/incident-commands.js';
import { registerLedgerCommands } from './cli/ledger-commands.js';
import { registerMovementCommands } from './cli/movement-commands.js';

// The commands that open a store, serve or audit load the server, the store drivers and the
// demo (most of a second): imported when such a command runs, so that help, a refused option and
// the client commands start at once.
const commands = (): Promise<typeof import('./cli/commands.js')> => import('./cli/commands.js');
const clientCommands = (): Promise<typeof import('./cli/client-commands.js')> => import('./cli/client-commands.js');
const logCommands = (): Promise<typeof import('./cli/log-commands.js')> => import('./cli/log-commands.js');

/** Every line a command prints: what came from the server cannot drive the terminal (output.ts). */
const print = (line: string): void => {
  process.stdout.write(`${forTerminal(line)}\n`);
};
// When whatever reads the output goes away (`passage verify … | head -1`), stop quietly as Unix
// tools do on SIGPIPE (exit 141) instead of dying with a stack trace for an unhandled EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
});

function timeoutOption(): Option {
  return new Option('--timeout <seconds>', 'seconds to wait for each answer of the server').env('PASSAGE_TIMEOUT').default(String(DEFAULT_TIMEOUT_S));
}

function remote(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'Passage server URL').env('PASSAGE_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'your API token').env('PASSAGE_TOKEN'))
    .addOption(timeoutOption());
}

function client(opts: { url: string; token?: string | undefined; timeout?: string | undefined }): ApiClient {
  // Checked first: the API is under --url's path (a reverse proxy's prefix), nothing else may be in it.
  apiBase(opts.url);
  if (opts.token) checkToken(opts.token);
  // At most what setTimeout can wait (2^31 - 1 ms).
  const timeoutS = opts.timeout === undefined ? DEFAULT_TIMEOUT_S : parseWholeNumber(opts.timeout, '--timeout', 1, 2_147_483);
  return new ApiClient({ url: opts.url, token: opts.token, timeoutS });
}

/** Marks every required option "(required)" in the help: commander's help does not say so. */
function markRequired(cmd: Command): void {
  for (const o of cmd.options) if (o.mandatory && !o.description.endsWith('(required)')) o.description = `${o.description} (required)`;
  for (const sub of cmd.commands) markRequired(sub);
}

/** This package's version, from its package.json (one level above dist/ and src/). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function dbOption(): Option {
  return new Option('--db <path|url>', 'SQLite file path or postgres:// URL (default ./data/passage.db)').env('DATABASE_URL');
}

async function serveUntilSignal(db: string, opts: { host: string; port: string | undefined; osmandPort?: string | undefined; demo?: boolean; publicUrl?: string | undefined; refusePrivateWebhooks?: boolean }): Promise<void> {
  // Checked before anything is opened: a wrong one is a usage error (exit 2).
  const publicUrl = opts.publicUrl === undefined ? undefined : baseUrl(opts.publicUrl, '--public-url');
  const refusePrivateWebhooks = opts.refusePrivateWebhooks === true || envSwitch('PASSAGE_REFUSE_PRIVATE_WEBHOOKS', process.env.PASSAGE_REFUSE_PRIVATE_WEBHOOKS);
  const server = await (await commands()).cmdServe(
    db,
    { host: requireText(opts.host, '--host'), port: parsePort(opts.port, '--port', 8080), osmandPort: parsePort(opts.osmandPort, '--osmand-port', 5055), demo: opts.demo ?? false, logger: process.env.PASSAGE_LOG === '1', publicUrl, refusePrivateWebhooks },
    print,
  );
  const stop = async (): Promise<void> => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

export function buildProgram(): Command {
  const program = new Command('passage')
    .description('Passage: humanitarian corridors and the local ceasefires that protect them')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own refusals (unknown option, missing argument) are bad input like any other:
    // thrown, not exited with 1, so the catch below exits 2 (inherited by every subcommand).
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `passage: ${str}` : str) })
    // An empty environment variable (PORT=, DATABASE_URL=) counts as unset: the option keeps its
    // default. An empty value typed on the command line is still checked, and refused where it must not be empty.
    .hook('preAction', (_program, cmd) => {
      for (const option of cmd.options) {
        const key = option.attributeName();
        if (cmd.getOptionValueSource(key) === 'env' && cmd.getOptionValue(key) === '') cmd.setOptionValueWithSource(key, option.defaultValue, 'default');
      }
    });

  program
    .command('init')
    .description('create a database, the server key, the mediator party and its first admin token')
    .addOption(dbOption())
    .option('--mediator-name <name>', 'the mediator organisation’s name')
    .action(async (o: { db?: string; mediatorName?: string }) => (await commands()).cmdInit(dbLocation(o.db), o.mediatorName !== undefined ? { mediatorName: o.mediatorName } : {}, print));

  program
    .command('serve')
    .description('serve the API from an existing database (runs migrations first; create one with `passage init`)')
    .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'TCP port').env('PORT').default('8080'))
    .addOption(new Option('--osmand-port <port>', 'port for OsmAnd / Traccar Client trackers (0 = any free port)').env('OSMAND_PORT').default('5055'))
    .addOption(dbOption())
    .addOption(new Option('--public-url <url>', 'where the public reaches this server, for the feeds’ absolute links (e.g. https://example.org/passage); default: the address it listens on').env('PUBLIC_URL'))
    .option('--refuse-private-webhooks', 'refuse webhook receivers on loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and shared (100.64/10) addresses too, at subscription and at delivery; link-local, unspecified, multicast and broadcast ones are always refused (env: PASSAGE_REFUSE_PRIVATE_WEBHOOKS=1)')
    .action(async (o: { host: string; port: string; osmandPort: string; db?: string; publicUrl?: string; refusePrivateWebhooks?: boolean }) => serveUntilSignal(dbLocation(o.db), o));

  program
    .command('start')
    .description('what `npm start` runs: serve, loading the demo (shifted to now) into a new database first; an existing database is served as it is')
    .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'TCP port').env('PORT').default('8080'))
    .addOption(new Option('--osmand-port <port>', 'port for OsmAnd / Traccar Client trackers (0 = any free port)').env('OSMAND_PORT').default('5055'))
    .addOption(dbOption())
    .addOption(new Option('--public-url <url>', 'where the public reaches this server, for the feeds’ absolute links (e.g. https://example.org/passage); default: the address it listens on').env('PUBLIC_URL'))
    .option('--refuse-private-webhooks', 'refuse webhook receivers on loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and shared (100.64/10) addresses too, at subscription and at delivery; link-local, unspecified, multicast and broadcast ones are always refused (env: PASSAGE_REFUSE_PRIVATE_WEBHOOKS=1)')
    .action(async (o: { host: string; port: string; osmandPort: string; db?: string; publicUrl?: string; refusePrivateWebhooks?: boolean }) => serveUntilSignal(dbLocation(o.db), { ...o, demo: true }));

  program
    .command('demo')
    .description('load the demo scenario (public reports of March 2022, illustrative)')
    .addOption(dbOption())
    .option('--now', 'shift the scenario (corridors, convoy, incident; not the talks of 2022) so that the Sumy → Poltava window is open now')
    .option('--json', 'print tokens, party ids, tracker devices and key files as JSON')
    .option('--keys-dir <dir>', 'where to write the demo parties’ private keys')
    .action(async (o: { db?: string; now?: boolean; json?: boolean; keysDir?: string }) => {
      await (await commands()).cmdDemo(dbLocation(o.db), o, print);
    });

  const keys = program.command('keys').description('Ed25519 signing keys of a party');
  keys
    .command('generate')
    .description('write a new Ed25519 key pair as JWK files; the private one never leaves this machine')
    .option('--out <dir>', 'directory for the key files', '.')
    .option('--name <name>', 'file name stem', 'party')
    .option('--force', 'overwrite existing files')
    .action(async (o: { out: string; name: string; force?: boolean }) => (await clientCommands()).cmdKeysGenerate(o, print));
  remote(
    keys
      .command('register')
      .description('upload a public JWK for your party')
      .requiredOption('--party <id>', 'your party’s id')
      .requiredOption('--key <file>', 'the .public.jwk file'),
  ).action(async (o: { url: string; token?: string; party: string; key: string }) => (await clientCommands()).cmdKeysRegister(client(o), o, print));
  remote(
    keys
      .command('revoke')
      .description('revoke a key of your party, saying why: superseded (routine rotation; its guarantees still bind) or compromised (lost or stolen; its guarantees from --since on are void)')
      .argument('<kid>', 'the key id (RFC 7638 thumbprint), as `passage keys register` printed it')
      .requiredOption('--party <id>', 'your party’s id')
      .addOption(new Option('--reason <reason>', `why: ${REVOKE_REASON_HELP}`).choices(['superseded', 'compromised']).makeOptionMandatory())
      .option('--since <time>', 'with --reason compromised: RFC 3339 instant from which the key is suspect (not in the future, not before it was registered; default: its registration)'),
  ).action(async (kid: string, o: { url: string; token?: string; party: string; reason: string; since?: string }) => (await clientCommands()).cmdKeysRevoke(client(o), kid, o, print));

  const token = program.command('token').description('your API token');
  remote(
    token
      .command('rotate')
      .description('replace the token you use by a new one for the same member, shown once; the old one stops working (the first thing to do with a token the mediator handed over: until then it can do nothing else)')
      .option('--label <label>', 'a note to tell your tokens apart', 'rotated')
      .option('--json', 'print the new token and ids as JSON'),
  ).action(async (o: { url: string; token?: string; label: string; json?: boolean }) => (await clientCommands()).cmdTokenRotate(client(o), o, print));

  remote(
    program
      .command('sign')
      .description('fetch a corridor’s current terms, sign them with your private key, and submit the guarantee')
      .argument('<corridor>', 'corridor id')
      .requiredOption('--key <file>', 'your party’s .private.jwk file'),
  ).action(async (corridor: string, o: { url: string; token?: string; key: string }) => (await clientCommands()).cmdSign(client(o), corridor, o, print));

  remote(
    program
      .command('status')
      .description('is a corridor open (now or --at), and if not, why')
      .argument('<corridor>', 'corridor id')
      .option('--at <time>', 'RFC 3339 instant, e.g. 2022-03-08T10:00:00+02:00')
      .option('--json', 'print JSON'),
  ).action(async (corridor: string, o: { url: string; token?: string; at?: string; json?: boolean }) => (await clientCommands()).cmdStatus(client(o), corridor, o, print));

  remote(
    program
      .command('check')
      .description('what applies at a point: which corridors’ ceasefire zones cover it, whether each held, and protected sites')
      .argument('<lon>', 'longitude, decimal degrees')
      .argument('<lat>', 'latitude, decimal degrees')
      .option('--at <time>', 'RFC 3339 instant (default: now)')
      .option('--json', 'print JSON'),
  ).action(async (lon: string, lat: string, o: { url: string; token?: string; at?: string; json?: boolean }) => cmdCheck(client(o), lon, lat, o, print));

  const corridors = program.command('corridors').description('corridors');
  remote(corridors.command('list').description('list corridors').option('--state <state>', 'only in this state').option('--json', 'print JSON')).action(
    async (o: { url: string; token?: string; state?: string; json?: boolean }) => (await clientCommands()).cmdCorridorsList(client(o), o, print),
  );
  remote(corridors.command('show <corridor>').description('one corridor: each required party’s guarantee, the key it was made with, and whether it binds').option('--json', 'print JSON')).action(
    async (corridor: string, o: { url: string; token?: string; json?: boolean }) => (await clientCommands()).cmdCorridorShow(client(o), corridor, o, print),
  );
  remote(
    corridors
      .command('history <corridor>')
      .description('the corridor’s log entries, each proven in the server’s signed tree head (checked with the pinned key)')
      .requiredOption('--log-key <key|file>', 'the server’s verifier key, pinned out of band (as printed by `passage init`)')
      .option('--since <file>', 'a checkpoint saved earlier (`passage verify --save`): check the log still extends it')
      .option('--json', 'print JSON'),
  ).action(async (corridor: string, o: { url: string; token?: string; logKey: string; since?: string; json?: boolean }) => (await logCommands()).cmdCorridorHistory(client(o), corridor, o, print));
  program
    .command('verify')
    .description('audit the log: recompute the Merkle tree, check the signed head, every guarantee and cosignature, and consistency with a saved checkpoint')
    .addOption(new Option('--url <url>', 'Passage server URL (default http://127.0.0.1:8080 when --db is not given)').env('PASSAGE_URL'))
    .addOption(new Option('--token <token>', 'your API token').env('PASSAGE_TOKEN'))
    .addOption(timeoutOption())
    .option('--db <path|url>', 'read a database directly instead of a server (not with --url)')
    .option('--log-key <key|file>', 'the server’s verifier key, pinned out of band (as printed by `passage init`); required unless --trust-served-key')
    .option('--trust-served-key', 'audit with the key the audited server or database itself holds (proves nothing against it; prints a warning)')
    .option('--since <file>', 'a checkpoint saved earlier: check the log still extends it')
    .option('--save <file>', 'save the verified checkpoint, for --since next time')
    .option('--nodes', 'with --db: also compare every stored tree node (what the server builds proofs from) with the recomputed one')
    .option('--openings', 'with --url: also check the opening of each restricted entry this token may see (a request per restricted entry)')
    .option('--json', 'print the report as JSON (on failure too: {"ok": false, "exitCode", "problem"})')
    .action(async (o: { url?: string; token?: string; timeout: string; db?: string; logKey?: string; trustServedKey?: boolean; since?: string; save?: string; nodes?: boolean; openings?: boolean; json?: boolean }, cmd: Command) => {
      // Both typed: which did you mean? (PASSAGE_URL in the environment does not count.)
      const both = o.db !== undefined && cmd.getOptionValueSource('url') === 'cli';
      // The client is made inside the command, so that a refused --url is answered as JSON too with --json.
      const connect = (): ApiClient => {
        if (both) throw new CliError('give --url or --db, not both: verify audits one log at a time', 2);
        return client({ url: o.url ?? 'http://127.0.0.1:8080', timeout: o.timeout, ...(o.token ? { token: o.token } : {}) });
      };
      await (await logCommands()).cmdVerify({ ...o, connect, both }, print);
    });

  const log = program.command('log').description('the verifiable log');
  log
    .command('key')
    .description('print the server’s log verifier key from a database, to publish out of band')
    .addOption(dbOption())
    .action(async (o: { db?: string }) => (await logCommands()).cmdLogKey(dbLocation(o.db), print));
  remote(
    log
      .command('watch')
      .description('act as your party’s witness: follow the log, check each new head, cosign consistent ones, alert on a fork')
      .requiredOption('--log-key <key|file>', 'the server’s verifier key, pinned out of band')
      .requiredOption('--party-key <file>', 'your party’s .private.jwk (its public half must be registered)')
      .requiredOption('--party <id>', 'your party’s id')
      .option('--state <file>', 'where the witness keeps the latest head it saw', './witness-head.txt')
      .option('--interval <seconds>', 'seconds between polls', '10')
      .option('--once', 'check and cosign once, then exit'),
  ).action(async (o: { url: string; token?: string; logKey: string; partyKey: string; party: string; state: string; interval: string; once?: boolean }) => {
    // At most what setTimeout can wait (2^31 - 1 ms); beyond it Node would poll every millisecond.
    const interval = parseWholeNumber(o.interval, '--interval', 1, 2_147_483);
    await (await logCommands()).cmdLogWatch(client(o), { ...o, interval }, print);
  });
  registerLedgerCommands(program, { remote, client, print });
  registerMovementCommands(program, { remote, client, print });
  registerIncidentCommands(program, { remote, client, print });
  markRequired(program);
  return program;
}

buildProgram()
  .parseAsync(keyIdsAsOperands(process.argv))
  .catch((e: unknown) => {
    // Commander has said what was wrong (or shown the help asked for).
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    const err = toCliError(e);
    process.stderr.write(`passage: ${forTerminal(err.message)}\n`);
    process.exit(err.exitCode);
  });

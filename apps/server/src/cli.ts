import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  activePolicy,
  activeSigningKey,
  checkApiKeyOptions,
  checkSecret,
  createApiKey,
  createLogger,
  createPartyCrypto,
  type Db,
  type IntegrityMismatch,
  migrate,
  openDatabase,
  parseSigningKey,
  pendingMigrations,
  ROLES,
  type Role,
  resolveSecret,
  rotateSigningKey,
  verifyIntegrity,
  vouchForUnauditedRows,
  writeAuditCheckpoint,
} from '@fivecolor/api';
import { readConfig, type ServerConfig } from './config.js';
import { countParties, type DemoData, loadDemo, seedDemo } from './demo.js';
import { demoOrigins } from './demo-routes.js';
import { importCommand } from './import.js';
import { policyCommand, readPolicyFile } from './policy-apply.js';
import { count, verifyProgress } from './progress.js';
import { seedSynthetic } from './seed.js';
import { openServer, startServer } from './server.js';

const USAGE = `usage: fivecolor-server <command>

  serve                     run the API (PORT, DATABASE_URL, FIVECOLOR_DATA_DIR, FIVECOLOR_SECRET, FIVECOLOR_PUBLIC_URL)
  start [--parties N]       serve, and on an empty database seed the demo (keys, stories, N synthetic
                            parties, default 3000) first
  migrate                   apply database migrations and exit
  seed [--parties N]        add N synthetic parties (default 1000) in large batches
  keys create --role ROLE [--court CODE] [--name TEXT] [--org TEXT]
                            create an API key, ROLE one of admin, clerk, judge, enforcement, bank,
                            exchange, portal (--court required for clerk, judge, enforcement);
                            the key is printed alone on the last line
  keys rotate-signing       new report-signing key; old public keys stay published until their reports expire
  verify [--checkpoint] [--checkpoint-file FILE] [--baseline] [--policy FILE]
                            check the audit chain and that every record, party state, report and API key
                            matches its audit entries (exit 1 and the first mismatch if not); FILE: a
                            checkpoint saved from /.well-known/fivecolor-audit-head the chain must still
                            hold; --checkpoint: when all match, sign and store the chain head, printed last;
                            --baseline (once, after upgrading a database with rows from before audit
                            entries carried row hashes): vouch for the rows no audit entry names first;
                            --policy FILE: the policy the servers are given in code (not applied), to
                            check the party states computed under it too (else counted as stale)
  import FILE [--format csv|ndjson] [--encoding utf8|gb18030] [--source NAME] [--dry-run] [--batch N]
                            a court's history from CSV or NDJSON (docs/operations.md); run again on the
                            same file to finish an interrupted import; --dry-run checks every line, writes nothing;
                            --batch: rows a transaction (default 20000)
  policy simulate FILE [--as-of DATE] | policy apply FILE [--force]
                            what a policy (JSON) would change; make it the active policy (states recomputed)`;

/** A subcommand: the arguments after its name in, the exit code out (undefined: it keeps running). */
type Command = (args: string[], config: ServerConfig) => Promise<number | undefined>;

const COMMANDS = new Map<string, Command>([
  ['serve', serveCommand],
  ['start', startCommand],
  ['migrate', migrateCommand],
  ['seed', seedCommand],
  ['keys', keysCommand],
  ['verify', verifyCommand],
  ['import', (args, config) => importCommand(args, config, withDatabase)],
  ['policy', (args, config) => policyCommand(args, config, withDatabase)],
  ['help', helpCommand],
  ['--help', helpCommand],
]);

/** The `fivecolor-server` command line; returns the exit code (serve and start keep running). */
export async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.log(USAGE);
    return 2;
  }
  const run = COMMANDS.get(command);
  if (!run) throw new Error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  // Help needs no environment: it is what one reads when the environment is wrong.
  if (run === helpCommand || rest.includes('--help') || rest.includes('-h')) return helpCommand();
  return run(rest, readConfig());
}

/**
 * PORT=0 asks the system for a free port. It is taken here, before anything names it: the public URL,
 * the demo's origins and the links in reports seeded on a first start.
 */
async function withFreePort(config: ServerConfig): Promise<ServerConfig> {
  if (config.port !== 0) return config;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return { ...config, port };
}

async function serveCommand(args: string[], given: ServerConfig): Promise<undefined> {
  noOptions(args); // `serve --port 9000` would be ignored: the port is PORT
  const config = await withFreePort(given);
  const s = await startServer(config);
  // On stderr: stdout carries the JSON log lines alone, for a log collector.
  console.error(`Five-Color Code API on ${s.publicUrl} (${s.db.kind})`);
  return undefined;
}

/** `pnpm start`: the demo on the embedded database, seeded the first time. */
async function startCommand(args: string[], given: ServerConfig): Promise<undefined> {
  const { values } = parseArgs({ args, options: { parties: { type: 'string', default: '3000' } } });
  const parties = positiveInt('--parties', values.parties);
  const config = await withFreePort(given);
  let demo = await loadDemo(config.dataDir);
  if (!demo) {
    // The demo's own API calls are not worth a log line each.
    const opened = await openServer(config, { logger: createLogger({ level: 'warn' }) });
    // Left while seeding: a first start stopped halfway left part of the demo and none of its keys.
    const seeding = join(config.dataDir, 'demo-seeding');
    try {
      if (existsSync(seeding))
        throw new Error(
          `the demo's first start was stopped while seeding it: ${config.databaseUrl ? 'the database' : config.dataDir} holds part of it and no demo keys. ${config.databaseUrl ? 'Point DATABASE_URL at an empty database' : `Delete ${config.dataDir}`} and run pnpm start again`,
        );
      if ((await countParties(opened.db)) > 0) {
        // A database with data of its own (seeded, or a court's): served as it is, never added to.
        console.log('the database already has parties: no demo seeded, serving it as it is');
      } else {
        console.log(`seeding the demo (${parties} synthetic parties)…`);
        await writeFile(seeding, '');
        demo = await seedDemo({
          ...opened,
          dataDir: config.dataDir,
          parties,
          persist: true,
        });
        await rm(seeding);
      }
    } finally {
      await opened.close();
      await opened.db.close();
    }
  }
  // The demo's API also answers its own other name (localhost / 127.0.0.1) cross-origin: docs/operations.md.
  const s = await startServer(
    {
      ...config,
      allowedOrigins: demo ? demoOrigins(config.port, config.allowedOrigins) : config.allowedOrigins,
    },
    { demo },
  );
  printStart(s.publicUrl, demo);
  return undefined;
}

async function migrateCommand(args: string[], config: ServerConfig): Promise<number> {
  noOptions(args);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  console.log(`migrated (${db.kind})`);
  return 0;
}

async function seedCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values } = parseArgs({ args, options: { parties: { type: 'string', default: '1000' } } });
  const parties = positiveInt('--parties', values.parties);
  await withDatabase(config, async (db, secret) => {
    const started = performance.now();
    const result = await seedSynthetic(db, secret, {
      parties,
      // Synthetic identities continue after the parties already there (the demo's are below 2,000,000).
      offset: 2_000_000 + (await countParties(db)),
      onProgress: progressPrinter(),
      policy: (await activePolicy(db)) ?? undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `seeded ${result.parties} parties and ${result.records} records in ${seconds.toFixed(1)} s (${db.kind})`,
    );
    console.log(`colors: ${JSON.stringify(result.colors)}`);
  });
  return 0;
}

/** Prints seeding progress every 50,000 parties and at the end. */
function progressPrinter(): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (done - last >= 50_000 || done === total) {
      last = done;
      console.log(`  ${count(done)} / ${count(total)} parties`);
    }
  };
}

const KEYS_COMMANDS = new Map<string, Command>([
  ['create', createKeyCommand],
  ['rotate-signing', rotateSigningCommand],
]);

async function keysCommand([sub, ...args]: string[], config: ServerConfig): Promise<number | undefined> {
  const run = KEYS_COMMANDS.get(sub ?? '');
  if (!run)
    throw new Error(
      `keys: unknown subcommand ${JSON.stringify(sub ?? '')}; use: keys create --role ROLE, or keys rotate-signing`,
    );
  return run(args, config);
}

async function createKeyCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      court: { type: 'string' },
      name: { type: 'string' },
      org: { type: 'string' },
    },
  });
  const keyRoles = ROLES.filter((r): r is Exclude<Role, 'party'> => r !== 'party');
  if (!values.role || !keyRoles.includes(values.role as Exclude<Role, 'party'>)) {
    throw new Error(`--role: must be one of ${keyRoles.join(', ')}`);
  }
  const name = values.name ?? `${values.role} key`;
  const options = {
    role: values.role as Role,
    name,
    org: values.org ?? name,
    ...(values.court !== undefined ? { court: values.court } : {}),
  };
  checkApiKeyOptions(options); // before the database is opened (or made)
  await withDatabase(config, async (db, secret) => {
    const { id, key } = await createApiKey(db, secret, options);
    console.log(
      `created ${values.role} key ${id}${values.court ? ` for court ${values.court}` : ''}; it is shown only once:`,
    );
    console.log(key);
  });
  return 0;
}

async function rotateSigningCommand(args: string[], config: ServerConfig): Promise<number> {
  noOptions(args); // an option here (`--dry-run`) must not rotate anyway: rotating cannot be undone
  await withDatabase(config, async (db, secret) => {
    const { kid, retired } = await rotateSigningKey(db, createPartyCrypto(secret));
    console.log(
      `new report-signing key ${kid}${retired.length ? `; retired ${retired.join(', ')} (published until their reports expire)` : ''}`,
    );
    if (process.env.FIVECOLOR_SIGNING_KEY)
      console.log(
        'note: FIVECOLOR_SIGNING_KEY is set, so the server signs with that key, not the stored one',
      );
  });
  return 0;
}

/** `verify`: the database against its audit log (and a saved checkpoint); `--checkpoint` signs the head. */
async function verifyCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'boolean', default: false },
      'checkpoint-file': { type: 'string' },
      baseline: { type: 'boolean', default: false },
      policy: { type: 'string' },
    },
  });
  const file = values['checkpoint-file'];
  const saved =
    file === undefined
      ? undefined
      : await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new Error(
            err.code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${err.code})`,
          );
        });
  // The policy the servers run when it is given to them in code rather than applied.
  const policy = values.policy === undefined ? undefined : await readPolicyFile(values.policy);
  let code = 0;
  await withDatabase(config, async (db, secret) => {
    const envKey = config.signingKey ? await parseSigningKey(config.signingKey) : undefined;
    if (values.baseline) {
      const vouched = await vouchForUnauditedRows(db);
      console.log(
        `baseline: vouched for ${vouched.records} records, ${vouched.reports} reports and ${vouched.api_keys} API keys that no audit entry named`,
      );
    }
    const started = performance.now();
    const progress = verifyProgress();
    const r = await verifyIntegrity(db, {
      checkpoint: saved,
      policy,
      publicKeys: envKey ? [envKey.publicJwk] : [],
      onProgress: progress.update,
    }).finally(progress.stop);
    const seconds = (performance.now() - started) / 1000;
    const n = r.counts;
    const summary =
      `audit chain ${count(n.auditRows)} rows (head seq ${r.head.seq}), ${count(n.records)} records, ` +
      `${count(n.partyStates)} party states (${count(n.staleStates)} stale, recomputed at their next read), ` +
      `${count(n.reports)} reports, ${count(n.apiKeys)} API keys, ${count(n.checkpoints)} stored checkpoints` +
      (r.checkpoint
        ? `; saved checkpoint seq ${r.checkpoint.seq}${r.checkpoint.signed ? ' (signature verified)' : ' (unsigned)'}`
        : '');
    if (!r.ok) {
      const first = r.mismatches[0] as IntegrityMismatch;
      console.log(`MISMATCH ${first.table} ${first.id}: ${first.what}`);
      for (const m of r.mismatches.slice(1, 10)) console.log(`  also ${m.table} ${m.id}: ${m.what}`);
      console.log(`${count(r.mismatchCount)} mismatch(es); checked ${summary} in ${seconds.toFixed(1)} s`);
      code = 1;
      return;
    }
    console.log(`verified: ${summary} in ${seconds.toFixed(1)} s (${db.kind})`);
    if (values.checkpoint) {
      const key = envKey ?? (await activeSigningKey(db, createPartyCrypto(secret), new Date()));
      const cp = await writeAuditCheckpoint(db, key);
      console.log(`checkpoint: seq ${cp.seq} head ${cp.head} signed by ${cp.kid} at ${cp.at}; keep a copy:`);
      console.log(cp.jws);
    }
  });
  return code;
}

async function helpCommand(): Promise<number> {
  console.log(USAGE);
  return 0;
}

/**
 * A one-off command's database: opened, migrated, its secret checked against it, closed afterwards.
 * `readOnly` (a dry run, a simulation): nothing of the application's is written, neither migrations nor
 * the secret's fingerprint nor a PGlite data dir (PGlite still takes its lock file); a database never set
 * up is an empty one (in memory), and one that lacks some of this version's migrations is refused.
 */
async function withDatabase(
  config: ServerConfig,
  run: (db: Db, secret: string) => Promise<void>,
  opts: { readOnly?: boolean } = {},
): Promise<void> {
  const readOnly = opts.readOnly === true;
  // PGlite runs initdb where pgdata has no PG_VERSION (an empty dir, an interrupted first start): not set up.
  let inMemory = readOnly && !config.databaseUrl && !existsSync(join(config.dataDir, 'pgdata', 'PG_VERSION'));
  let db = await openDatabase(
    inMemory ? { dataDir: 'memory://' } : { databaseUrl: config.databaseUrl, dataDir: config.dataDir },
  );
  try {
    if (readOnly && !inMemory) {
      const { pending, all } = await pendingMigrations(db);
      if (pending === all) {
        await db.close(); // never set up: nothing stored to check against
        db = await openDatabase({ dataDir: 'memory://' });
        inMemory = true;
      } else if (pending > 0)
        throw new Error(
          `the database lacks ${pending} migration(s) of this version; run fivecolor-server migrate first (this command writes nothing)`,
        );
    }
    if (inMemory) console.log('no database set up yet: checking against an empty one (nothing is written)');
    if (!readOnly || inMemory) await migrate(db);
    const secret = await resolveSecret({ secret: config.secret, dataDir: config.dataDir, store: !readOnly });
    await checkSecret(db, secret, { record: !readOnly });
    await run(db, secret);
  } finally {
    await db.close();
  }
}

function printStart(base: string, demo: DemoData | null): void {
  const urls = [
    '',
    `Five-Color Code is running on ${base}`,
    '',
    `  console      ${base}/console/`,
    `  playground   ${base}/playground/   (bank page: ${base}/playground/bank.html)`,
    `  API          ${base}/trpc   health ${base}/healthz   metrics ${base}/metrics`,
    ...(demo
      ? [
          `  demo portal  ${base}/demo/litigants   POST ${base}/demo/session {"partyId":…} → a party session`,
          `  webhooks     ${base}/playground/partner.html   (signed events pushed to the demo receiver, verified)`,
        ]
      : []),
    '',
  ];
  const rest = demo
    ? [
        'Demo stories (fictional people and companies; look them up in the console by identity number):',
        ...demo.stories.flatMap((s) => [
          `  ${s.color.padEnd(6)} ${s.title}`,
          `         who     ${s.name} · ${s.idType} ${s.idNumber}`,
          `         badge   ${base}/badge/${s.badgeToken}   JSON ${base}/v1/badge/${s.badgeToken}`,
          `         report  ${s.report.reportNo}  code ${s.report.code}   ${base}/v1/reports/${encodeURIComponent(s.report.reportNo)}?code=${s.report.code}`,
        ]),
        `  screening of ${demo.screening.caseNumber}: ${demo.screening.alerts} alert(s)`,
        `  ${demo.synthetic.parties} synthetic parties: ${JSON.stringify(demo.synthetic.colors)}`,
        '',
        'Demo API keys (Authorization: Bearer <key>):',
        ...Object.entries(demo.keys).map(([role, key]) => `  ${role.padEnd(12)} ${key}`),
        '',
        `Try: curl -s -H "Authorization: Bearer ${demo.keys.judge}" "${base}/trpc/party.get?input=${encodeURIComponent(JSON.stringify({ partyId: demo.stories[0]?.partyId }))}"`,
      ]
    : ['No demo keys: create one with `pnpm exec fivecolor-server keys create --role admin --name ops`.'];
  console.log([...urls, ...rest, ''].join('\n'));
}

/** Refuses any argument: a command that takes none must not run as if an option it ignores was not given. */
function noOptions(args: string[]): void {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false });
}

/** The value of a count option: a positive integer, else an error naming the option. */
function positiveInt(option: string, value: string | undefined): number {
  const n = Number(value);
  if (!/^\d+$/.test(value ?? '') || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`${option}: must be a positive integer, got ${value}`);
  return n;
}

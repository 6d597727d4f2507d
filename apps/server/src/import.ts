import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  activePolicy,
  type BatchOutcome,
  checkImportBatch,
  createPartyCrypto,
  type Db,
  earlierPolicies,
  type FileRecord,
  ImportPipeline,
  type ImportRow,
} from '@fivecolor/api';
import { defaultPolicy, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import type { ServerConfig } from './config.js';
import {
  type BadLine,
  checkedRows,
  checkReadable,
  formatOf,
  type ImportEncoding,
  ImportFileError,
  type ImportFormat,
} from './import-file.js';
import { count, Progress } from './progress.js';

/** Opens the database as every one-off command does (cli.ts). */
export type WithDatabase = (
  config: ServerConfig,
  run: (db: Db, secret: string) => Promise<void>,
  opts?: { readOnly?: boolean },
) => Promise<void>;

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Most bad lines printed one by one (all are counted). */
const MAX_PRINTED = 1000;
/** Most lines naming a party differently printed one by one (the summary counts them all). */
const MAX_NAMES_PRINTED = 20;
/**
 * The database waits while the first batch is read and prepared: the first is small, and each after it
 * a quarter larger (about what the database writes while the command prepares the next), up to `--batch`.
 */
const FIRST_BATCH = 2000;
const BATCH_GROWTH = 1.25;

/**
 * `fivecolor-server import FILE [--format csv|ndjson] [--encoding utf8|gb18030] [--source NAME] [--dry-run] [--batch N]`:
 * a court's history from a file, in batches of one transaction each (see `ImportPipeline`). Re-running the
 * same file finishes an interrupted import: rows already there are `unchanged`. Exit 1 when any line was
 * bad (a dry run writes nothing; a real run writes the good lines).
 */
export async function importCommand(
  args: string[],
  config: ServerConfig,
  withDatabase: WithDatabase,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      encoding: { type: 'string', default: 'utf8' },
      source: { type: 'string', default: 'court-import' },
      'dry-run': { type: 'boolean', default: false },
      batch: { type: 'string', default: '20000' },
    },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0)
    throw new Error('import: give one FILE (CSV or NDJSON), e.g. import docs/examples/import.csv');
  const format = (values.format ?? formatOf(file)) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') throw new Error('--format: must be csv or ndjson');
  const encoding = values.encoding as ImportEncoding;
  if (encoding !== 'utf8' && encoding !== 'gb18030') throw new Error('--encoding: must be utf8 or gb18030');
  const source = values.source as string;
  if (!SOURCE.test(source) || source === 'court')
    throw new Error(
      '--source: 1–64 letters, digits, . _ : - (not "court", which names records entered through the API)',
    );
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
    throw new Error('--batch: must be an integer from 1 to 100000');
  const size = await stat(file).then(
    (s) => {
      if (s.isDirectory()) throw new Error(`${file}: is a directory, not a file`);
      return s.size;
    },
    (err: NodeJS.ErrnoException) => {
      throw new Error(
        err.code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${err.code})`,
      );
    },
  );
  // A real run reads the file through first: one that cannot be read is refused before any batch is written.
  if (!values['dry-run'])
    await checkReadable(file, { format, encoding }, () =>
      console.log(`reading ${file} through first: its quoting needs the CSV parser to be sure of it`),
    ).catch((err) => {
      throw err instanceof ImportFileError ? new Error(err.message) : err;
    });

  let code = 0;
  await withDatabase(
    config,
    async (db, secret) => {
      const policy = (await activePolicy(db)) ?? defaultPolicy;
      const today = toCstDate(new Date());
      const dryRun = values['dry-run'] as boolean;
      const bad: BadLine[] = [];
      const report = (b: BadLine) => {
        bad.push(b);
        if (bad.length <= MAX_PRINTED) progress.log(`line ${b.line}, column ${b.column}: ${b.rule}`);
      };
      const progress = new Progress(size, dryRun ? 'checking' : 'importing');
      const totals = { created: 0, unchanged: 0, partiesRegistered: 0, namesDiffer: 0, rows: 0 };
      // Stopped (Ctrl-C, a service manager): what committed stays, the rest is not written; say how to finish.
      const interrupted = (signal: NodeJS.Signals) => {
        progress.stop();
        console.error(
          `fivecolor-server import: stopped by ${signal} after ${count(totals.created)} records created; ` +
            'run the same command again to finish (the rows already stored are counted as unchanged)',
        );
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      if (!dryRun) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, interrupted);
      // Whatever fails, the bar stops: its timer would keep the process alive, and its buffered lines would be lost.
      try {
        const newSource = !(await sourceHasRecords(db, source));
        const opts = {
          crypto: createPartyCrypto(secret),
          secret,
          policy,
          source,
          file: basename(file),
          newSource,
          earlierPolicies: await earlierPolicies(db),
        };
        // Both runs alike: the lines refused, the lines naming a party otherwise than it is stored (a few).
        const tell = (out: Pick<BatchOutcome, 'unchanged' | 'rejected' | 'namesDiffer'>, rows: number) => {
          totals.unchanged += out.unchanged;
          for (const line of out.namesDiffer.slice(0, Math.max(0, MAX_NAMES_PRINTED - totals.namesDiffer)))
            progress.log(
              `line ${line}, column name: differs from the party's stored name; the stored name is kept`,
            );
          totals.namesDiffer += out.namesDiffer.length;
          for (const r of out.rejected) report(r);
          progress.rows(rows);
        };
        const written = (out: BatchOutcome, rows: readonly ImportRow[]) => {
          totals.created += out.created;
          totals.partiesRegistered += out.partiesRegistered;
          tell(out, rows.length);
        };
        // One batch is written while the next is read, checked and prepared, in file order.
        const pipeline = new ImportPipeline(db, opts, written);

        const seen = new Map<string, number>(); // external id → line
        // A dry run checks against what is stored what a real run would (rows imported before, the
        // records repairs list, the names parties keep), reading only; `inFile`: the file's records a
        // repair may list; `names`: the name each party named so far keeps.
        const inFile = new Map<string, FileRecord>();
        const names = new Map<string, string>();
        const check = async (rows: ImportRow[]) =>
          tell(await checkImportBatch(db, rows, opts, inFile, names), rows.length);
        const repairs: ImportRow[] = []; // written after every other row, so what they list is stored
        let batch: ImportRow[] = [];
        let limit = Math.min(batchSize, FIRST_BATCH);
        const started = performance.now();
        try {
          for await (const chunk of checkedRows(file, { format, encoding, policy, today }, seen)) {
            progress.bytes(chunk.bytes);
            totals.rows += chunk.read;
            for (const b of chunk.bad) report(b);
            if (chunk.bad.length > 0) progress.rows(new Set(chunk.bad.map((b) => b.line)).size); // done too
            for (const row of chunk.rows) {
              if (row.repairs.length > 0) repairs.push(row);
              else {
                if (dryRun)
                  inFile.set(row.externalId, {
                    category: row.category,
                    idType: row.idType,
                    idNumber: row.idNumber,
                  });
                batch.push(row);
                if (batch.length >= limit) {
                  await (dryRun ? check(batch) : pipeline.add(batch));
                  batch = [];
                  limit = Math.min(batchSize, Math.ceil(limit * BATCH_GROWTH));
                }
              }
            }
          }
        } catch (err) {
          await pipeline.finish().catch(() => {});
          if (err instanceof ImportFileError) throw new Error(err.message);
          throw err;
        }
        // A repair that lists another repair of the file is refused here, in both runs alike: written, it
        // would be refused one way or another as the repairs fall into batches.
        const repairOf = new Map(repairs.map((r) => [r.externalId, r.category]));
        const lifting = repairs.filter((r) => {
          const listed = r.repairs.find((e) => repairOf.has(e));
          if (listed !== undefined)
            report({
              line: r.line,
              column: 'repairs',
              rule: `lists ${JSON.stringify(listed.slice(0, 40))}, of category ${repairOf.get(listed)}, which is not repairable`,
            });
          return listed === undefined;
        });
        if (lifting.length < repairs.length) progress.rows(repairs.length - lifting.length);
        if (dryRun) {
          // Repairs last, as a real run writes them: what they list is in the file or stored.
          await check(batch);
          for (let i = 0; i < lifting.length; i += batchSize) await check(lifting.slice(i, i + batchSize));
        } else {
          await pipeline.add(batch);
          // Repairs after everything they may list has committed.
          await pipeline.finish();
          for (let i = 0; i < lifting.length; i += batchSize) {
            await pipeline.add(lifting.slice(i, i + batchSize));
            await pipeline.finish();
          }
        }
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        const badLines = new Set(bad.map((b) => b.line)).size;
        if (bad.length > MAX_PRINTED) console.log(`… and ${count(bad.length - MAX_PRINTED)} more problems`);
        const namesDiffer = `${count(totals.namesDiffer)} line(s) named a party differently: the stored name is kept`;
        if (dryRun) {
          console.log(
            `dry run of ${file}: ${count(totals.rows)} rows checked, ${count(badLines)} bad line(s)` +
              (totals.unchanged > 0 ? `, ${count(totals.unchanged)} imported before (unchanged)` : '') +
              (totals.namesDiffer > 0 ? `, ${namesDiffer}` : '') +
              '; nothing was written',
          );
        } else {
          const colors = await colorsNow(db);
          console.log(
            `imported ${file} (source ${source}) in ${seconds.toFixed(1)} s, ${count(Math.round(totals.rows / Math.max(seconds, 0.001)))} rows/s (${db.kind})`,
          );
          console.log(
            `created ${count(totals.created)}, unchanged ${count(totals.unchanged)}, rejected ${count(badLines)}; ` +
              `parties registered ${count(totals.partiesRegistered)}` +
              (totals.namesDiffer > 0 ? ` (${namesDiffer})` : ''),
          );
          console.log(
            `colors now: ${colors.map(([color, parties]) => `${color} ${count(parties)}`).join(', ') || 'no parties'}`,
          );
        }
        code = badLines > 0 ? 1 : 0;
      } finally {
        progress.stop();
        for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, interrupted);
      }
    },
    { readOnly: values['dry-run'] as boolean },
  );
  return code;
}

async function sourceHasRecords(db: Db, source: string): Promise<boolean> {
  const res = (await db.db.execute(
    sql`select exists (select 1 from records where source = ${source}) as stored`,
  )) as unknown as { rows: { stored: boolean }[] };
  return res.rows[0]?.stored === true;
}

/** Parties by color, most first. */
async function colorsNow(db: Db): Promise<[string, number][]> {
  const res = (await db.db.execute(
    sql`select color, count(*)::int as n from party_state group by color order by n desc, color`,
  )) as unknown as { rows: { color: string; n: number }[] };
  return res.rows.map((r) => [r.color, Number(r.n)]);
}

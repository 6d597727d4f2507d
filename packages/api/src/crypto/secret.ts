import { randomBytes, scrypt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { settings } from '../db/schema.js';

/**
 * The server secret (HMAC + encryption + signing seed): `secret` when given (FIVECOLOR_SECRET), else
 * the one stored in `<dataDir>/secret`, generated there (mode 0600) on first run. With an in-memory
 * data dir a fresh secret is returned and not stored.
 *
 * @example
 * const secret = await resolveSecret({ secret: process.env.FIVECOLOR_SECRET, dataDir: './.fivecolor' });
 */
export async function resolveSecret(opts: {
  secret?: string | undefined;
  dataDir: string;
  /** `false`: a secret generated is returned, not stored (a command that writes nothing). */
  store?: boolean;
}): Promise<string> {
  if (opts.secret) {
    if (opts.secret.length < 16) throw new Error('FIVECOLOR_SECRET must be at least 16 characters');
    return opts.secret;
  }
  const fresh = randomBytes(32).toString('base64url');
  if (opts.dataDir.startsWith('memory://')) return fresh;
  const file = join(opts.dataDir, 'secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored) return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (opts.store === false) return fresh;
  await mkdir(opts.dataDir, { recursive: true });
  try {
    await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw err;
  }
}

const SECRET_CHECK = 'secret_check';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;

/**
 * Ties the secret to the database: the first process to use a database records a fingerprint of its
 * secret there (scrypt, so that guessing a weak secret from it is slow); any later process with another
 * secret is refused before it touches any party data. Without this, a second server process with its
 * own generated secret would register duplicate parties (another identity HMAC) and fail to decrypt the
 * existing ones. With `record: false` (a command that writes nothing) a database with no fingerprint yet
 * is left so.
 */
export async function checkSecret(db: Db, secret: string, opts: { record?: boolean } = {}): Promise<void> {
  const fingerprint = `scrypt:${(await scryptAsync(secret, 'fivecolor secret check v1', 32)).toString('base64url')}`;
  if (opts.record !== false)
    await db.db.insert(settings).values({ key: SECRET_CHECK, value: fingerprint }).onConflictDoNothing();
  const [row] = await db.db
    .select({ value: settings.value })
    .from(settings)
    .where(eq(settings.key, SECRET_CHECK));
  if (row === undefined && opts.record === false) return; // none recorded yet, and this one writes nothing
  if (row?.value !== fingerprint)
    throw new Error(
      'FIVECOLOR_SECRET: this database was set up with a different secret. Every server process on one ' +
        'database must use the same secret (FIVECOLOR_SECRET, or the same <data dir>/secret file); with ' +
        'another one, identity numbers and names cannot be decrypted and parties are not found by identity.',
    );
}

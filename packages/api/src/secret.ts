import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The server secret (HMAC + encryption + signing seed): `secret` when given (FIVECOLOR_SECRET), else
 * the one stored in `<dataDir>/secret`, generated there (mode 0600) on first run. With an in-memory
 * data dir a fresh secret is returned and not stored.
 *
 * @example
 * const secret = await resolveSecret({ secret: process.env.FIVECOLOR_SECRET, dataDir: './.fivecolor' });
 */
export async function resolveSecret(opts: { secret?: string | undefined; dataDir: string }): Promise<string> {
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

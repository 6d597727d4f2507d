import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { createLogger, errorFields } from './logger.js';

function captured(level?: string) {
  const lines: string[] = [];
  const logger = createLogger(
    level ? { level } : {},
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  return { logger, lines };
}

describe('createLogger', () => {
  it('redacts identity numbers, names, tokens, keys and authorization headers down to two levels', () => {
    const { logger, lines } = captured();
    logger.info(
      {
        idNumber: '11010519491231002X',
        name: '张三',
        token: 'tok_secret_value',
        key: 'fck_secret_value',
        party: { idNumber: '11010519491231002X', name: '张三', kind: 'person' },
        input: { parties: { idNumber: '11010519491231002X', name: '张三' } },
        badge: { token: 'tok_secret_value' },
        apiKey: { key: 'fck_secret_value' },
        req: { headers: { authorization: 'Bearer fck_secret_value' } },
      },
      'request',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of ['11010519491231002X', '张三', 'tok_secret_value', 'fck_secret_value'])
      expect(line).not.toContain(secret);
    const parsed = JSON.parse(line);
    expect(parsed.party).toEqual({ idNumber: '[Redacted]', name: '[Redacted]', kind: 'person' });
    expect(parsed.msg).toBe('request');
  });

  it('writes JSON lines at the level it is given', () => {
    const { logger, lines } = captured('warn');
    logger.info('not written');
    logger.warn({ route: '/healthz' }, 'written');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['written']);
  });

  it("logs an error's type and its database code (from inside the query wrapper), not redacted", async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    try {
      const err = await db.db.execute(sql`select 1 / 0`).catch((e: unknown) => e);
      const { logger, lines } = captured();
      logger.error({ err: errorFields(err, { message: false }) }, 'procedure failed');
      const parsed = JSON.parse(lines[0]!);
      expect(parsed.err).toEqual({ type: (err as Error).name, code: '22012' });
      expect(parsed.err.type).not.toBe('[Redacted]');
      expect(errorFields(new TypeError('bad'))).toEqual({ type: 'TypeError', message: 'bad' });
    } finally {
      await db.close();
    }
  });
});

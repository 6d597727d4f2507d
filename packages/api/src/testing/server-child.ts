// A server process for the multi-process tests: prints `{"port":…,"keys":{…}}` on stdout once listening.
import { serve } from '@hono/node-server';
import { createApiKey } from '../auth/api-keys.js';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createFivecolor } from '../http/create-app.js';
import { createLogger } from '../http/logger.js';

const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: process.env.FIVECOLOR_DATA_DIR,
});
await migrate(db);
const secret = process.env.FIVECOLOR_SECRET ?? 'child-test-secret-0123456789';
const keys: Record<string, string> = {};
if (process.env.CHILD_KEYS === '1') {
  for (const role of ['clerk', 'judge', 'enforcement'] as const)
    keys[role] = (await createApiKey(db, secret, { role, name: role, court: '浙02' })).key;
}
const { app } = await createFivecolor({
  db,
  secret,
  logger: createLogger({ level: 'warn' }, process.stderr),
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port, keys })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void db.close().then(() => process.exit(0));
});

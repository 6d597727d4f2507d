// A server process for the webhook process tests: the API with its delivery worker over DATABASE_URL or
// FIVECOLOR_DATA_DIR, with WEBHOOK_OPTIONS (JSON); prints `{"ready":true}` once the worker runs.
import { openDatabase } from '../db/database.js';
import { createFivecolor } from '../http/create-app.js';
import { createLogger } from '../http/logger.js';

const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.FIVECOLOR_DATA_DIR,
});
const f = await createFivecolor({
  db,
  secret: process.env.FIVECOLOR_SECRET ?? '',
  logger: createLogger({ level: 'warn' }, process.stderr),
  sweepStates: false,
  webhooks: JSON.parse(process.env.WEBHOOK_OPTIONS ?? '{}'),
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on('SIGTERM', () => {
  void f
    .close()
    .then(() => db.close())
    .then(() => process.exit(0));
});

// Runs before `pnpm test`: makes sure what the tests need is on this machine, so the one README command
// works on a fresh one. Installs Debian's Chromium when it is missing and we are root (as on CI).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  if (process.getuid?.() === 0) {
    console.log('prepare-test-env: installing Debian chromium for the browser tests…');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  } else {
    console.error(`prepare-test-env: ${chromium} is missing; install it with: sudo apt-get install -y chromium`);
    process.exit(1);
  }
}
if (process.env.DATABASE_URL) console.log('prepare-test-env: PostgreSQL tests use DATABASE_URL');
else console.log('prepare-test-env: DATABASE_URL is unset: PostgreSQL tests are left out, PGlite tests run');

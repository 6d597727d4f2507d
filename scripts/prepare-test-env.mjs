// Runs before `pnpm test`: makes sure what the tests need is on this machine, so the one README command
// works on a fresh one. Installs Debian's Chromium (and a CJK font, so screenshots show Chinese text),
// and the JDK and Python that compile and run the docs' webhook-verification examples, when missing and
// we are root, as on CI.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const font = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
const onPath = (command) => {
  try {
    execSync(`command -v ${command}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};
const missing = [
  !existsSync(chromium) && 'chromium',
  !existsSync(font) && 'fonts-wqy-microhei',
  !onPath('javac') && 'default-jdk-headless',
  !onPath('python3') && 'python3',
].filter(Boolean);
if (missing.length > 0) {
  const install = `apt-get install -y -qq ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`prepare-test-env: missing ${missing.join(', ')}; install with: sudo ${install}`);
    process.exit(1);
  }
  console.log(`prepare-test-env: installing ${missing.join(', ')} from Debian's packages…`);
  execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${install}`, { stdio: 'inherit' });
}
console.log(
  process.env.DATABASE_URL
    ? 'prepare-test-env: PostgreSQL tests use DATABASE_URL'
    : 'prepare-test-env: DATABASE_URL is unset: PostgreSQL tests are left out, PGlite tests run',
);

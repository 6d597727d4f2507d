// The signature verification examples of docs/interchange.md, run for real: the Java file
// (docs/examples/VerifyWebhook.java, shown verbatim in the doc) compiled with javac, and the Python
// snippet with python3's standard library, against deliveries signed by the `standardwebhooks` package
// (what the worker signs with). Each must agree with the package's own verdict on every case.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';

const DOC = fileURLToPath(new URL('../../../../docs/interchange.md', import.meta.url));
const JAVA_FILE = fileURLToPath(new URL('../../../../docs/examples/VerifyWebhook.java', import.meta.url));

const SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString('base64')}`;
const OTHER = `whsec_${Buffer.alloc(32, 0x33).toString('base64')}`;

interface Case {
  name: string;
  body: string;
  headers: { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };
  secret: string;
  accepted: boolean;
}

/** A delivery as the worker sends it: the body signed at `at` with `secret` by the standardwebhooks package. */
function signed(body: string, at: Date, secret = SECRET, id = 'whk_example_42') {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

function cases(): Case[] {
  const now = new Date();
  const body = JSON.stringify({
    type: 'color.changed',
    timestamp: now.toISOString(),
    data: { seq: 42, partyId: 'pty_x', party: { name: '章某某' }, color: { from: 'green', to: 'yellow' } },
  });
  const good = signed(body, now);
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const list: Omit<Case, 'accepted'>[] = [
    { name: 'valid', body, headers: good, secret: SECRET },
    { name: 'secret without whsec_', body, headers: good, secret: SECRET.slice('whsec_'.length) },
    {
      name: 'several signatures (secret rotation), the valid one last',
      body,
      headers: {
        ...good,
        'webhook-signature': `${signed(body, now, OTHER)['webhook-signature']} ${good['webhook-signature']}`,
      },
      secret: SECRET,
    },
    { name: 'tampered body', body: body.replace('章某某', '李某某'), headers: good, secret: SECRET },
    { name: 'one byte appended', body: `${body} `, headers: good, secret: SECRET },
    { name: 'wrong secret', body, headers: good, secret: OTHER },
    {
      name: 'old timestamp (1 h ago, correctly signed)',
      body,
      headers: signed(body, hourAgo),
      secret: SECRET,
    },
    {
      name: 'future timestamp (in 1 h, correctly signed)',
      body,
      headers: signed(body, new Date(now.getTime() + 3_600_000)),
      secret: SECRET,
    },
    {
      name: 'timestamp header changed after signing',
      body,
      headers: { ...good, 'webhook-timestamp': String(Number(good['webhook-timestamp']) - 1) },
      secret: SECRET,
    },
    {
      name: 'another message id',
      body,
      headers: { ...good, 'webhook-id': 'whk_example_43' },
      secret: SECRET,
    },
    {
      name: 'not a v1 signature',
      body,
      headers: { ...good, 'webhook-signature': `v2,${good['webhook-signature'].slice(3)}` },
      secret: SECRET,
    },
  ];
  // The expected verdict is the standardwebhooks package's own.
  return list.map((c) => {
    let accepted = true;
    try {
      new Webhook(c.secret).verify(c.body, c.headers);
    } catch {
      accepted = false;
    }
    return { ...c, accepted };
  });
}

/** The first ```lang block of the Webhooks section of docs/interchange.md. */
async function docBlock(lang: string): Promise<string> {
  const doc = await readFile(DOC, 'utf8');
  const webhooks = doc.slice(doc.indexOf('## Webhooks'));
  const m = webhooks.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!m?.[1]) throw new Error(`docs/interchange.md: no ${lang} block in the Webhooks section`);
  return m[1];
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, timeout: 110_000 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
        reject(
          new Error(
            `${cmd} not found: this test compiles and runs the documentation's verification example with it; ` +
              `install it (Java: a JDK 11+, e.g. apt-get install default-jdk-headless; Python: python3)`,
          ),
        );
      else if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/** One case a line: the body base64, then the headers and the secret, tab-separated. */
const asLines = (cs: Case[]) =>
  cs
    .map((c) =>
      [
        Buffer.from(c.body).toString('base64'),
        c.headers['webhook-id'],
        c.headers['webhook-timestamp'],
        c.headers['webhook-signature'],
        c.secret,
      ].join('\t'),
    )
    .join('\n');

const JAVA_DRIVER = `import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public final class Driver {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.split("\\t", -1);
      byte[] body = Base64.getDecoder().decode(f[0]);
      System.out.println(VerifyWebhook.verify(body, f[1], f[2], f[3], f[4]) ? "accepted" : "rejected");
    }
  }
}
`;

const PYTHON_DRIVER = `
import sys
for line in sys.stdin.read().splitlines():
    body, msg_id, timestamp, signature, secret = line.split("\\t")
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    try:
        verify_webhook(base64.b64decode(body), headers, secret)
        print("accepted")
    except ValueError:
        print("rejected")
`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("docs/interchange.md's signature verification examples", () => {
  it('the Java example is docs/examples/VerifyWebhook.java, shown verbatim', async () => {
    expect(await docBlock('java')).toBe(await readFile(JAVA_FILE, 'utf8'));
  });

  it('Java (javac, standard library): accepts a standardwebhooks-signed delivery; rejects a tampered body, another secret, an old timestamp', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fivecolor-java-'));
    dirs.push(dir);
    await writeFile(join(dir, 'VerifyWebhook.java'), await readFile(JAVA_FILE, 'utf8'));
    await writeFile(join(dir, 'Driver.java'), JAVA_DRIVER);
    await run('javac', ['-Xlint:all', '-Werror', '-d', 'out', 'VerifyWebhook.java', 'Driver.java'], {
      cwd: dir,
    });
    const cs = cases();
    const out = await run('java', ['-cp', 'out', 'Driver'], { cwd: dir, input: asLines(cs) });
    expect(out.trim().split('\n')).toEqual(cs.map((c) => (c.accepted ? 'accepted' : 'rejected')));
    // The package's verdicts the example must match, so the comparison above tests something.
    expect(cs.filter((c) => c.accepted).map((c) => c.name)).toEqual([
      'valid',
      'secret without whsec_',
      'several signatures (secret rotation), the valid one last',
    ]);
  });

  it('Python (python3, standard library): the same verdicts', async () => {
    const cs = cases();
    const out = await run('python3', ['-c', `${await docBlock('python')}${PYTHON_DRIVER}`], {
      input: asLines(cs),
    });
    expect(out.trim().split('\n')).toEqual(cs.map((c) => (c.accepted ? 'accepted' : 'rejected')));
  });
});

// A test run's temporary files go into one directory of its own, removed when the run ends: the CLI and
// server tests make a data directory each (60 MB with PGlite), and every run left 1.2 GB in the system's.
// Vitest's workers and the processes they start inherit TMPDIR. The migrated PGlite template is kept
// across runs where it always was (FIVECOLOR_TEST_CACHE_DIR).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const base = tmpdir();
  process.env.FIVECOLOR_TEST_CACHE_DIR ??= base;
  const dir = mkdtempSync(join(base, 'fivecolor-test-run-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

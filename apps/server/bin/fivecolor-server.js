#!/usr/bin/env -S node --max-semi-space-size=32
// The flag above (read by `env -S`, and by the shims pnpm and npm write) lets V8's young generation grow to
// 32 MB a half instead of 16: under load the server collects its garbage half as often and its collector
// pauses about half as long in all (docs/operations.md, "The young generation").
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(`fivecolor-server: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

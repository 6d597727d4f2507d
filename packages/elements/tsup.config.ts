import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Per-element ES modules for bundlers: classes without side effects, and the define modules.
    entry: [
      'src/index.ts',
      'src/define.ts',
      'src/badge/badge.ts',
      'src/badge/define.ts',
      'src/report/report.ts',
      'src/report/define.ts',
      'src/verify/verify.ts',
      'src/verify/define.ts',
    ],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: true,
  },
  {
    // One-line embeds: Lit bundled and minified.
    entry: {
      'fivecolor-elements': 'src/bundles/fivecolor-elements.ts',
      'fivecolor-badge': 'src/bundles/fivecolor-badge.ts',
    },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    minify: true,
    target: 'es2021',
    noExternal: [/.*/],
    platform: 'browser',
    splitting: false,
  },
]);

import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * @trpc/client's package.json does not declare `sideEffects: false`, so without this the portal bundle
 * keeps links it never uses (wsLink, subscriptions); its modules have no import-time side effects.
 * The same plugin as @fivecolor/client's browser build.
 */
const trpcClientIsPure: Plugin = {
  name: 'trpc-client-is-pure',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'pure') return undefined;
      const fromTrpc = args.path.startsWith('@trpc/client') || args.importer.includes('/@trpc/client/');
      if (!fromTrpc) return undefined;
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'pure',
      });
      return r.errors.length ? undefined : { ...r, sideEffects: false };
    });
  },
};

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
      'src/define-portal.ts',
      'src/party-records/party-records.ts',
      'src/party-records/define.ts',
      'src/report-issuer/report-issuer.ts',
      'src/report-issuer/define.ts',
      'src/consents/consents.ts',
      'src/consents/define.ts',
      'src/access-log/access-log.ts',
      'src/access-log/define.ts',
    ],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: true,
  },
  {
    // One-line embeds: Lit bundled and minified. fivecolor-portal.js is the same module as
    // fivecolor-elements.js under the name court portal pages used before.
    entry: {
      'fivecolor-elements': 'src/bundles/fivecolor-elements.ts',
      'fivecolor-badge': 'src/bundles/fivecolor-badge.ts',
      'fivecolor-portal': 'src/bundles/fivecolor-elements.ts',
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
    esbuildPlugins: [trpcClientIsPure],
  },
]);

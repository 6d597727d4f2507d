import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * @trpc/client's package.json does not declare `sideEffects: false`, so without this the browser bundle
 * keeps links it never uses (wsLink, subscriptions). Its modules have no import-time side effects.
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
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
  },
  {
    // One self-contained file for <script type="module"> (no bundler, no import map), and to measure size.
    entry: { 'fivecolor-client.browser': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    noExternal: [/.*/],
    esbuildPlugins: [trpcClientIsPure],
    outExtension: () => ({ js: '.js' }),
  },
]);

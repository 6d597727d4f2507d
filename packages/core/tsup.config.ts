import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // `wire` is the subpath `@fivecolor/core/wire`: the wire types and the small constants that name
    // them. Code splitting puts those constants in a chunk of their own, so a browser bundle that
    // imports only `@fivecolor/core/wire` gets them without the catalog.
    entry: ['src/index.ts', 'src/wire.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    sourcemap: true,
    // wire.d.ts is written by the build below.
    clean: ['!wire.d.ts'],
    target: 'es2022',
  },
  {
    // Each entry's .d.ts stands alone (no shared declaration chunk), so packages that inline core's
    // types into their own .d.ts (the client) get one file with no relative imports to follow.
    entry: ['src/wire.ts'],
    format: ['esm'],
    dts: { only: true },
    target: 'es2022',
  },
]);

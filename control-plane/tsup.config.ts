import { defineConfig } from 'tsup';
import { zodEnglishOnly } from './src/dashboard/dashboard-bundle';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/cli.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    // The dashboard's script is built beside, by the second config: keep it.
    clean: ['!dashboard/**'],
    tsconfig: 'tsconfig.build.json',
    target: 'node20',
    // Loaded only by a server run from source, to bundle the dashboard (dashboard-bundle.ts).
    external: ['esbuild'],
  },
  {
    // The dashboard (TypeScript on @plcfleet/sdk) as one browser module: dist/dashboard/app.js,
    // which the server serves (src/dashboard/dashboard.routes.ts). Same options as the
    // bundle built from source in development (src/dashboard/dashboard-bundle.ts).
    entry: { 'dashboard/app': 'src/dashboard/app/main.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    outDir: 'dist',
    noExternal: [/.*/],
    minify: true,
    splitting: false,
    dts: false,
    clean: false,
    tsconfig: 'tsconfig.build.json',
    esbuildPlugins: [zodEnglishOnly],
    esbuildOptions(options) {
      options.conditions = ['source'];
      options.legalComments = 'none';
    },
  },
]);

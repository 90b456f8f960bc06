import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/** The dashboard's entry point, from this folder. */
const DASHBOARD_ENTRY = 'app/main.ts';

/**
 * Keeps only zod's English messages in the dashboard's script. zod's namespace
 * (`z.locales`) re-exports every language (about 250 KB minified), which esbuild
 * cannot drop; the page uses none of them (its errors are the server's, in English).
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(args.resolveDir, '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * Bundles the dashboard from source with esbuild, as the build does (tsup.config.ts):
 * one browser ES module with the SDK and its schemas, read through the `source`
 * condition so it is never older than the code. Only for a server run from source
 * (tests, `tsx`): esbuild is a build tool, loaded only here.
 */
export async function buildDashboardScript(): Promise<Uint8Array<ArrayBuffer>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), DASHBOARD_ENTRY)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [zodEnglishOnly],
  });
  return new Uint8Array(result.outputFiles[0]!.contents);
}

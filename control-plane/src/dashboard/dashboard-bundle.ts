import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's entry point, from this folder. */
const DASHBOARD_ENTRY = 'app/main.ts';

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
  });
  return new Uint8Array(result.outputFiles[0]!.contents);
}

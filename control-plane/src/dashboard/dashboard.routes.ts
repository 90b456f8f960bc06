import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { buildDashboardScript } from './dashboard-bundle';

/** The dashboard's static files, by URL path (the script is built, see {@link dashboardScript}). */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};
const SCRIPT_TYPE = 'text/javascript; charset=utf-8';

/**
 * Everything the page loads comes from this server: no external requests, no
 * inline script or style, no framing.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const here = dirname(fileURLToPath(import.meta.url));

/** Finds the package's `dashboard/` folder from here (src/dashboard in development, dist/ when built). */
function dashboardDir(): string {
  let dir = here;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'dashboard', 'index.html'))) return join(dir, 'dashboard');
    dir = dirname(dir);
  }
  throw new Error('control plane: dashboard/ folder not found beside the package');
}

/**
 * The dashboard's script (TypeScript in `src/dashboard/app/`, bundled with the SDK).
 * Built, it is `dist/dashboard/app.js` beside the server's own bundle (tsup.config.ts);
 * run from source (tests, `tsx`) it is bundled from source on the first request, once,
 * so it is never older than the code.
 */
function dashboardScript(): () => Promise<Uint8Array<ArrayBuffer>> {
  if (!import.meta.url.endsWith('.ts')) {
    const built = readFileSync(join(here, 'dashboard', 'app.js'));
    return async () => built;
  }
  let script: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return () => {
    script ??= buildDashboardScript();
    return script;
  };
}

/**
 * Serves the dashboard at `/` on the API's port. The page talks to the public
 * API with the user's token; the files themselves need none (they hold no data).
 */
export function mountDashboard(app: Hono): void {
  const dir = dashboardDir();
  const script = dashboardScript();
  const headers = (c: { header: (name: string, value: string) => void }, type: string) => {
    c.header('content-type', type);
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-cache');
  };
  for (const [path, f] of Object.entries(FILES)) {
    const body = readFileSync(join(dir, f.file));
    app.get(path, (c) => {
      headers(c, f.type);
      return c.body(body);
    });
  }
  app.get('/dashboard/app.js', async (c) => {
    const body = await script();
    headers(c, SCRIPT_TYPE);
    return c.body(body);
  });
}

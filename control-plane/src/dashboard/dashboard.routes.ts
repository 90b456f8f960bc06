import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** The dashboard's static files, by URL path. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * Everything the page loads comes from this server: no external requests, no
 * inline script or style, no framing.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Finds the package's `dashboard/` folder from here (src/dashboard in development, dist/ when built). */
function dashboardDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'dashboard', 'index.html'))) return join(dir, 'dashboard');
    dir = dirname(dir);
  }
  throw new Error('control plane: dashboard/ folder not found beside the package');
}

/**
 * Serves the dashboard at `/` on the API's port. The page talks to the public
 * API with the user's token; the files themselves need none (they hold no data).
 */
export function mountDashboard(app: Hono): void {
  const dir = dashboardDir();
  const bodies = new Map(Object.entries(FILES).map(([path, f]) => [path, readFileSync(join(dir, f.file))]));
  for (const [path, f] of Object.entries(FILES)) {
    app.get(path, (c) => {
      c.header('content-type', f.type);
      c.header('content-security-policy', CSP);
      c.header('x-content-type-options', 'nosniff');
      c.header('referrer-policy', 'no-referrer');
      c.header('cache-control', 'no-cache');
      return c.body(bodies.get(path)!);
    });
  }
}

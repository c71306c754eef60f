import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';

/**
 * The web dashboard: one HTML page, one JavaScript module and one stylesheet, served as they are
 * in the package (no build step). The page holds no data: it asks for a token, then reads
 * everything from the API with it in the Authorization header.
 */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
} as const;

/**
 * Only the page's own files and its own API: no inline script or style, no other origin (a route
 * is a link, and links are not loads), no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function mountDashboard(app: Hono<never>): void {
  const dir = join(import.meta.dirname, 'dashboard');
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(join(dir, asset.file));
    app.get(path, (c) => {
      c.header('Content-Type', asset.type);
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-cache');
      return c.body(body);
    });
  }
}

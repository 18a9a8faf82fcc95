// Security headers: every response refuses framing and MIME sniffing and sends no referrer; HTML pages get a
// Content-Security-Policy that allows only their own scripts (GraphiQL's inline ones by hash), no CDN.
import { createHash } from 'node:crypto';

/** On every response. API answers are data, never a document, so their policy allows nothing at all. */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
};

/**
 * The web client (web/dist, a Vite build): its module script and stylesheet come from this origin, the
 * favicon is a data: URL; GraphQL goes to this origin over fetch and WebSocket ('self' covers ws:/wss: of
 * the same host in CSP Level 3 browsers).
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GraphiQL as @graphql-yoga/render-graphiql renders it: everything inlined in one page. Its inline scripts
 * are allowed by their SHA-256 (so an injected script is not), the editor's web workers from blob: URLs it
 * makes itself, styles inline (the editor sets style attributes), fonts and icons as data: URLs.
 */
export function graphiqlCsp(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ') || "'none'"}`,
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

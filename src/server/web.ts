// GET / and the web client's files: web/dist when it has been built, else a plain page linking to GraphiQL.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const PLAIN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Quote queue</title></head>
<body>
<h1>Quote queue</h1>
<p>The GraphQL API is at <a href="/graphql">/graphql</a> (GraphiQL in a browser).</p>
<p>Health: <a href="/health">/health</a>, readiness: <a href="/ready">/ready</a>, metrics: <a href="/metrics">/metrics</a>.</p>
</body>
</html>
`;

/** Serves GET/HEAD for the web client; returns false when the path is not one of its files. */
export async function serveWeb(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  root: string = WEB_DIST,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const built = existsSync(join(root, 'index.html'));
  if (!built) {
    if (pathname !== '/' && pathname !== '/index.html') return false;
    send(res, req, 200, TYPES['.html']!, Buffer.from(PLAIN_PAGE));
    return true;
  }
  const file = resolve(root, `.${normalize(pathname === '/' ? '/index.html' : pathname)}`);
  // Nothing outside web/dist is ever served, whatever `..` the path carries.
  if (file !== root && !file.startsWith(root + sep)) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    send(res, req, 200, type, await readFile(file));
    return true;
  } catch {
    return false;
  }
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

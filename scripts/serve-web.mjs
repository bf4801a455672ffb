// `npm run web`: builds the browser demo (scripts/build-web.mjs), then serves the repository root over
// HTTP so that both /web/ (the page) and /weights/default/ (the bundled model) are reachable.
//
//   node scripts/serve-web.mjs [--host 127.0.0.1] [--port 8080] [--no-build]
//
// --port 0 takes an ephemeral port. The first stdout line is `serving http://HOST:PORT/web/` (tests read it).
// `GET <folder>/?list` answers `{"exists": bool, "files": [...]}` (always 200), so the page learns which
// model files exist without requesting absent ones. Only files under the root are served, never dot-files
// or dot-folders (.git); no dependencies.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.jinja': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Files below `dir` (relative, '/'-separated), at most `depth` folders deep, skipping dot-files. */
function listFiles(dir, depth = 2, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.')) return [];
    if (e.isDirectory()) return depth > 0 ? listFiles(path.join(dir, e.name), depth - 1, `${prefix}${e.name}/`) : [];
    return e.isFile() ? [`${prefix}${e.name}`] : [];
  });
}

/** A request path → a file or folder inside `base`, or null when it would leave it. */
function resolveInside(base, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // No NUL bytes, and no dot-files or dot-folders (.git, .env) even though the repository root is served.
  if (decoded.includes('\0') || decoded.split('/').some((seg) => seg.startsWith('.') && seg !== '.')) return null;
  const p = path.resolve(base, `.${path.posix.normalize(`/${decoded}`)}`);
  return p === base || p.startsWith(base + path.sep) ? p : null;
}

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function createServer({ base = root } = {}) {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/web/' });
      return res.end();
    }
    const file = resolveInside(base, url.pathname);
    if (file === null) return send(res, 403, 'forbidden\n');
    let st = null;
    try {
      st = statSync(file);
    } catch {
      // absent
    }
    if (url.searchParams.has('list')) {
      const files = st?.isDirectory() ? listFiles(file) : [];
      return send(res, 200, JSON.stringify({ exists: Boolean(st?.isDirectory()), files }), TYPES['.json']);
    }
    if (st?.isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { location: `${url.pathname}/${url.search}` });
        return res.end();
      }
      return serveFile(req, res, path.join(file, 'index.html'));
    }
    return serveFile(req, res, file);
  });
}

function serveFile(req, res, file) {
  let st;
  try {
    st = statSync(file);
  } catch {
    return send(res, 404, 'not found\n');
  }
  if (!st.isFile()) return send(res, 404, 'not found\n');
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': 'no-store',
    // Cross-origin isolation: gives the page SharedArrayBuffer, which the wasm backend's threads need.
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: v } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' }, 'no-build': { type: 'boolean' } },
  });
  if (!v['no-build']) {
    const { buildWeb } = await import('./build-web.mjs');
    await buildWeb({ log: (m) => console.error(m) });
  }
  const server = createServer();
  server.listen(Number(v.port), v.host, () => {
    const { port } = server.address();
    const host = v.host.includes(':') ? `[${v.host}]` : v.host;
    console.log(`serving http://${host}:${port}/web/`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

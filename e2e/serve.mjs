// A tiny static file server for www/ (node:http, no dependencies), used by the tests and the
// benchmark. Binds 127.0.0.1 on an ephemeral port by default. The harness folders outside www/
// (bench/: the benchmark page and its build; dev/: the views' development pages) can be mounted
// beside it on the same origin, so their pages import the product's modules as they are.
//
//   import { serve, BENCH, DEV } from "./serve.mjs";
//   const server = await serve({ prefix: "/some/sub/path/" });  // server.url ends with the prefix
//   serve({ mounts: { bench: BENCH } })                           // bench/ at <prefix>bench/
//   serve({ headers: { "content-security-policy": "..." } })      // extra headers on every file
//   ...; await server.close();
//
// Every server also serves the test-only files of TEST_MOUNTS (axe-core's axe.min.js for the
// accessibility check, e2e/a11y.mjs) from e2e/node_modules under <prefix>__test__/: same origin,
// so a page's `script-src 'self'` lets a test inject it; nothing of it is ever copied into www/.
//
// CLI: node e2e/serve.mjs [--port N] [--root DIR] [--prefix /sub/path/] [--harness]
//      (--harness: bench/ at /bench/ and dev/ at /dev/ beside www/)

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const WWW = fileURLToPath(new URL("../www/", import.meta.url));
export const BENCH = fileURLToPath(new URL("../bench/", import.meta.url));
export const DEV = fileURLToPath(new URL("../dev/", import.meta.url));
/** Both harness folders, at the URL paths their pages expect (bench/README.md). */
export const HARNESS = { bench: BENCH, dev: DEV };
/** Test-only files beside www/ on every server: axe-core at <prefix>__test__/axe.min.js. */
export const TEST_MOUNTS = { __test__: fileURLToPath(new URL("./node_modules/axe-core/", import.meta.url)) };
/**
 * The Content-Security-Policy this server sends with every file of a mount (the harness pages,
 * which only this server serves): the policy the product's pages carry in their own <meta>, for
 * static hosts that set no headers (e2e/harness.test.mjs checks that the two are the same).
 */
export const HARNESS_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".safetensors": "application/octet-stream",
  ".onnx": "application/octet-stream",
  ".bin": "application/octet-stream",
  ".gz": "application/gzip", // sent as they are: no Content-Encoding (www/data/*.idx.gz)
};

function send(res, status, text) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/**
 * Serves `root` under URL path `prefix`, and each directory of `mounts` ({name: dir}) under
 * `prefix + name + "/"` instead of root's `name/`. Resolves to {url, port, close()} once listening.
 * `log` (optional) is called with (method, urlPath, status) for every request.
 */
export function serve({ root = WWW, host = "127.0.0.1", port = 0, prefix = "/", mounts = {}, log, headers = {} } = {}) {
  const rootDir = path.resolve(root);
  const mounted = new Map(Object.entries({ ...TEST_MOUNTS, ...mounts }).map(([name, dir]) => [name, path.resolve(dir)]));
  if (!prefix.startsWith("/")) prefix = `/${prefix}`;
  if (!prefix.endsWith("/")) prefix += "/";

  const server = http.createServer(async (req, res) => {
    const done = (status) => log?.(req.method, req.url, status);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, "method not allowed\n");
      return done(405);
    }
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      send(res, 400, "bad request\n");
      return done(400);
    }
    if (urlPath === prefix.slice(0, -1)) {
      // "/sub/path" -> "/sub/path/" so that relative URLs resolve inside the prefix.
      res.writeHead(301, { location: prefix });
      res.end();
      return done(301);
    }
    if (!urlPath.startsWith(prefix) || urlPath.includes("\0")) {
      send(res, 404, "not found\n");
      return done(404);
    }
    let rel = urlPath.slice(prefix.length);
    let base = rootDir;
    const first = rel.split("/")[0];
    const fromMount = mounted.has(first);
    if (fromMount) {
      base = mounted.get(first);
      rel = rel.slice(first.length + 1); // "bench" -> "" (a directory: redirected below), "bench/x" -> "x"
    }
    let file = path.join(base, rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      send(res, 403, "forbidden\n");
      return done(403);
    }
    try {
      let st = await stat(file);
      if (st.isDirectory()) {
        if (!urlPath.endsWith("/")) {
          res.writeHead(301, { location: `${urlPath}/` });
          res.end();
          return done(301);
        }
        file = path.join(file, "index.html");
        st = await stat(file);
      }
      if (!st.isFile()) throw new Error("not a file");
      res.writeHead(200, {
        "content-type": MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": st.size,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        ...(fromMount ? { "content-security-policy": HARNESS_CSP } : {}),
        ...headers,
      });
      if (req.method === "HEAD") {
        res.end();
      } else {
        createReadStream(file).pipe(res);
      }
      return done(200);
    } catch {
      send(res, 404, "not found\n");
      return done(404);
    }
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://${host}:${actual}${prefix}`,
        port: actual,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

// CLI
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const harness = args.includes("--harness");
  const s = await serve({
    root: opt("root", WWW),
    port: Number(opt("port", process.env.PORT ?? 0)),
    prefix: opt("prefix", "/"),
    mounts: harness ? HARNESS : {},
    log: (method, url, status) => console.log(`${status} ${method} ${url}`),
  });
  console.log(`serving ${opt("root", WWW)} at ${s.url}${harness ? ` (bench/ at ${s.url}bench/, dev/ at ${s.url}dev/)` : ""}`);
}

// Launches the Debian chromium headless through playwright-core (Playwright's own browser
// downloads do not work on this machine). Override the binary with CHROMIUM=/path/to/chrome.

import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { DEV, serve } from "./serve.mjs";

/** Flags the Debian chromium needs here (see /work/shared/toolchain.md). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("chromium not found on PATH: run ./build.sh setup (Debian package 'chromium') or set CHROMIUM");
  }
}

/** A headless Chromium browser (playwright-core Browser). */
export function launch(options = {}) {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/**
 * Records on `problems` what a clean page never does: console errors, page errors, HTTP errors
 * and requests to any origin but `origin` (data: and blob: URLs are local).
 */
export function watchProblems(page, origin, problems) {
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol !== "data:" && u.protocol !== "blob:" && u.origin !== origin) problems.push(`foreign request ${r.url()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
}

/**
 * A test file's session on one development page (dev/*.html): `start()` serves www/ with dev/
 * beside it under a nested path (so relative URLs are exercised), launches Chromium and opens the
 * page at `query` in a 1280x900 context; `open(context, query)` opens another copy, recording
 * its problems on `problems` and waiting for `document.body.dataset.ready === "1"` and then for
 * `ready` (a function run in the page, if given); `close()` ends it all.
 */
export function devSession(pagePath, { problems, ready }) {
  const s = {
    server: null,
    browser: null,
    page: null,
    async open(context, query = "") {
      const p = await context.newPage();
      watchProblems(p, new URL(s.server.url).origin, problems);
      await p.goto(`${s.server.url}${pagePath}${query}`);
      await p.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
      if (ready) await p.waitForFunction(ready, null, { timeout: 30_000 });
      return p;
    },
    async start(query) {
      s.server = await serve({ prefix: "/nested/path/", mounts: { dev: DEV } }); // dev/ beside www/, one origin
      s.browser = await launch();
      const context = await s.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      s.page = await s.open(context, query);
    },
    async close() {
      await s.browser?.close();
      await s.server?.close();
    },
  };
  return s;
}

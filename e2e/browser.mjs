// Launches the Debian chromium headless through playwright-core (Playwright's own browser
// downloads do not work on this machine). Override the binary with CHROMIUM=/path/to/chrome.

import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";

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

// The before and after hooks a test file registers for a server and a browser of its own.

import { after, before } from "node:test";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";

/**
 * Registers the file's hooks: `serve(options)` and `launch()` before its tests, both closed after
 * them. Returns the object holding them (`server`, `browser`) once they have started.
 */
export function useServerAndBrowser(options) {
  const env = {};
  before(async () => {
    [env.server, env.browser] = await Promise.all([serve(options), launch()]);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

// The explaining views inside the explorer page (index.html): the tabs mount them, a class bar
// starts "what excites this class?", the detail view's button does the same for a channel, and
// the views follow the page's input. (The views themselves are tested in explain.test.mjs.)

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, watchProblems } from "./browser.mjs";
import { serve } from "./serve.mjs";

let server;
let browser;
let page;
const problems = [];

before(async () => {
  server = await serve({ prefix: "/course/explorer/" });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchProblems(page, new URL(server.url).origin, problems);
  await page.goto(`${server.url}index.html#model=digits&sample=digit-7`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const host = (id) => page.locator(`#${id}`);

test("clicking a class bar animates that class's maximizing image in the maximize tab", async () => {
  await page.locator("#prediction .bar-row").nth(3).click();
  await page.waitForFunction(() => document.body.dataset.view === "maximize");
  assert.equal(await page.locator("#tab-maximize").getAttribute("aria-selected"), "true");
  assert.equal(await page.locator("#maximize-panel").isHidden(), false);
  assert.equal(await page.locator("#maps-panel").isHidden(), true);
  // The image evolves over frames and the objective (the class-3 logit) rises.
  await page.waitForFunction(() => Number(document.getElementById("maximize-host").dataset.frames) >= 10, null, { timeout: 30_000 });
  const d = await host("maximize-host").evaluate((h) => ({ ...h.dataset }));
  assert.ok(Number(d.value) > Number(d.firstValue), `objective ${d.firstValue} -> ${d.value}`);
  assert.match(page.url(), /view=maximize/);
});

test("the detail view's button asks what excites that channel", async () => {
  await page.locator("#tab-maps").click();
  await page.waitForFunction(() => document.body.dataset.view === "maps");
  await page.locator("#maps canvas").nth(2).click();
  await page.waitForFunction(() => document.body.dataset.detail === "open");
  await page.locator("#detail-maximize").click();
  await page.waitForFunction(() => document.body.dataset.view === "maximize");
  assert.equal(await page.locator("#detail-dialog").evaluate((d) => d.open), false);
  await page.waitForFunction(() => Number(document.getElementById("maximize-host").dataset.frames) >= 5, null, { timeout: 30_000 });
});

test("attribution and statistics tabs mount and compute for the page's input", async () => {
  await page.locator("#tab-attribution").click();
  await page.waitForFunction(() => document.getElementById("attribution-host").dataset.state === "done", null, { timeout: 30_000 });
  await page.locator("#tab-stats").click();
  await page.waitForFunction(() => document.getElementById("stats-host").dataset.state === "done", null, { timeout: 60_000 });
  // Arrow keys move between the six tabs, the last one (Train) wrapping round to the first.
  await page.locator("#tab-stats").focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.body.dataset.view === "train");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.body.dataset.view === "maps");
  // A reload with the hash comes back to the same tab.
  await page.locator("#tab-attribution").click();
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
  await page.waitForFunction(() => document.body.dataset.view === "attribution");
  assert.equal(await page.locator("#attribution-panel").isHidden(), false);
});

test("no console errors, failed requests or requests to other origins", () => {
  assert.deepEqual(problems, []);
});

// The accessibility check (axe-core, e2e/a11y.mjs) over every page a visitor reaches, in the light
// and the dark colour scheme (their colour contrasts differ): the explorer with each tab open, its
// detail and embed-code dialogs, the lesson and the embed page with several views. A test fails on
// any serious or critical violation and lists each one (rule, help, failing elements); moderate and
// minor ones are printed as diagnostics. Also: the tab list, the detail dialog and the skip link work
// from the keyboard alone.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertA11y, formatViolations } from "./a11y.mjs";
import { launch, watchProblems } from "./browser.mjs";
import { serve } from "./serve.mjs";

let server;
let browser;

before(async () => {
  server = await serve({ prefix: "/course/a11y/" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const SCHEMES = ["light", "dark"];

/**
 * The explorer's tabs: the tab's name (#tab-<name>, #<name>-panel) and what the open tab shows
 * once it has drawn (a function run in the page). A new tab is one more line here.
 */
const TABS = [
  { name: "maps", ready: () => document.querySelectorAll("#maps canvas.map-canvas").length > 0 },
  { name: "playground", ready: () => document.querySelector("#playground-host [data-state]")?.dataset.state === "ok" },
  { name: "maximize", ready: () => document.getElementById("maximize-host").childElementCount > 0 },
  { name: "attribution", ready: () => document.getElementById("attribution-host").dataset.state === "done" },
  { name: "stats", ready: () => document.getElementById("stats-host").dataset.state === "done" },
  { name: "train", ready: () => document.getElementById("train-host").childElementCount > 0 },
];

/** The embed page's views checked (its hash keys are the element's attributes). */
const EMBEDS = [
  "model=digits&view=maps&layer=0&input=digit-7&controls=all",
  "view=filters&layer=conv1&channel=2&controls=input+layer+prediction",
  "view=playground&kernel=sobelX&controls=all",
  "view=maximize&layer=0&channel=1",
  "view=attribution&input=digit-3&controls=all",
  "view=stats",
  "view=train&steps=20&autostart",
];

async function newPage(colorScheme) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, colorScheme });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(server.url).origin, problems);
  return { ctx, page, problems };
}

const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/**
 * The check of one page state: a serious or critical violation is added to `found` (so one test
 * reports every state it checks), what is below them printed as diagnostics of test `t`.
 */
async function check(t, found, page, what, options) {
  try {
    const minor = await assertA11y(page, what, options);
    if (minor.length) for (const line of `${what}: moderate or minor:\n${formatViolations(minor)}`.split("\n")) t.diagnostic(line);
  } catch (e) {
    found.push(e.message);
  }
}

const none = (found) => assert.ok(found.length === 0, `\n${found.join("\n\n")}`);

/** Waits until every <convlens-explorer> of the page is ready (or shows its error) and has drawn. */
function elementsReady(page, timeout = 60_000) {
  return page.waitForFunction(
    () => {
      const all = [...document.querySelectorAll("convlens-explorer")];
      return all.length > 0 && all.every((e) => e.dataset.state === "error" || (e.dataset.state === "ready" && e.shadowRoot.querySelector(".cx-view canvas")));
    },
    null,
    { timeout },
  );
}

for (const scheme of SCHEMES) {
  test(`explorer (${scheme}): every tab, the detail dialog and the embed-code dialog`, { timeout: 240_000 }, async (t) => {
    const { ctx, page, problems } = await newPage(scheme);
    const found = [];
    await page.goto(`${server.url}index.html#model=digits&sample=digit-7`);
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
    for (const tab of TABS) {
      await page.click(`#tab-${tab.name}`);
      await page.waitForFunction((n) => document.body.dataset.view === n, tab.name);
      await page.waitForFunction(tab.ready, null, { timeout: 60_000 });
      await frames(page);
      await check(t, found, page, `explorer, ${scheme}, tab ${tab.name}`);
    }
    // "What excites it?" while it runs and when it is done.
    await page.click("#tab-maximize");
    await page.locator("#maximize-host button", { hasText: /^Start$/ }).click();
    await page.waitForFunction(() => document.getElementById("maximize-host").dataset.state === "done", null, { timeout: 60_000 });
    await check(t, found, page, `explorer, ${scheme}, tab maximize after a run`);

    await page.click("#tab-maps");
    await page.locator("#maps canvas.map-canvas").nth(2).click();
    await page.waitForFunction(() => document.body.dataset.detail === "open", null, { timeout: 30_000 });
    await frames(page);
    await check(t, found, page, `explorer, ${scheme}, detail dialog`);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.getElementById("detail-dialog").open);

    await page.click("#embed-code");
    await page.waitForSelector("#embed-dialog[open]");
    await check(t, found, page, `explorer, ${scheme}, embed-code dialog`);
    await page.keyboard.press("Escape");
    none(found);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test(`lesson (${scheme})`, { timeout: 120_000 }, async (t) => {
    const { ctx, page, problems } = await newPage(scheme);
    const found = [];
    await page.goto(`${server.url}lesson.html`);
    await elementsReady(page);
    await frames(page);
    await check(t, found, page, `lesson, ${scheme}`);
    none(found);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test(`embed page (${scheme}): ${EMBEDS.length} views`, { timeout: 180_000 }, async (t) => {
    const { ctx, page, problems } = await newPage(scheme);
    const found = [];
    for (const hash of EMBEDS) {
      await page.goto(`${server.url}embed.html#${hash}`);
      await elementsReady(page);
      if (hash.includes("view=stats")) {
        await page.waitForFunction(() => document.getElementById("view").shadowRoot.querySelector(".cle-stats")?.dataset.state === "done", null, { timeout: 60_000 });
      }
      await frames(page);
      await check(t, found, page, `embed.html#${hash}, ${scheme}`);
    }
    none(found);
    assert.deepEqual(problems, []);
    await ctx.close();
  });
}

test("keyboard alone: the tab list (WAI-ARIA tabs: arrows, Home, End, one tab stop), the detail dialog, the skip link", { timeout: 120_000 }, async () => {
  const { ctx, page, problems } = await newPage("light");
  await page.goto(`${server.url}index.html#model=digits&sample=digit-7`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
  const names = await page.evaluate(() => [...document.querySelectorAll("[role=tablist] [role=tab]")].map((b) => b.id.replace(/^tab-/, "")));
  assert.deepEqual(names.slice(0, TABS.length), TABS.map((v) => v.name), "the tab order");
  const state = () =>
    page.evaluate(() => ({
      focused: document.activeElement?.id,
      view: document.body.dataset.view,
      selected: [...document.querySelectorAll("[role=tab][aria-selected=true]")].map((b) => b.id),
      tabbable: [...document.querySelectorAll("[role=tab]")].filter((b) => b.tabIndex === 0).map((b) => b.id),
      shown: [...document.querySelectorAll("[role=tabpanel]")].filter((p) => !p.hidden).map((p) => p.id),
    }));
  const expect = async (name, how) => {
    await page.waitForFunction((n) => document.body.dataset.view === n, name);
    const s = await state();
    assert.deepEqual(s, { focused: `tab-${name}`, view: name, selected: [`tab-${name}`], tabbable: [`tab-${name}`], shown: [`${name}-panel`] }, how);
  };
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link", "the first Tab stop");
  await page.focus("#tab-maps");
  for (let i = 1; i < names.length; i++) {
    await page.keyboard.press("ArrowRight");
    await expect(names[i], `ArrowRight to tab ${i}`);
  }
  await page.keyboard.press("ArrowRight");
  await expect(names[0], "ArrowRight wraps to the first tab");
  await page.keyboard.press("ArrowLeft");
  await expect(names.at(-1), "ArrowLeft wraps to the last tab");
  await page.keyboard.press("Home");
  await expect(names[0], "Home");
  await page.keyboard.press("End");
  await expect(names.at(-1), "End");
  // One tab stop for the list (roving tabindex): Shift+Tab leaves it, Tab comes back to the
  // selected tab, not the first.
  await page.keyboard.press("Shift+Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement.getAttribute("role")), "tab", "Shift+Tab leaves the tab list");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), `tab-${names.at(-1)}`, "Tab comes back to the selected tab");
  // Tab from the selected tab goes into its panel, Shift+Tab back.
  await page.keyboard.press("Home");
  await expect(names[0], "Home");
  await page.keyboard.press("Tab");
  const into = await page.evaluate(() => document.activeElement.closest("[role=tabpanel]")?.id ?? document.activeElement.id);
  assert.equal(into, `${names[0]}-panel`, "Tab from the selected tab moves into its panel");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), `tab-${names[0]}`);
  // Enter on a map opens its detail with the focus on a control of the dialog one can see;
  // Escape closes it and gives the focus back to that map.
  await page.locator("#maps canvas.map-canvas").nth(2).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.body.dataset.detail === "open", null, { timeout: 30_000 });
  const focus = await page.evaluate(() => {
    const a = document.activeElement;
    return { inDialog: !!a.closest("#detail-dialog"), shown: a.getClientRects().length > 0, what: a.getAttribute("aria-label") ?? a.tagName };
  });
  assert.ok(focus.inDialog && focus.shown, `the focus in the open dialog: ${JSON.stringify(focus)}`);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.getElementById("detail-dialog").open);
  const back = await page.evaluate(() => {
    const a = document.activeElement;
    return { layer: a.closest("section.layer")?.dataset.layer, channel: a.dataset.channel };
  });
  assert.deepEqual(back, { layer: "0", channel: "2" }, "the focus back on the map that opened the dialog");
  // The skip link leads to the open view's tab and leaves the view and the
  // URL's state as they are.
  await page.focus(`#tab-${names[0]}`);
  await page.keyboard.press("End");
  await expect(names.at(-1), "End");
  const hash = await page.evaluate(() => location.hash);
  await page.focus(".skip-link");
  await page.keyboard.press("Enter");
  await expect(names.at(-1), "the skip link");
  assert.equal(await page.evaluate(() => location.hash), hash);
  assert.deepEqual(problems, []);
  await ctx.close();
});

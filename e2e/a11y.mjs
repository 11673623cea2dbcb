// The accessibility check of the end-to-end tests: axe-core (npm, e2e/package.json) run inside a
// page under test. The test server (serve.mjs) serves axe.min.js at <prefix>__test__/axe.min.js on
// the page's own origin, so the pages' `script-src 'self'` lets Playwright add it as a script
// tag (inline script text would be refused).
//
//   import { checkA11y, assertA11y } from "./a11y.mjs";
//   const violations = await checkA11y(page);                     // every violation, all impacts
//   await assertA11y(page, "the Train tab");                     // throws on serious or critical
//   await assertA11y(page, "the dialog", { context: "#detail-dialog", exclude: ["#maps canvas"] });

/** What axe checks: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
export const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
/** The impacts a test fails on. */
export const FAILING = ["serious", "critical"];

/**
 * Adds axe to `page` (once per document) from `url`; by default from the page's own folder, where
 * the test server puts it when the page is one of www/ (pass `${server.url}__test__/axe.min.js`
 * for a page in a subfolder).
 */
export async function injectAxe(page, url = null) {
  if (await page.evaluate(() => typeof window.axe?.run === "function")) return;
  url ??= await page.evaluate(() => new URL("__test__/axe.min.js", location.href).href);
  await page.addScriptTag({ url });
  await page.waitForFunction(() => typeof window.axe?.run === "function");
}

/**
 * Runs axe over `context` (a selector, default the whole document, open shadow roots included)
 * less `exclude` (selectors), with the rules of TAGS (axe from `axeUrl`: see injectAxe). Resolves to axe's violations:
 * [{id, impact, help, helpUrl, nodes: [{target, failureSummary}]}].
 */
export async function checkA11y(page, { context = null, exclude = [], tags = TAGS, axeUrl = null } = {}) {
  await injectAxe(page, axeUrl);
  return page.evaluate(
    async ({ context, exclude, tags }) => {
      const ctx = { include: context ? [[context]] : [["html"]], exclude: exclude.map((s) => [s]) };
      // preload: false: axe's preload copies each shadow root's stylesheets into <style> elements
      // (refused by the pages' style-src 'self', a console error each); only the experimental
      // css-orientation-lock rule, which TAGS never runs, reads them.
      const result = await window.axe.run(ctx, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"], preload: false });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.flat(), failureSummary: n.failureSummary })),
      }));
    },
    { context, exclude, tags },
  );
}

/** The violations of `impacts` among `violations`. */
export const failing = (violations, impacts = FAILING) => violations.filter((v) => impacts.includes(v.impact));

/**
 * A report of `violations` that says what to fix: per rule its impact, id and help, then each
 * failing element (its selector; " >> " steps into a shadow root) and what axe found wrong.
 */
export function formatViolations(violations) {
  if (!violations.length) return "no accessibility violations";
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => {
        const why = (n.failureSummary ?? "").split("\n").map((l) => l.trim()).filter(Boolean).join("; ");
        return `    ${n.target.join(" >> ")}${why ? `\n      ${why}` : ""}`;
      });
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"}; ${v.helpUrl})\n${nodes.join("\n")}`;
    })
    .join("\n");
}

/**
 * Runs checkA11y and throws when it finds a serious or critical violation, with the formatted
 * list (`what` names the page state in the message). Resolves to the other (moderate, minor)
 * violations, for the test to report.
 */
export async function assertA11y(page, what, options = {}) {
  const all = await checkA11y(page, options);
  const bad = failing(all);
  if (bad.length) {
    throw new Error(`${what}: ${bad.length} serious or critical accessibility violation${bad.length === 1 ? "" : "s"}:\n${formatViolations(bad)}`);
  }
  return all.filter((v) => !bad.includes(v));
}

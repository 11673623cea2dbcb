// ESLint over the project's JavaScript: the shipped page (www/), the page tests and the bench
// driver (e2e/), the node unit tests (tests/js/), the benchmark and development pages (bench/,
// dev/) and the build tools (tools/). Run from the repository root by ./build.sh check and test:
//   tools/lint/node_modules/.bin/eslint -c tools/lint/eslint.config.mjs www e2e bench dev tools tests/js
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: [
      "**/node_modules/**",
      "www/pkg*/**",
      "www/vendor/**",
      "bench/pkg*/**",
      "bench/vendor/**",
      "dist/**",
      "target/**",
      "bench-results/**",
    ],
  },
  js.configs.recommended,
  {
    files: ["www/**/*.js", "bench/**/*.js", "dev/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser, ...globals.worker } },
  },
  {
    files: ["e2e/**/*.mjs", "tests/js/**/*.mjs", "tools/**/*.mjs", "tools/**/*.js"],
    // page.evaluate() callbacks run in the browser: its globals too.
    languageOptions: { sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
];

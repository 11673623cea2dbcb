// ./build.sh bundle: the single-file offline build and the npm package, from www/ (after
// ./build.sh build has put the release wasm in www/pkg/ and the relaxed-SIMD one in www/pkg-relaxed/).
//
//   dist/convlens.html  the whole explorer page in one file: JS (esbuild), CSS, the wasm, the
//                       builtin models (inside the wasm), samples/index.json and every sample
//                       picture, the evaluation data of www/data/ (the *.idx files) and the MNIST
//                       training set (digits-train12k-*.idx.gz, 1.9 MB, so the Train view trains
//                       offline; not Fashion-MNIST's 5.3 MB, which it fetches from data/ beside the
//                       file when served) -- works from file:// with no network. The engine worker is a Blob
//                       of its bundled source with the wasm bytes inside; fetches of samples/ and data/ are answered from the
//                       inlined bytes. Only the plain SIMD128 build is inside (every browser with
//                       SIMD128 runs it; the relaxed one would add 415 KB, a third more as base64,
//                       for ~1.1-1.3x on the kernels), so start.js picks it there.
//   dist/npm/           the npm package "convlens": the wasm package (pkg/) and the relaxed-SIMD
//                       build's .wasm (pkg-relaxed/, the same glue serves both; start.js picks one
//                       per page load), the web component (js/convlens-explorer.js and the modules
//                       it loads: js/ without js/page/, the explorer page's own modules), css/,
//                       samples/, data/ (evaluation data and training sets), embed.html,
//                       package.json and a README.
//
// Usage: node tools/npm/bundle.mjs [--out dist]

import { build } from "esbuild";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WWW = path.join(ROOT, "www");
const outArg = process.argv.indexOf("--out");
const DIST = path.resolve(ROOT, outArg > 0 ? process.argv[outArg + 1] : "dist");

const MIME = { ".json": "application/json", ".png": "image/png", ".jpg": "image/jpeg", ".idx": "application/octet-stream", ".svg": "image/svg+xml" };

async function exists(p) {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** One esbuild bundle of `entry` as a string (dynamic imports inlined): an ES module or an IIFE. */
async function bundle(entry, format = "esm") {
  const r = await build({
    entryPoints: [path.join(WWW, entry)],
    bundle: true,
    format,
    // import.meta.url is only read where nothing is inlined (worker.js fetches the wasm by URL
    // unless self.convlensInline.wasm is set), so its absence in the classic worker is harmless.
    logOverride: { "empty-import-meta": "silent" },
    minify: true,
    write: false,
    target: ["es2022"],
    legalComments: "none",
    logLevel: "warning",
  });
  return r.outputFiles[0].text;
}

/** Text safe inside an inline <script> (no "</script" or "<!--"). */
function scriptSafe(js) {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

async function singleFile() {
  const wasm = await readFile(path.join(WWW, "pkg/convlens_bg.wasm"));
  // A classic worker: Chromium refuses module workers from blob: URLs of a file:// page.
  const workerJs = await bundle("js/engine/worker.js", "iife");
  // The worker learns the wasm bytes before its module body runs (worker.js reads self.convlensInline).
  const workerSource = `self.convlensInline={wasm:Uint8Array.from(atob(${JSON.stringify(wasm.toString("base64"))}),c=>c.charCodeAt(0))};\n${workerJs}`;
  const appJs = await bundle("js/page/app.js");

  // Assets answered from memory: the sample index and pictures, the evaluation data.
  const assets = {};
  const samples = JSON.parse(await readFile(path.join(WWW, "samples/index.json"), "utf8"));
  assets["samples/index.json"] = await readFile(path.join(WWW, "samples/index.json"));
  for (const s of samples) {
    for (const f of [s.file, s.thumb].filter(Boolean)) assets[`samples/${f}`] = await readFile(path.join(WWW, "samples", f));
  }
  for (const f of await readdir(path.join(WWW, "data"))) {
    // The evaluation samples and the MNIST training set; the Fashion-MNIST one is fetched when
    // training on it starts, and from file:// fails with the message of www/js/core/datasets.js.
    if (f.endsWith(".idx") || /^digits-train12k-(images|labels)\.idx\.gz$/.test(f)) assets[`data/${f}`] = await readFile(path.join(WWW, "data", f));
  }
  const assetTable = Object.fromEntries(
    Object.entries(assets).map(([k, v]) => [k, [MIME[path.extname(k)] ?? "application/octet-stream", v.toString("base64")]]),
  );

  const cssFiles = ["style.css", "css/views.css", "css/explain.css", "css/embed-code.css", "css/train.css", "css/evaluation.css"];
  const css = (await Promise.all(cssFiles.map((f) => readFile(path.join(WWW, f), "utf8")))).join("\n");
  const favicon = `data:image/svg+xml;base64,${(await readFile(path.join(WWW, "favicon.svg"))).toString("base64")}`;
  const credits = await readFile(path.join(WWW, "samples/ATTRIBUTION.md"), "utf8");

  // The prelude (a classic script, so it runs before the module): the inlined assets, a fetch that
  // answers samples/ and data/ requests from them, and data: URLs for <img>.
  const prelude = `(() => {
const A = ${JSON.stringify(assetTable)};
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const keyOf = (u) => { try { const p = new URL(u, location.href).pathname; const m = /(?:^|\\/)((?:samples|data)\\/[^/]+)$/.exec(p); return m && A[m[1]] ? m[1] : null; } catch { return null; } };
const realFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input?.url;
  const key = url && keyOf(url);
  if (key) return Promise.resolve(new Response(bytes(A[key][1]), { status: 200, headers: { "content-type": A[key][0] } }));
  return realFetch(input, init);
};
globalThis.convlensInline = {
  workerSource: ${JSON.stringify(workerSource)},
  assetUrl: (p) => { const k = keyOf(p); return k ? "data:" + A[k][0] + ";base64," + A[k][1] : null; },
  singleFile: true,
};
})();`;

  let html = await readFile(path.join(WWW, "index.html"), "utf8");
  const before = html;
  html = html
    .replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, "")
    .replace(/\s*<!-- boot\.js first[^>]*-->/, "")
    .replace(/\s*<script type="module"[^>]*><\/script>/g, "")
    .replace(/\s*<link rel="modulepreload"[^>]*>/g, "")
    .replace(/\s*<link rel="stylesheet"[^>]*>/g, "")
    .replace(/href="favicon\.svg"/g, `href="${favicon}"`)
    .replace(/src="favicon\.svg"/g, `src="${favicon}"`)
    .replace(/\s*<a href="lesson\.html">[^<]*<\/a>/, "")
    .replace(
      /<a href="samples\/ATTRIBUTION\.md">([^<]*)<\/a>/,
      (_, text) => `<details class="credits"><summary>${text}</summary><pre>${credits.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre></details>`,
    );
  if (html === before || /<script[^>]*src=/.test(html) || /<link rel="(stylesheet|modulepreload)"/.test(html)) {
    throw new Error("index.html changed shape: the single-file build still refers to files");
  }
  // A function, not a string, as the replacement: minified code may hold "$&" or "$'" (say
  // `G===$&&...`), which a replacement string would expand into the matched text.
  html = html.replace(
      "</head>",
      () => `  <style>\n${css.replace(/<\/style/gi, "<\\/style")}\n  </style>\n  <script>${scriptSafe(prelude)}</script>\n  <script type="module">${scriptSafe(appJs)}</script>\n</head>`,
    );
  if (!html.includes(scriptSafe(appJs)) || !html.includes(scriptSafe(prelude))) {
    throw new Error("the single-file build's inlined scripts differ from the bundles");
  }
  await mkdir(DIST, { recursive: true });
  const out = path.join(DIST, "convlens.html");
  await writeFile(out, html);
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  console.log(
    `dist/convlens.html: ${kb(html.length)} (wasm ${kb(wasm.length)}, app JS ${kb(appJs.length)}, worker JS ${kb(workerJs.length)}, CSS ${kb(css.length)}, ${Object.keys(assets).length} inlined files ${kb(Object.values(assets).reduce((a, b) => a + b.length, 0))}; base64 adds a third)`,
  );
}

// ---------------------------------------------------------------- npm package

async function npmPackage() {
  const out = path.join(DIST, "npm");
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const version = /^version\s*=\s*"([^"]+)"/m.exec(await readFile(path.join(ROOT, "Cargo.toml"), "utf8"))[1];
  // The component and everything it imports, as ES modules with their own file names (no bundling:
  // a course page's own bundler, or none, can use them as they are).
  for (const dir of ["js", "css", "pkg", "samples", "data"]) await cp(path.join(WWW, dir), path.join(out, dir), { recursive: true });
  // Only what the component needs: the explorer page's and the lesson's own modules stay out.
  await rm(path.join(out, "js/page"), { recursive: true, force: true });
  await rm(path.join(out, "pkg/.gitignore"), { force: true });
  await mkdir(path.join(out, "pkg-relaxed"));
  await cp(path.join(WWW, "pkg-relaxed/convlens_bg.wasm"), path.join(out, "pkg-relaxed/convlens_bg.wasm"));
  await rm(path.join(out, "css/embed-code.css"), { force: true });
  for (const f of ["style.css", "favicon.svg", "embed.html"]) await cp(path.join(WWW, f), path.join(out, f));
  const pkg = {
    name: "convlens",
    version,
    description: "See what a convolutional neural network sees: the <convlens-explorer> web component (feature maps, filters, convolution playground, activation maximization, attributions, filter statistics), computed in the browser by Rust compiled to WebAssembly.",
    type: "module",
    license: "MIT",
    keywords: ["cnn", "feature-maps", "web-component", "webassembly", "teaching", "visualization"],
    exports: {
      ".": "./js/convlens-explorer.js",
      "./element": "./js/convlens-explorer.js",
      "./engine": "./js/engine/client.js",
      "./wasm": "./pkg/convlens.js",
      "./embed.html": "./embed.html",
      "./package.json": "./package.json",
      "./*": "./*",
    },
    main: "./js/convlens-explorer.js",
    module: "./js/convlens-explorer.js",
    files: ["js/", "css/", "pkg/", "pkg-relaxed/", "samples/", "data/", "style.css", "favicon.svg", "embed.html", "README.md"],
    sideEffects: ["./js/convlens-explorer.js", "./js/element/explorer.js", "./js/element/embed-page.js", "./js/engine/start.js"],
  };
  await writeFile(path.join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(
    path.join(out, "README.md"),
    `# convlens ${version}

The \`<convlens-explorer>\` web component: one live view of a convolutional neural network
(feature maps, a filter, the convolution playground, activation maximization, attributions,
filter statistics) for course pages. Everything runs in the reader's browser (Rust compiled to
WebAssembly, in a Web Worker); their pictures never leave it.

Serve this folder's files from your site (the element loads its wasm, styles, samples,
evaluation data and, when training starts, the training sets of \`data/\` from next to its own
module, on your origin), then:

\`\`\`html
<script type="module" src="/node_modules/convlens/js/convlens-explorer.js"></script>
<convlens-explorer model="digits" view="maps" layer="0" input="digit-7"></convlens-explorer>
\`\`\`

or from a bundler: \`import "convlens";\` (the files of \`js/\`, \`pkg/\`, \`pkg-relaxed/\`, \`css/\`,
\`samples/\` and \`data/\` must be served alongside the module). \`pkg-relaxed/\` holds the engine
built with relaxed SIMD (fused multiply-add), which browsers that support it get instead of
\`pkg/convlens_bg.wasm\`: one .wasm is downloaded per page. \`embed.html#model=digits&view=filters&layer=0\`
is the iframe form.

Attributes: model, view (maps | filters | playground | maximize | attribution | stats), layer,
channel, input, controls, height (and for the playground: kernel, kernel-size, stride, padding).
Events: \`prediction\`, \`select\`. The full reference is in the comment at the top of
\`js/convlens-explorer.js\` and in the project's docs/embedding.md.
`,
  );
  let files = 0;
  let bytes = 0;
  const walk = async (d) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        files++;
        bytes += (await stat(p)).size;
      }
    }
  };
  await walk(out);
  console.log(`dist/npm/: package convlens@${version}, ${files} files, ${(bytes / 1024).toFixed(0)} KB`);
}

// The training sets (generated, gitignored) are part of the npm package: never ship one without them.
const TRAIN_SETS = ["digits", "fashion"].flatMap((n) => ["images", "labels"].map((k) => `data/${n}-train12k-${k}.idx.gz`));
for (const f of ["pkg/convlens_bg.wasm", "pkg-relaxed/convlens_bg.wasm", ...TRAIN_SETS]) {
  if (!(await exists(path.join(WWW, f)))) {
    console.error(`www/${f} is missing: run ./build.sh build first`);
    process.exit(1);
  }
}
await singleFile();
await npmPackage();

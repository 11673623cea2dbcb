// Where a page asset (a sample picture) is shown from. Normally its relative path; in the
// single-file build (tools/npm/bundle.mjs) there are no files next to the page, so the build's
// prelude provides `globalThis.convlensInline.assetUrl(path)` (a data: URL of the inlined bytes).

export function assetUrl(path) {
  return globalThis.convlensInline?.assetUrl?.(path) ?? path;
}

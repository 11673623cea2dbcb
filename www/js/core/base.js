// Where the files next to the page are: the www/ folder (the npm package's root), two levels above
// this module. Every fetch of samples/, data/ and models/ and every stylesheet the element links
// resolves against it, so the modules work from any sub-path of any site.

/** The www/ folder as a URL (ends with "/"); in the single-file build (its modules are inline in
 * the page, so import.meta.url is the page's), the page's own folder. */
export const BASE = globalThis.convlensInline?.singleFile && globalThis.location ? new URL("./", globalThis.location.href) : new URL("../../", import.meta.url);

/** The URL of `path` (relative to www/, e.g. "samples/index.json"). */
export const assetHref = (path) => new URL(path, BASE);

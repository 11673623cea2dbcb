// Models fetched on demand (not built into the wasm): the catalog models/index.json lists
// {id, file, title, about, bytes}; `download` fetches one with progress and can be cancelled.

/** The catalog, or [] when there is none (the single-file build, a server without models/). */
export async function loadCatalog(url) {
  try {
    const res = await fetch(url);
    if (!res.ok) return [];
    const list = await res.json();
    return Array.isArray(list) ? list.filter((m) => typeof m?.id === "string" && typeof m?.file === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Fetches `url` into one Uint8Array, calling onProgress(loaded, total) as bytes arrive (total is
 * the Content-Length, else `expected`, else 0). Rejects with a readable Error (an AbortError when
 * `signal` aborts).
 */
export async function download(url, { onProgress = () => {}, signal, expected = 0 } = {}) {
  const res = await fetch(url, { signal });
  if (!res.ok) {
    const hint = res.status === 404 ? " (the server does not have it: `./build.sh models` makes it)" : "";
    throw new Error(`${url.split("/").pop()}: HTTP ${res.status}${hint}`);
  }
  const total = Number(res.headers.get("content-length")) || expected;
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return bytes;
  }
  const reader = res.body.getReader();
  const parts = [];
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

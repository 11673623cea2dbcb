// Reading pictures in the browser: files (picker, drop, paste), sample URLs and webcam frames,
// each to {grey: Float32Array, rgb: Float32Array (3 planes, CHW), width, height}. Decoding uses createImageBitmap on the
// Blob itself, so no blob: or data: URL is needed (the page's CSP allows neither). The size is read
// from the file header first, so a huge image is refused before it is decoded.

import { resizeArea, sizeProblem, sniffImage, toGrey, toRgbPlanes } from "../core/preprocess.js";

/** Pictures are reduced to at most this many pixels a side before preprocessing. */
const WORK_SIDE = 512;

/** Greyscale and RGB pixels of an ImageBitmap / video / canvas source of size w x h (downscaled when large). */
export function greyOf(source, w, h) {
  const s = Math.min(1, WORK_SIDE / Math.max(w, h));
  const width = Math.max(1, Math.round(w * s));
  const height = Math.max(1, Math.round(h * s));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, width, height);
  const { data } = ctx.getImageData(0, 0, width, height);
  return { grey: toGrey(data, width, height), rgb: toRgbPlanes(data, width, height), width, height };
}

/** Decodes a Blob/File to greyscale and RGB; throws an Error with a readable reason. */
export async function decodeImage(blob) {
  const head = new Uint8Array(await blob.slice(0, 64 * 1024).arrayBuffer());
  if (!blob.size) throw new Error("the file is empty");
  const sniffed = sniffImage(head);
  if (sniffed) {
    const problem = sizeProblem(sniffed.width, sniffed.height);
    if (problem) throw new Error(problem);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (e) {
    const kind = sniffed ? `${sniffed.format} ` : "";
    throw new Error(`the browser could not decode it as an image (${kind}${e?.message ?? e})`, { cause: e });
  }
  try {
    const problem = sizeProblem(bitmap.width, bitmap.height);
    if (problem) throw new Error(problem);
    return greyOf(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** Fetches and decodes a same-origin image URL. */
export async function loadImageUrl(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return decodeImage(await res.blob());
}

/** A same-origin image stretched to `width` x `height`, greyscale in [0, 1] (the harness pages). */
export async function loadImageFitted(url, width, height) {
  const { grey, width: w, height: h } = await loadImageUrl(url);
  return resizeArea(grey, w, h, width, height);
}

/** A webcam session: start() shows the stream in `video`; grab() returns the current frame. */
export class Webcam {
  constructor(video) {
    this.video = video;
    this.stream = null;
  }

  get active() {
    return !!this.stream;
  }

  async start() {
    const md = navigator.mediaDevices;
    if (!md?.getUserMedia) {
      throw new Error("this browser offers no camera access here (it needs a secure page: https or localhost)");
    }
    try {
      this.stream = await md.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (e) {
      const name = e?.name ?? "";
      if (name === "NotAllowedError" || name === "SecurityError") throw new Error("camera permission was denied; allow the camera for this page and try again", { cause: e });
      if (name === "NotFoundError" || name === "OverconstrainedError") throw new Error("no camera was found on this device", { cause: e });
      if (name === "NotReadableError") throw new Error("the camera is in use by another application", { cause: e });
      throw new Error(`the camera could not be started (${e?.message ?? e})`, { cause: e });
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
  }

  grab() {
    const v = this.video;
    if (!this.stream || !v.videoWidth) throw new Error("the camera has no picture yet");
    return greyOf(v, v.videoWidth, v.videoHeight);
  }

  stop() {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}

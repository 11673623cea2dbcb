// The page's own preprocessing of a photo for a colour model, for reference.py --node-check: runs
// www/js/core/preprocess.js prepareColour (centre crop, area resize).
//
//   node tools/mobilenet/page_fit.mjs IN OUT WIDTH HEIGHT OUT_WIDTH OUT_HEIGHT
//
// IN: float32 little-endian, HWC (RGB) values in [0, 1]; OUT: float32, HWC, OUT_HEIGHT x OUT_WIDTH x 3.

import { readFileSync, writeFileSync } from "node:fs";
import { prepareColour } from "../../www/js/core/preprocess.js";

const [inPath, outPath, ...dims] = process.argv.slice(2);
const [w, h, ow, oh] = dims.map(Number);
const buf = readFileSync(inPath);
const hwc = new Float32Array(buf.buffer, buf.byteOffset, w * h * 3);
const planes = new Float32Array(w * h * 3);
for (let c = 0; c < 3; c++) for (let i = 0; i < w * h; i++) planes[c * w * h + i] = hwc[3 * i + c];
const chw = prepareColour(planes, w, h, { outHeight: oh, outWidth: ow });
const out = new Float32Array(ow * oh * 3);
for (let c = 0; c < 3; c++) for (let i = 0; i < ow * oh; i++) out[3 * i + c] = chw[c * ow * oh + i];
writeFileSync(outPath, Buffer.from(out.buffer));

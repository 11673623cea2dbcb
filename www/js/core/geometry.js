// Layer geometry as text: kernel, stride and padding pairs, and the output-size formula with a layer's own
// numbers. Pure functions (no DOM), unit-tested in node (tests/js/preprocess.test.mjs).

/** A kernel size, stride... pair as text: "3" when both are 3, else "3×5"; "" for none. */
export function pairText(p) {
  if (p === undefined || p === null) return "";
  if (!Array.isArray(p)) return String(p);
  return p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`;
}

/**
 * The output-size formula with numbers, e.g. "(28 + 2*2 - 5) / 1 + 1 = 28"; with dilation d != 1
 * the kernel's span is written d*(k-1) + 1; a division that does not come out even is floored.
 */
export function formulaText(input, kernel, stride, padding, dilation = 1) {
  const span = dilation === 1 ? `${kernel}` : `${dilation}*(${kernel}-1) - 1`;
  const top = input + 2 * padding - dilation * (kernel - 1) - 1;
  const out = Math.floor(top / stride) + 1;
  const inner = `${input} + 2*${padding} - ${span}`;
  const exact = top % stride === 0;
  return exact ? `(${inner}) / ${stride} + 1 = ${out}` : `⌊(${inner}) / ${stride}⌋ + 1 = ${out}`;
}

/** The formula lines of a conv/pool layer: one for H, and one for W when W's numbers differ. */
export function formulaLines(layer) {
  if (!layer.kernelSize) return [];
  const [, ih, iw] = layer.inputShape;
  const d = layer.dilation ?? [1, 1];
  const h = formulaText(ih, layer.kernelSize[0], layer.stride[0], layer.padding[0], d[0]);
  const w = formulaText(iw, layer.kernelSize[1], layer.stride[1], layer.padding[1], d[1]);
  return h === w ? [{ axis: "H, W", text: h }] : [{ axis: "H", text: h }, { axis: "W", text: w }];
}

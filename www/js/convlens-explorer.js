// <convlens-explorer>: one live convlens view as a custom element, for course pages, slides and
// learning-management systems.
//
//   <script type="module" src="js/convlens-explorer.js"></script>
//   <convlens-explorer model="digits" view="maps" layer="0" input="digit-7"></convlens-explorer>
//
// Attributes (all optional; every change updates the element live):
//   model    builtin name ("digits", "fashion", "edges") or the URL of a .safetensors or .onnx model file on
//            this page's own origin (the element never contacts another site). Default "digits".
//   view     maps | filters | playground | maximize | attribution | stats | train. Default "maps".
//              maps        every layer's feature maps, or only layer `layer` when it is given
//              filters     the detail of one map: the filter (kernel weights) of channel
//                          `channel` of layer `layer`, the map and its receptive field
//              playground  one kernel slid over the input; extra attributes kernel (a preset:
//                          identity, vertical, horizontal, sobelX, sobelY, blur, sharpen, emboss),
//                          kernel-size (3|5), stride (1-3), padding (0-2)
//              maximize    activation maximization of channel `channel` of layer `layer`
//                          (started at once when `layer` is given)
//              attribution which input pixels drove class `channel` (default: the predicted class)
//              stats       activation statistics over the evaluation sample (dead / rare filters)
//              train       a small CNN trained in the page on MNIST or Fashion-MNIST: its curves,
//                          filters and maps as it learns, the timeline of snapshots, Download
//                          (the `model`, `input`, `layer` and `channel` attributes don't apply)
//   layer    a layer index counted from 0 (as in the app's links) or a layer name ("conv1").
//            Default: all layers (maps), the first conv layer (filters, maximize).
//   channel  a channel (or unit / class) index from 0. Default 0.
//   input    a sample name ("digit-7", with or without ".png"; see samples/index.json) or the URL
//            of an image on this page's own origin. Default: a sample that suits the model.
//   controls which controls show, a space- or comma-separated list of: model (model picker),
//            input (sample picker, drawing on the input, Clear), layer (layer and channel
//            pickers), view (view picker), prediction (the network's answer); or "all" / "none".
//            Default "input prediction". Unknown words are reported in the element.
//   shift    "dx dy": moves the input picture dx pixels right and dy down (negative: left / up,
//            at most 8) after it is converted, e.g. to show that pooling tolerates small shifts.
//   height   a CSS length ("480px", "30rem", "70vh") or a number of pixels; the element scrolls
//            inside it. Default: as tall as its content.
// With view="train" (each optional, each live):
//   preset        tiny | digits | fashion | deep. Default "tiny" (one conv layer).
//   dataset       digits | fashion. Default: the preset's.
//   optimizer     adam | sgd. Default "adam".
//   learning-rate a number. Default: the optimizer's (Adam 0.001, SGD 0.01).
//   batch-size    1 to 4096. Default 64.      weight-decay  0 to 1. Default 0.
//   seed          a whole number (the weights and the data order). Default 0.
//   steps         training stops by itself after this many steps. Default: until paused.
//   autostart     boolean attribute: start training when ready.
//   arch          the layer list, e.g. "c8k5p2-relu-mp2-flat-fc10" (docs/js-api.md). Default: the preset's.
//
// Events (bubbling, composed; read them with addEventListener):
//   prediction  after every forward pass. detail: {model, index, label, probability (null when
//               the output is not a probability vector), output: number[], labels: string[]}
//   select      when the reader picks a map, layer or channel in the element. detail: {model,
//               view, layer, layerName, channel}
//   train-progress  while training, at least every 50 steps and at the end. detail: {steps, epoch,
//               loss, accuracy, testAccuracy} (testAccuracy on the held-out test sample, null
//               until first measured)
//   train-done  when `steps` is reached or training stops: the same detail plus reason: "steps" |
//               "paused" | "diverged"
//
// A missing or bad attribute never throws: the element shows what is wrong inside itself (and
// keeps the rest working where it can). Pictures are processed in the browser only.
//
// All elements of a page share one engine worker and one wasm instance (Engine.shared()); each
// keeps its own model in its own slot of that worker. Built with createElement and CSSOM only, in
// a shadow root with same-origin stylesheets, so it works under a strict Content-Security-Policy
// (`default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`).
//
// The element is js/element/explorer.js; this file is its documented address.

export * from "./element/explorer.js";

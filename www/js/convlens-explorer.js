// <convlens-explorer>: one live convlens view as a custom element, for course pages, slides and
// learning-management systems.
//
//   <script type="module" src="js/convlens-explorer.js"></script>
//   <convlens-explorer model="digits" view="maps" layer="0" input="digit-7"></convlens-explorer>
//
// Attributes (all optional; every change updates the element live):
//   model    builtin name ("digits", "fashion", "edges") or the URL of a .safetensors or .onnx model file on
//            this page's own origin (the element never contacts another site). Default "digits".
//   view     maps | filters | playground | maximize | attribution | stats. Default "maps".
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
//
// Events (bubbling, composed; read them with addEventListener):
//   prediction  after every forward pass. detail: {model, index, label, probability (null when
//               the output is not a probability vector), output: number[], labels: string[]}
//   select      when the reader picks a map, layer or channel in the element. detail: {model,
//               view, layer, layerName, channel}
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

// What the training benchmark page imports as bench/vendor/convnet.js: ConvNetJS (npm convnetjs,
// a CommonJS build that sets module.exports) as the default export of an ES module. Bundled by
// bundle.mjs.
import convnetjs from "convnetjs";
export default convnetjs;

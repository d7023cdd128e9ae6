// Starts the analysis worker: loads wasm-bindgen's no-modules glue (worker.js, built by Trunk)
// and its WebAssembly module, both from this script's own directory (works under any sub-path).
importScripts("./worker.js");
wasm_bindgen("./worker_bg.wasm").catch(function (e) {
  self.postMessage({ Error: { message: "The analysis worker could not start: " + e } });
});

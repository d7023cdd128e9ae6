// Starts the reading worker (reads and parses the files beside the analysis worker, which builds
// the dataset from what it parsed): loads wasm-bindgen's no-modules glue (worker_read.js, built
// by Trunk) and its WebAssembly module from this script's own directory. The analysis worker
// starts it.
importScripts("./worker_read.js");
wasm_bindgen("./worker_read_bg.wasm").catch(function (e) {
  self.postMessage({ error: "the reading worker could not start: " + e });
});

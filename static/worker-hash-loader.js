// Starts the hash worker (SHA-256 fingerprints of the files being read, off the analysis
// worker's reading path): loads wasm-bindgen's no-modules glue (worker_hash.js, built by Trunk)
// and its WebAssembly module from this script's own directory. The analysis worker starts it.
importScripts("./worker_hash.js");
wasm_bindgen("./worker_hash_bg.wasm").catch(function (e) {
  self.postMessage({ error: "the hash worker could not start: " + e });
});

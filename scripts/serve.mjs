// A plain static file server for the built site (what a researcher's static host does).
// Usage: node scripts/serve.mjs DIR [PORT] [PREFIX]   (PREFIX e.g. /chorus/ to test sub-path hosting)
// Binds 127.0.0.1 only. Prints "serving http://127.0.0.1:PORT/PREFIX" when ready.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const root = resolve(process.argv[2] || "dist");
const port = Number(process.argv[3] || 8080);
let prefix = process.argv[4] || "/";
if (!prefix.endsWith("/")) prefix += "/";
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png",
  ".json": "application/json", ".webmanifest": "application/manifest+json",
  ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8",
};
const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    let path = decodeURIComponent(url.pathname);
    if (path + "/" === prefix) { res.writeHead(301, { Location: prefix }); return res.end(); }
    if (!path.startsWith(prefix)) { res.writeHead(404); return res.end("not found"); }
    path = path.slice(prefix.length) || "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
    let target = file;
    if ((await stat(target)).isDirectory()) target = join(target, "index.html");
    const body = await readFile(target);
    res.writeHead(200, {
      "Content-Type": types[extname(target)] || "application/octet-stream",
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end("not found");
  }
});
server.listen(port, "127.0.0.1", () => {
  console.log(`serving http://127.0.0.1:${server.address().port}${prefix}`);
});

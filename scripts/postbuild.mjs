// After `trunk build`: move Trunk's inline bootstrap <script type="module"> into a file, so the
// Content-Security-Policy can forbid inline scripts (script-src 'self'). Fails loudly if the
// page still has an inline script afterwards.
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";

const dist = process.argv[2] || "dist";
const indexPath = join(dist, "index.html");
let html = readFileSync(indexPath, "utf8");
const re = /<script type="module">([\s\S]*?)<\/script>/;
const m = html.match(re);
if (m) {
  const body = m[1].trim() + "\n";
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  const name = `init-${hash}.js`;
  writeFileSync(join(dist, name), body);
  html = html.replace(re, `<script type="module" src="./${name}"></script>`);
  writeFileSync(indexPath, html);
}
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) {
  console.error("postbuild: dist/index.html still has an inline <script>; the CSP would block it");
  process.exit(1);
}
if (/(src|href)="\//.test(html)) {
  console.error("postbuild: dist/index.html has an absolute path; the site must work under a sub-path");
  process.exit(1);
}
console.log("postbuild: index.html has no inline script and only relative URLs");

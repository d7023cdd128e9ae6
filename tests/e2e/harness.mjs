// Shared end-to-end helpers: a static server on the `make build` output (optionally under a
// sub-path), Debian Chromium driven by playwright-core, and a recorder that fails a test on any
// request leaving the page's origin or carrying data.
import { spawn } from "node:child_process";
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OUT = join(ROOT, "tests", "e2e", "out");
mkdirSync(OUT, { recursive: true });

/** Start `scripts/serve.mjs dist 0 PREFIX`; resolves to { url, close }. */
export function startServer(prefix = "/", dir = join(ROOT, "dist")) {
  return new Promise((resolve, reject) => {
    const child = spawn("node", [join(ROOT, "scripts", "serve.mjs"), dir, "0", prefix], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/serving (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], close: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error(`static server exited with ${code}`)));
  });
}

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", ...extraArgs],
  });
}

/**
 * One suite's setup: the app served under /chorus/ and a browser (set in `before`), and a
 * temporary directory for its inputs and downloads, removed with the server and browser after
 * the suite (generated inputs can be half a gigabyte).
 */
export function suite(name) {
  const env = { server: null, browser: null, tmp: mkdtempSync(join(tmpdir(), `chorus-${name}-`)) };
  before(async () => {
    env.server = await startServer("/chorus/");
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
    rmSync(env.tmp, { recursive: true, force: true });
  });
  return env;
}

/** A browser context that records every request (page and workers) and console errors. */
export async function newRecordedPage(browser, baseUrl, viewport = { width: 1280, height: 800 }, contextOptions = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...contextOptions });
  const origin = new URL(baseUrl).origin;
  const requests = [];
  const consoleErrors = [];
  context.on("request", (r) => requests.push({ url: r.url(), method: r.method(), hasBody: !!r.postDataBuffer() }));
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("websocket", (ws) => requests.push({ url: ws.url(), method: "WEBSOCKET", hasBody: true }));
  /** Requests that left the origin (blob:/data: URLs of the page itself are allowed). */
  const foreign = () => requests.filter((r) => {
    if (r.url.startsWith("data:")) return false;
    if (r.url.startsWith("blob:")) return !r.url.startsWith("blob:" + origin);
    return new URL(r.url).origin !== origin;
  });
  /** Requests that carried data (anything but GET, or a body). */
  const carryingData = () => requests.filter((r) => r.method !== "GET" || r.hasBody);
  return { context, page, requests, consoleErrors, foreign, carryingData };
}

export function shot(page, name) {
  return page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

/** Minimal RFC 4180 CSV reader (quotes, doubled quotes, newlines in quotes). */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else q = false; }
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Fail unless the recorded page made no request leaving the origin and none carrying data. */
export function assertPrivate(rec) {
  assert.deepEqual(rec.foreign(), [], "requests left the origin");
  assert.deepEqual(rec.carryingData(), [], "requests carried data");
}

/** Click the export button `testid`, save the download in `dir`; resolves to { name, text }. */
export async function downloadText(page, testid, dir) {
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60000 }),
    page.locator(`[data-testid=${testid}]`).click(),
  ]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { name: download.suggestedFilename(), text: readFileSync(path, "utf8") };
}

// Browser benchmark through the real app (the `make build` output on a static server, Debian
// Chromium headless): drop the tweets + users files of a synthetic IO archive, and measure
// ingest MB/s (the page's own read time), time from drop to results, and the worker's
// WebAssembly memory. Usage: node scripts/bench-browser.mjs TWEETS.csv USERS.csv
import { statSync } from "node:fs";
import { startServer, launch, newRecordedPage, shot } from "../tests/e2e/harness.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/bench-browser.mjs FILE...");
  process.exit(2);
}
const bytes = files.map((f) => statSync(f).size).reduce((a, b) => a + b, 0);
const server = await startServer("/");
const browser = await launch();
try {
  const { page, context, foreign } = await newRecordedPage(browser, server.url, { width: 1920, height: 1080 });
  await page.goto(server.url);
  await page.locator("[data-testid=file-input]").waitFor();
  const t0 = Date.now();
  await page.locator("[data-testid=file-input]").setInputFiles(files);
  await page.locator("[data-testid=read-time]").waitFor({ timeout: 30 * 60 * 1000 });
  const readMs = Number(await page.locator("[data-testid=read-time]").getAttribute("data-ms"));
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: 30 * 60 * 1000 });
  const totalMs = Date.now() - t0;
  const mem = await page.locator("[data-testid=memory-use]").getAttribute("data-bytes").catch(() => null);
  const summary = (await page.locator("[data-testid=results-summary] .cards").innerText()).replace(/\s+/g, " ");
  await shot(page, "bench-browser-results");
  const mb = bytes / 1e6;
  console.log(`| input | ${mb.toFixed(0)} MB (${files.length} files) |`);
  console.log(`|---|---|`);
  console.log(`| ingest in the worker (page's read time) | ${(readMs / 1000).toFixed(1)} s = ${(mb / (readMs / 1000)).toFixed(0)} MB/s |`);
  console.log(`| drop to results (ingest + detection + first render) | ${(totalMs / 1000).toFixed(1)} s |`);
  console.log(`| worker WebAssembly memory after detection | ${mem ? (Number(mem) / 2 ** 30).toFixed(2) + " GiB" : "n/a"} |`);
  console.log(`| results | ${summary} |`);
  console.log(`| requests leaving the origin | ${foreign().length} |`);
  await context.close();
} finally {
  await browser.close();
  server.close();
}

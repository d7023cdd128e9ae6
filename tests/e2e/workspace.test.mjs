// End to end on the release build served under a sub-path (/chorus/): the demo dataset, an
// IO-archive upload with exports (roles checked against the native CLI), hostile content,
// the column-mapping form, parameters in the URL fragment, and nothing leaving the origin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync, existsSync, cpSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { suite, newRecordedPage, shot, ROOT, parseCsv, assertPrivate, downloadText, startServer, launch } from "./harness.mjs";

const env = suite("ws");
const tmp = env.tmp;
const RING = join(ROOT, "tests", "it", "data", "export", "ring_tweets_csv_unhashed.csv");
const HOSTILE = join(ROOT, "tests", "it", "data", "export", "hostile_tweets_csv_hashed.csv");
const RESULTS_TIMEOUT = 240000;

test("demo dataset: clusters listed, network drawn, account panel, views screenshotted", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=demo-button]").waitFor();
  await shot(page, "01-landing");
  await page.locator("[data-testid=demo-button]").click();
  await page.locator("[data-testid=progress]").waitFor({ timeout: 30000 });
  await shot(page, "02-loading");
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  const summary = await page.locator("[data-testid=results-summary]").innerText();
  assert.match(summary, /clusters/);
  const nClusters = await page.locator("[data-testid=cluster-list] .cluster-ol > li").count();
  assert.ok(nClusters >= 1, `the demo's planted networks give clusters (got ${nClusters})`);
  await page.locator("[data-testid=network-view] canvas").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.waitForTimeout(500);
  await shot(page, "03-results-1280");
  // a cluster on demand: its own network and narratives
  await page.locator("[data-testid=cluster-list] .cluster-ol > li button").first().click();
  await page.locator("[data-testid=cluster-detail] .narratives").waitFor({ timeout: 60000 });
  await page.locator("[data-testid=network-view] canvas").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.waitForTimeout(500);
  await shot(page, "04-cluster");
  // the accounts table is virtualised: far fewer rows in the DOM than accounts
  const rows = await page.locator("[data-testid=accounts-table] .table-window .trow").count();
  assert.ok(rows > 0 && rows < 200, `rendered rows: ${rows}`);
  await page.locator("[data-testid=accounts-table] .table-window .trow").first().click();
  await page.locator("[data-testid=account-panel]").waitFor({ timeout: 30000 });
  assert.match(await page.locator("[data-testid=account-panel]").innerText(), /Why/);
  await shot(page, "05-account-panel");
  await page.locator("[data-testid=account-panel] button", { hasText: "Close" }).click();
  await page.locator("[data-testid=account-panel]").waitFor({ state: "detached" });
  // parameters are in the URL fragment, never data
  const hash = new URL(page.url()).hash;
  assert.match(hash, /rep=\d+/);
  assert.doesNotMatch(hash, /demo|csv/i);
  // the PNG of the network view downloads
  const [png] = await Promise.all([page.waitForEvent("download"), page.locator("[data-testid=export-png]").click()]);
  assert.equal(png.suggestedFilename(), "network.png");
  assertPrivate(rec);
  await context.close();
});

test("demo at 1920x1080 is readable", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1920, height: 1080 });
  const { page, context } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=demo-button]").click();
  await page.locator("[data-testid=network-view] canvas").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(ROOT, "tests", "e2e", "out", "06-results-1920.png") });
  assertPrivate(rec);
  await context.close();
});

/** The native CLI (release if built, else debug, built on demand). */
function chorusBin() {
  const found = ["release", "debug"].map((p) => join(ROOT, "target", p, "chorus")).find(existsSync);
  if (found) return found;
  execFileSync("cargo", ["build", "--bin", "chorus"], { cwd: ROOT, stdio: "inherit" });
  return join(ROOT, "target", "debug", "chorus");
}

/** `chorus synth` tweets + users files of a dump with planted networks. */
function synthFiles() {
  const out = join(tmp, "synth");
  execFileSync(chorusBin(), ["synth", "--scenario", "mixed", "--seed", "11", "--scale", "0.2", "--out", out]);
  const stem = join(out, "synth_mixed_11");
  return [`${stem}_tweets_csv_hashed.csv`, `${stem}_users_csv_hashed.csv`];
}

/** Upload the synthetic IO archive on `rec`'s page; check its exports, that report.json's input
 * fingerprints are what sha256sum says, and that its roles agree with the native CLI's. */
async function uploadAndCheckAgainstCli(rec, url = env.server.url) {
  const { page } = rec;
  await page.goto(url);
  const files = synthFiles();
  await page.locator("[data-testid=file-input]").setInputFiles(files);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  const { name, text } = await downloadText(page, "export-accounts-csv", tmp);
  assert.equal(name, "accounts.csv");
  const rows = parseCsv(text);
  assert.deepEqual(rows[0].slice(0, 6), ["account_id", "screen_name", "role", "cluster", "score", "reasons"]);
  const browserRoles = new Map(rows.slice(1).filter((r) => r.length > 2).map((r) => [r[0], r[2]]));
  assert.ok([...browserRoles.values()].some((r) => r === "core"), "the planted networks yield core accounts");
  for (const id of ["export-clusters-csv", "export-edges-csv", "export-gexf", "export-graphml", "export-report-json"]) {
    const f = await downloadText(page, id, tmp);
    assert.ok(f.text.length > 0, `${f.name} is empty`);
    if (id === "export-report-json") {
      // the input fingerprints (the browser's SHA-256 of each file, or ours) are what sha256sum says
      const sha = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
      assert.deepEqual(JSON.parse(f.text).inputs.map((i) => [i.bytes, i.sha256]), files.map((p) => [readFileSync(p).length, sha(p)]));
    }
  }
  // the native CLI on the same file, same default parameters
  const out = join(tmp, "cli-out");
  execFileSync(chorusBin(), ["analyze", "--quiet", "--out", out, ...files]);
  const cliRows = parseCsv(readFileSync(join(out, "accounts.csv"), "utf8"));
  const cliRoles = new Map(cliRows.slice(1).filter((r) => r.length > 2).map((r) => [r[0], r[2]]));
  assert.equal(browserRoles.size, cliRoles.size);
  for (const [id, role] of cliRoles) assert.equal(browserRoles.get(id), role, `role of ${id}`);
  assertPrivate(rec);
}

/** The worker's read-loop lines (console.debug): who read and parsed each file; and in
 * `lines.fingerprints` its lines on how each file was fingerprinted after the read. */
function readLoopLines(page) {
  const lines = [];
  lines.fingerprints = [];
  page.on("console", (m) => {
    const t = m.text();
    if (t.startsWith("read loop")) lines.push(t);
    else if (t.startsWith("fingerprint of")) lines.fingerprints.push(t);
  });
  return lines;
}

test("IO-archive upload: results, exported accounts.csv parses; roles agree with the CLI", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const lines = readLoopLines(rec.page);
  await uploadAndCheckAgainstCli(rec);
  // both files were read and parsed by the reading worker, and built by the analysis worker
  assert.equal(lines.length, 2, lines.join("\n"));
  for (const l of lines) assert.match(l, /read and parsed by the reading worker, fingerprinted after the read/);
  // and fingerprinted after the read by the browser's SHA-256 (report.json waited for it)
  assert.equal(lines.fingerprints.length, 2, lines.fingerprints.join("\n"));
  for (const l of lines.fingerprints) assert.match(l, /the browser's SHA-256 in the reading worker, after the read/);
  await rec.context.close();
});

test("if the reading worker cannot start, the analysis worker reads the files itself, with the same results", async () => {
  // the built site without the reading worker's loader (its service worker, which precaches it,
  // cannot install: it is blocked in this context)
  const site = join(tmp, "site-without-reading-worker");
  cpSync(join(ROOT, "dist"), site, { recursive: true, dereference: true });
  rmSync(join(site, "worker-read-loader.js"));
  const server = await startServer("/chorus/", site);
  try {
    const rec = await newRecordedPage(env.browser, server.url, undefined, { serviceWorkers: "block" });
    const lines = readLoopLines(rec.page);
    await uploadAndCheckAgainstCli(rec, server.url);
    assert.equal(lines.length, 2, lines.join("\n"));
    for (const l of lines) assert.match(l, /read, parsed and hashed here/);
    await rec.context.close();
  } finally {
    server.close();
  }
});

test("where the browser has no byob stream reader, the file is read slice by slice, with the same results", async () => {
  // the built site with a slice reader that asks for a reader mode no browser has: getReader
  // throws, as it does where byte streams are missing, and the slice reader falls back
  const site = join(tmp, "site-without-byob");
  cpSync(join(ROOT, "dist"), site, { recursive: true, dereference: true });
  const js = join(site, "slice-reader.js");
  const src = readFileSync(js, "utf8");
  assert.ok(src.includes('{ mode: "byob" }'), "the slice reader asks for a byob reader");
  writeFileSync(js, src.replace('{ mode: "byob" }', '{ mode: "no-such-mode" }'));
  const server = await startServer("/chorus/", site);
  try {
    const rec = await newRecordedPage(env.browser, server.url, undefined, { serviceWorkers: "block" });
    const lines = readLoopLines(rec.page);
    const fallback = [];
    rec.page.on("console", (m) => { if (m.text().startsWith("slice reader:")) fallback.push(m.text()); });
    await uploadAndCheckAgainstCli(rec, server.url);
    assert.equal(lines.length, 2, lines.join("\n"));
    for (const l of lines) assert.match(l, /read and parsed by the reading worker/);
    assert.equal(fallback.length, 2, fallback.join("\n"));
    for (const l of fallback) assert.match(l, /read slice by slice/);
    await rec.context.close();
  } finally {
    server.close();
  }
});

test("served over plain http from a LAN name (no WebCrypto there), each file is hashed in WebAssembly, with the same results", async () => {
  // Chromium resolves chorus.lan to the test server: http from a name other than localhost is not
  // a secure context, so the browser's SHA-256 (crypto.subtle) and the service worker are missing
  const browser = await launch(["--host-resolver-rules=MAP chorus.lan 127.0.0.1"]);
  try {
    const url = env.server.url.replace("127.0.0.1", "chorus.lan");
    const rec = await newRecordedPage(browser, url);
    const lines = readLoopLines(rec.page);
    await uploadAndCheckAgainstCli(rec, url);
    assert.equal(await rec.page.evaluate(() => window.isSecureContext), false);
    assert.equal(lines.length, 2, lines.join("\n"));
    for (const l of lines) assert.match(l, /read and parsed by the reading worker, fingerprinted after the read/);
    assert.equal(lines.fingerprints.length, 2, lines.fingerprints.join("\n"));
    for (const l of lines.fingerprints) assert.match(l, /SHA-256 in WebAssembly in the reading worker, after the read/);
    await rec.context.close();
  } finally {
    await browser.close();
  }
});

test("hostile content renders as text everywhere and runs nothing", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  const dialogs = [];
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(env.server.url);
  const scriptsBefore = await page.locator("script").count();
  await page.locator("[data-testid=file-input]").setInputFiles(HOSTILE);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.locator("[data-testid=accounts-table] .table-window .trow").first().waitFor({ timeout: 60000 });
  // the <script> screen name is shown literally in the table
  await page.locator("[data-testid=accounts-table] input[type=search]").fill("script");
  const row = page.locator("[data-testid=accounts-table] .table-window .trow").first();
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.innerText(), /<script>alert\(1\)<\/script>/);
  await row.click();
  await page.locator("[data-testid=account-panel]").waitFor({ timeout: 30000 });
  assert.match(await page.locator("[data-testid=account-panel] h2").innerText(), /<script>/);
  // open every cluster's narratives (hashtags, URLs, texts from the payloads)
  const n = await page.locator("[data-testid=cluster-list] .cluster-ol > li button").count();
  for (let i = 0; i < n; i++) await page.locator("[data-testid=cluster-list] .cluster-ol > li button").nth(i).click();
  await page.waitForTimeout(300);
  await shot(page, "07-hostile");
  assert.deepEqual(dialogs, [], "a payload ran");
  assert.equal(await page.locator("script").count(), scriptsBefore, "a script element was injected");
  assert.equal(await page.locator("a[href^='javascript:' i], a[href^='data:' i]").count(), 0);
  assert.equal(await page.locator("b").count(), 0, "markup from the data was rendered");
  assertPrivate(rec);
  await context.close();
});

test("hostile payloads inside real clusters (texts, hashtags, URLs, names) stay inert", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  const dialogs = [];
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  // a synthetic dump whose planted narratives and names carry payloads (no commas or quotes, so
  // the CSV structure is unchanged)
  const [tweets, users] = synthFiles();
  const payload = "<img src=x onerror=alert(1)>";
  const poison = (text) => text.replaceAll("truth", payload).replaceAll("Ethan", "Eth\u202Ean\u200B<b>x</b>").replaceAll("https://", "javascript:alert(2)//");
  const hostileTweets = join(tmp, "hostile_synth_tweets_csv_hashed.csv");
  const hostileUsers = join(tmp, "hostile_synth_users_csv_hashed.csv");
  writeFileSync(hostileTweets, poison(readFileSync(tweets, "utf8")));
  writeFileSync(hostileUsers, poison(readFileSync(users, "utf8")));
  await page.goto(env.server.url);
  await page.locator("[data-testid=file-input]").setInputFiles([hostileTweets, hostileUsers]);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  const n = await page.locator("[data-testid=cluster-list] .cluster-ol > li button").count();
  assert.ok(n >= 1, "the poisoned dump still has its clusters");
  let seen = false;
  for (let i = 0; i < n; i++) {
    await page.locator("[data-testid=cluster-list] .cluster-ol > li button").nth(i).click();
    await page.locator("[data-testid=cluster-detail] .narratives").waitFor({ timeout: 60000 });
    if ((await page.locator("[data-testid=cluster-detail]").innerText()).includes(payload)) seen = true;
  }
  assert.ok(seen || (await page.locator("[data-testid=cluster-list]").innerText()).includes(payload), "the payload is shown as text");
  await page.locator("[data-testid=cluster-list] .cluster-item").first().click(); // back to all accounts
  await page.locator("[data-testid=accounts-table] input[type=search]").fill("x</b>");
  const row = page.locator("[data-testid=accounts-table] .table-window .trow").first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
  assert.match(await row.innerText(), /<b>x<\/b>/);
  await page.locator("[data-testid=account-panel]").waitFor({ timeout: 30000 });
  assert.match(await page.locator("[data-testid=account-panel] h2").innerText(), /<b>x<\/b>/);
  await page.waitForTimeout(300);
  await shot(page, "07b-hostile-clusters");
  assert.deepEqual(dialogs, [], "a payload ran");
  assert.equal(await page.locator("img").count(), 0, "an image element was injected");
  assert.equal(await page.locator("main b").count(), 0, "markup from the data was rendered");
  assert.equal(await page.locator("a[href^='javascript:' i], a[href^='data:' i]").count(), 0);
  assertPrivate(rec);
  await context.close();
});

test("an unknown CSV gets a column-mapping form with a preview; the mapping is remembered", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  await page.goto(env.server.url);
  const csv = join(tmp, "custom-export.csv");
  const lines = ["Author ID,Handle,Posted At,Body,Post Number,Shared Post"];
  for (let i = 0; i < 40; i++) lines.push(`${100 + (i % 8)},user${i % 8},2020-03-0${1 + (i % 5)} 10:${String(i).padStart(2, "0")}:00,text ${i} #tag${i % 3},${1000 + i},${i % 4 === 0 ? "" : 1000}`);
  writeFileSync(csv, lines.join("\n") + "\n");
  await page.locator("[data-testid=file-input]").setInputFiles(csv);
  const form = page.locator("[data-testid=column-mapping]");
  await form.waitFor({ timeout: 30000 });
  assert.match(await form.innerText(), /Author ID/);
  const pick = (label, header) => form.locator("label.map-field", { hasText: label }).locator("select").selectOption(header);
  await pick(/^Time/, "Posted At");
  await pick(/^Post id/, "Post Number");
  await pick(/^Repost of/, "Shared Post");
  await shot(page, "08-column-mapping");
  await form.locator("button", { hasText: "Read with this mapping" }).click();
  await page.locator("[data-testid=ingest-summary]").waitFor({ timeout: 60000 });
  const stored = await page.evaluate(() => localStorage.getItem("chorus.column-mapping.v1"));
  assert.ok(stored && stored.includes("Author ID"), "the mapping is remembered");
  assert.doesNotMatch(stored, /user\d|text \d/, "no data is stored");
  assertPrivate(rec);
  await context.close();
});

test("parameters come from the URL fragment", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  await page.goto(env.server.url + "#rep=5&w=3.5&m=-co_hashtag:300");
  await page.locator("[data-testid=file-input]").setInputFiles(RING);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.locator("[data-testid=parameters] summary").click();
  const rep = await page.locator("[data-testid=parameters] .param input").first().inputValue();
  assert.equal(rep, "5");
  const hash = new URL(page.url()).hash;
  assert.match(hash, /rep=5/);
  assert.match(hash, /-co_hashtag:300/);
  assertPrivate(rec);
  await context.close();
});

test("a file nothing can read gets a specific message and the page stays usable", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  await page.goto(env.server.url);
  const bad = join(tmp, "garbage.bin");
  writeFileSync(bad, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
  await page.locator("[data-testid=file-input]").setInputFiles(bad);
  const err = page.locator("[data-testid=error-message]");
  await err.waitFor({ timeout: 60000 });
  assert.match(await err.innerText(), /No posts could be read|not|cannot|unsupported/i);
  await shot(page, "09-error");
  // another file works afterwards
  await page.locator("[data-testid=file-input]").setInputFiles(RING);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  assertPrivate(rec);
  await context.close();
});

test("after load the app works offline (nothing needs the network)", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url);
  const { page, context } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=demo-button]").waitFor();
  await page.waitForTimeout(1000); // the worker has loaded its module
  await context.setOffline(true);
  const [tweets, users] = synthFiles();
  await page.locator("[data-testid=file-input]").setInputFiles([tweets, users]);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: RESULTS_TIMEOUT });
  await page.locator("[data-testid=network-view]").waitFor({ timeout: RESULTS_TIMEOUT });
  const { text } = await downloadText(page, "export-accounts-csv", tmp);
  assert.match(text, /^account_id,screen_name,role,cluster,score,reasons/);
  await context.setOffline(false);
  assertPrivate(rec);
  await context.close();
});

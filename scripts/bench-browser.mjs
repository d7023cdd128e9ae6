// Browser benchmark through the real app (the `make build` output on a static server, Debian
// Chromium headless): drop the tweets + users files of a synthetic IO archive, and measure
// ingest MB/s (the page's own read time), time from drop to results, and the worker's
// WebAssembly memory; also Chromium's CPU time (total and busiest threads, from /proc), the load
// average, whether reading stopped early (memory guard), the worker's own breakdown of its read
// loop (its console), and checks that report.json's input fingerprints are the files' SHA-256
// (as sha256sum computes them); and the peak resident memory of Chromium's processes (VmHWM: the
// worker's WebAssembly memory lives in the renderer process, so this bounds what the tab really
// took, fragmentation included). Usage:
//   node scripts/bench-browser.mjs TWEETS.csv USERS.csv
// With CHORUS_RETURN_VISIT=1 the files are read once and the page reloaded before the measured
// drop (a return visit: Chromium then has the workers' optimised WebAssembly code cached).
// With CHORUS_PROFILE=FILE.cpuprofile, V8's sampling profiler runs on the analysis worker from the
// drop to the end of the read (CDP through the page's session), writes the profile (open it in
// Chromium's DevTools, Performance tab) and prints the functions with the most self time; build
// with names kept (`data-wasm-opt-params="-g"` on the worker in index.html) to see Rust names.
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launch, newRecordedPage, shot, downloadText } from "../tests/e2e/harness.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/bench-browser.mjs FILE...");
  process.exit(2);
}
// CPU seconds (user + system) of this script's Chromium processes (every descendant of node),
// in total and per thread name ("DedicatedWorker thread" is the app's worker): wall times on a
// loaded machine are pessimistic, CPU time is the steadier figure.
const readStat = (path) => {
  const f = readFileSync(path, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return { name: f.slice(f.indexOf("(") + 1, f.lastIndexOf(")")), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
};
const cpuSeconds = () => {
  const stat = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try { stat.set(Number(pid), readStat(`/proc/${pid}/stat`)); } catch {}
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stat) {
      if (!mine.has(pid) && mine.has(s.ppid)) { mine.add(pid); grew = true; }
    }
  }
  mine.delete(process.pid);
  let total = 0;
  const threads = new Map();
  for (const pid of mine) {
    total += stat.get(pid).ticks;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const t = readStat(`/proc/${pid}/task/${tid}/stat`);
        threads.set(`${pid}/${tid}`, t);
      }
    } catch {}
  }
  return { total: total / 100, threads };
};
// The threads that used the most CPU between two snapshots, by name; Web Workers one by one
// (the analysis worker, its reading worker and the slice reader have the same thread name; the analysis worker starts first), with their thread id.
const topThreads = (a, b, n = 5) => {
  const byName = new Map();
  for (const [k, t] of b.threads) {
    const d = (t.ticks - (a.threads.get(k)?.ticks ?? 0)) / 100;
    const name = t.name.startsWith("DedicatedWorker") ? `${t.name} #${k.split("/")[1]}` : t.name;
    byName.set(name, (byName.get(name) ?? 0) + d);
  }
  return [...byName].sort((x, y) => y[1] - x[1]).slice(0, n).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(", ");
};
const sha256 = (path) =>
  new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path).on("data", (d) => h.update(d)).on("end", () => resolve(h.digest("hex"))).on("error", reject);
  });
// CDP to the app's analysis worker (the first worker target of the page), through the page's
// CDP session in non-flat mode: Playwright gives no CDP session of a worker.
async function workerProfiler(context, page) {
  const cdp = await context.newCDPSession(page);
  let sessionId = null;
  let nextId = 1;
  const waiting = new Map();
  cdp.on("Target.attachedToTarget", (e) => {
    if (e.targetInfo.type === "worker" && sessionId === null) sessionId = e.sessionId;
  });
  cdp.on("Target.receivedMessageFromTarget", (e) => {
    const m = JSON.parse(e.message);
    if (m.id && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    }
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  for (let i = 0; i < 100 && sessionId === null; i++) await new Promise((r) => setTimeout(r, 100));
  if (sessionId === null) throw new Error("profile: no worker target");
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 500 });
  return { start: () => send("Profiler.start"), stop: async () => (await send("Profiler.stop")).profile };
}
// Self time per function of a V8 CPU profile, largest first.
function selfTimes(profile, n = 25) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const dt = profile.timeDeltas;
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const name = f.functionName || `(anonymous ${f.url.split("/").pop()})`;
    self.set(name, (self.get(name) ?? 0) + (dt[i + 1] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`);
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(", ");
// Peak and current resident memory (MiB) of the process of this script's Chromium that peaked
// highest (the renderer, which runs the page and its worker), from /proc/PID/status.
const peakRss = () => {
  let best = null;
  for (const pid of new Set([...cpuSeconds().threads.keys()].map((k) => Number(k.split("/")[0])))) {
    try {
      const st = readFileSync(`/proc/${pid}/status`, "utf8");
      const kib = (k) => Number((st.match(new RegExp(`^${k}:\\s+(\\d+) kB`, "m")) ?? [0, 0])[1]);
      const name = (st.match(/^Name:\s+(\S+)/m) ?? [0, "?"])[1];
      if (!best || kib("VmHWM") > best.hwm) best = { pid, name, hwm: kib("VmHWM"), rss: kib("VmRSS") };
    } catch {}
  }
  return best ? `${(best.hwm / 1024).toFixed(0)} MiB peak, ${(best.rss / 1024).toFixed(0)} MiB now (pid ${best.pid}, ${best.name})` : "n/a";
};
const bytes = files.map((f) => statSync(f).size).reduce((a, b) => a + b, 0);
const server = await startServer("/");
// CHORUS_CHROMIUM_ARGS="--js-flags=--perf-basic-prof ..." passes extra flags to Chromium (profiling
// with `perf record`: V8 then writes /tmp/perf-PID.map with the names of JS and Wasm functions).
const browser = await launch((process.env.CHORUS_CHROMIUM_ARGS ?? "").split(" ").filter(Boolean));
try {
  const { page, context, foreign } = await newRecordedPage(browser, server.url, { width: 1920, height: 1080 });
  // the worker's breakdown of its read loop (console.debug, one line per file)
  const readLoop = [];
  const onConsole = (m) => (m.text().startsWith("read loop") || m.text().startsWith("reading worker")) && readLoop.push(m.text());
  page.on("console", onConsole); // a worker's console messages arrive here too
  await page.goto(server.url);
  await page.locator("[data-testid=file-input]").waitFor();
  if (process.env.CHORUS_RETURN_VISIT) {
    // A return visit: the app already read these files once in this browser profile, then the
    // page was reloaded (Chromium keeps the workers' optimised WebAssembly code in its cache).
    await page.locator("[data-testid=file-input]").setInputFiles(files);
    await page.locator("[data-testid=results-summary]").waitFor({ timeout: 30 * 60 * 1000 });
    await page.reload();
    await page.locator("[data-testid=file-input]").waitFor();
    readLoop.length = 0;
  }
  const profiler = process.env.CHORUS_PROFILE ? await workerProfiler(context, page) : null;
  if (profiler) await profiler.start();
  // Let a freshly started Chromium settle before the drop, as a user's long-running browser has:
  // for its first seconds it builds its own UI (a "top-chrome WebUI" renderer even when headless,
  // 0.5-1 s of CPU) and the app compiles its workers' WebAssembly, which on two cores would be
  // taken from the read being measured. Waits until Chromium uses under 5% of a core over half a
  // second (at most 15 s) and says how long that took.
  const settleStart = Date.now();
  for (let prev = cpuSeconds().total; Date.now() - settleStart < 15000; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds().total;
    if (now - prev < 0.025) break;
    prev = now;
  }
  const settledMs = Date.now() - settleStart;
  const loadBefore = load();
  const cpu0 = cpuSeconds();
  const t0 = Date.now();
  await page.locator("[data-testid=file-input]").setInputFiles(files);
  await page.locator("[data-testid=read-time]").waitFor({ timeout: 30 * 60 * 1000 });
  const cpuReadSnap = cpuSeconds();
  const cpuRead = cpuReadSnap.total - cpu0.total;
  const readMs = Number(await page.locator("[data-testid=read-time]").getAttribute("data-ms"));
  if (profiler) {
    const profile = await profiler.stop();
    writeFileSync(process.env.CHORUS_PROFILE, JSON.stringify(profile));
    console.log(`profile of the analysis worker, drop to end of read (${process.env.CHORUS_PROFILE}), self time:`);
    for (const line of selfTimes(profile)) console.log(line);
  }
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: 30 * 60 * 1000 });
  const totalMs = Date.now() - t0;
  const cpuEndSnap = cpuSeconds();
  const cpuTotal = cpuEndSnap.total - cpu0.total;
  const loadAfter = load();
  const rss = peakRss();
  const readText = (await page.locator("[data-testid=read-time]").innerText()).replace(/\s+/g, " ").trim();
  // A file whose reading stopped early (the worker's memory guard, a fatal error) says so here.
  const warnings = await page.locator("[data-testid=ingest-summary] p.warning").allInnerTexts();
  const mem = await page.locator("[data-testid=memory-use]").getAttribute("data-bytes").catch(() => null);
  const summary = (await page.locator("[data-testid=results-summary] .cards").innerText()).replace(/\s+/g, " ");
  await shot(page, "bench-browser-results");
  // report.json's input fingerprints against the files' SHA-256
  const tmp = mkdtempSync(join(tmpdir(), "chorus-bench-"));
  const report = JSON.parse((await downloadText(page, "export-report-json", tmp)).text);
  rmSync(tmp, { recursive: true, force: true });
  const expected = await Promise.all(files.map(sha256));
  const got = (report.inputs ?? []).map((i) => i.sha256);
  const fingerprints = expected.every((h, i) => got[i] === h) && got.length === expected.length
    ? `SHA-256 of all ${expected.length} files as sha256sum computes them`
    : `MISMATCH: report.json ${JSON.stringify(got)}, files ${JSON.stringify(expected)}`;
  if (fingerprints.startsWith("MISMATCH")) process.exitCode = 1;
  const mb = bytes / 1e6;
  console.log(`| input | ${mb.toFixed(0)} MB (${files.length} files) |`);
  console.log(`|---|---|`);
  console.log(`| date (UTC) at drop | ${new Date(t0).toISOString()} |`);
  console.log(`| Chromium settled before the drop (under 5% of a core for 0.5 s) after | ${(settledMs / 1000).toFixed(1)} s |`);
  console.log(`| ingest in the worker (page's read time) | ${(readMs / 1000).toFixed(1)} s = ${(mb / (readMs / 1000)).toFixed(0)} MB/s |`);
  console.log(`| Chromium CPU time, drop to end of read (all its processes) | ${cpuRead.toFixed(1)} s = ${(mb / cpuRead).toFixed(0)} MB per CPU second |`);
  console.log(`| busiest Chromium threads while reading | ${topThreads(cpu0, cpuReadSnap)} |`);
  console.log(`| drop to results (ingest + detection + first render) | ${(totalMs / 1000).toFixed(1)} s |`);
  console.log(`| Chromium CPU time, drop to results (all its processes) | ${cpuTotal.toFixed(1)} s |`);
  console.log(`| busiest Chromium threads, end of read to results | ${topThreads(cpuReadSnap, cpuEndSnap)} |`);
  console.log(`| worker WebAssembly memory after detection | ${mem ? (Number(mem) / 2 ** 30).toFixed(2) + " GiB (" + (Number(mem) / 2 ** 20).toFixed(0) + " MiB)" : "n/a"} |`);
  console.log(`| Chromium process with the highest peak resident memory (VmHWM), at results | ${rss} |`);
  console.log(`| data read | ${readText} |`);
  console.log(`| reading stopped early (memory guard or fatal error) | ${warnings.length ? warnings.map((w) => w.replace(/\s+/g, " ")).join(" / ") : "no"} |`);
  console.log(`| results | ${summary} |`);
  console.log(`| the worker's read loop (per file) | ${readLoop.length ? readLoop.join(" / ") : "n/a (no read-loop line in the console)"} |`);
  console.log(`| report.json input fingerprints | ${fingerprints} |`);
  console.log(`| requests leaving the origin | ${foreign().length} |`);
  console.log(`| load average (1, 5, 15 min) at drop / at results | ${loadBefore} / ${loadAfter} |`);
  await context.close();
} finally {
  await browser.close();
  server.close();
}

// End to end on the release build served under a sub-path (/chorus/): the link tab. The link demo
// (planted A, its re-emergence B, unrelated C) shows A–B linked and C not in both matrices, read by
// the size-normalised score with the absolute strength beside it, what each link is linked on, the
// evidence of the A–B link, shared and re-emergent accounts, and the link exports; two uploaded
// dumps become two named (and renamed) datasets that link and export under those names; an export
// with unknown columns is mapped with the workspace's form and added, detection runs with the
// user's parameters and says so (and link_report.json), and cancelling a run keeps the datasets
// (the worker restarts and they are added again from the same files). Nothing leaves the origin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { suite, newRecordedPage, shot, ROOT, OUT, parseCsv, assertPrivate, downloadText } from "./harness.mjs";

const env = suite("link");
const tmp = env.tmp;
const TIMEOUT = 240000;

/** The native CLI (release if built, else debug, built on demand). */
function chorusBin() {
  const found = ["release", "debug"].map((p) => join(ROOT, "target", p, "chorus")).find(existsSync);
  if (found) return found;
  execFileSync("cargo", ["build", "--bin", "chorus"], { cwd: ROOT, stdio: "inherit" });
  return join(ROOT, "target", "debug", "chorus");
}

/** `chorus synth` tweets + users files. */
function synthFiles(scenario, seed, scale = 0.1) {
  const out = join(tmp, `synth-${scenario}-${seed}-${scale}`);
  if (!existsSync(out)) execFileSync(chorusBin(), ["synth", "--scenario", scenario, "--seed", String(seed), "--scale", String(scale), "--out", out]);
  const stem = join(out, `synth_${scenario}_${seed}`);
  return [`${stem}_tweets_csv_hashed.csv`, `${stem}_users_csv_hashed.csv`];
}

/** `shown` (a number rounded to `digits`) is `value` rounded. */
const near = (shown, value, digits) => Math.abs(Number(shown) - value) <= 0.5 * 10 ** -digits + 1e-5;

const cell = (matrix, a, b) => `[data-testid=${matrix}] td[data-a="${a}"][data-b="${b}"]`;

test("link demo: A–B linked and C not, evidence, shared and re-emergent accounts, exports", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1440, height: 900 });
  const { page, context, consoleErrors } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=link-tab]").click();
  await page.locator("[data-testid=link-demo-button]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });

  // the datasets, analysed
  const names = await page.locator("[data-testid=link-dataset-name]").evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(names, ["A-operation", "B-re-emergence", "C-unrelated"]);

  // dataset × dataset: A–B linked (both orders), C linked to nothing
  for (const [a, b] of [["A-operation", "B-re-emergence"], ["B-re-emergence", "A-operation"]]) {
    assert.equal(await page.locator(cell("link-overlap-matrix", a, b)).getAttribute("data-linked"), "true", `${a}–${b}`);
  }
  for (const other of ["A-operation", "B-re-emergence"]) {
    assert.equal(await page.locator(cell("link-overlap-matrix", "C-unrelated", other)).getAttribute("data-linked"), "false");
    assert.equal(await page.locator(cell("link-overlap-matrix", other, "C-unrelated")).getAttribute("data-linked"), "false");
  }
  const ab = Number(await page.locator(cell("link-overlap-matrix", "A-operation", "B-re-emergence")).getAttribute("data-strength"));
  const ac = Number(await page.locator(cell("link-overlap-matrix", "A-operation", "C-unrelated")).getAttribute("data-strength"));
  assert.ok(ab > 4 * ac, `A–B ${ab} far above A–C ${ac}`);
  // read by the normalised score: heat by it (A–B from the content threshold 0.10 up, C's pairs
  // below it), shown with the strength under it and in the title
  const abCell = page.locator(cell("link-overlap-matrix", "A-operation", "B-re-emergence"));
  const abNorm = Number(await abCell.getAttribute("data-normalised"));
  assert.ok(abNorm >= 0.1, `A–B normalised ${abNorm}`);
  assert.match(await abCell.getAttribute("class"), /\bheat-[45]\b/);
  const abText = await abCell.innerText();
  const [, shownNorm, shownStrength] = abText.match(/^([0-9.]+)\s*●\s*s ([0-9.]+)$/) ?? [];
  assert.ok(near(shownNorm, abNorm, 2) && near(shownStrength, ab, 1), `A–B cell: ${abText}`);
  assert.match(await abCell.getAttribute("title"), /normalised [0-9.]+ .*strength [0-9.]+/);
  for (const [a, b] of [["A-operation", "C-unrelated"], ["B-re-emergence", "C-unrelated"]]) {
    const c = page.locator(cell("link-overlap-matrix", a, b));
    const norm = Number(await c.getAttribute("data-normalised"));
    assert.ok(norm < 0.1 && abNorm > 4 * norm, `${a}–${b} normalised ${norm} vs A–B ${abNorm}`);
    assert.match(await c.getAttribute("class"), /\bheat-[0-3]\b/);
  }
  // each dataset's flagged accounts, in the dataset list and under its name in the matrix
  const flagged = await page.locator("[data-testid=link-overlap-matrix] tbody th").evaluateAll((els) => els.map((e) => e.innerText));
  assert.ok(flagged.every((t) => /\d+ flagged/.test(t)), JSON.stringify(flagged));
  for (const row of await page.locator("[data-testid=link-datasets] [data-testid=link-dataset]").all()) {
    assert.match((await row.locator("td").nth(6).innerText()).trim(), /^\d[\d,]*$/, "flagged accounts filled after the run");
  }

  // cluster × cluster: a cluster of A linked to a cluster of B; no cluster of C linked
  const linkedCells = await page.locator("[data-testid=link-cluster-matrix] td[data-linked=true]").evaluateAll((els) => els.map((e) => [e.dataset.a, e.dataset.b]));
  assert.ok(linkedCells.some(([a, b]) => a.startsWith("A-operation#") && b.startsWith("B-re-emergence#")), JSON.stringify(linkedCells));
  assert.ok(linkedCells.every(([a, b]) => !a.startsWith("C-unrelated") && !b.startsWith("C-unrelated")), JSON.stringify(linkedCells));
  const cRows = await page.locator("[data-testid=link-cluster-matrix] tbody th").evaluateAll((els) => els.map((e) => e.innerText).filter((t) => t.startsWith("C-unrelated")));
  assert.ok(cRows.length >= 1, "C's clusters are in the matrix, tied to nothing");
  await shot(page, "link-01-demo");
  await page.locator("[data-testid=link-results]").screenshot({ path: join(OUT, "link-01b-matrices.png") });

  // the strongest link is A–B, whole datasets; its evidence
  const first = page.locator("[data-testid=link-list] [data-testid=link-row]").first();
  assert.equal(await first.getAttribute("data-a"), "A-operation");
  assert.equal(await first.getAttribute("data-b"), "B-re-emergence");
  assert.equal(await first.getAttribute("data-linked"), "true");
  assert.equal(await first.getAttribute("data-cluster"), "false");
  // both numbers and what A–B is linked on (B reuses A's accounts: identity)
  assert.match(await first.getAttribute("data-linked-on"), /identity/);
  assert.match(await first.locator("[data-testid=link-row-on]").innerText(), /identity/);
  assert.ok(near(await first.locator("[data-testid=link-row-normalised]").innerText(), abNorm, 2));
  assert.ok(near(await first.locator("[data-testid=link-row-strength]").innerText(), ab, 1));
  const cRowsOn = await page.locator("[data-testid=link-list] [data-testid=link-row][data-b=C-unrelated][data-cluster=false]")
    .evaluateAll((els) => els.map((e) => [e.dataset.linkedOn, e.querySelector("[data-testid=link-row-on]").innerText]));
  assert.equal(cRowsOn.length, 2);
  assert.ok(cRowsOn.every(([on, text]) => on === "" && text === "not linked"), JSON.stringify(cRowsOn));
  const linkedRows = await page.locator("[data-testid=link-list] [data-testid=link-row][data-linked=true]").evaluateAll((els) => els.map((e) => e.dataset.a + "|" + e.dataset.b));
  assert.ok(linkedRows.every((r) => !r.includes("C-unrelated")), `linked rows: ${linkedRows}`);
  await first.locator("[data-testid=link-evidence-button]").click();
  const evidence = page.locator("[data-testid=link-evidence]");
  await evidence.waitFor({ timeout: 60000 });
  const ev = await evidence.innerText();
  for (const needle of ["shared accounts (id)", "identical texts", "amplification", "accounts shared by id, e.g. @", "Accounts tying them", "linked on identity",
    "chance screen names"]) {
    assert.ok(ev.includes(needle), `evidence lacks "${needle}"`);
  }
  const scores = await evidence.locator("[data-testid=link-evidence-scores]").innerText();
  const [, evNorm, evStrength] = scores.match(/normalised ([0-9.]+) .*strength ([0-9.]+)/) ?? [];
  assert.ok(near(evNorm, abNorm, 3) && near(evStrength, ab, 1), scores);
  assert.ok(await evidence.locator("[data-testid=link-account-row]").count() > 0);
  await page.waitForTimeout(300);
  await shot(page, "link-02-evidence");
  await evidence.screenshot({ path: join(OUT, "link-02b-evidence.png") });

  // shared accounts and re-emergence
  assert.ok(await page.locator("[data-testid=link-shared-accounts] [data-testid=link-account-row]").count() > 0);
  const re = page.locator("[data-testid=link-re-emergence] [data-testid=link-account-row]");
  assert.ok(await re.count() > 0);
  const reText = await re.first().innerText();
  assert.match(reText, /re-emergent/);
  assert.match(reText, /B-re-emergence/);
  assert.match(reText, /A-operation/);

  // exports
  const links = await downloadText(page, "link-export-links-csv", tmp);
  assert.equal(links.name, "links.csv");
  const rows = parseCsv(links.text);
  assert.equal(rows[0][0], "dataset_a");
  const abRow = rows.find((r) => r[0] === "A-operation" && r[1] === "" && r[2] === "B-re-emergence" && r[3] === "");
  assert.ok(abRow, "links.csv has the A–B row");
  const col = (name) => abRow[rows[0].indexOf(name)];
  assert.ok(near(col("strength"), ab, 3), `strength ${col("strength")} vs ${ab}`);
  assert.ok(near(col("normalised"), abNorm, 3), `normalised ${col("normalised")} vs ${abNorm}`);
  assert.equal(col("linked"), "true");
  const acRow = rows.find((r) => r[0] === "A-operation" && r[1] === "" && r[2] === "C-unrelated" && r[3] === "");
  assert.equal(acRow[rows[0].indexOf("linked")], "false");
  const gexf = await downloadText(page, "link-export-gexf", tmp);
  assert.equal(gexf.name, "joint.gexf");
  assert.match(gexf.text, /<attribute id="dataset"/);
  assert.match(gexf.text, /value="B-re-emergence"/);
  const graphml = await downloadText(page, "link-export-graphml", tmp);
  assert.match(graphml.text, /attr\.name="dataset"/);
  const overlap = await downloadText(page, "link-export-overlap-csv", tmp);
  assert.match(overlap.text, /^dataset,A-operation,B-re-emergence,C-unrelated\r?\n/);
  const accounts = await downloadText(page, "link-export-accounts-csv", tmp);
  assert.ok(parseCsv(accounts.text).some((r) => r[0] === "B-re-emergence" && r[r.length - 1] === "true"), "a re-emergent account of B");
  const report = JSON.parse((await downloadText(page, "link-export-report-json", tmp)).text);
  assert.deepEqual(report.datasets.map((d) => d.name), ["A-operation", "B-re-emergence", "C-unrelated"]);

  // the single-dataset workspace is still there
  await page.locator("[data-testid=workspace-tab]").click();
  await page.locator("[data-testid=demo-button]").waitFor();
  assert.equal(await page.locator("[data-testid=link-view]").isVisible(), false);
  assert.deepEqual(consoleErrors, []);
  assertPrivate(rec);
  await context.close();
});

test("two uploaded dumps become two named datasets, renamed, linked and exported under those names", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1440, height: 900 });
  const { page, context, consoleErrors } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=link-tab]").click();
  // the first dataset named by the user, the second by its files
  await page.locator("[data-testid=link-name-input]").fill("first dump");
  await page.locator("[data-testid=link-file-input]").setInputFiles(synthFiles("mixed", 11));
  await page.locator("[data-testid=link-dataset]").nth(0).waitFor({ timeout: 60000 });
  await page.locator("[data-testid=link-file-input]").setInputFiles(synthFiles("copy-paste", 12));
  await page.locator("[data-testid=link-dataset]").nth(1).waitFor({ timeout: 60000 });
  const names = () => page.locator("[data-testid=link-dataset-name]").evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(await names(), ["first dump", "synth_copy-paste_12"]);
  const listed = await page.locator("[data-testid=link-datasets]").innerText();
  assert.match(listed, /synth_mixed_11_tweets_csv_hashed\.csv, synth_mixed_11_users_csv_hashed\.csv/);
  // rename the second
  const second = page.locator("[data-testid=link-dataset-name]").nth(1);
  await second.fill("second dump");
  await second.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=link-dataset-name]")[1]?.value === "second dump");
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await names(), ["first dump", "second dump"]);
  const clusters = await page.locator("[data-testid=link-datasets] [data-testid=link-dataset]").first().innerText();
  assert.doesNotMatch(clusters, /—\s+—/, "clusters and flagged counts are filled after the run");
  assert.ok(await page.locator(cell("link-overlap-matrix", "first dump", "second dump")).count() === 1);
  const pair = page.locator(cell("link-overlap-matrix", "first dump", "second dump"));
  assert.ok(Number.isFinite(Number(await pair.getAttribute("data-normalised"))), "the normalised score is shown for uploads too");
  const row = page.locator("[data-testid=link-list] [data-testid=link-row][data-cluster=false]");
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute("data-linked") === "true", (await row.getAttribute("data-linked-on")) !== "", "linked exactly when a reason is shown");
  await shot(page, "link-03-uploads");
  const overlap = await downloadText(page, "link-export-overlap-csv", tmp);
  assert.match(overlap.text, /^dataset,first dump,second dump\r?\n/);
  const report = JSON.parse((await downloadText(page, "link-export-report-json", tmp)).text);
  assert.equal(report.inputs[0][0].path, "synth_mixed_11_tweets_csv_hashed.csv");
  assert.equal(report.inputs[1].length, 2);
  // renaming after the run keeps the result, under the new name
  const first = page.locator("[data-testid=link-dataset-name]").nth(0);
  await first.fill("dump one");
  await first.press("Enter");
  await page.locator(cell("link-overlap-matrix", "dump one", "second dump")).waitFor({ timeout: 30000 });
  assert.match((await downloadText(page, "link-export-overlap-csv", tmp)).text, /^dataset,dump one,second dump\r?\n/);
  // removing a dataset drops the result
  await page.locator("[data-testid=link-remove]").nth(1).click();
  await page.locator("[data-testid=link-results]").waitFor({ state: "detached", timeout: 30000 });
  assert.equal(await page.locator("[data-testid=link-run]").isDisabled(), true);
  assert.deepEqual(consoleErrors, []);
  assertPrivate(rec);
  await context.close();
});

/** The tweets file of `synthFiles(scenario, seed, scale)` with its header renamed so that no
 * format is recognised (a researcher's own export), other columns prefixed `x_`. */
function unknownCsv(scenario, seed, scale) {
  const [tweets] = synthFiles(scenario, seed, scale);
  const renamed = { tweetid: "Post Number", userid: "Author ID", user_screen_name: "Handle", tweet_text: "Body",
    tweet_time: "Posted At", retweet_tweetid: "Shared Post", in_reply_to_tweetid: "Reply To", hashtags: "Tags" };
  const text = readFileSync(tweets, "utf8");
  const nl = text.indexOf("\n");
  const header = text.slice(0, nl).replace(/\r$/, "").split(",").map((h) => renamed[h] ?? `x_${h}`).join(",");
  const out = join(tmp, `own_export_${scenario}_${seed}.csv`);
  writeFileSync(out, header + text.slice(nl));
  return out;
}

test("an unknown CSV is mapped and added; detection parameters are the user's and reported; cancelling a run keeps the datasets", async (t) => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1440, height: 900 });
  const { page, context, consoleErrors } = rec;
  // parameters in the page address are the workspace's, and the link tab starts with them
  await page.goto(`${env.server.url}#rep=5`);
  await page.locator("[data-testid=link-tab]").click();
  const view = page.locator("[data-testid=link-view]");
  const own = unknownCsv("mixed", 31, 0.5);
  const names = () => page.locator("[data-testid=link-dataset-name]").evaluateAll((els) => els.map((e) => e.value));

  // an unknown CSV gets the workspace's mapping form, for this dataset; cancelling adds nothing
  await page.locator("[data-testid=link-name-input]").fill("own export");
  await page.locator("[data-testid=link-file-input]").setInputFiles(own);
  const form = view.locator("[data-testid=column-mapping]");
  await form.waitFor({ timeout: 60000 });
  assert.match(await form.locator("h2").innerText(), /own_export_mixed_31\.csv for dataset “own export”/);
  await form.locator("[data-testid=mapping-cancel]").click();
  await form.waitFor({ state: "detached" });
  assert.match(await view.locator(".notice").innerText(), /“own export” was not added/);
  assert.equal(await page.locator("[data-testid=link-dataset]").count(), 0);

  // a wrong mapping (time from the text column): refused, saying why
  const pick = (label, header) => form.locator("label.map-field", { hasText: label }).locator("select").selectOption(header);
  const mapAll = async (time) => {
    await pick(/^Account id/, "Author ID");
    await pick(/^Screen name/, "Handle");
    await pick(/^Time/, time);
    await pick(/^Post id/, "Post Number");
    await pick(/^Repost of/, "Shared Post");
    await pick(/^Reply to/, "Reply To");
    await pick(/^Text/, "Body");
    await pick(/^Hashtags/, "Tags");
  };
  await page.locator("[data-testid=link-name-input]").fill("own export");
  await page.locator("[data-testid=link-file-input]").setInputFiles(own);
  await form.waitFor({ timeout: 60000 });
  await mapAll("Body");
  await form.locator("[data-testid=mapping-confirm]").click();
  const error = page.locator("[data-testid=link-error]");
  await error.waitFor({ timeout: 120000 });
  assert.match(await error.innerText(), /No posts could be read from own_export_mixed_31\.csv for dataset “own export”.*all \d+ rows were rejected, the first \(line 2\)/s);
  assert.equal(await page.locator("[data-testid=link-dataset]").count(), 0);
  await error.locator("button").click();

  // the right mapping: added under its name, every post kept (the mapping is remembered, so the
  // form opens with it)
  await page.locator("[data-testid=link-name-input]").fill("own export");
  await page.locator("[data-testid=link-file-input]").setInputFiles(own);
  await form.waitFor({ timeout: 60000 });
  await mapAll("Posted At");
  await shot(page, "link-04-mapping");
  await form.locator("[data-testid=mapping-confirm]").click();
  await page.locator("[data-testid=link-dataset]").nth(0).waitFor({ timeout: 120000 });
  const [tweets, users] = synthFiles("copy-paste", 32, 0.5);
  await page.locator("[data-testid=link-file-input]").setInputFiles([tweets, users]);
  await page.locator("[data-testid=link-dataset]").nth(1).waitFor({ timeout: 120000 });
  assert.deepEqual(await names(), ["own export", "synth_copy-paste_32"]);
  const listed = async () => page.locator("[data-testid=link-dataset]").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].slice(1, 4).map((td) => td.innerText.trim()).join(" | ")));
  const before = await listed();
  // every post of the original IO-archive file (the native CLI reads it with its known format)
  const inspect = execFileSync(chorusBin(), ["inspect", synthFiles("mixed", 31, 0.5)[0]], { encoding: "utf8" });
  const [, ioPosts] = inspect.match(/dataset: (\d+) posts/) ?? [];
  assert.equal(before[0].split(" | ")[1].replace(/,/g, ""), ioPosts, `${before[0]} vs ${inspect}`);
  assert.doesNotMatch(before[0], /rejected/);

  // the user's detection parameters: 4 repetitions (3 by default), no co-hashtag
  await page.locator("[data-testid=link-parameters] summary").click();
  assert.match(await page.locator("[data-testid=link-params-line]").innerText(), /co_hashtag 300 s.*; repetitions ≥ 5/);
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").fill("4");
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").dispatchEvent("change");
  await page.locator("[data-testid=link-parameters] [data-method=co_hashtag] input[type=checkbox]").uncheck();
  assert.match(await page.locator("[data-testid=link-params-line]").innerText(), /repetitions ≥ 4/);
  assert.doesNotMatch(await page.locator("[data-testid=link-params-line]").innerText(), /co_hashtag/);
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  const used = await page.locator("[data-testid=link-detect-params]").innerText();
  assert.match(used, /^Detected with: .*repetitions ≥ 4/);
  assert.doesNotMatch(used, /co_hashtag|changed since/);
  const report = JSON.parse((await downloadText(page, "link-export-report-json", tmp)).text);
  assert.equal(report.detect_params.min_repetitions, 4);
  assert.equal(report.detect_params.methods.find((m) => m.kind === "co_hashtag" || m.kind === "CoHashtag").enabled, false);
  const strength = await page.locator(cell("link-overlap-matrix", "own export", "synth_copy-paste_32")).getAttribute("data-strength");
  // changing them again marks the result as made with others
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").fill("5");
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").dispatchEvent("change");
  assert.match(await page.locator("[data-testid=link-detect-params]").innerText(), /changed since/);

  // rename, then cancel a run: the worker restarts and the datasets come back, with their names,
  // the mapping and visible progress; the run then works as before
  const second = page.locator("[data-testid=link-dataset-name]").nth(1);
  await second.fill("copy paste");
  await second.press("Enter");
  await page.waitForFunction(() => document.querySelector("[data-testid=link-datasets]")?.getAttribute("aria-busy") === "false"
    && document.querySelectorAll("[data-testid=link-dataset-name]")[1]?.value === "copy paste");
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-progress] [data-testid=link-cancel]").click();
  const restoring = await page.waitForFunction(() => document.querySelector("[data-testid=link-restore] h2")?.innerText, null, { timeout: 30000, polling: 20 });
  assert.match(await restoring.jsonValue(), /^Adding the datasets again: step [12] of 2, (own export|copy paste)$/);
  await shot(page, "link-05-restore");
  await page.locator("[data-testid=link-restore]").waitFor({ state: "detached", timeout: 180000 });
  const notice = await view.locator(".notice").innerText();
  assert.match(notice, /Linking was cancelled .*The 2 datasets were added again from the same files \([0-9.]+ s\)/);
  t.diagnostic(`after the cancel: ${notice}`);
  assert.deepEqual(await names(), ["own export", "copy paste"]);
  assert.deepEqual(await listed(), before, "the same files, posts and accounts");
  assert.equal(await page.locator("[data-testid=link-results]").count(), 0);
  // the parameters stayed the user's (5); back to 4 and run
  assert.equal(await page.locator("[data-testid=link-parameters] input[data-key=rep]").inputValue(), "5");
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").fill("4");
  await page.locator("[data-testid=link-parameters] input[data-key=rep]").dispatchEvent("change");
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator(cell("link-overlap-matrix", "own export", "copy paste")).getAttribute("data-strength"), strength, "the same link as before the cancel");
  t.diagnostic(`the run after it: ${await page.locator("[data-testid=link-results] .results-head").innerText()}`);
  assert.deepEqual(consoleErrors, []);
  assertPrivate(rec);
  await context.close();
});

test("cancelling a run after the demo keeps the demo's datasets as they were (one removed, two with swapped names) and an upload", async (t) => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1440, height: 900 });
  const { page, context, consoleErrors } = rec;
  await page.goto(env.server.url);
  await page.locator("[data-testid=link-tab]").click();
  const names = () => page.locator("[data-testid=link-dataset-name]").evaluateAll((els) => els.map((e) => e.value));
  await page.locator("[data-testid=link-demo-button]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  await page.locator("[data-testid=link-remove]").nth(2).click();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=link-dataset]").length === 2);
  // A and B swap names (through a third one)
  const rename = async (i, name) => {
    const input = page.locator("[data-testid=link-dataset-name]").nth(i);
    await input.fill(name);
    await input.press("Enter");
    // the worker has answered every rename (the table is aria-busy until then) and kept this one
    await page.waitForFunction(([i, name]) => document.querySelector("[data-testid=link-datasets]")?.getAttribute("aria-busy") === "false"
      && document.querySelectorAll("[data-testid=link-dataset-name]")[i]?.value === name, [i, name]);
  };
  await rename(1, "tmp");
  await rename(0, "B-re-emergence");
  await rename(1, "A-operation");
  await page.locator("[data-testid=link-file-input]").setInputFiles(synthFiles("copy-paste", 32, 0.5));
  await page.locator("[data-testid=link-dataset]").nth(2).waitFor({ timeout: 120000 });
  const expected = ["B-re-emergence", "A-operation", "synth_copy-paste_32"];
  assert.deepEqual(await names(), expected);
  const rows = () => page.locator("[data-testid=link-dataset]").evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll("td")].slice(1, 5).map((td) => td.innerText.trim()).join(" | ")));
  const before = await rows();
  assert.notEqual(before[0], before[1], "A and B differ");
  // other parameters, so that every dataset is detected again; cancel that run
  await page.locator("[data-testid=link-parameters] summary").click();
  await page.locator("[data-testid=link-parameters] input[data-key=minc]").fill("4");
  await page.locator("[data-testid=link-parameters] input[data-key=minc]").dispatchEvent("change");
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-progress] [data-testid=link-cancel]").click();
  // every step shown (polled every 10 ms in the page), until the three datasets are back
  await page.waitForFunction(() => {
    const seen = (window.__steps ??= []);
    const h = document.querySelector("[data-testid=link-restore] h2")?.innerText;
    if (h && !seen.includes(h)) seen.push(h);
    return !h && seen.length > 0 && document.querySelectorAll("[data-testid=link-dataset]").length === 3;
  }, null, { timeout: 180000, polling: 10 });
  const seen = await page.evaluate(() => window.__steps);
  t.diagnostic(`restore steps seen: ${JSON.stringify(seen)}`);
  // the demo, C's removal, the two renames twice (swapped names), the upload
  assert.ok(seen.every((s) => /^Adding the datasets again: step [1-7] of 7, /.test(s)), JSON.stringify(seen));
  assert.deepEqual(await names(), expected);
  assert.deepEqual(await rows(), before, "each name on its own data");
  assert.match(await page.locator("[data-testid=link-view] .notice").innerText(), /The 3 datasets were added again/);
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  assert.match(await page.locator("[data-testid=link-detect-params]").innerText(), /clusters ≥ 4 accounts/);
  assert.equal(await page.locator(cell("link-overlap-matrix", "B-re-emergence", "A-operation")).getAttribute("data-linked"), "true");
  assert.deepEqual(consoleErrors, []);
  assertPrivate(rec);
  await context.close();
});

test("a link worker that crashes is replaced and its datasets are added again", async () => {
  const rec = await newRecordedPage(env.browser, env.server.url, { width: 1440, height: 900 });
  const { page, context } = rec;
  await page.goto(env.server.url);
  const analysisWorkers = () => page.workers().filter((w) => w.url().endsWith("/worker-loader.js"));
  // the workspace's worker is there from the start; the link tab spawns its own when first shown
  for (let i = 0; analysisWorkers().length === 0; i++) {
    assert.ok(i < 600, "the workspace's worker starts with the page");
    await page.waitForTimeout(50);
  }
  const before = new Set(analysisWorkers());
  await page.locator("[data-testid=link-tab]").click();
  await page.locator("[data-testid=link-demo-button]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  const names = () => page.locator("[data-testid=link-dataset-name]").evaluateAll((els) => els.map((e) => e.value));
  const expected = await names();
  assert.equal(expected.length, 3);
  const linkWorkers = analysisWorkers().filter((w) => !before.has(w));
  assert.equal(linkWorkers.length, 1, `one new analysis worker for the link tab: ${page.workers().map((w) => w.url())}`);
  // an uncaught exception in the worker (what a Wasm trap or an out-of-memory abort gives)
  await linkWorkers[0].evaluate(() => setTimeout(() => { throw new Error("simulated crash"); }, 0));
  await page.locator("[data-testid=link-error]").waitFor({ timeout: 60000 });
  assert.match(await page.locator("[data-testid=link-error]").innerText(), /The analysis worker failed: .*simulated crash/s);
  await page.waitForFunction(() => !document.querySelector("[data-testid=link-restore]")
    && document.querySelectorAll("[data-testid=link-dataset]").length === 3
    && /were added again/.test(document.querySelector("[data-testid=link-view] .notice")?.innerText ?? ""), null, { timeout: 180000 });
  assert.match(await page.locator("[data-testid=link-view] .notice").innerText(), /The link worker was restarted\. The 3 datasets were added again/);
  assert.deepEqual(await names(), expected);
  // the new worker works: the link runs again
  await page.locator("[data-testid=link-error] button").click();
  await page.locator("[data-testid=link-run]").click();
  await page.locator("[data-testid=link-results]").waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator(cell("link-overlap-matrix", "A-operation", "B-re-emergence")).getAttribute("data-linked"), "true");
  assertPrivate(rec);
  await context.close();
});

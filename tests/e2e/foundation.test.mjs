// End to end on the release build: upload, progress, result, cancel, and nothing leaves the origin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { suite, newRecordedPage, shot } from "./harness.mjs";

const env = suite("e2e");
const tmp = env.tmp;

test("a dropped file is streamed by the worker and summarised; nothing leaves the origin", async () => {
  const { page, foreign, carryingData, consoleErrors, context } = await newRecordedPage(env.browser, env.server.url);
  await page.goto(env.server.url);
  const csv = join(tmp, "toolkit.csv");
  writeFileSync(csv, "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,10,alice,,,hello world,1600000000,\n2,11,bob,1,,,1600000010,\n");
  await page.locator("[data-testid=file-input]").setInputFiles(csv);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: 60000 });
  const text = await page.locator("[data-testid=ingest-summary]").innerText();
  assert.match(text, /toolkit\.csv/);
  await shot(page, "foundation-summary");
  // a second file works again
  const csv2 = join(tmp, "second.csv");
  writeFileSync(csv2, "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n5,12,carol,,,hi,1600000100,\n");
  await page.locator("[data-testid=file-input]").setInputFiles(csv2);
  await page.locator("[data-testid=ingest-summary]", { hasText: "second.csv" }).waitFor({ timeout: 60000 });
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: 60000 });
  assert.deepEqual(foreign(), [], "requests left the origin");
  assert.deepEqual(carryingData(), [], "requests carried data");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a long read can be cancelled and the page stays usable", async () => {
  const { page, context } = await newRecordedPage(env.browser, env.server.url);
  await page.goto(env.server.url);
  const big = join(tmp, "big.csv");
  const fd = openSync(big, "w");
  writeSync(fd, "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n");
  const row = "1,10,alice,,,some text that repeats to make the file long enough to take a while,1600000000,\n".repeat(10000);
  for (let i = 0; i < 600; i++) writeSync(fd, row); // ~600 MB
  closeSync(fd);
  await page.locator("[data-testid=file-input]").setInputFiles(big);
  await page.locator("[data-testid=progress]").waitFor({ timeout: 30000 });
  await page.locator("[data-testid=cancel-button]").click();
  await page.locator("[data-testid=progress]").waitFor({ state: "detached", timeout: 30000 });
  assert.equal(await page.locator("[data-testid=results-summary]").count(), 0);
  await context.close();
});

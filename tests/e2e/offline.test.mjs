// Privacy and offline use: after the first visit the app works with the network cut, and
// analysing a file makes no request at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { suite, newRecordedPage, shot, ROOT } from "./harness.mjs";

const env = suite("offline");
const tmp = env.tmp;

test("after the first visit the app loads and analyses a file offline, making no request", async () => {
  const { page, context, requests } = await newRecordedPage(env.browser, env.server.url);
  await page.goto(env.server.url);
  // the service worker takes control of the page once it has cached the build
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30000 });
  await context.setOffline(true);
  env.server.close(); // and the server is gone too
  await page.reload();
  await page.locator("[data-testid=file-input]").waitFor({ timeout: 30000 });
  // the page's own lazy loads (the favicon) come from the service worker's cache; let them settle
  await page.waitForLoadState("networkidle");
  const before = requests.length;
  const csv = join(tmp, "offline.csv");
  writeFileSync(csv, "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,10,alice,,,hello world,1600000000,\n2,11,bob,1,,,1600000010,\n");
  await page.locator("[data-testid=file-input]").setInputFiles(csv);
  await page.locator("[data-testid=results-summary]").waitFor({ timeout: 60000 });
  await shot(page, "offline-results");
  // Allowed: GETs (no body) of the app's own built files, which the service worker serves from
  // its cache (the browser fetches the favicon lazily, at a time of its choosing). Anything else
  // — another URL, another method, a body — fails.
  const own = new Set(readdirSync(join(ROOT, "dist")).map((f) => new URL(f, env.server.url).href));
  const during = requests.slice(before).filter((r) => !r.url.startsWith("blob:") && !r.url.startsWith("data:"));
  const unexpected = during.filter((r) => !(r.method === "GET" && !r.hasBody && own.has(r.url.split("?")[0])));
  assert.deepEqual(unexpected.map((r) => `${r.method} ${r.url}`), [], "analysing a file made requests");
  await context.close();
});

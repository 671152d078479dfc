// Signs in as rep2 and tries to reach rep1's call: a link with its id in the query string (on every page),
// the Review page's own URL, and the pages the sidebar offers. Then, as the control, the manager opens it.
// Usage: node access.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH CALL_ID RIVAL_LINE OWN_LINE
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [baseUrl, artifacts, executablePath, callId, rivalLine, ownLine] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(60000);
const shot = async (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
const steps = [];
const leaks = [];

// Sign in on whatever URL was opened, from a browser that holds no one's sign-in cookie.
async function openSignedIn(url, name) {
  await page.context().clearCookies();
  await page.goto(url);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill("practice-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
}

// Wait until the script run has finished, then read everything the page shows.
async function settled() {
  await page.waitForTimeout(500);
  await page.locator("[data-testid='stStatusWidget']").waitFor({ state: "hidden" }).catch(() => {});
  await page.waitForTimeout(500);
  return page.locator("body").innerText();
}

// `done` is text the page shows last, so the whole page has rendered before it is read.
async function check(step, expectHeading, done) {
  await page.getByRole("heading", { name: expectHeading }).first().waitFor();
  if (done) await page.getByText(done).last().waitFor();
  const text = await settled();
  if (text.includes(rivalLine) || text.includes(callId)) leaks.push(`${step}: rep1's call is on the page`);
  if (text.includes("Review calls")) leaks.push(`${step}: the Review page opened for a rep`);
  const nav = await page.getByRole("link", { name: "Review" }).count();
  if (nav) leaks.push(`${step}: the sidebar offers Review to a rep`);
  steps.push(step);
  return text;
}

try {
  await openSignedIn(`${baseUrl}/review?call=${callId}`, "rep2");
  await check("rep2 opens /review?call=ID", "Practice a call", "Brief me");
  await shot("access-1-review-url");

  await openSignedIn(`${baseUrl}/?call=${callId}&session=${callId}&id=${callId}`, "rep2");
  await check("rep2 opens /?call=ID", "Practice a call", "Brief me");

  await openSignedIn(`${baseUrl}/history?call=${callId}&session=${callId}&id=${callId}`, "rep2");
  await check("rep2 opens /history?call=ID", "Practice a call", "Brief me");
  await shot("access-2-history-url");

  await page.getByRole("link", { name: "My calls" }).click();
  await check("rep2 follows the sidebar to My calls", "My calls", ownLine); // the control: the rep's own call shows
  await page.goto(`${baseUrl}/team?call=${callId}`);  // a new page load keeps the rep signed in (the cookie) ...
  await page.getByText("Signed in as").waitFor();
  await check("rep2 reloads /team?call=ID and stays signed in", "Practice a call", "Brief me");  // ... and sees nothing
  await page.goto(baseUrl);  // away from the "page not found" notice, to the sidebar's Sign out
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Name", { exact: true }).waitFor();
  await page.goto(`${baseUrl}/history`);
  await page.getByLabel("Name", { exact: true }).waitFor();  // signing out ended the session for later loads too
  steps.push("signing out, then reloading, asks to sign in again");

  // The control: the manager does see rep1's call, so the checks above can see a leak when there is one.
  await openSignedIn(baseUrl, "manager");
  await page.getByRole("link", { name: "Review" }).click();
  await page.getByRole("heading", { name: "Review calls" }).waitFor();
  await page.getByText(rivalLine).first().waitFor();
  await shot("access-3-manager-review");
  steps.push("control: the manager sees rep1's call on Review");

  const ok = leaks.length === 0;
  console.log(JSON.stringify({ ok, steps, leaks }));
  if (!ok) process.exitCode = 1;
} catch (error) {
  await shot("access-failure");
  console.log(JSON.stringify({ ok: false, steps, leaks, error: String(error) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

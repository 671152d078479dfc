// One rep, one call, two tabs: a line sent in tab A, and about a second later another in tab B, before
// the buyer has answered A's line.
// Usage: node two_tabs.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH LINES_JSON
// LINES_JSON is a JSON list of three rep lines: the first said in tab A (and answered), the second in A,
// the third in B about a second later. Prints one JSON line: {ok, steps, seen_on_b, error?}.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [baseUrl, artifacts, executablePath, linesJson] = process.argv.slice(2);
const lines = JSON.parse(linesJson);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const steps = [];
const report = { ok: false, steps };
const pages = [];

async function openTab() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const p = await context.newPage();
  p.setDefaultTimeout(180000);
  pages.push(p);
  await p.goto(baseUrl);
  await p.getByLabel("Name", { exact: true }).fill("rep1");
  await p.getByLabel("Password", { exact: true }).fill("practice-demo");
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("heading", { name: "Practice a call" }).waitFor();
  return p;
}

async function ready(p) {
  // the run is over and the chat box takes a line again
  await p.waitForTimeout(500);
  await p.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
  await p.waitForFunction(
    () => { const b = document.querySelector('textarea[placeholder="Your line"]'); return b && !b.disabled; });
}

async function send(p, line) {
  const box = p.getByPlaceholder("Your line");
  await box.fill(line);
  await box.press("Enter");
}

try {
  const a = await openTab();
  await a.getByRole("button", { name: "Brief me" }).first().click();
  await a.getByRole("button", { name: /Start the call/ }).click();
  await ready(a);
  await send(a, lines[0]);
  await a.getByText("Turn 1", { exact: true }).waitFor();
  await ready(a);
  steps.push("tab A: one turn");

  const b = await openTab();
  await b.getByRole("button", { name: "Resume it" }).click();
  await b.getByText("Turn 1", { exact: true }).waitFor();
  await ready(b);
  steps.push("tab B: the same call");

  await send(a, lines[1]);
  await a.waitForTimeout(1000);
  await send(b, lines[2]);
  await b.waitForTimeout(700);
  await b.screenshot({ path: `${artifacts}/two-tabs-1-tab-b-thinking.png` });
  steps.push("a line in each tab before the buyer answered");

  await b.getByText("Turn 3", { exact: true }).waitFor();
  await ready(b);
  await ready(a);
  report.seen_on_b = await b.locator('[data-testid="stChatMessage"] [data-testid="stText"]').allInnerTexts();
  await b.getByPlaceholder("Your line").scrollIntoViewIfNeeded();
  await b.screenshot({ path: `${artifacts}/two-tabs-2-tab-b-answered.png` });
  await a.getByPlaceholder("Your line").scrollIntoViewIfNeeded();
  await a.screenshot({ path: `${artifacts}/two-tabs-3-tab-a.png` });
  steps.push("both tabs settled");
  report.ok = true;
} catch (error) {
  report.error = String(error);
  for (const [n, p] of pages.entries()) {
    await p.screenshot({ path: `${artifacts}/two-tabs-failure-${n}.png` }).catch(() => {});
  }
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(report));
  await browser.close();
}

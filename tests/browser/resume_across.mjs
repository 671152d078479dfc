// A rep starts a call on one app process and finishes it on another that shares the database.
// Usage: node resume_across.mjs URL_A URL_B ARTIFACTS_DIR CHROMIUM_PATH LINES_JSON
// LINES_JSON is a JSON list of three rep lines: two said on app A, the third on app B.
// Prints one JSON line: {ok, steps, seen_on_a, seen_on_b_after_resume, error?}; the "seen" lists are
// the call's words on screen in order (the buyer's opening, then rep and buyer lines).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [urlA, urlB, artifacts, executablePath, linesJson] = process.argv.slice(2);
const lines = JSON.parse(linesJson);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const steps = [];
const report = { ok: false, steps };
let page = null;

async function openApp(url) {
  // A separate browser context: nothing (cookies, storage) carries over from the other process.
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const p = await context.newPage();
  p.setDefaultTimeout(60000);
  await p.goto(url);
  return p;
}

const shot = async (p, name) => p.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

async function settled(p) {
  // Streamlit shows its status widget while a script run is in progress.
  await p.waitForTimeout(300);
  await p.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
}

async function signIn(p, name) {
  await p.getByLabel("Name", { exact: true }).fill(name);
  await p.getByLabel("Password", { exact: true }).fill("practice-demo");
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByText("Signed in as").waitFor();
}

async function say(p, line, turn) {
  const box = p.getByPlaceholder("Your line");
  await box.fill(line);
  await box.press("Enter");
  await p.getByText(`Turn ${turn}`, { exact: true }).waitFor();
  // The turn shows as soon as the line is stored; the reply follows while the box is disabled and the
  // buyer "is thinking". Wait until the box is usable again and no one is thinking.
  await p.waitForFunction(
    () => { const b = document.querySelector('textarea[placeholder="Your line"]'); return b && !b.disabled; },
    null, { timeout: 60000 });
  await p.getByText(/is thinking/).first().waitFor({ state: "hidden" });
  await settled(p);
}

async function callWords(p) {
  return p.locator('[data-testid="stChatMessage"] [data-testid="stText"]').allInnerTexts();
}

try {
  page = await openApp(urlA);
  await page.getByText("Demo accounts").waitFor();
  await signIn(page, "rep1");
  await page.getByRole("heading", { name: "Practice a call" }).waitFor();
  await page.getByRole("button", { name: "Brief me" }).first().click();
  await page.getByRole("button", { name: /Start the call/ }).click();
  await say(page, lines[0], 1);
  await say(page, lines[1], 2);
  report.seen_on_a = await callWords(page);
  await shot(page, "across-1-app-a-call");
  steps.push("two turns on app A");
  await page.context().close();  // the rep's browser now reaches the other process

  page = await openApp(urlB);
  await signIn(page, "rep1");
  await page.getByText(/You have an unfinished call with .* \(2 turn\(s\)\)/).waitFor();
  await shot(page, "across-2-app-b-resume");
  await page.getByRole("button", { name: "Resume it" }).click();
  await page.getByText("Turn 2", { exact: true }).waitFor();
  await settled(page);
  report.seen_on_b_after_resume = await callWords(page);
  await shot(page, "across-3-app-b-resumed");
  steps.push("resumed on app B");

  await say(page, lines[2], 3);
  await page.getByRole("button", { name: "End call" }).click();
  await page.getByRole("heading", { name: "How it went" }).waitFor();
  await settled(page);
  await shot(page, "across-4-app-b-scorecard");
  steps.push("third turn and scorecard on app B");
  report.ok = true;
} catch (error) {
  report.error = String(error);
  if (page) await shot(page, "across-failure").catch(() => {});
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(report));
  await browser.close();
}

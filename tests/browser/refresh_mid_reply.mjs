// The rep sends a line and refreshes the page before the buyer has answered (a fresh app: the model is
// still starting), signs in again, resumes the call, then says a second line.
// Usage: node refresh_mid_reply.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH LINES_JSON
// Prints one JSON line: {ok, steps, kept_notice, seen, error?}; `kept_notice` is true when the resumed
// call showed the unanswered line with "Send it again" (false when the reply had been stored by then).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [baseUrl, artifacts, executablePath, linesJson] = process.argv.slice(2);
const lines = JSON.parse(linesJson);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
page.setDefaultTimeout(180000);
const steps = [];
const report = { ok: false, steps };

async function ready() {
  await page.waitForTimeout(500);
  await page.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
  await page.waitForFunction(
    () => { const b = document.querySelector('textarea[placeholder="Your line"]'); return b && !b.disabled; });
}

async function signIn() {
  await page.getByLabel("Name", { exact: true }).fill("rep1");
  await page.getByLabel("Password", { exact: true }).fill("practice-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Practice a call" }).waitFor();
}

async function send(line) {
  const box = page.getByPlaceholder("Your line");
  await box.fill(line);
  await box.press("Enter");
}

try {
  await page.goto(baseUrl);
  await signIn();
  await page.getByRole("button", { name: "Brief me" }).first().click();
  await page.getByRole("button", { name: /Start the call/ }).click();
  await ready();
  await send(lines[0]);
  await page.waitForTimeout(800);  // the buyer is still thinking
  await page.reload();
  steps.push("refreshed before the buyer answered");

  await page.getByText("Signed in as").waitFor();  // a refresh keeps the rep signed in
  steps.push("still signed in after the refresh");
  await page.getByRole("button", { name: "Resume it" }).click();
  await page.getByText("Turn 1", { exact: true }).or(page.getByText(/not answered it yet/)).first().waitFor();
  await page.waitForTimeout(500);
  await page.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
  report.kept_notice = await page.getByText(/not answered it yet/).isVisible();
  await page.screenshot({ path: `${artifacts}/refresh-1-resumed.png` });
  if (report.kept_notice) {
    await page.getByRole("button", { name: "Send it again" }).click();
  }
  await page.getByText("Turn 1", { exact: true }).waitFor();
  await ready();
  steps.push("resumed, line 1 answered");

  await send(lines[1]);
  await page.getByText("Turn 2", { exact: true }).waitFor();
  await ready();
  report.seen = await page.locator('[data-testid="stChatMessage"] [data-testid="stText"]').allInnerTexts();
  await page.getByPlaceholder("Your line").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifacts}/refresh-2-answered.png` });
  steps.push("line 2 answered");
  report.ok = true;
} catch (error) {
  report.error = String(error);
  await page.screenshot({ path: `${artifacts}/refresh-failure.png` }).catch(() => {});
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(report));
  await browser.close();
}

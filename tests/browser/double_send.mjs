// A rep sends a line, then a second one about a second later, before the buyer has answered the first.
// Usage: node double_send.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH LINES_JSON
// LINES_JSON is a JSON list of two rep lines. If the chat box is disabled while the buyer answers, the
// script types into it and presses Enter anyway (that must do nothing), then sends line 2 once the box is
// enabled again. Prints one JSON line: {ok, steps, disabled_while_answering, thinking_seen, typed_while_disabled,
// seen, error?}; `seen` is the call's words on screen in order (the opening, then rep and buyer lines).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { signInAndStartCall } from "./call.mjs";

const [baseUrl, artifacts, executablePath, linesJson] = process.argv.slice(2);
const lines = JSON.parse(linesJson);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
page.setDefaultTimeout(180000);  // a fresh app starts the embedded model on the first turn
const shot = async (name, fullPage = false) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage });
const steps = [];
const report = { ok: false, steps };

async function settled() {
  // Streamlit shows its status widget while a script run is in progress.
  await page.waitForTimeout(500);
  await page.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
}

try {
  const box = await signInAndStartCall(page, baseUrl);
  await box.waitFor();
  await settled();
  steps.push("call started on a fresh app");

  await box.fill(lines[0]);
  await box.press("Enter");
  await page.waitForTimeout(1000);  // the rep is quick; the buyer has not answered yet
  report.disabled_while_answering = await box.isDisabled();
  report.thinking_seen = await page.getByText(/is thinking/).first().isVisible();
  await shot("double-1-thinking");
  if (report.disabled_while_answering) {
    // Type and press Enter anyway: a disabled box must neither send nor lose anything.
    await box.click({ force: true, timeout: 2000 }).catch(() => {});
    await page.keyboard.type(lines[1]);
    await page.keyboard.press("Enter");
    report.typed_while_disabled = true;
    await page.waitForTimeout(300);
    await shot("double-2-typed-while-disabled");
    await box.waitFor({ state: "visible" });
    await page.waitForFunction(
      () => { const b = document.querySelector('textarea[placeholder="Your line"]'); return b && !b.disabled; },
      null, { timeout: 180000 });
  }
  await box.fill(lines[1]);
  await box.press("Enter");
  steps.push("second line sent");
  await page.waitForTimeout(500);
  await shot("double-3-second-line");

  await page.getByText("Turn 2", { exact: true }).waitFor();
  await page.waitForFunction(
    () => { const b = document.querySelector('textarea[placeholder="Your line"]'); return b && !b.disabled; },
    null, { timeout: 180000 });
  await settled();
  report.seen = await page.locator('[data-testid="stChatMessage"] [data-testid="stText"], ' +
                                   '[data-testid="stChatMessage"] [data-testid="stMarkdownContainer"]').allInnerTexts();
  await box.scrollIntoViewIfNeeded();
  await shot("double-4-both-answered");
  steps.push("both lines answered");
  report.ok = true;
} catch (error) {
  report.error = String(error);
  await shot("double-failure", true).catch(() => {});
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(report));
  await browser.close();
}

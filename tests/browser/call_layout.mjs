// Holds a six-turn call at a laptop size and a phone size: the chat box, the clock and End call stay on
// screen, and the scorecard opens at its top. Screenshots (the screen as seen, not the full page) go to
// ARTIFACTS_DIR. Usage: node call_layout.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { signInAndStartCall } from "./call.mjs";

const [baseUrl, artifacts, executablePath] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const lines = [
  "Thanks for making time. Is 30 minutes still right for you?",
  "What would make this quarter a good one for you?",
  "How far off has your cash forecast been against actuals lately?",
  "What has that cost you with the lenders or the board?",
  "Where do the misses come from, money coming in or money going out?",
  "If the forecast landed within a few percent, what would that free up for you?",
];
const sizes = [["laptop", 1280, 720], ["phone", 390, 844]];
const report = { ok: true, checks: {} };

// In view once the page has finished moving (polled for a few seconds: a busy machine draws late).
async function cameIntoView(page, locator, seconds = 10) {
  for (let waited = 0; waited < seconds * 1000; waited += 250) {
    if (await inView(page, locator)) return true;
    await page.waitForTimeout(250);
  }
  return inView(page, locator);
}

async function inView(page, locator) {
  const box = await locator.boundingBox();
  const view = page.viewportSize();
  return Boolean(box) && box.y >= 0 && box.y + box.height <= view.height && box.x >= 0 && box.x + box.width <= view.width;
}

// The script run is over (Streamlit's status widget gone), then a moment for the last scroll.
async function settled(page) {
  await page.waitForTimeout(500);
  await page.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
  await page.waitForTimeout(700);
}

try {
  for (const [name, width, height] of sizes) {
    const page = await browser.newPage({ viewport: { width, height } });
    page.setDefaultTimeout(60000);
    const box = await signInAndStartCall(page, baseUrl);
    for (const line of lines) {
      await box.fill(line);
      await box.press("Enter");
      await page.getByText(line).first().waitFor();
      await page.waitForFunction(() => !document.querySelector("textarea[placeholder='Your line']")?.disabled);
    }
    await settled(page);
    await page.screenshot({ path: `${artifacts}/call-${name}.png` });
    const checks = { chat_box_on_screen: await inView(page, box) };
    // at a laptop size the sidebar holds the clock and End call; on a phone (sidebar folded) the line above the chat box
    const endCall = name === "laptop"
      ? page.getByTestId("stSidebar").getByRole("button", { name: "End call" })
      : page.locator(".st-key-end-call-here").getByRole("button", { name: "End call" });
    checks.end_call_on_screen = await inView(page, endCall);
    checks.clock_on_screen = name === "laptop"
      ? await inView(page, page.getByTestId("stMetric").first())
      : await inView(page, page.getByText(/^Clock .* min/).last());
    if (name === "laptop") checks.narrow_copy_hidden = !(await page.locator(".st-key-end-call-here").isVisible());
    await endCall.click();
    const heading = page.getByRole("heading", { name: "How it went" });
    await heading.waitFor();
    await settled(page);  // the whole scorecard drawn (and scrolled to its top), however busy the machine
    await page.screenshot({ path: `${artifacts}/scorecard-${name}.png` });
    checks.scorecard_opens_at_top = await cameIntoView(page, heading);
    report.checks[name] = checks;
    const failed = Object.keys(checks).filter((k) => !checks[k]).map((k) => `${name}: ${k}`);
    report.failed = [...(report.failed || []), ...failed];
    if (failed.length) report.ok = false;
    await page.close();
  }
} catch (error) {
  report.ok = false;
  report.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
if (!report.ok) process.exitCode = 1;

// Speed as a user feels it, in a real browser: the sign-in page cold and warm, each page warm, and the
// time from Enter to the buyer's first word on screen. Used by bench/browser.py (which starts the app).
// Usage: node speed.mjs BASE_URL CHROMIUM_PATH LINES_JSON REPEATS
// Prints one JSON line: {ok, sign_in_cold_s, sign_in_warm_s: [...], sign_in_returning_s: [...], pages: {name: [...]}, first_word_s: [...],
// turn_s: [...], error?}
import { chromium } from "playwright-core";
import { signInAndStartCall } from "./call.mjs";

const [baseUrl, executablePath, linesJson, repeatsArg] = process.argv.slice(2);
const lines = JSON.parse(linesJson);
const repeats = Number(repeatsArg || 3);
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const report = { ok: false, sign_in_warm_s: [], pages: {}, first_word_s: [], turn_s: [] };
const seconds = (start) => Math.round((performance.now() - start) / 10) / 100;

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(180000);
  return page;
}

async function signInPage(page) {
  const start = performance.now();
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  return seconds(start);
}

async function signIn(page, name) {
  await signInPage(page);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill("practice-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Practice a call" }).waitFor();
}

async function idle(page) {
  await page.waitForTimeout(300);
  await page.locator('[data-testid="stStatusWidget"]').waitFor({ state: "hidden" });
}

try {
  report.sign_in_cold_s = await signInPage(await freshPage());  // the first visit after the server started
  for (let i = 0; i < repeats; i++) report.sign_in_warm_s.push(await signInPage(await freshPage()));
  const returning = await freshPage();  // a browser that has been here before: the app's scripts are cached
  await signInPage(returning);
  report.sign_in_returning_s = [];
  for (let i = 0; i < repeats; i++) report.sign_in_returning_s.push(await signInPage(returning));

  // the rep's call: Enter to the first word of the buyer's reply, and to the whole reply
  const rep = await freshPage();
  const box = await signInAndStartCall(rep, baseUrl);
  await box.waitFor();
  await idle(rep);
  const messages = rep.locator('[data-testid="stChatMessage"]');
  for (const line of lines) {
    const before = await messages.count();
    report.step = `first word of the reply to: ${line}`;
    await box.fill(line);
    const start = performance.now();
    await box.press("Enter");
    await rep.waitForFunction((n) => {
      const all = document.querySelectorAll('[data-testid="stChatMessage"]');
      if (all.length < n + 2) return false;
      // the buyer's words: streamed as markdown, then kept as text; not the "is thinking" spinner or the name caption
      const words = [...all[all.length - 1].querySelectorAll('[data-testid="stText"], [data-testid="stMarkdown"]')]
        .filter((e) => !e.closest('[data-testid="stSpinner"]') && !e.querySelector('[data-testid="stCaptionContainer"]'))
        .map((e) => e.innerText).join(" ").trim();
      return words.length > 0;
    }, before, { timeout: 180000, polling: 20 });
    report.first_word_s.push(seconds(start));
    report.step = `the end of the reply to: ${line}`;
    const ended = await rep.waitForFunction(() => {  // the box is back, or the call is over and scored
      const b = document.querySelector('textarea[placeholder="Your line"]');
      if (b && !b.disabled) return "open";
      return !b && document.body.innerText.includes("Try again") ? "ended" : false;
    }, null, { timeout: 180000 });
    report.turn_s.push(seconds(start));
    if ((await ended.jsonValue()) === "ended") break;
    await idle(rep);
  }

  // the manager's pages, each opened from the navigation once warm
  report.step = "the manager's pages";
  const manager = await freshPage();
  await signIn(manager, "manager");
  const pages = [["Review", "Review calls"], ["Team", "Team"], ["My calls", "My calls"], ["Practice", "Practice a call"]];
  for (let i = 0; i <= repeats; i++) {
    for (const [link, heading] of pages) {
      const start = performance.now();
      await manager.getByRole("link", { name: new RegExp(`^${link}`) }).click();
      await manager.getByRole("heading", { name: heading, exact: true }).waitFor();
      await idle(manager);
      if (i > 0) (report.pages[link] ||= []).push(seconds(start));  // the first round warms each page
    }
  }
  report.ok = true;
} catch (error) {
  report.error = String(error);
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(report));
  await browser.close();
}

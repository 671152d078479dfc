// Signs in as a rep, holds a short call, ends it, then reviews it as the manager.
// Usage: node walkthrough.mjs BASE_URL ARTIFACTS_DIR CHROMIUM_PATH
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [baseUrl, artifacts, executablePath] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(60000);
const shot = async (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
const steps = [];

async function signIn(name) {
  await page.context().clearCookies();  // as another person's browser
  await page.goto(baseUrl);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill("practice-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
}

try {
  await page.goto(baseUrl);
  await page.getByText("Demo accounts").waitFor();
  await shot("1-sign-in");
  steps.push("sign-in page");

  await signIn("rep1");
  await page.getByRole("heading", { name: "Practice a call" }).waitFor();
  await shot("2-practice");
  await page.getByRole("button", { name: "Brief me" }).first().click();
  await page.getByRole("button", { name: /Start the call/ }).click();
  const line = "Thanks for making time. Is 30 minutes still right for you?";
  const box = page.getByPlaceholder("Your line");
  await box.fill(line);
  await box.press("Enter");
  await page.getByText("Last move").waitFor();
  await page.getByText(line).first().waitFor();
  await shot("3-call");
  steps.push("call with one turn");

  await page.getByRole("button", { name: "End call" }).click();
  await page.getByRole("heading", { name: "How it went" }).waitFor();
  await shot("4-scorecard");
  steps.push("scorecard");

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn("manager");
  await page.getByRole("link", { name: "Review" }).click();
  await page.getByRole("heading", { name: "Review calls" }).waitFor();
  await page.getByText(line).first().waitFor();
  await page.getByText("Click a row to open it").waitFor();
  await page.waitForTimeout(1500);  // the table and charts finish drawing
  await shot("5-review");
  steps.push("manager review shows the call");

  const note = "Strong opener; next time ask what the board needs before the time check.";
  await page.getByRole("button", { name: /Comment on turn 1/ }).click();  // right beneath the turn
  const popover = page.locator('[data-testid="stPopoverBody"]');
  await popover.getByLabel("Comment for the rep", { exact: true }).fill(note);
  await popover.getByRole("button", { name: "Add comment" }).click();
  await page.getByText(note).first().waitFor();
  const overrideForm = page.locator('[data-testid="stForm"]').filter({ hasText: "Criterion" });
  await overrideForm.getByText("no", { exact: true }).click();
  await overrideForm.getByLabel("Reason").fill("The opener never named her priority.");
  await overrideForm.getByRole("button", { name: "Override" }).click();
  await page.getByText("Manager override: no").first().waitFor();  // shown beside the grader's struck-through answer
  await page.getByText("Manager override: no").first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifacts}/5a-review-override.png` });
  steps.push("an override shows beside the grader's answer");
  await page.getByText("Needs review only").click();  // the call has a comment now: the queue is empty
  await page.getByText("No finished calls match").waitFor();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${artifacts}/6-review-queue-laptop.png` });
  steps.push("a comment takes the call out of the needs-review queue");
  await page.getByRole("link", { name: "Team" }).click();
  await page.getByRole("heading", { name: "Assignments" }).waitFor();
  await page.waitForTimeout(1500);
  await page.getByText("Chart these criteria").scrollIntoViewIfNeeded();  // the table above, the chart below
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${artifacts}/7a-team-skill-profile.png` });
  await page.getByText("Show the leaderboard to my reps").click();  // the manager lets the reps see the ranking
  await page.waitForTimeout(1000);
  await shot("7-team");
  steps.push("the team page shows a skill profile and the leaderboard switch");

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn("rep1");
  await page.getByText("on 1 call(s): see").waitFor();
  await page.getByRole("link", { name: "My calls (1 new)" }).click();
  await page.getByText(note).first().waitFor();
  await page.getByText("Team leaderboard, last 30 days").waitFor();  // switched on by the manager
  await page.getByText("Manager override: no").first().waitFor();  // the override reaches the rep
  await page.screenshot({ path: `${artifacts}/8-rep-feedback-laptop.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();  // as opened on a phone: the sidebar starts folded away
  await page.getByText(note).first().waitFor();
  await page.screenshot({ path: `${artifacts}/9-rep-feedback-phone.png`, fullPage: true });
  steps.push("the rep sees the badge and the feedback");
  console.log(JSON.stringify({ ok: true, steps }));
} catch (error) {
  await shot("failure");
  console.log(JSON.stringify({ ok: false, steps, error: String(error) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

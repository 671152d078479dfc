// Shared steps of the browser scripts: sign in as a demo account and start a call.
export async function signInAndStartCall(page, baseUrl, { name = "rep1", buyer = 0 } = {}) {
  await page.goto(baseUrl);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill("practice-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Practice a call" }).waitFor();
  await page.getByRole("button", { name: "Brief me" }).nth(buyer).click();
  await page.getByRole("button", { name: /Start the call/ }).click();
  return page.getByPlaceholder("Your line");
}

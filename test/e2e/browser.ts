/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium (or $CHROMIUM_PATH)
 * driven by playwright-core, with the flags this sandbox needs (no background networking, no
 * sandbox as root). A missing browser is an error that says how to install it, never a skip.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the end-to-end tests need it. Install Debian's ` +
        "chromium with `apt-get install -y --no-install-recommends chromium` (.ci/run does), " +
        "or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What a page did that it should not: script errors, console errors, requests beyond itself. */
export interface PageProblems {
  errors: string[];
  requests: string[];
}

/**
 * Opens `url` in a fresh page, recording problems, and waits until the page is ready
 * (`html[data-ready=true]`). Any request but `url` itself is a problem, unless `allowed` says
 * it may be made (the playground loads its script and style sheet from its own folder).
 */
export async function openViewer(
  browser: Browser,
  url: string,
  allowed: (request: string) => boolean = () => false,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: PageProblems = { errors: [], requests: [] };
  page.on("pageerror", (err) => problems.errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.errors.push(`console: ${msg.text()}`);
  });
  page.on("request", (req) => {
    if (req.url() !== url && !allowed(req.url())) problems.requests.push(req.url());
  });
  await page.goto(url);
  await page.waitForSelector("html[data-ready=true]", { timeout: 30_000 });
  return { page, problems };
}

/**
 * After a test: every page it opened stayed self-contained (no requests) and error-free; closes
 * them and empties the list.
 */
export async function closeCheckedPages(pages: { page: Page; problems: PageProblems }[]): Promise<void> {
  for (const { page, problems } of pages.splice(0)) {
    expect(problems.errors).toEqual([]);
    expect(problems.requests).toEqual([]);
    await page.close();
  }
}

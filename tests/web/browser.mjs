// browser.mjs — loads a page in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core over the DevTools protocol), waits until the
// element SELECTOR has a data-state attribute, and checks the state and the
// text the page wrote there:
//
//   node browser.mjs --url URL --want ok|error --text REGEX
//                    [--selector CSS] [--console REGEX] [--action JS]
//
// --console REGEX: some console message of the page must match (Chromium
// logs a CORS refusal there: "... has been blocked by CORS policy ...").
// --action JS: a function body run in the page before waiting (e.g. to fill
// in and submit a form).  Prints the page's console, its failed requests
// and the final DOM of the element; exits 0 when everything matches, 1
// otherwise.
//
// Why playwright-core and not `chromium --headless --dump-dom`: --dump-dom
// prints the DOM once, after a guessed virtual-time budget, with no way to
// wait for a condition, to see the console (where a CORS refusal is
// reported) or to tell a slow server from a broken page; here the test
// waits for the page's own "done" mark with a real timeout and prints why
// it failed.  playwright-core is only the driver (no bundled browser).
import { chromium } from "playwright-core";

const args = { selector: "#reply", chromium: process.env.TRPC_CHROMIUM ?? "/usr/bin/chromium" };
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
if (!args.url || !args.want || !args.text) {
  console.error("usage: node browser.mjs --url URL --want ok|error --text REGEX [--selector CSS] [--console REGEX] [--action JS]");
  process.exit(2);
}

// Chromium's sandbox needs user namespaces or a setuid helper, neither of
// which a root CI container has: as root it must run without.
const launchArgs = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
const browser = await chromium.launch({ executablePath: args.chromium, args: launchArgs, timeout: 60000 });
let ok = false;
try {
  const page = await browser.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => consoleLines.push(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

  await page.goto(args.url, { timeout: 30000 });
  if (args.action) await page.evaluate(new Function(args.action));
  let state = null, text = null;
  try {
    const el = await page.waitForSelector(`${args.selector}[data-state]`, { timeout: 30000 });
    state = await el.getAttribute("data-state");
    text = await el.textContent();
  } catch (e) {
    console.log(`browser: ${args.selector} got no data-state: ${e.message.split("\n")[0]}`);
  }
  console.log(`browser: ${args.url}`);
  for (const line of consoleLines) console.log(`browser: console ${line}`);
  console.log(`browser: ${args.selector} data-state=${state}: ${text}`);
  ok = state === args.want && new RegExp(args.text).test(text ?? "");
  if (args.console && !consoleLines.some((l) => new RegExp(args.console).test(l))) {
    console.log(`browser: no console message matches /${args.console}/`);
    ok = false;
  }
} finally {
  await browser.close();
}
console.log(ok ? "browser: as expected" : `browser: FAIL (want data-state=${args.want}, text /${args.text}/)`);
process.exit(ok ? 0 : 1);

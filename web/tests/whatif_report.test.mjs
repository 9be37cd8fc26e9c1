// The `kirchhoff whatif --report` page (src/whatif/report) as a person opens
// it: the example result of tests/data/whatif-example.json, rendered by
// whatif_report_test into <build>/artifacts/whatif-report-example.html, loaded
// from file:// in headless Chromium with every network request refused. At
// phone and desktop width, light and dark: no request but file: and data:,
// no console error, every chart drawn, no page wider than a phone, no axe-core
// violation; printed, nothing wider than the paper. Screenshots go to
// build/artifacts/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { artifacts, bin, root } from "./lib.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const kName = "whatif-report-example.html";

// The page, freshly rendered when the test program is built (it sits beside
// the kirchhoff binary of $KIRCHHOFF); else one rendered earlier.
function reportFile() {
  const buildDir = dirname(bin);
  const testProgram = join(buildDir, "src", "whatif", "report", "whatif_report_test");
  if (existsSync(testProgram)) {
    const run = spawnSync(testProgram, ["--gtest_filter=WhatifReport.ExampleHas*"], { cwd: root, encoding: "utf8" });
    assert.equal(run.status, 0, `${testProgram} failed:\n${run.stdout}\n${run.stderr}`);
  }
  const candidates = [join(buildDir, "artifacts", kName), join(artifacts, kName)];
  const found = candidates.find((path) => existsSync(path));
  assert.ok(found, `no ${kName} in ${candidates.join(" or ")}: build whatif_report_test and run it`);
  return found;
}

let browser;
let url;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  url = pathToFileURL(reportFile()).href;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
});

// Opens the page with the network cut off; returns it with what went wrong.
async function open(viewport, colorScheme) {
  const context = await browser.newContext({ viewport, colorScheme });
  const problems = [];
  // Anything that reaches the network layer is refused and reported.
  await context.route("**/*", (route) => {
    const requested = route.request().url();
    if (requested.startsWith("file:") || requested.startsWith("data:")) {
      return route.continue();
    }
    problems.push(`network request: ${requested}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("request", (request) => {
    const requested = request.url();
    if (!requested.startsWith("file:") && !requested.startsWith("data:")) {
      problems.push(`request: ${requested}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url, { waitUntil: "load" });
  return { context, page, problems };
}

// Every WCAG 2.1 A/AA violation axe-core finds, one line each.
async function axeViolations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`,
  );
}

for (const [width, height, scheme] of [
  [390, 844, "light"],
  [1280, 900, "light"],
  [390, 844, "dark"],
]) {
  test(`the report at ${width} px, ${scheme}: offline, charts drawn, accessible, no sideways scrolling`, async () => {
    const { context, page, problems } = await open({ width, height }, scheme);
    try {
      // One savings chart (battery sizes) and two typical days, each a uPlot canvas.
      const charts = await page.evaluate(() => ({
        containers: document.querySelectorAll(".chart").length,
        canvases: document.querySelectorAll(".chart .uplot canvas").length,
        widths: [...document.querySelectorAll(".chart .uplot canvas")].map((c) => c.getBoundingClientRect().width),
      }));
      assert.equal(charts.containers, 3);
      assert.equal(charts.canvases, 3);
      for (const w of charts.widths) {
        assert.ok(w > 150 && w <= width, `a chart ${w}px wide in a ${width}px window`);
      }
      // Six variants and the baseline, the best one marked.
      assert.equal(await page.locator("table.variants tbody tr").count(), 7);
      assert.equal(await page.locator("table.variants tbody tr.best").count(), 1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than the ${width}px window`);
      if (scheme === "dark") {
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = background.match(/\d+/g).map(Number);
        assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b < 128, `background ${background}`);
      }
      await page.screenshot({ path: join(artifacts, `whatif-report-${width}${scheme === "dark" ? "-dark" : ""}.png`), fullPage: true });
      problems.push(...(await axeViolations(page)));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

// Printed on A4 (about 700 CSS px between the margins): the table and the
// charts fit the column.
test("the report printed: nothing wider than the paper", async () => {
  const { context, page, problems } = await open({ width: 1280, height: 900 }, "light");
  try {
    await page.emulateMedia({ media: "print" });
    await page.setViewportSize({ width: 700, height: 900 });
    await page.waitForTimeout(200);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      charts: [...document.querySelectorAll(".chart .uplot canvas")].map((c) => c.getBoundingClientRect().width),
    }));
    assert.ok(widths.page <= 701, `the printed page is ${widths.page}px wide`);
    assert.equal(widths.charts.length, 3);
    for (const w of widths.charts) {
      assert.ok(w <= 700, `a printed chart ${w}px wide`);
    }
    await page.screenshot({ path: join(artifacts, "whatif-report-print.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

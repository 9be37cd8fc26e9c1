// The What if page against the demo daemon started on two recorded days
// (`kirchhoff simulate --days 2 --data DIR` first), in a browser set to UTC:
// an installer varies the battery (5 and 15 kWh) over exactly those days and
// runs it; the page shows the run in progress, then the baseline's
// reproduction of the recorded grid energy and a table of two variants whose
// savings equal what GET /api/v1/whatif returns; the report downloads (when
// the daemon renders reports); the result survives a reload and shows at
// 390 px without sideways scrolling, accessible. An owner is refused the
// API (403) and never sees the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { artifacts, bin, logIn, openPage, root, withDashboard } from "./lib.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const kDay = 86400_000;
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const recordedStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 2 * kDay;

function simulate(dir) {
  execFileSync(bin, ["simulate", "--config", join(root, "examples", "demo.yaml"), "--days", "2", "--start", day(recordedStart), "--data", dir], {
    stdio: "ignore",
  });
}

async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
}

// A money cell as a number: "€1,234.50" → 1234.5, "-€3.10" → -3.1 (English).
const money = (text) => Number(text.replace(/[^0-9.-]/g, ""));

test("an installer replays the recorded days with two battery sizes; an owner may not", async () => {
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { url, installerPassword, password }) => {
      await logIn(page, "installer", installerPassword);
      await openPage(page, "whatif");
      await page.waitForSelector("#whatif-form");

      // Exactly the two recorded days (the daemon's own today is left out).
      await page.check("input[name='whatif-period'][value='custom']");
      await page.fill("#whatif-from", day(recordedStart));
      await page.fill("#whatif-to", day(recordedStart + kDay));
      await page.fill("#whatif-battery", "5, 15");
      await page.click("#whatif-run");

      // The page shows the run in progress (the POST's answer is "running").
      await page.waitForSelector("#whatif-progress-card", { state: "visible" });
      assert.match(await page.textContent("#whatif-progress-text"), /%.*installer/);

      await page.waitForSelector("#whatif-result-card", { state: "visible", timeout: 120_000 });
      await page.waitForSelector("#whatif-progress-card", { state: "hidden" });
      const statusResponse = await page.request.get(`${url}api/v1/whatif`);
      assert.equal(statusResponse.status(), 200);
      const status = await statusResponse.json();
      assert.equal(status.state, "done");
      assert.equal(status.request.from, `${day(recordedStart)}T00:00:00Z`);
      assert.equal(status.request.to, `${day(recordedStart + 2 * kDay)}T00:00:00Z`);
      const result = status.result;
      assert.equal(result.variants.length, 2);
      assert.deepEqual(
        result.variants.map((v) => v.set["battery.capacity_kwh"]),
        [5, 15],
      );

      // The baseline's reproduction, as the API reports it.
      const baseline = page.locator("#whatif-baseline");
      assert.equal(await baseline.getAttribute("data-import-error-pct"), String(result.baseline.import_error_pct));
      assert.equal(await baseline.getAttribute("data-export-error-pct"), String(result.baseline.export_error_pct));
      const baselineText = await baseline.textContent();
      const pct = (v) => `${v > 0 ? "+" : ""}${v.toFixed(2)} %`;
      assert.ok(baselineText.includes(`(${pct(result.baseline.import_error_pct)})`), baselineText);
      assert.ok(baselineText.includes(`(${pct(result.baseline.export_error_pct)})`), baselineText);
      const off = Math.abs(result.baseline.import_error_pct) > 0.5 || Math.abs(result.baseline.export_error_pct) > 0.5 || !result.baseline.reproduces_recorded;
      assert.equal(await page.isVisible("#whatif-warning"), off);

      // One row per variant with the API's savings per year; the best marked.
      const rows = await page.$$eval("#whatif-table tbody tr[data-variant]", (trs) =>
        trs.map((tr) => ({
          first: tr.cells[0].textContent,
          savings: tr.cells[tr.cells.length - 2].textContent,
          best: tr.hasAttribute("data-best"),
        })),
      );
      assert.equal(rows.length, 2);
      rows.forEach((row, i) => {
        const v = result.variants[i];
        assert.ok(row.first.startsWith(String(v.set["battery.capacity_kwh"])), row.first);
        assert.equal(money(row.savings), Math.round(v.kpis.savings_per_year * 100) / 100, `variant ${i}: ${row.savings}`);
        assert.equal(row.best, i === result.best, `row ${i}: ${JSON.stringify(row)} best ${result.best}`);
      });
      assert.equal(await page.locator("#whatif-table tbody tr[data-baseline]").count(), 1);
      // The chart: one line of savings against the battery's size.
      assert.equal(await page.locator("#whatif-chart canvas").count(), 1);
      await page.screenshot({ path: join(artifacts, "whatif-1280.png"), fullPage: true });

      // The report, when this daemon renders one.
      const described = (await (await page.request.get(`${url}api/v1/openapi.json`)).json()).paths["/api/v1/whatif/report"] !== undefined;
      assert.equal(await page.isVisible("#whatif-report"), described);
      if (described) {
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#whatif-report")]);
        assert.equal(download.suggestedFilename(), "kirchhoff-whatif.html");
        const html = readFileSync(await download.path(), "utf8");
        assert.match(html, /<html/i);
      }

      // The result is still there after a reload, and at 390 px it fits
      // and is accessible.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await page.waitForSelector("#whatif-result-card", { state: "visible" });
      assert.equal(await page.locator("#whatif-table tbody tr[data-variant]").count(), 2);
      // The form shows what the run shown was asked for.
      assert.equal(await page.inputValue("#whatif-battery"), "5, 15");
      assert.equal(await page.inputValue("#whatif-from"), day(recordedStart));
      assert.equal(await page.inputValue("#whatif-to"), day(recordedStart + kDay));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: join(artifacts, "whatif-390.png"), fullPage: true });

      // A bad key: the engine's message, shown beside Run.
      const csrf = await page.evaluate(() => sessionStorage.getItem("kirchhoff.csrf"));
      const bad = await page.request.post(`${url}api/v1/whatif`, {
        data: { vary: { "battery.colour": ["red"] } },
        headers: { "X-CSRF-Token": csrf },
      });
      assert.equal(bad.status(), 400);
      assert.match((await bad.json()).error, /battery\.colour/);

      // An owner: 403 from the API, no link, and #/whatif shows the overview.
      const login = await page.request.post(`${url}api/v1/login`, { data: { username: "owner", password } });
      const { token } = await login.json();
      const refused = await page.request.post(`${url}api/v1/whatif`, {
        data: { vary: { "battery.capacity_kwh": [5] } },
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(refused.status(), 403);
      const ownerContext = await page.context().browser().newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
      const owner = await ownerContext.newPage();
      await owner.goto(`${url}#/whatif`);
      await logIn(owner, "owner", password);
      await owner.waitForSelector(".page[data-page='overview']", { state: "visible" });
      assert.equal(await owner.isVisible("#nav a[data-nav='whatif']"), false);
      assert.equal(await owner.isVisible(".page[data-page='whatif']"), false);
      await ownerContext.close();
    },
    [],
    { timezoneId: "UTC", locale: "en-GB", acceptDownloads: true },
    simulate,
  );
});

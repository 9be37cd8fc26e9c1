// The History and Energy pages against the demo daemon started on two
// simulated days (`kirchhoff simulate --days 2 --data DIR` first), in a
// browser set to Brussels time: a History URL shows exactly its series and
// range, its CSV link the same range, survives a reload, compares with the
// previous period and zooms; the Energy page's totals, self-sufficiency,
// self-consumption and cost equal what this test computes by hand from the
// hourly rollups of the same counters (/api/v1/history?step=1h). At 390 and
// 1280 px, with screenshots, and no page-wide sideways scroll on a phone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { artifacts, bin, logIn, root, withDashboard } from "./lib.mjs";

const timeZone = "Europe/Brussels";
const kDay = 86400_000;

// Two whole UTC days before today, written as the daemon would have.
function simulate(dir) {
  const start = new Date(Date.now() - 2 * kDay).toISOString().slice(0, 10);
  execFileSync(bin, ["simulate", "--config", join(root, "examples", "demo.yaml"), "--days", "2", "--start", start, "--data", dir], {
    stdio: "ignore",
  });
}

// A counter's use per rollup: each bucket's last reading minus the previous
// bucket's last (the first bucket: its last minus its first), never negative.
function growth(rows) {
  let previous;
  return rows.map((r) => {
    const first = r[4];
    const last = r[5];
    const g = Math.max(0, last - (previous ?? first));
    previous = last;
    return [r[0], g];
  });
}

const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);

test("History shows the URL's series and range; Energy's totals are the counters' sums", async () => {
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { url, password }) => {
      await logIn(page, "owner", password);
      const api = async (path) => {
        const r = await page.request.get(`${url}${path.replace(/^\//, "")}`);
        assert.equal(r.status(), 200, path);
        return r.json();
      };

      // --- History: yesterday 06:00-18:00 UTC of the PV's power.
      const y = new Date(Date.now() - kDay);
      const fromMs = Date.UTC(y.getUTCFullYear(), y.getUTCMonth(), y.getUTCDate(), 6);
      const toMs = fromMs + 12 * 3600_000;
      const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
      const series = "load/Solar/p_w";
      await page.goto(`${url}#/history?series=${encodeURIComponent(series)}&from=${iso(fromMs)}&to=${iso(toMs)}`);
      const chart = "#history-chart";
      const shown = (f, t, s = series) =>
        page.waitForFunction(
          ([f, t, s]) => {
            const d = document.getElementById("history-chart").dataset;
            return d.from === String(f) && d.to === String(t) && d.series === s && d.xMin === String(f) && d.xMax === String(t);
          },
          [f, t, s],
          { timeout: 10000 },
        );
      await shown(fromMs, toMs);
      // 12 hours: the daemon's one-minute means, as many as it returns.
      const expected = await api(`/api/v1/history?series=${encodeURIComponent(series)}&from=${fromMs / 1000}&to=${toMs / 1000}&step=1m`);
      assert.ok(expected.rows.length > 600, `${expected.rows.length} rows`);
      assert.equal(await page.getAttribute(chart, "data-step"), "1m");
      assert.equal(Number(await page.getAttribute(chart, "data-points")), expected.rows.length);
      assert.equal(await page.inputValue("#history-series"), series);
      assert.match(await page.textContent("#history-series option:checked"), /^Solar: Power \[W\]$/);
      // The CSV link: the same series, range and step.
      const csvHref = await page.getAttribute("#history-csv", "href");
      const csvQuery = new URLSearchParams(csvHref.split("?")[1]);
      assert.equal(csvQuery.get("series"), series);
      assert.equal(Number(csvQuery.get("from")) * 1000, fromMs);
      assert.equal(Number(csvQuery.get("to")) * 1000, toMs);
      assert.equal(csvQuery.get("format"), "csv");
      const csv = await (await page.request.get(`${url}${csvHref.slice(1)}`)).text();
      assert.match(csv, /^time,count,min,max,mean,first,last\n/);
      assert.equal(csv.trim().split("\n").length - 1, expected.rows.length);
      assert.match(await page.textContent("#history-meta"), /^\d+ 1m means, /);

      // A reload shows the same view.
      await page.reload();
      await shown(fromMs, toMs);
      assert.equal(await page.inputValue("#history-series"), series);

      // Compare: the 12 hours before, shifted onto the same chart and named.
      await page.check("#history-compare");
      await page.waitForFunction(() => location.hash.includes("compare=1"));
      const before = await api(
        `/api/v1/history?series=${encodeURIComponent(series)}&from=${fromMs / 1000 - 43200}&to=${toMs / 1000 - 43200}&step=1m`,
      );
      await page.waitForFunction((n) => document.getElementById("history-chart").dataset.comparePoints === String(n), before.rows.length, {
        timeout: 10000,
      });
      const legend = await page.$$eval("#history-chart .u-legend .u-label", (ls) => ls.map((l) => l.textContent));
      assert.ok(legend.some((l) => l.startsWith("Previous period (")), `legend: ${legend}`);
      assert.equal(await page.isVisible("#history-csv-previous"), true);
      await page.reload();
      await shown(fromMs, toMs);
      assert.equal(await page.isChecked("#history-compare"), true);
      await page.uncheck("#history-compare");

      // Drag across the chart's middle third: the URL and the chart follow;
      // "Reset zoom" goes back.
      const over = await page.locator("#history-chart .u-over").boundingBox();
      await page.mouse.move(over.x + over.width / 3, over.y + over.height / 2);
      await page.mouse.down();
      await page.mouse.move(over.x + (2 * over.width) / 3, over.y + over.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction((f) => Number(document.getElementById("history-chart").dataset.from) > f, fromMs, { timeout: 10000 });
      const zoomed = new URLSearchParams(await page.evaluate(() => location.hash.split("?")[1]));
      const zFrom = Date.parse(zoomed.get("from"));
      const zTo = Date.parse(zoomed.get("to"));
      assert.ok(Math.abs(zFrom - (fromMs + 4 * 3600_000)) < 15 * 60_000, `zoomed from ${zoomed.get("from")}`);
      assert.ok(Math.abs(zTo - (fromMs + 8 * 3600_000)) < 15 * 60_000, `zoomed to ${zoomed.get("to")}`);
      await shown(zFrom, zTo);
      await page.click("#history-reset");
      await shown(fromMs, toMs);

      // Previous period: the 12 hours before.
      await page.click("#history-prev");
      await shown(fromMs - 43200_000, fromMs);
      // A counter: the grid's import per hour over yesterday 00-24 UTC, whose
      // sum is the growth of the hourly rollups.
      const counter = "load/Grid/energy_import_wh";
      const dayFrom = fromMs - 6 * 3600_000;
      await page.goto(`${url}#/history?series=${encodeURIComponent(counter)}&from=${iso(dayFrom)}&to=${iso(dayFrom + kDay)}`);
      await shown(dayFrom, dayFrom + kDay, counter);
      assert.equal(await page.getAttribute(chart, "data-counter"), "growth");
      const hourly = await api(`/api/v1/history?series=${encodeURIComponent(counter)}&from=${dayFrom / 1000}&to=${dayFrom / 1000 + 86400}&step=1h`);
      near(Number(await page.getAttribute(chart, "data-total")), growth(hourly.rows).reduce((s, [, g]) => s + g, 0), "grid import");
      assert.equal(await page.isVisible("#history-counter"), true);
      await page.screenshot({ path: join(artifacts, "history-1280.png"), fullPage: true });

      // The quick "hour" range: the last hour, in the URL.
      await page.click("button[data-range='3600']");
      await page.waitForFunction(() => {
        const q = new URLSearchParams(location.hash.split("?")[1]);
        return Date.parse(q.get("to")) - Date.parse(q.get("from")) === 3600_000;
      });
      assert.equal(await page.getAttribute("button[data-range='3600']", "aria-pressed"), "true");

      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${url}#/history?series=${encodeURIComponent(series)}&from=${iso(fromMs)}&to=${iso(toMs)}&compare=1`);
      await shown(fromMs, toMs);
      await page.waitForTimeout(300); // the chart follows its card's new width
      const phone = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        card: document.getElementById("history-chart").clientWidth,
        canvas: document.querySelector("#history-chart canvas").getBoundingClientRect().width,
      }));
      assert.ok(phone.overflow <= 1, `the page is ${phone.overflow}px wider than a phone screen`);
      assert.ok(phone.canvas <= phone.card + 1, `canvas ${phone.canvas} px in a ${phone.card} px card`);
      const small = await page.$$eval(".history-controls button, .history-controls select, .history-controls input", (els) =>
        els
          // A checkbox is touched through its label.
          .map((e) => (e.type === "checkbox" ? e.closest("label") : e))
          .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
          .map((e) => e.outerHTML.slice(0, 60)),
      );
      assert.deepEqual(small, [], "every control is at least 44 px tall");
      await page.screenshot({ path: join(artifacts, "history-390.png"), fullPage: true });

      // --- Energy: yesterday in Brussels, per hour.
      await page.setViewportSize({ width: 1280, height: 900 });
      const [date, start, end] = await page.evaluate(() => {
        const d = new Date(Date.now() - 86400_000);
        const p = (n) => String(n).padStart(2, "0");
        return [
          `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`,
          new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(),
          new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime(),
        ];
      });
      await page.goto(`${url}#/energy?period=day&date=${date}`);
      await page.waitForFunction(
        (s) => document.getElementById("energy-chart").dataset.from === String(s) && document.querySelector("#energy-uses tr"),
        start,
        { timeout: 10000 },
      );
      await page.waitForFunction(() => document.getElementById("energy-cost").dataset.cost !== undefined, null, { timeout: 10000 });
      assert.equal(await page.getAttribute("#energy-chart", "data-to"), String(end));
      assert.equal(await page.getAttribute("#energy-chart", "data-buckets"), String((end - start) / 3600_000));
      assert.equal(await page.getAttribute("button[data-energy='day']", "aria-pressed"), "true");

      // The same sums by hand from the hourly rollups.
      const live = await api("/api/v1/live");
      const hours = [];
      for (let t = start; t < end; t += 3600_000) {
        hours.push(t);
      }
      const perHour = async (load, which) => {
        const d = await api(
          `/api/v1/history?series=${encodeURIComponent(`load/${load}/energy_${which}_wh`)}&from=${start / 1000}&to=${end / 1000 - 1}&step=1h`,
        );
        const byHour = new Map(growth(d.rows));
        return hours.map((h) => byHour.get(h) ?? 0);
      };
      const totalOf = (xs) => xs.reduce((a, b) => a + b, 0);
      const kinds = (...k) => live.loads.filter((l) => k.includes(l.kind));
      const expectedTotals = {};
      const zero = hours.map(() => 0);
      const plus = (a, b) => a.map((v, i) => v + b[i]);
      let imp = zero, exp = zero, prod = zero, dis = zero, chg = zero, measured = zero;
      for (const l of kinds("grid")) {
        imp = plus(imp, await perHour(l.name, "import"));
        exp = plus(exp, await perHour(l.name, "export"));
      }
      for (const l of kinds("solar")) {
        const v = await perHour(l.name, "import");
        prod = plus(prod, v);
        expectedTotals[`solar:${l.name}`] = totalOf(v);
      }
      for (const l of kinds("battery")) {
        const d = await perHour(l.name, "import");
        const c = await perHour(l.name, "export");
        dis = plus(dis, d);
        chg = plus(chg, c);
        expectedTotals[`discharge:${l.name}`] = totalOf(d);
        expectedTotals[`charge:${l.name}`] = totalOf(c);
      }
      for (const l of kinds("consumer", "ev", "heatpump")) {
        const v = await perHour(l.name, "import");
        measured = plus(measured, v);
        expectedTotals[`use:${l.name}`] = totalOf(v);
      }
      const consumption = hours.map((_, i) => imp[i] + prod[i] + dis[i] - exp[i] - chg[i]);
      expectedTotals["grid-import"] = totalOf(imp);
      expectedTotals.export = totalOf(exp);
      expectedTotals.other = totalOf(consumption.map((c, i) => Math.max(0, c - measured[i])));
      const shownTotals = Object.fromEntries(
        await page.$$eval(".energy-totals tr[data-total]", (trs) => trs.map((tr) => [tr.dataset.total, Number(tr.dataset.wh)])),
      );
      assert.deepEqual(Object.keys(shownTotals).sort(), Object.keys(expectedTotals).sort());
      for (const [id, wh] of Object.entries(expectedTotals)) {
        near(shownTotals[id], wh, id);
      }
      assert.ok(expectedTotals["grid-import"] > 1000, `a winter day imports more than 1 kWh: ${expectedTotals["grid-import"]}`);
      const c = totalOf(consumption);
      near(Number(await page.getAttribute("#energy-kpis", "data-consumption-wh")), c, "consumption");
      near(Number(await page.getAttribute("#energy-kpis", "data-self-sufficiency-pct")), ((c - totalOf(imp)) / c) * 100, "self-sufficiency");
      if (totalOf(prod) > 0) {
        near(
          Number(await page.getAttribute("#energy-kpis", "data-self-consumption-pct")),
          ((totalOf(prod) - totalOf(exp)) / totalOf(prod)) * 100,
          "self-consumption",
        );
      }
      near(Number(await page.getAttribute("#energy-chart", "data-consumed-kwh")), c / 1000, "consumed kWh");
      assert.match(await page.textContent("#energy-consumption"), /^\d+(\.\d+)? kWh$/);

      // Cost: the demo tariff has time-of-day windows, so /prices lists the
      // next 24 h by quarter hour; each hour of yesterday costs its energy at
      // the mean of the same four quarters of the day.
      const prices = await api("/api/v1/prices");
      assert.equal(prices.source, "tariff");
      const quarter = new Map(prices.prices.map((p) => [Date.parse(p.start) % kDay, p]));
      let cost = 0;
      hours.forEach((h, i) => {
        const qs = [0, 1, 2, 3].map((q) => quarter.get((h + q * 900_000) % kDay));
        cost += (imp[i] / 1000) * (totalOf(qs.map((q) => q.import_eur_per_kwh)) / 4);
        cost -= (exp[i] / 1000) * (totalOf(qs.map((q) => q.export_eur_per_kwh)) / 4);
      });
      near(Number(await page.getAttribute("#energy-cost", "data-cost")), cost, "cost");
      assert.match(await page.textContent("#energy-prices"), /^Cost at the tariff's prices by time of day: import €0\.24–€0\.40\/kWh/);

      // Gas: the period's use in its unit, as the counter's hourly growth.
      const gas = await api(`/api/v1/history?series=input/in1/1/total&from=${start / 1000}&to=${end / 1000 - 1}&step=1h`);
      near(Number(await page.getAttribute("#meter-chart", "data-total")), totalOf(growth(gas.rows).map(([, g]) => g)), "gas");
      assert.match(await page.textContent("#meter-total"), /^Gas: [\d.]+ m³ in this period$/);
      await page.screenshot({ path: join(artifacts, "energy-1280.png"), fullPage: true });

      // Previous / next period and the period's kind, in the URL.
      await page.click("#energy-prev");
      await page.waitForFunction((s) => Number(document.getElementById("energy-chart").dataset.from) < s, start);
      await page.click("#energy-next");
      await page.waitForFunction((s) => document.getElementById("energy-chart").dataset.from === String(s), start);
      assert.match(await page.evaluate(() => location.hash), new RegExp(`period=day&date=${date}`));
      await page.click("button[data-energy='week']");
      await page.waitForFunction(() => document.getElementById("energy-chart").dataset.period === "week");
      assert.match(await page.evaluate(() => location.hash), /period=week/);
      assert.equal(await page.getAttribute("#energy-next", "disabled"), "");

      // Dutch: every text from the tables.
      await page.selectOption("#language", "nl");
      await page.goto(`${url}#/energy?period=day&date=${date}`);
      await page.waitForFunction(() => document.querySelector("#energy-kpis dt")?.textContent === "Verbruik van de woning");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const energyOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(energyOverflow <= 1, `the page is ${energyOverflow}px wider than a phone screen`);
      await page.selectOption("#language", "en");
      await page.waitForFunction((s) => document.getElementById("energy-chart").dataset.from === String(s), start);
      await page.waitForFunction(() => document.querySelector("#energy-kpis dt")?.textContent === "Home consumption");
      await page.screenshot({ path: join(artifacts, "energy-390.png"), fullPage: true });
      const missing = await page.evaluate(() => [...window.kirchhoffMissingTexts]);
      assert.deepEqual(missing, []);
    },
    [],
    { timezoneId: timeZone, locale: "en-GB" },
    simulate,
  );
});

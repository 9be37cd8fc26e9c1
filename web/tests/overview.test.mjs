// The Overview page on the demo house, at a phone's and a desktop's width:
// the energy flow with the battery's state of charge, the tiles (checked
// against the summary the page received, when the daemon has one), the
// charging mode changed by an owner and seen in the live values and the
// events, the last minutes' time axis, and a viewer who sees the states
// without any control. Screenshots go to build/artifacts/overview-<width>.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifacts, logIn, openPage, withDashboard } from "./lib.mjs";

// The dashboard's English formats, written out here from their rules
// (docs/dashboard.md, web/src/format.ts): whole watt-hours below 1 kWh, then
// three significant figures.
function energyText(kwh) {
  if (kwh === null || kwh === undefined) {
    return "–";
  }
  const wh = kwh * 1000;
  if (Math.abs(wh) < 1000) {
    return `${Math.round(wh)} Wh`;
  }
  const [v, unit] = Math.abs(wh) < 1e6 ? [kwh, "kWh"] : [kwh / 1000, "MWh"];
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}
const percentText = (pct) => (pct === null || pct === undefined ? "–" : `${Math.round(pct)} %`);

async function json(page, url) {
  const response = await page.request.get(url);
  return { status: response.status(), body: response.status() === 200 ? await response.json() : null };
}

for (const width of [390, 1280]) {
  test(`the overview at ${width} px: flow, tiles, a car's mode, and no controls for a viewer`, async () => {
    await withDashboard({ width, height: 900 }, async (page, { url, password, viewerPassword }) => {
      await logIn(page, "owner", password);
      await page.waitForSelector(".page[data-page='overview']", { state: "visible" });

      // The flow: grid, solar, battery, the EV charger, the heat pump and the home.
      await page.waitForSelector("#flow g.node[data-node='battery'] text.soc");
      const nodes = await page.$$eval("#flow g.node", (gs) => gs.map((g) => g.dataset.node));
      assert.deepEqual(nodes.sort(), ["battery", "ev:EV charger", "grid", "heatpump:Heat pump", "home", "solar"]);
      // The battery's state of charge as the live snapshot gives it, rounded.
      // Both move a little each second: read them until they meet.
      let soc = {};
      for (let attempt = 0; attempt < 20; attempt++) {
        const live = (await json(page, `${url}api/v1/live`)).body;
        if (!live?.batteries?.length) {
          // The first cycle's snapshot comes before the energy manager's first
          // decision, without the devices it steers.
          await page.waitForTimeout(250);
          continue;
        }
        soc = {
          expected: percentText(live.batteries[0].soc_pct),
          shown: await page.textContent("#flow g.node[data-node='battery'] text.soc"),
        };
        if (soc.expected === soc.shown) {
          break;
        }
        await page.waitForTimeout(250);
      }
      assert.equal(soc.shown, soc.expected);
      assert.match(await page.getAttribute("#flow", "aria-label"), /Battery .* %/);

      // The tiles: nine, each with a label and a value.
      const tiles = await page.$$eval("#tiles .tile", (ts) =>
        ts.map((t) => ({ id: t.dataset.tile, label: t.querySelector(".tile-label").textContent, value: t.querySelector(".tile-value").textContent })),
      );
      assert.deepEqual(
        tiles.map((t) => t.id),
        ["grid_now", "import_today", "export_today", "solar_today", "self_sufficiency", "self_consumption", "cost_today", "cost_month", "peak_month"],
      );
      assert.ok(tiles.every((t) => t.label && t.value), JSON.stringify(tiles));
      assert.match(tiles[0].label, /^(Importing|Exporting) now$/);
      assert.match(tiles[0].value, /^[\d.,]+ (W|kW)$/);
      const probe = await json(page, `${url}api/v1/summary`);
      if (probe.status === 404) {
        // A daemon without the summary: the day's figures say "–" and why.
        assert.ok(tiles.slice(1).every((t) => t.value === "–"), JSON.stringify(tiles));
        assert.equal(await page.isVisible("#tiles-note"), true);
      } else {
        assert.equal(probe.status, 200);
        // Ask the page to refresh and read the summary it received.
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/v1/summary")),
          page.evaluate(() => document.dispatchEvent(new Event("visibilitychange"))),
        ]);
        const summary = await response.json();
        await page.waitForFunction((t) => document.getElementById("tiles").dataset.timeMs === String(t), summary.time_ms);
        const value = (id) => page.textContent(`#tiles .tile[data-tile='${id}'] .tile-value`);
        assert.equal(await value("import_today"), energyText(summary.today.import_kwh));
        assert.equal(await value("self_sufficiency"), percentText(summary.today.self_sufficiency_pct));
        assert.equal(await value("self_consumption"), percentText(summary.today.self_consumption_pct));
      }

      // The last minutes: ten minutes of axis from the first value on, in hours and minutes.
      await page.waitForFunction(() => Number(document.getElementById("trend").dataset.points ?? 0) >= 1);
      const span = await page.evaluate(() => {
        const d = document.getElementById("trend").dataset;
        return Number(d.xMax) - Number(d.xMin);
      });
      assert.equal(span, 600);
      const ticks = (await page.getAttribute("#trend", "data-x-ticks")).split("|");
      assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d\d:\d\d( [AP]M)?$/.test(t)), `ticks: ${ticks}`);

      // The car's mode: "PV only" chosen with the segmented control.
      const car = "#chargers li[data-charger='EV charger']";
      await page.check(`${car} input[value='pv']`);
      await page.waitForFunction(
        (sel) => document.querySelector(`${sel} .result`)?.textContent === "Mode set to PV only.",
        car,
        { timeout: 5000 },
      );
      let mode = "";
      for (let attempt = 0; attempt < 20 && mode !== "pv"; attempt++) {
        mode = (await json(page, `${url}api/v1/live`)).body.chargers.find((c) => c.load === "EV charger").mode;
        if (mode !== "pv") {
          await page.waitForTimeout(250);
        }
      }
      assert.equal(mode, "pv");
      await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.mode === "pv", car, { timeout: 5000 });
      assert.equal(await page.isChecked(`${car} input[value='pv']`), true);
      const events = (await json(page, `${url}api/v1/events?limit=5`)).body;
      assert.ok(
        events.some((e) => e.message.includes("charger 'EV charger' mode pv") && e.user === "owner"),
        JSON.stringify(events),
      );
      // …and in the events list on the History page.
      await openPage(page, "history");
      await page.waitForFunction(
        () => document.getElementById("events")?.textContent?.includes("charger 'EV charger' mode pv"),
        null,
        { timeout: 5000 },
      );
      await openPage(page, "overview");
      if (width === 1280) {
        // The heat pump held in SG Ready 3 ("Boost"), then handed back.
        await page.selectOption("#heatpump select", "3");
        await page.click("#heatpump button[type=submit]");
        await page.waitForFunction(() => document.querySelector("#heatpump .result")?.textContent === "Held at Boost.", null, {
          timeout: 5000,
        });
        let hp = {};
        for (let attempt = 0; attempt < 20 && !(hp.sg_ready === 3 && hp.manual); attempt++) {
          hp = (await json(page, `${url}api/v1/live`)).body.heat_pumps[0];
          if (!(hp.sg_ready === 3 && hp.manual)) {
            await page.waitForTimeout(250);
          }
        }
        assert.deepEqual([hp.sg_ready, hp.manual], [3, true]);
        await page.waitForFunction(() => document.querySelector("#heatpump .sg-state")?.textContent === "Boost, held by hand", null, {
          timeout: 5000,
        });
        await page.selectOption("#heatpump select", "auto");
        await page.click("#heatpump button[type=submit]");
        await page.waitForFunction(
          () => document.querySelector("#heatpump .result")?.textContent === "Handed back to the energy manager.",
          null,
          { timeout: 5000 },
        );
        // The battery's reserve: set to 30 %, or the daemon's refusal beside the Set button.
        await page.fill("#battery input[type=range]", "30");
        await page.click("#battery button[type=submit]");
        await page.waitForFunction(() => /^(Reserve set|Not changed)/.test(document.querySelector("#battery .result")?.textContent ?? ""), null, {
          timeout: 5000,
        });
        const reserveResult = await page.textContent("#battery .result");
        const probeReserve = await page.request.post(`${url}api/v1/battery/reserve`, {
          headers: { "X-CSRF-Token": await page.evaluate(() => sessionStorage.getItem("kirchhoff.csrf")) },
          data: { reserve_pct: 30 },
        });
        if (probeReserve.status() === 404) {
          assert.match(reserveResult, /^Not changed: no such resource/);
        } else {
          assert.equal(reserveResult, "Reserve set to 30 %.");
          let reserve;
          for (let attempt = 0; attempt < 20 && reserve !== 30; attempt++) {
            reserve = (await json(page, `${url}api/v1/live`)).body.batteries[0].reserve_pct;
            if (reserve !== 30) {
              await page.waitForTimeout(250);
            }
          }
          assert.equal(reserve, 30);
          await page.waitForFunction(() => document.querySelector("#battery .battery-reserve")?.textContent === "Reserve: 30 %", null, {
            timeout: 5000,
          });
        }
      }
      // Every control of the page can be touched: 44 px at least.
      const small = await page.$$eval(
        ".page[data-page='overview'] :is(button, select, input:not([type=radio]), .segments label)",
        (els) =>
          els
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 43.5),
      );
      assert.deepEqual(small, []);

      if (width === 390) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
        // Tiles two abreast.
        const columns = await page.$$eval("#tiles .tile", (ts) => new Set(ts.map((t) => Math.round(t.getBoundingClientRect().left))).size);
        assert.equal(columns, 2);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifacts, `overview-${width}.png`), fullPage: true });

      if (width === 390) {
        // Dutch, French and German: every text found, and still no sideways scrolling.
        for (const [lang, label] of [["nl", "Laadmodus"], ["fr", "Mode de charge"], ["de", "Lademodus"]]) {
          await page.selectOption("#language", lang);
          await page.waitForFunction((l) => document.querySelector(".segmented legend")?.textContent === l, label);
          await page.waitForTimeout(200); // a live snapshot renders the flow's texts
          const missing = await page.evaluate(() => [...window.kirchhoffMissingTexts]);
          assert.deepEqual(missing, [], `${lang}: missing texts`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${lang}: the page is ${overflow}px wider than a phone screen`);
          if (lang === "de") {
            await page.screenshot({ path: join(artifacts, "overview-390-de.png"), fullPage: true });
          }
        }
        await page.selectOption("#language", "en");
      }

      // A viewer sees the states, and no control at all.
      await page.click("#logout");
      await page.waitForSelector("#login-form", { state: "visible" });
      assert.ok(viewerPassword, "the demo prints the viewer's password");
      await logIn(page, "viewer", viewerPassword);
      await openPage(page, "overview");
      await page.waitForSelector(`${car} .charger-mode`, { state: "visible" });
      assert.equal(await page.textContent(`${car} .charger-mode`), "Mode: PV only");
      await page.waitForSelector("#heatpump .sg-state");
      assert.match(await page.textContent("#heatpump .sg-state"), /^(Blocked|Normal|Boost|Forced on), /);
      assert.match(await page.textContent("#io"), /Boiler: relay (on|off)/);
      const controls = await page.$$eval(".page[data-page='overview'] :is(button, select, input, textarea)", (els) =>
        els.filter((e) => e.offsetParent !== null || e.getClientRects().length > 0).map((e) => e.outerHTML.slice(0, 80)),
      );
      assert.deepEqual(controls, []);
    });
  });
}

// The tiles as the summary's contract describes them, with the daemon's
// answer replaced (Playwright intercepts /api/v1/summary): figures in the
// dashboard's units, "–" for a null, earnings when the net cost is negative,
// and the month's peak against its limit. The expected texts are written
// out here by hand.
test("the tiles show the summary's figures, earnings and the capacity peak", async () => {
  const period = (over) => ({
    from: "2026-12-05T00:00:00+01:00",
    to: "2026-12-06T00:00:00+01:00",
    import_kwh: 3.456,
    export_kwh: 0.25,
    solar_kwh: 12.34,
    consumption_kwh: 15.5,
    battery_charge_kwh: 2,
    battery_discharge_kwh: 1.5,
    self_sufficiency_pct: 77.7,
    self_consumption_pct: null,
    import_cost: 1.2,
    export_earnings: 3.45,
    net_cost: -2.25,
    capacity: { peak_kw: 4.5, peak_at: "2026-12-03T18:15:00Z", limit_kw: 5, billed_kw: 4.5, cost: 18 },
    ...over,
  });
  await withDashboard({ width: 1280, height: 900 }, async (page, { password }) => {
    await page.route("**/api/v1/summary", (route) =>
      route.fulfill({
        json: {
          time_ms: 1764930000000,
          currency: "EUR",
          timezone: "Europe/Brussels",
          today: period({}),
          month: period({ import_kwh: 1234.5, net_cost: 42.5 }),
        },
      }),
    );
    await logIn(page, "owner", password);
    await page.waitForFunction(() => document.getElementById("tiles").dataset.timeMs === "1764930000000");
    const tile = (id) =>
      page.$eval(`#tiles .tile[data-tile='${id}']`, (t) => [
        t.querySelector(".tile-label").textContent,
        t.querySelector(".tile-value").textContent,
        t.querySelector(".tile-sub").textContent,
      ]);
    assert.deepEqual(await tile("import_today"), ["Imported today", "3.46 kWh", ""]);
    assert.deepEqual(await tile("export_today"), ["Exported today", "250 Wh", ""]);
    assert.deepEqual(await tile("solar_today"), ["Solar today", "12.3 kWh", ""]);
    assert.deepEqual(await tile("self_sufficiency"), ["Self-sufficiency today", "78 %", "of the use from own energy"]);
    assert.equal((await tile("self_consumption"))[1], "–");
    // Net cost -2.25 €: earnings of 2.25 €, with what import cost and export earned.
    assert.deepEqual(await tile("cost_today"), ["Earnings today", "€2.25", "import €1.20 · export €3.45"]);
    assert.deepEqual((await tile("cost_month")).slice(0, 2), ["Cost this month", "€42.50"]);
    const peak = await tile("peak_month");
    assert.deepEqual(peak.slice(0, 2), ["Peak this month", "4.50 kW"]);
    assert.match(peak[2], /^limit 5.00 kW · /);
    // 4.5 of 5 kW: the bar is 90 % full and marked as close to the limit.
    const bar = await page.$eval("#tiles .tile[data-tile='peak_month'] .tile-meter > div", (d) => [d.style.width, d.className]);
    assert.deepEqual(bar, ["90%", "high"]);
    assert.equal(await page.isVisible("#tiles-note"), false);
  });
});

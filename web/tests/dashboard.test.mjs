// Browser test of the dashboard: the real daemon (demo house on the
// simulator) and Debian's Chromium driven by playwright-core.
// Logs in with the demo credentials the daemon prints, watches a live value
// change, checks a wrong password and logout, and saves screenshots to
// ../build/artifacts/ (desktop and phone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifacts, openPage, withDashboard } from "./lib.mjs";

test("log in, watch live values, log out", async () => {
  await withDashboard({ width: 1200, height: 900 }, async (page, { url, password }) => {
    await page.waitForSelector("#login-form");

    await page.fill("input[name=username]", "owner");
    await page.fill("input[name=password]", "not the password");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => document.getElementById("login-error")?.textContent !== "");
    assert.match(await page.textContent("#login-error"), /wrong user name or password/);

    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await openPage(page, "devices");
    await page.waitForSelector("#live-table tbody tr");
    assert.equal(await page.textContent("#who"), "owner (owner)");
    const rows = await page.$$eval("#live-table tbody tr", (trs) => trs.map((tr) => tr.children[0].textContent));
    assert.ok(rows.includes("Grid") && rows.includes("Heat pump"), `rows: ${rows}`);
    // The energy manager says what it is doing (or that nothing is limited).
    await openPage(page, "overview");
    assert.ok((await page.locator("#control li").count()) >= 1);
    // The demo has grid, solar, battery, EV and heat pump around the home: six nodes.
    assert.equal(await page.locator("#flow g.node").count(), 6);

    // A live value changes: the status line carries the snapshot's time.
    const first = await page.textContent("#status");
    await page.waitForFunction((before) => document.getElementById("status")?.textContent !== before, first, {
      timeout: 5000,
    });
    // The values come over the WebSocket stream, not by polling.
    await page.waitForFunction(() => document.body.dataset.transport === "stream", null, { timeout: 5000 });
    const second = await page.textContent("#status");
    await page.waitForFunction((before) => document.getElementById("status")?.textContent !== before, second, {
      timeout: 5000,
    });
    // The history chart: the last hour of the grid from the store, with points.
    await openPage(page, "history");
    await page.click("button[data-range='3600']");
    await page.waitForFunction(() => Number(document.getElementById("history-chart")?.dataset.points ?? 0) > 0, null, {
      timeout: 5000,
    });
    assert.equal(await page.locator("#history-chart canvas").count(), 1);
    const csvHref = await page.getAttribute("#history-csv", "href");
    const csv = await page.request.get(`${url}${csvHref.slice(1)}`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^time,value\n/);
    // Energy per hour of the day: consumers stacked above the axis, the PV
    // below, from the counters' hourly rollups; the gas meter beside it.
    // A just-started daemon may have a single point per counter (no growth
    // yet): ask again until the first seconds of consumption show.
    await openPage(page, "energy");
    let consumed = 0;
    for (let attempt = 0; attempt < 20 && !(consumed > 0); attempt++) {
      await page.click("button[data-energy='day']");
      await page.waitForTimeout(250);
      consumed = Number(await page.getAttribute("#energy-chart", "data-consumed-kwh"));
    }
    assert.ok(consumed > 0, `consumed ${consumed} kWh`);
    assert.ok(Number(await page.getAttribute("#energy-chart", "data-buckets")) >= 1);
    assert.equal(await page.locator("#energy-chart canvas").count(), 1);
    await page.waitForFunction(() => Number(document.getElementById("meter-chart")?.dataset.buckets ?? 0) >= 1, null, {
      timeout: 5000,
    });
    assert.match(await page.textContent("#meter-select"), /Gas \[m3\]/);
    // Switch the boiler's relay off (the demo starts with it on) and see it
    // in the live values and as an event with the owner's name.
    await openPage(page, "overview");
    await page.click("button.switch[data-output='out1/1']");
    await page.waitForFunction(() => document.getElementById("io")?.textContent?.includes("Boiler: relay off"), null, {
      timeout: 5000,
    });
    await page.waitForFunction(
      () => /out1\/1 'Boiler' switched off: .*\(owner\)/.test(document.getElementById("events")?.textContent ?? ""),
      null,
      { timeout: 5000 },
    );
    await page.screenshot({ path: join(artifacts, "dashboard-desktop.png"), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);  // let the chart follow its card's new width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
    await page.screenshot({ path: join(artifacts, "dashboard-phone.png"), fullPage: true });

    await page.click("#logout");
    await page.waitForSelector("#login-form", { state: "visible" });
    const after = await page.request.get(`${url}api/v1/live`);
    assert.equal(after.status(), 401);
  });
});

test("an installer edits the installation and sees the checker's messages at their lines", async () => {
  await withDashboard({ width: 1200, height: 900 }, async (page, { url, installerPassword }) => {
    await page.fill("input[name=username]", "installer");
    await page.fill("input[name=password]", installerPassword);
    await page.click("button[type=submit]");
    await openPage(page, "installation");
    await page.waitForSelector("#installation-card", { state: "visible" });
    await page.waitForFunction(() => document.getElementById("installation-yaml")?.value.includes("Demo house"));
    const original = await page.inputValue("#installation-yaml");
    // The line of the main breaker, counted here from the text itself.
    const line = original.split("\n").findIndex((l) => l.includes("main_breaker_a: 25")) + 1;
    assert.ok(line > 1);
    const setText = (text) =>
      page.evaluate((t) => {
        const editor = document.getElementById("installation-yaml");
        editor.value = t;
        editor.dispatchEvent(new Event("input"));
      }, text);
    await setText(original.replace("main_breaker_a: 25", "main_breaker_a: -5"));
    await page.click("#installation-check");
    const note = page.locator(`#installation-notes .note.error[data-line='${line}']`);
    await note.waitFor({ timeout: 5000 });
    assert.match(await note.textContent(), /main_breaker_a must be above 0 A/);
    assert.equal(await page.getAttribute(`#installation-gutter div:nth-child(${line})`, "class"), "error");
    // The note sits at its line's height in the editor.
    const [noteBox, gutterBox] = await Promise.all([
      note.boundingBox(),
      page.locator(`#installation-gutter div:nth-child(${line})`).boundingBox(),
    ]);
    assert.ok(Math.abs(noteBox.y - gutterBox.y) < 8, `note at ${noteBox.y}, line at ${gutterBox.y}`);
    await page.click("#installation-save");
    await page.waitForFunction(() => document.getElementById("installation-status")?.textContent?.includes("nothing was changed"));
    await page.screenshot({ path: join(artifacts, "installation-editor.png"), fullPage: true });

    await setText(original.replace("{name: Sockets,", "{name: Plugs,"));
    await page.click("#installation-save");
    await page.waitForFunction(() => document.getElementById("installation-status")?.textContent?.startsWith("Saved and applied"));
    // The renamed load shows in the live values, on the Devices page.
    await openPage(page, "devices");
    await page.waitForFunction(
      () => [...document.querySelectorAll("#live-table tbody tr td:first-child")].some((td) => td.textContent === "Plugs"),
      null,
      { timeout: 5000 },
    );
    await openPage(page, "installation");
    await page.waitForFunction(() => document.getElementById("installation-describe")?.textContent?.includes("Plugs"));

    // A 0.1 A main breaker is exceeded at once: a major alarm above everything.
    // (The simulated house runs on the wall clock; in three December days of
    // it, the most loaded grid phase never carried less than 0.13 A.)
    await setText(original.replace("main_breaker_a: 25", "main_breaker_a: 0.1"));
    await page.click("#installation-save");
    const alarm = page.locator("#alarms li.major");
    await alarm.first().waitFor({ timeout: 6000 });
    assert.match(await alarm.first().textContent(), /^major: L[123] at [0-9.]+ A, above the 0.1 A main breaker/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(artifacts, "alarm-banner.png") });
  });
});

// The Chargers card: an owner declares "ready by 07:00 with 20 kWh" with the
// form, sees the session and the event, a refused need shows its error, and
// Clear removes it.
test("an owner declares a charge session with the Ready by form", async () => {
  await withDashboard({ width: 1200, height: 900 }, async (page, { url, password }) => {
    await page.fill("input[name=username]", "owner");
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    const form = "#chargers form.ready-by[data-load='EV charger']";
    await page.waitForSelector(form);
    assert.match(await page.textContent("#chargers li[data-charger='EV charger'] .charger-session"), /No session declared/);
    await page.fill(`${form} input[name=departure]`, "07:00");
    await page.fill(`${form} input[name=amount]`, "20");
    await page.selectOption(`${form} select[name=unit]`, "kwh");
    await page.click(`${form} button[type=submit]`);
    await page.waitForFunction(
      () => /Ready by .*: 20\.0 kWh/.test(document.querySelector("#chargers .charger-session")?.textContent ?? ""),
      null,
      { timeout: 5000 },
    );
    // The declaration is an event, listed on the History page.
    await openPage(page, "history");
    await page.waitForFunction(
      () => document.getElementById("events")?.textContent?.includes("charger 'EV charger' session 20 kWh by"),
      null,
      { timeout: 5000 },
    );
    await openPage(page, "overview");
    // 80 % of the default 60 kWh battery (control.ev.battery_kwh) is 48 kWh.
    await page.fill(`${form} input[name=amount]`, "80");
    await page.selectOption(`${form} select[name=unit]`, "pct");
    await page.click(`${form} button[type=submit]`);
    await page.waitForFunction(
      () => /: 48\.0 kWh/.test(document.querySelector("#chargers .charger-session")?.textContent ?? ""),
      null,
      { timeout: 5000 },
    );
    // A need over 200 kWh: the daemon's 400 message under the form.
    await page.fill(`${form} input[name=amount]`, "500");
    await page.selectOption(`${form} select[name=unit]`, "kwh");
    await page.click(`${form} button[type=submit]`);
    await page.waitForFunction(
      () => /at most 200 kWh/.test(document.querySelector("#chargers .form-error")?.textContent ?? ""),
      null,
      { timeout: 5000 },
    );
    await page.click("#chargers button.clear-session");
    await page.waitForFunction(
      () => /No session declared/.test(document.querySelector("#chargers .charger-session")?.textContent ?? ""),
      null,
      { timeout: 5000 },
    );
    assert.equal(await page.isVisible("#chargers button.clear-session"), false);
    await page.screenshot({ path: join(artifacts, "dashboard-chargers.png"), fullPage: true });
    // The session routes are an owner's: the API refuses a viewer (the
    // matrix in tests/auth_matrix.py covers every role).
    const live = await page.request.get(`${url}api/v1/live`);
    assert.equal(live.status(), 200);
  });
});

test("an owner does not see the installation editor", async () => {
  await withDashboard({ width: 1280, height: 720 }, async (page, { url, password }) => {
    await page.fill("input[name=username]", "owner");
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await openPage(page, "devices");
    await page.waitForSelector("#live-table tbody tr");
    // No link to the installer's page, and its address shows the overview.
    assert.equal(await page.isVisible("#nav a[data-nav='installation']"), false);
    await page.goto(`${url}#/installation`);
    await page.waitForSelector(".page[data-page='overview']", { state: "visible" });
    assert.equal(await page.isVisible("#installation-card"), false);
    assert.equal(await page.isVisible("#diagnostics-card"), false);
    const diagnosis = await page.request.get(`${url}api/v1/diagnostics`);
    assert.equal(diagnosis.status(), 403);
    const put = await page.request.put(`${url}api/v1/installation`, { data: "site: {}" });
    assert.equal(put.status(), 403);
  });
});

// A real house whose devices do not answer (nothing listens on their ports):
// the installer saves it over the API, the daemon switches to its devices,
// and the Devices card shows each one as not answering with its error.
test("the Devices card shows each device's state and last error", async () => {
  await withDashboard({ width: 1280, height: 900 }, async (page, { url, password, installerPassword }) => {
    const login = await fetch(`${url}api/v1/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "installer", password: installerPassword }),
    });
    const { token } = await login.json();
    // Port 9 (discard) on loopback: nothing listens, every connection is refused.
    const yaml = [
      "site: {name: Real house, topology: 3P+N-400, main_breaker_a: 25}",
      "gateway: connect",
      "loads:",
      "  - {name: Grid, kind: grid, phases: [L1, L2, L3]}",
      "  - {name: Solar, kind: solar, phases: [L1, L2, L3]}",
      "devices:",
      '  - {name: Meter, driver: p1, p1: {tcp: "127.0.0.1:9"}, load: Grid}',
      '  - {name: Inverter, driver: sunspec, modbus: {tcp: "127.0.0.1:9", unit: 1}, load: Solar}',
      "",
    ].join("\n");
    const put = await fetch(`${url}api/v1/installation`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/yaml" },
      body: yaml,
    });
    assert.equal(put.status, 202, await put.text());
    await page.fill("input[name=username]", "owner");
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await openPage(page, "devices");
    // Nothing answers: no measurement, and the stream (or /api/v1/devices)
    // brings each device's state and error to the Devices card.
    await page.waitForSelector("#devices-table tr[data-device='Inverter']", { timeout: 20000 });
    await page.waitForFunction(
      () => document.querySelector("#devices-table tr[data-device='Meter']")?.textContent?.includes("refused"),
      null,
      { timeout: 20000 },
    );
    const meter = await page.textContent("#devices-table tr[data-device='Meter']");
    assert.match(meter, /p1/);
    assert.match(meter, /Grid/);
    assert.match(meter, /never/);
    assert.match(meter, /127\.0\.0\.1:9/);
    const listed = await fetch(`${url}api/v1/devices`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await listed.json();
    assert.deepEqual(body.devices.map((d) => d.name), ["Meter", "Inverter"]);
    assert.ok(body.devices.every((d) => d.stale && !d.connected));
    await page.screenshot({ path: join(artifacts, "devices-errors-1280.png"), fullPage: true });
  });
});

// A broker that cannot be reached (nothing listens on port 9): the card says
// so with the reason, and the uplink's outbox fills with the points it keeps.
test("the MQTT card shows the broker's state and the uplink's backlog", async () => {
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { password }) => {
      await page.fill("input[name=username]", "owner");
      await page.fill("input[name=password]", password);
      await page.click("button[type=submit]");
      await openPage(page, "devices");
      await page.waitForSelector("#mqtt-card:not([hidden])", { timeout: 15000 });
      const state = await page.textContent("#mqtt-status dd[data-field='State']");
      assert.equal(state, "not connected");
      assert.equal(await page.textContent("#mqtt-status dd[data-field='Broker']"), "mqtt://127.0.0.1:9");
      await page.waitForFunction(
        () => /refused/i.test(document.querySelector("#mqtt-status dd[data-field='Last error']")?.textContent ?? ""),
        null,
        { timeout: 15000 },
      );
      await page.waitForFunction(
        () => /^[1-9]\d* points waiting$/.test(document.querySelector("#mqtt-status dd[data-field='Uplink outbox']")?.textContent ?? ""),
        null,
        { timeout: 15000 },
      );
      await page.screenshot({ path: join(artifacts, "mqtt-card-1280.png"), fullPage: true });
    },
    ["--mqtt", "mqtt://127.0.0.1:9"],
  );
});

// The simulator clamps the sockets' CT (sc1/2, configured on L2) on L3: the
// installer's Diagnostics card shows it as wrong_phase, "Apply the fix"
// saves the corrected installation, and the row turns ok. At 390 px the
// table scrolls within its card.
test("an installer sees a mis-wired CT in the diagnostics and applies the fix", async () => {
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { installerPassword }) => {
      await page.fill("input[name=username]", "installer");
      await page.fill("input[name=password]", installerPassword);
      await page.click("button[type=submit]");
      await openPage(page, "installation");
      await page.waitForSelector("#diagnostics-card", { state: "visible" });
      await page.locator("#diagnostics-card").scrollIntoViewIfNeeded();
      await page.waitForSelector("#diagnostics-table tbody tr[data-input='sc1/2'][data-verdict='wrong_phase']", {
        timeout: 20000,
      });
      // Read in one go: the card refreshes its rows every 5 s.
      const { cells, colour, rowHeaders } = await page.evaluate(() => {
        const tr = document.querySelector("#diagnostics-table tbody tr[data-input='sc1/2']");
        return {
          cells: [...tr.children].map((c) => c.textContent),
          colour: getComputedStyle(tr.querySelector("td.verdict")).backgroundColor,
          rowHeaders: tr.querySelectorAll("th[scope='row']").length,
        };
      });
      assert.equal(cells[0], "sc1/2");
      assert.equal(cells[1], "Sockets");
      assert.equal(cells[2], "L2");
      assert.equal(cells[10], "wrong phase");
      assert.equal(cells[11], "L3");
      assert.match(cells[12], /basis: /);
      // The verdict is coloured as a fault, and says so in words too.
      assert.equal(colour, "rgb(176, 0, 32)");
      // Header cells for every column, a row header per input.
      assert.equal(await page.locator("#diagnostics-table thead th[scope='col']").count(), 13);
      assert.equal(rowHeaders, 1);
      await page.locator("#diagnostics-card").screenshot({ path: join(artifacts, "diagnostics-1280.png") });

      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
      const scrolls = await page.evaluate(() => {
        const wrap = document.getElementById("diagnostics-wrap");
        return wrap.scrollWidth > wrap.clientWidth;
      });
      assert.ok(scrolls, "the table scrolls within its card");
      await page.locator("#diagnostics-card").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, "diagnostics-390.png"), fullPage: false });
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.click("#diagnostics-apply");
      await page.waitForFunction(
        () => document.getElementById("diagnostics-status")?.textContent?.startsWith("Saved and applied"),
        null,
        { timeout: 5000 },
      );
      await page.waitForSelector("#diagnostics-table tbody tr[data-input='sc1/2'][data-verdict='ok']", {
        timeout: 15000,
      });
      assert.equal(
        await page.evaluate(
          () => document.querySelector("#diagnostics-table tbody tr[data-input='sc1/2'] td:nth-of-type(2)").textContent,
        ),
        "L3",
      );
      assert.equal(await page.isVisible("#diagnostics-apply"), false);
      // The editor follows the saved file.
      assert.match(await page.inputValue("#installation-yaml"), /\{name: Sockets, kind: consumer, phases: \[L3\]/);
      await page.locator("#diagnostics-card").screenshot({ path: join(artifacts, "diagnostics-fixed-1280.png") });
    },
    ["--cycle-ms", "100", "--miswire", "sc1/2=L3"],
  );
});

// The Plan card in a browser set to Brussels time: the chart of the plan the
// daemon made at start (prices, battery, cars, forecasts, state of charge)
// with an hour axis in local time, each car's line and the plan's figures;
// updated in place; legible at 1280 and 390 px.
test("the Plan card charts the plan in local hours and says what it means for the cars", async () => {
  const timeZone = "Europe/Brussels";
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { url, password }) => {
      await page.fill("input[name=username]", "owner");
      await page.fill("input[name=password]", password);
      await page.click("button[type=submit]");
      await page.waitForSelector("#plan-card", { state: "visible" });
      await page.locator("#plan-card").scrollIntoViewIfNeeded();
      await page.waitForFunction(() => Number(document.getElementById("plan-chart")?.dataset.slots ?? 0) > 0, null, {
        timeout: 20000,
      });
      const api = await (await page.request.get(`${url}api/v1/plan`)).json();
      assert.equal(api.status, "ok");
      assert.match(await page.textContent("#plan-status"), /^The next \d+ hours from \S+ \d\d:\d\d\./);

      // The chart: a canvas as wide as its card, with a summary for screen readers.
      const chart = await page.evaluate(() => {
        const el = document.getElementById("plan-chart");
        const canvas = el.querySelector("canvas");
        window.planCanvas = canvas;
        return {
          canvases: el.querySelectorAll("canvas").length,
          cardWidth: el.clientWidth,
          cssWidth: canvas.getBoundingClientRect().width,
          pixelWidth: canvas.width,
          pixelHeight: canvas.height,
          dpr: window.devicePixelRatio,
          role: canvas.getAttribute("role"),
          label: canvas.getAttribute("aria-label"),
          legend: [...el.querySelectorAll(".u-legend .u-label")].map((l) => l.textContent),
        };
      });
      assert.equal(chart.canvases, 1);
      assert.ok(chart.cardWidth > 900, `card ${chart.cardWidth} px`);
      assert.ok(Math.abs(chart.cssWidth - chart.cardWidth) <= 1, `canvas ${chart.cssWidth} px in a ${chart.cardWidth} px card`);
      assert.equal(chart.pixelWidth, Math.round(chart.cssWidth * chart.dpr));
      assert.ok(chart.pixelHeight >= 250 * chart.dpr, `canvas ${chart.pixelHeight} px high`);
      assert.equal(chart.role, "img");
      assert.match(chart.label, /^Plan from \S+ \d\d:\d\d for \d+ hours\. Import price .+ per kWh/);
      assert.match(chart.label, /Battery charges \d+\.\d kWh and discharges \d+\.\d kWh\./);
      for (const name of ["Import price", "Export price", "PV measured", "PV forecast", "Load forecast", "Battery plan (+ discharge)"]) {
        assert.ok(chart.legend.includes(name), `legend: ${chart.legend}`);
      }
      // One series per charger, and the state of charge when there is a battery.
      for (const car of api.cars) {
        assert.ok(chart.legend.includes(`${car.load} plan`), `legend: ${chart.legend}`);
      }
      assert.equal(chart.legend.includes("State of charge"), api.slots.some((s) => s.soc_pct !== null));

      // The time axis: whole hours of the browser's time zone (Brussels, not
      // the daemon's UTC), over the plan's horizon starting now.
      const ticks = (await page.getAttribute("#plan-chart", "data-x-ticks")).split("|");
      const splits = (await page.getAttribute("#plan-chart", "data-x-splits")).split("|").map(Number);
      assert.ok(ticks.length >= 4, `ticks: ${ticks}`);
      const brussels = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      ticks.forEach((tick, i) => {
        assert.match(tick, /^([01]\d|2[0-3]):00( \S+ \S+)?$/, `tick ${tick}`);
        assert.equal(tick.slice(0, 5), brussels.format(new Date(splits[i] * 1000)), `tick ${tick} at ${splits[i]}`);
      });
      const now = Date.now();
      const to = Date.parse(await page.getAttribute("#plan-chart", "data-to"));
      const from = Date.parse(await page.getAttribute("#plan-chart", "data-from"));
      assert.ok(Math.abs(Date.parse(api.start) - now) < 15 * 60 * 1000, `plan starts ${api.start}`);
      assert.ok(to - now > 23 * 3600 * 1000 && to - now < 49 * 3600 * 1000, `chart ends ${new Date(to).toISOString()}`);
      assert.ok(now - from < 25 * 3600 * 1000 && from <= now, `chart starts ${new Date(from).toISOString()}`);

      // Under the chart, in text: a line per car and the plan's figures.
      const cars = await page.$$eval("#plan-cars li", (lis) => lis.map((li) => li.textContent));
      assert.equal(cars.length, api.cars.length);
      api.cars.forEach((car, i) => {
        assert.ok(cars[i].startsWith(`${car.load}: `), cars[i]);
        if (car.planned) {
          assert.match(cars[i], /: ready by \S+ \d\d:\d\d, needs \d+\.\d kWh, \d+\.\d kWh delivered; /);
          assert.match(cars[i], car.unmet_kwh > 0 ? /cannot be met: \d+\.\d kWh short\.$/ : /(expected to finish \S+ \d\d:\d\d|done|after the plan's horizon)\.$/);
        } else {
          assert.match(cars[i], /no ready-by time/);
        }
      });
      assert.match(await page.textContent("#plan-figures"), /^Made at \S+ \d\d:\d\d · solved in \d+\.\d ms · \d+ re-plans? \(median/);

      // A refresh (the tab shown again) updates the chart in place.
      const renders = Number(await page.getAttribute("#plan-chart", "data-renders"));
      await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
      await page.waitForFunction((n) => Number(document.getElementById("plan-chart").dataset.renders) > n, renders, {
        timeout: 5000,
      });
      assert.ok(await page.evaluate(() => window.planCanvas.isConnected && document.querySelectorAll("#plan-chart canvas").length === 1));
      await page.locator("#plan-card").screenshot({ path: join(artifacts, "plan-1280.png") });

      // A phone: the chart follows its card, nothing sticks out.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const phone = await page.evaluate(() => {
        const el = document.getElementById("plan-chart");
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          cardWidth: el.clientWidth,
          cssWidth: el.querySelector("canvas").getBoundingClientRect().width,
        };
      });
      assert.ok(phone.overflow <= 1, `the page is ${phone.overflow}px wider than a phone screen`);
      assert.ok(Math.abs(phone.cssWidth - phone.cardWidth) <= 1, `canvas ${phone.cssWidth} px in a ${phone.cardWidth} px card`);
      assert.ok(phone.cardWidth < 390);
      const phoneTicks = (await page.getAttribute("#plan-chart", "data-x-ticks")).split("|");
      assert.ok(phoneTicks.length >= 3 && phoneTicks.every((t) => /^\d\d:00/.test(t)), `ticks: ${phoneTicks}`);
      await page.locator("#plan-card").scrollIntoViewIfNeeded();
      await page.locator("#plan-card").screenshot({ path: join(artifacts, "plan-390.png") });
    },
    [],
    { timezoneId: timeZone, locale: "en-GB" },
  );
});

// The card's texts for what the demo's car rarely shows at test time: a
// planned car with its expected finish, one whose need cannot be met, no
// plan yet and a failed plan. The daemon's plan is served with its cars
// replaced (Playwright intercepts /api/v1/plan); the expected texts are
// written out here for Brussels time (UTC+1 in winter, UTC+2 in summer).
test("the Plan card says when each car will be ready, or that no plan exists", async () => {
  const timeZone = "Europe/Brussels";
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { password }) => {
      let served = null;
      await page.route("**/api/v1/plan", async (route) => {
        const response = await route.fetch();
        const real = await response.json();
        // Until the daemon's first plan the card sees "none" and asks again.
        await route.fulfill({ response, json: served && real.slots.length > 0 ? served(real) : real });
      });
      // Saturday 5 December 2026 in Brussels is UTC+1: 06:00Z is 07:00 there.
      served = (real) => ({
        ...real,
        status: "ok",
        slots: real.slots.map((s) => ({ ...s, cars_w: [7400, 3700] })),
        cars: [
          { load: "EV charger", planned: true, departure: "2026-12-05T06:00:00Z", need_kwh: 20, delivered_kwh: 3.25, planned_kwh: 16.75, expected_finish: "2026-12-05T02:15:00Z", unmet_kwh: 0 },
          { load: "Van", planned: true, departure: "2026-12-05T06:30:00Z", need_kwh: 40, delivered_kwh: 0, planned_kwh: 35.9, expected_finish: null, unmet_kwh: 4.1 },
        ],
      });
      await page.fill("input[name=username]", "owner");
      await page.fill("input[name=password]", password);
      await page.click("button[type=submit]");
      await page.waitForFunction(() => document.querySelectorAll("#plan-cars li").length === 2, null, { timeout: 20000 });
      const cars = await page.$$eval("#plan-cars li", (lis) => lis.map((li) => [li.textContent, li.className]));
      assert.deepEqual(cars, [
        ["EV charger: ready by Sat 07:00, needs 20.0 kWh, 3.3 kWh delivered; expected to finish Sat 03:15.", ""],
        ["Van: ready by Sat 07:30, needs 40.0 kWh, 0.0 kWh delivered; cannot be met: 4.1 kWh short.", "unmet"],
      ]);
      const legend = await page.$$eval("#plan-chart .u-legend .u-label", (ls) => ls.map((l) => l.textContent));
      assert.ok(legend.includes("EV charger plan") && legend.includes("Van plan"), `legend: ${legend}`);
      assert.match(await page.getAttribute("#plan-chart canvas", "aria-label"), /EV charger charges \d+\.\d kWh\. Van charges/);
      await page.locator("#plan-card").scrollIntoViewIfNeeded();
      await page.locator("#plan-card").screenshot({ path: join(artifacts, "plan-cars-1280.png") });

      const refresh = async () => {
        const before = Number(await page.getAttribute("#plan-chart", "data-renders"));
        await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
        await page.waitForFunction((n) => Number(document.getElementById("plan-chart").dataset.renders) > n, before, {
          timeout: 5000,
        });
      };
      served = (real) => ({ ...real, status: "none", slots: [], cars: [], made_at: undefined, start: undefined });
      await refresh();
      assert.equal(await page.textContent("#plan-status"), "No plan yet. The first plan is made within a quarter hour of start.");
      assert.equal(await page.isVisible("#plan-cars"), false);
      served = (real) => ({ ...real, status: "failed", error: "planner: the solver stopped after 5 s", slots: [], cars: [] });
      await refresh();
      assert.equal(
        await page.textContent("#plan-status"),
        "The planner failed: planner: the solver stopped after 5 s. The energy manager's rules run the site.",
      );
      assert.equal(await page.getAttribute("#plan-status", "role"), "status");
    },
    [],
    { timezoneId: timeZone, locale: "en-GB" },
  );
});

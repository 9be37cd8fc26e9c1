// Browser tests of the Devices, Installation and Settings pages on the demo
// daemon, at a phone's 390 px and a desktop's 1280 px: what a person sees,
// that nothing makes the page scroll sideways, and the headings' order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifacts, logIn, openPage, withDashboard } from "./lib.mjs";

const kPhone = { width: 390, height: 844 };
const kDesktop = { width: 1280, height: 900 };

async function pageOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

// Headings never skip a level (h1 → h2 → h3) among those on screen.
async function headingLevels(page) {
  return page.$$eval("h1, h2, h3, h4", (hs) =>
    hs.filter((h) => h.offsetParent !== null || h.getClientRects().length > 0).map((h) => Number(h.tagName[1])),
  );
}

function assertHeadingOrder(levels) {
  assert.equal(levels[0], 1, `headings: ${levels}`);
  for (let i = 1; i < levels.length; i++) {
    assert.ok(levels[i] <= levels[i - 1] + 1, `a heading level is skipped: ${levels}`);
  }
}

async function missingTexts(page) {
  return page.evaluate(() => [...window.kirchhoffMissingTexts]);
}

for (const viewport of [kPhone, kDesktop]) {
  const w = viewport.width;

  test(`Devices at ${w} px: each channel's live values, readable without the page scrolling sideways`, async () => {
    await withDashboard(viewport, async (page, { password }) => {
      await logIn(page, "owner", password);
      await openPage(page, "devices");
      await page.waitForSelector("#live-table tbody tr");
      const channels = await page.$$eval("#live-table tbody tr", (trs) => trs.map((tr) => tr.children[0].textContent));
      // The demo's loads (docs: examples/demo.yaml): Grid, Solar and the EV on three phases.
      assert.deepEqual(channels.filter((c) => c === "Grid").length, 3);
      assert.ok(channels.includes("Heat pump"), `channels: ${channels}`);
      // The gateway is the source: the demo's snapshots keep arriving.
      await page.waitForSelector("#devices-table tr[data-source='gateway'] .state.connected");
      assert.match(await page.textContent("#devices-table tr[data-source='gateway']"), /Gateway \(genius\).*connected/);
      assert.ok((await pageOverflow(page)) <= 1, "the page scrolls sideways");
      // The channel column stays in view when the table is scrolled to its end.
      await page.$eval("#live-wrap", (el) => (el.scrollLeft = el.scrollWidth));
      const { cell, lastHeader } = await page.evaluate(() => {
        const r = document.querySelector("#live-table tbody tr td").getBoundingClientRect();
        const h = [...document.querySelectorAll("#live-table thead th")].at(-1).getBoundingClientRect();
        return { cell: { left: r.left, right: r.right }, lastHeader: { left: h.left, right: h.right } };
      });
      assert.ok(cell.left >= 0 && cell.right <= w, `channel cell at ${cell.left}–${cell.right}`);
      assert.ok(lastHeader.right <= w + 1, `the last column ends at ${lastHeader.right}`);
      assertHeadingOrder(await headingLevels(page));
      await page.$eval("#live-wrap", (el) => (el.scrollLeft = 0));
      await page.screenshot({ path: join(artifacts, `devices-${w}.png`), fullPage: true });
      // In Dutch: the state's word and the columns follow at once.
      await page.selectOption("#language", "nl");
      assert.equal(await page.textContent("#devices-table tr[data-source='gateway'] .state"), "verbonden");
      assert.equal(await page.textContent("#live-table thead th"), "Kanaal");
      assert.deepEqual(await missingTexts(page), []);
    });
  });

  test(`Installation at ${w} px: the editor, tree and diagnostics fit the screen`, async () => {
    await withDashboard(viewport, async (page, { installerPassword }) => {
      await logIn(page, "installer", installerPassword);
      await openPage(page, "installation");
      await page.waitForFunction(() => document.getElementById("installation-yaml")?.value.includes("Demo house"));
      await page.click("#installation-check");
      await page.waitForFunction(() => /^Valid: /.test(document.getElementById("installation-status")?.textContent ?? ""));
      await page.waitForFunction(() => /From the last/.test(document.getElementById("diagnostics-note")?.textContent ?? ""), null, {
        timeout: 15000,
      });
      assert.ok((await pageOverflow(page)) <= 1, "the page scrolls sideways");
      // The editor scrolls within itself; its buttons are touch-sized.
      const box = await page.locator("#installation-yaml").boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= w, `editor at ${box.x}+${box.width}`);
      for (const id of ["installation-check", "installation-save"]) {
        assert.ok((await page.locator(`#${id}`).boundingBox()).height >= 44);
      }
      assertHeadingOrder(await headingLevels(page));
      await page.screenshot({ path: join(artifacts, `installation-${w}.png`), fullPage: true });
      // In German: the page's own texts; the checker's summary stays the daemon's.
      await page.selectOption("#language", "de");
      assert.equal(await page.textContent("#installation-check"), "Prüfen");
      assert.match(await page.textContent("#installation-status"), /^Gültig: /);
      assert.equal(await page.textContent("#diagnostics-title"), "Diagnose");
      assert.deepEqual(await missingTexts(page), []);
    });
  });
}

// The server's state as /api/v1/health gives it, read in the same test.
function expectedServer(health) {
  return {
    tls: health.tls ? "on" : "off",
    local_only: health.local_only ? "yes" : "no",
    version: health.version,
    history: health.history === "ok" ? "recording" : null,
  };
}

for (const viewport of [kPhone, kDesktop]) {
  const w = viewport.width;
  test(`Settings at ${w} px: the server's state, the tariff, the language kept across a reload, accounts for installers`, async () => {
    await withDashboard(viewport, async (page, { url, installerPassword }) => {
      await logIn(page, "installer", installerPassword);
      await openPage(page, "settings");
      const health = await (await page.request.get(`${url}api/v1/health`)).json();
      const expected = expectedServer(health);
      await page.waitForSelector("#settings-server dd[data-field='tls']");
      assert.equal(await page.textContent("#settings-server dd[data-field='tls']"), expected.tls);
      assert.equal(await page.textContent("#settings-server dd[data-field='local_only']"), expected.local_only);
      assert.equal(await page.textContent("#settings-server dd[data-field='version']"), expected.version);
      if (expected.history) {
        assert.equal(await page.textContent("#settings-server dd[data-field='history']"), expected.history);
      }
      assert.match(await page.textContent("#settings-server dd[data-field='uptime']"), /^\d+ (s|min|h|d)\b/);
      // The history's storage: one row per level, the file's size in readable units.
      await page.waitForSelector("#settings-levels tbody tr[data-level='raw']");
      assert.equal(await page.locator("#settings-levels tbody tr").count(), 5);
      assert.match(await page.textContent("#settings-storage dd[data-field='file']"), /^[\d.,]+ (B|kB|MB|GB)$/);
      // The tariff: the demo has no dynamic prices, so the installation's
      // tariff (0.32, night 0.24 from 22:00 to 07:00, peak 0.40 from 17:00 to 21:00).
      const prices = await (await page.request.get(`${url}api/v1/prices`)).json();
      await page.waitForFunction(() => document.querySelector("#settings-tariff dd[data-field='source']")?.textContent);
      assert.equal(await page.textContent("#settings-tariff dd[data-field='currency']"), prices.currency);
      assert.equal(
        await page.textContent("#settings-tariff dd[data-field='source']"),
        prices.source === "tariff" ? "the tariff in the installation file" : await page.textContent("#settings-tariff dd[data-field='source']"),
      );
      await page.waitForSelector("#settings-prices tbody tr");
      const priceTexts = await page.textContent("#settings-prices tbody");
      if (prices.source === "tariff") {
        assert.match(priceTexts, /€0\.32/);
        assert.match(priceTexts, /€0\.04/);
      }
      await page.waitForFunction(() => /lines \d+–\d+/.test(document.getElementById("settings-tariff-file")?.textContent ?? ""));
      assert.match(await page.textContent("#settings-tariff-yaml"), /^tariff:\n {2}import_per_kwh: 0\.32/);
      assert.equal(await page.isVisible("#settings-tariff-edit"), true);
      assert.equal(await page.getAttribute("#settings-tariff-edit", "href"), "#/installation");
      // The installer sees the accounts section.
      assert.equal(await page.isVisible("#settings-accounts"), true);
      assert.ok((await pageOverflow(page)) <= 1, "the page scrolls sideways");
      assertHeadingOrder(await headingLevels(page));
      for (const selector of ["#settings-language", "#password-form button[type=submit]"]) {
        assert.ok((await page.locator(selector).boundingBox()).height >= 44, selector);
      }
      await page.screenshot({ path: join(artifacts, `settings-${w}.png`), fullPage: true });

      // The users API: answered (add one through the form) or not yet (404:
      // the section says accounts are managed on the box).
      const listed = await page.request.get(`${url}api/v1/users`);
      if (listed.status() === 404) {
        await page.waitForSelector("#accounts-cli", { state: "visible" });
        assert.match(await page.textContent("#accounts-cli"), /kirchhoff user/);
      } else {
        assert.equal(listed.status(), 200);
        await page.waitForSelector("#accounts-list li[data-user='installer']");
        await page.fill("#account-add input[name=username]", "guest");
        await page.selectOption("#account-add select[name=role]", "viewer");
        await page.fill("#account-add input[name=password]", "short");
        await page.fill("#account-add input[name=password2]", "short");
        await page.click("#account-add button[type=submit]");
        // The API refuses a password under 10 characters; its text shows beside the form.
        await page.waitForFunction(() => document.getElementById("account-message")?.classList.contains("error"));
        assert.notEqual(await page.textContent("#account-message"), "");
        await page.fill("#account-add input[name=password]", "a long enough password");
        await page.fill("#account-add input[name=password2]", "a long enough password");
        await page.click("#account-add button[type=submit]");
        await page.waitForSelector("#accounts-list li[data-user='guest']");
        const accounts = await (await page.request.get(`${url}api/v1/users`)).json();
        assert.deepEqual(
          accounts.filter((a) => a.user === "guest"),
          [{ user: "guest", role: "viewer" }],
        );
      }

      // German from the Settings page: the navigation follows, and the
      // choice survives a reload.
      await page.selectOption("#settings-language", "de");
      assert.equal(await page.textContent("#nav a[data-nav='overview']"), "Übersicht");
      assert.equal(await page.inputValue("#language"), "de");
      assert.equal(await page.textContent("#settings-server dd[data-field='tls']"), expected.tls === "on" ? "an" : "aus");
      for (const lang of ["nl", "fr"]) {
        await page.selectOption("#settings-language", lang);
      }
      assert.deepEqual(await missingTexts(page), []);
      await page.selectOption("#settings-language", "de");
      await page.reload();
      await page.waitForSelector("#nav", { state: "visible" });
      assert.equal(await page.textContent("#nav a[data-nav='overview']"), "Übersicht");
      assert.equal(await page.inputValue("#settings-language"), "de");
      assert.equal(await page.textContent("#settings-accounts-title"), "Konten");
    });
  });
}

test("a viewer sees Settings without the accounts, and their own password's form", async () => {
  await withDashboard(kPhone, async (page, { url, viewerPassword }) => {
    await logIn(page, "viewer", viewerPassword);
    await openPage(page, "settings");
    await page.waitForSelector("#settings-server dd[data-field='tls']");
    assert.equal(await page.isVisible("#settings-accounts"), false);
    assert.equal(await page.isVisible("#settings-tariff-edit"), false);
    assert.equal(await page.isVisible("#password-form"), true);
    // A wrong current password: the API's answer (or, without the API, where
    // accounts are managed) shows beside the form.
    await page.fill("#password-form input[name=old]", "not my password");
    await page.fill("#password-form input[name=new]", "a new long password");
    await page.fill("#password-form input[name=new2]", "a new long password");
    await page.press("#password-form input[name=new2]", "Enter");
    await page.waitForFunction(() => document.getElementById("password-message")?.classList.contains("error"));
    assert.notEqual(await page.textContent("#password-message"), "");
    assert.ok((await pageOverflow(page)) <= 1, "the page scrolls sideways");
    const api = await page.request.get(`${url}api/v1/users`);
    if (api.status() !== 404) {
      // With the accounts API (a viewer may not list accounts: 403): the
      // right old password changes it; this session goes on with the new
      // one, and the new password logs in.
      assert.equal(api.status(), 403);
      await page.fill("#password-form input[name=old]", viewerPassword);
      await page.fill("#password-form input[name=new]", "a new long password");
      await page.fill("#password-form input[name=new2]", "a new long password");
      await page.click("#password-form button[type=submit]");
      await page.waitForFunction(() => document.getElementById("password-message")?.classList.contains("ok"));
      assert.equal(await page.textContent("#password-message"), "Your password is changed.");
      await page.reload();
      await page.waitForSelector("#nav", { state: "visible" });
      await page.click("#logout");
      await logIn(page, "viewer", "a new long password");
      assert.equal(await page.textContent("#who"), "viewer (viewer)");
    }
  });
});

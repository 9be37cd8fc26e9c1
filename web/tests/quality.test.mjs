// What every page owes its users, checked on the real demo daemon in
// headless Chromium: no serious or critical accessibility violation
// (axe-core) at phone and desktop width, in light and dark themes; no page
// wider than a phone; every text present in English, Dutch, French and
// German; every control reachable with the keyboard; and the page keeping up
// with a 100 ms control cycle (the figures are printed and kept in
// build/artifacts/stream-100ms.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { artifacts, bin, logIn, openPage, root, withDashboard } from "./lib.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const kPages = ["overview", "history", "energy", "devices", "installation", "whatif", "settings"];

// Serious and critical violations of WCAG 2.1 A/AA rules, one line each.
async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) {
    // Evaluated by the test, not as a <script>: the dashboard's Content
    // Security Policy forbids inline scripts, as it should.
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
}

// Lets a page fetch and draw what it shows when it opens.
async function settle(page) {
  await page.waitForTimeout(1200);
}

for (const [width, height] of [
  [390, 844],
  [1280, 900],
]) {
  test(`every page at ${width} px: accessible, no sideways scrolling, screenshots`, async () => {
    await withDashboard({ width, height }, async (page, { installerPassword }) => {
      await logIn(page, "installer", installerPassword);
      const problems = [];
      for (const id of kPages) {
        await openPage(page, id);
        await settle(page);
        await page.screenshot({ path: join(artifacts, `page-${id}-${width}.png`), fullPage: true });
        for (const v of await axeViolations(page)) {
          problems.push(`${id}: ${v}`);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) {
          problems.push(`${id}: the page is ${overflow}px wider than the ${width}px window`);
        }
      }
      assert.deepEqual(problems, []);
    });
  });
}

test("the dark theme follows the system and stays accessible", async () => {
  await withDashboard(
    { width: 390, height: 844 },
    async (page, { installerPassword }) => {
      await logIn(page, "installer", installerPassword);
      const problems = [];
      for (const id of kPages) {
        await openPage(page, id);
        await settle(page);
        if (id === "overview") {
          await page.screenshot({ path: join(artifacts, "page-overview-390-dark.png"), fullPage: true });
        }
        for (const v of await axeViolations(page)) {
          problems.push(`${id}: ${v}`);
        }
      }
      // The background is dark: its luminance is below a mid grey's.
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = background.match(/\d+/g).map(Number);
      assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b < 128, `background ${background}`);
      assert.deepEqual(problems, []);
    },
    [],
    { colorScheme: "dark" },
  );
});

test("every text exists in English, Dutch, French and German, chosen from the browser or the switch", async () => {
  // The browser asks for Belgian Dutch first: the dashboard starts in Dutch.
  await withDashboard(
    { width: 1280, height: 900 },
    async (page, { installerPassword }) => {
      assert.equal(await page.textContent("#login-form h2"), "Aanmelden");
      await logIn(page, "installer", installerPassword);
      assert.equal(await page.textContent("#nav a[data-nav='overview']"), "Overzicht");
      const expected = { en: "Overview", nl: "Overzicht", fr: "Aperçu", de: "Übersicht" };
      for (const lang of ["de", "fr", "en", "nl"]) {
        await page.selectOption("#language", lang);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        assert.equal(await page.textContent("#nav a[data-nav='overview']"), expected[lang]);
        for (const id of kPages) {
          await openPage(page, id);
          await page.waitForTimeout(400);
        }
      }
      // Every page has loaded its table by now: no text asked for by code or
      // named by markup is unknown.
      const missing = await page.evaluate(() => [...window.kirchhoffMissingTexts, ...window.kirchhoffUnresolvedTexts()]);
      assert.deepEqual(missing, [], "texts asked for that no table has");
      // The choice outlives a reload.
      await page.selectOption("#language", "fr");
      await page.reload();
      await page.waitForSelector("#nav", { state: "visible" });
      assert.equal(await page.textContent("#nav a[data-nav='overview']"), "Aperçu");
    },
    [],
    { locale: "nl-BE" },
  );
});

test("every control on every page is reached with the Tab key, and Enter follows a link", async () => {
  await withDashboard({ width: 1280, height: 900 }, async (page, { installerPassword }) => {
    await logIn(page, "installer", installerPassword);
    const unreached = [];
    for (const id of kPages) {
      await openPage(page, id);
      await settle(page);
      // Every visible, enabled control of the header, navigation and page,
      // named by what stays when a live update rebuilds it.
      const describe = () => {
        window.kbdName = (el) =>
          `${el.tagName.toLowerCase()}#${el.id}${el.getAttribute("name") ? `[${el.getAttribute("name")}]` : ""}` +
          `${el.getAttribute("href") ?? ""}|${Object.entries(el.dataset).map(([k, v]) => `${k}=${v}`).join(",")}|` +
          `${el.getAttribute("aria-label") ?? (el.tagName === "SELECT" ? "" : (el.textContent ?? "").trim().slice(0, 30))}`;
        const selector = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";
        return [
          ...new Set(
            [...document.querySelectorAll(selector)]
              // checkVisibility: not inside a closed <details>, not display:none or visibility:hidden.
              .filter((el) => !el.disabled && el.checkVisibility({ visibilityProperty: true }) && el.getClientRects().length > 0)
              .map((el) => window.kbdName(el)),
          ),
        ];
      };
      const controls = await page.evaluate(describe);
      await page.evaluate(() => document.activeElement?.blur());
      const reached = new Set();
      for (let presses = 0; presses < controls.length + 40 && reached.size < controls.length; presses++) {
        await page.keyboard.press("Tab");
        const name = await page.evaluate(() => (document.activeElement ? window.kbdName(document.activeElement) : null));
        if (name !== null && controls.includes(name)) {
          reached.add(name);
        }
      }
      for (const name of controls) {
        if (!reached.has(name)) {
          unreached.push(`${id}: ${name}`);
        }
      }
    }
    assert.deepEqual(unreached, []);
    // The History link, focused and activated with Enter, opens its page.
    await page.focus("#nav a[data-nav='history']");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".page[data-page='history']", { state: "visible" });
    assert.match(page.url(), /#\/history/);
  });
});

// A site at a 100 ms control cycle: a copy of the demo installation with
// `control.cycle_ms: 100`, and an owner account made with `kirchhoff user add`.
function startFastDaemon() {
  const data = mkdtempSync(join(tmpdir(), "kirchhoff-fast-"));
  const yaml = readFileSync(join(root, "examples", "demo.yaml"), "utf8").replace(
    /^control:.*$/m,
    "control:\n  cycle_ms: 100",
  );
  assert.match(yaml, /cycle_ms: 100/);
  const config = join(data, "fast.yaml");
  writeFileSync(config, yaml);
  const password = "fast-cycle-owner-pw";
  const add = spawnSync(bin, ["user", "add", "owner", "--role", "owner", "--data", data], { input: `${password}\n` });
  assert.equal(add.status, 0, String(add.stderr));
  const child = spawn(bin, ["run", "--config", config, "--data", data, "--listen", "127.0.0.1:0", "--web", join(root, "web", "dist")]);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const ready = new Promise((resolveReady, reject) => {
    const deadline = setTimeout(() => reject(new Error(`daemon did not start:\n${stderr}`)), 10000);
    const poll = setInterval(() => {
      const port = /msg=started .*listen=127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
      if (port) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolveReady(`http://127.0.0.1:${port}/`);
      }
    }, 50);
  });
  return {
    ready,
    password,
    async stop() {
      const exited = child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}

test("the Overview keeps up with a 100 ms control cycle", async () => {
  const daemon = startFastDaemon();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const url = await daemon.ready;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(url);
    await logIn(page, "owner", daemon.password);
    await page.waitForFunction(() => document.body.dataset.transport === "stream", null, { timeout: 10000 });
    await openPage(page, "overview");
    await page.waitForTimeout(1000);
    // Ten seconds of frames, long tasks, snapshots received and rendered.
    const stats = await page.evaluate(async () => {
      const longTasks = [];
      const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
      observer.observe({ type: "longtask", buffered: false });
      const received0 = Number(document.body.dataset.received ?? 0);
      const rendered0 = Number(document.body.dataset.rendered ?? 0);
      const intervals = [];
      await new Promise((done) => {
        let last = performance.now();
        const start = last;
        const frame = (now) => {
          intervals.push(now - last);
          last = now;
          if (now - start < 10000) {
            requestAnimationFrame(frame);
          } else {
            done();
          }
        };
        requestAnimationFrame(frame);
      });
      observer.disconnect();
      intervals.sort((a, b) => a - b);
      const q = (p) => intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))];
      return {
        seconds: 10,
        frames: intervals.length,
        frame_ms_median: q(0.5),
        frame_ms_p99: q(0.99),
        frame_ms_max: intervals[intervals.length - 1],
        long_tasks: longTasks.length,
        long_task_ms_total: longTasks.reduce((a, b) => a + b, 0),
        snapshots_received: Number(document.body.dataset.received) - received0,
        snapshots_rendered: Number(document.body.dataset.rendered) - rendered0,
      };
    });
    writeFileSync(join(artifacts, "stream-100ms.json"), `${JSON.stringify(stats, null, 2)}\n`);
    console.log(`stream at 100 ms: ${JSON.stringify(stats)}`);
    // The daemon sent about ten snapshots a second over the stream…
    assert.ok(stats.snapshots_received >= 50, `received ${stats.snapshots_received} snapshots in 10 s`);
    // …and the page drew them: never more than once per frame, and the
    // newest one is what the status line shows.
    assert.ok(stats.snapshots_rendered <= stats.frames + 1);
    assert.ok(stats.snapshots_rendered >= 1);
    const shown = await page.textContent("#status");
    await page.waitForFunction((before) => document.getElementById("status")?.textContent !== before, shown, {
      timeout: 5000,
    });
    await page.screenshot({ path: join(artifacts, "stream-100ms-390.png") });
  } finally {
    await browser.close();
    await daemon.stop();
  }
});

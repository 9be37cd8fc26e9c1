// Shared by the browser tests: the real daemon (demo house on the
// simulator unless told otherwise) and Debian's Chromium driven by
// playwright-core; screenshots go to ../build/artifacts/.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

// import.meta.dirname needs Node 20.11; Debian 12 ships Node 18.
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = process.env.KIRCHHOFF ?? join(root, "build", "kirchhoff");
export const artifacts = join(root, "build", "artifacts");

// `prepare(dir)` may fill the data directory before the daemon starts
// (e.g. with `kirchhoff simulate --data dir`).
export function startDaemon(extra = [], prepare = undefined) {
  const data = mkdtempSync(join(tmpdir(), "kirchhoff-web-"));
  prepare?.(data);
  const child = spawn(bin, ["run", "--data", data, "--listen", "127.0.0.1:0", "--web", join(root, "web", "dist"), ...extra]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const ready = new Promise((resolvePromise, reject) => {
    const deadline = setTimeout(() => reject(new Error(`daemon did not start:\n${stderr}`)), 10000);
    const poll = setInterval(() => {
      const port = /msg=started .*listen=127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
      const password = /^ {2}owner \/ ([0-9a-f]+)$/m.exec(stdout)?.[1];
      const installerPassword = /^ {2}installer \/ ([0-9a-f]+)$/m.exec(stdout)?.[1];
      const viewerPassword = /^ {2}viewer \/ ([0-9a-f]+)$/m.exec(stdout)?.[1];
      if (port && password && installerPassword && viewerPassword) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolvePromise({ url: `http://127.0.0.1:${port}/`, password, installerPassword, viewerPassword });
      }
    }, 50);
  });
  return {
    ready,
    // The daemon writes its last history and registers file as it stops:
    // the data directory goes once it has exited.
    async stop() {
      const exited =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolveExit) => child.once("exit", resolveExit));
      child.kill("SIGTERM");
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// Opens one of the dashboard's pages with its navigation link, as a person would.
export async function openPage(page, id) {
  await page.click(`#nav a[data-nav='${id}']`);
  await page.waitForSelector(`.page[data-page='${id}']`, { state: "visible" });
}

// Runs `fn(page, daemon info)` against a fresh demo daemon in headless Chromium.
export async function withDashboard(viewport, fn, extra = [], pageOptions = {}, prepare = undefined) {
  mkdirSync(artifacts, { recursive: true });
  const daemon = startDaemon(extra, prepare);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const info = await daemon.ready;
    const page = await browser.newPage({ viewport, ...pageOptions });
    await page.goto(info.url);
    await fn(page, info);
  } finally {
    await browser.close();
    await daemon.stop();
  }
}

// Logs in through the form as `user` with `password`.
export async function logIn(page, user, password) {
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("#nav", { state: "visible" });
}

// Page load to the first rendering, in headless Chromium (Debian's, driven by playwright-core):
// the previewer served from 127.0.0.1 (gzip-compressed, as a web server would), loaded ROUNDS
// times (default 10) in a fresh browser context each (nothing cached). Prints the median and
// range of the time to the first rendering (the render module) and to the full module (YAML,
// readers, sources) and the bytes each module took on the wire.
// Usage: bash wasm/build.sh && node wasm/bench-page.mjs [ROUNDS]
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const rounds = Number(process.argv[2] ?? 10);
const www = fileURLToPath(new URL("./www/", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const wire = {};
const server = createServer((request, response) => {
  const url = new URL(request.url, "http://127.0.0.1");
  const file = path.join(www, url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname));
  if (!file.startsWith(www)) return response.writeHead(403).end();
  let body;
  try { body = gzipSync(readFileSync(file), { level: 9 }); } catch { return response.writeHead(404).end(); }
  wire[url.pathname] = body.length;
  response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream",
    "content-encoding": "gzip", "cache-control": "no-store" }).end(body);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
const first = [];
const fullTimes = [];
for (let round = 0; round < rounds; round += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-full=true]");
  const timings = await page.evaluate(() => window.eniplanTimings);
  first.push(timings.loadToFirstRender);
  fullTimes.push(timings.loadToFullModule);
  await context.close();
}
await browser.close();
server.close();
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const range = (list) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)}`;
console.log(`${rounds} loads, headless Chromium ${browser.version()}, served gzip-compressed from 127.0.0.1:`);
console.log(`  page load to the first rendering: median ${median(first).toFixed(0)} ms (${range(first)})`);
console.log(`  page load to the full module:     median ${median(fullTimes).toFixed(0)} ms (${range(fullTimes)})`);
console.log(`  on the wire: eniplan_render_bg.wasm ${wire["/pkg/eniplan_render_bg.wasm"]} bytes, eniplan_wasm_bg.wasm ${wire["/pkg/eniplan_wasm_bg.wasm"]} bytes`);

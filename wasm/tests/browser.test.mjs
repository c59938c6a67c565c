// The previewer in a real headless Chromium (Debian's, driven by playwright-core), served from
// 127.0.0.1: the seed's example typed into the form renders for every target exactly as the
// Node.js build of the same module renders it; two ENIs with route tables render as one
// instance; a secondary outside the subnet shows its error next to the secondaries field; the
// text view and the form stay in sync. The page loads the render module first and the full one
// only after its first rendering; the times are printed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const eniplan = require("../target/node/eniplan_wasm.js");
const www = fileURLToPath(new URL("../www/", import.meta.url));
const shots = fileURLToPath(new URL("../target/", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".ts": "text/plain" };

let server;
let context;
let page;
let origin;
let timings;

before(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    const file = path.join(www, url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname));
    if (!file.startsWith(www)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(file);
      response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  context = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "eniplan-chromium-")), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    viewport: { width: 1500, height: 1000 },
  });
  page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  // Nothing may leave for anywhere but the page's own server.
  await page.route("**/*", (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("body[data-full=true]");
  timings = await page.evaluate(() => window.eniplanTimings);
  assert.deepEqual(errors, []);
});

after(async () => {
  await context?.close();
  server?.close();
});

const SEED = {
  interface: "eth0", mac: "00:16:3e:16:43:aa", primary: "192.168.1.201",
  secondaries: ["192.168.1.202", "192.168.1.203"], prefix: 24, gateway: "192.168.1.253",
  dns: ["100.100.2.136", "100.100.2.138"],
  // Not a form field: kept from the module's seed example, which the page loads first.
  cloud: { region: "cn-hangzhou", eni_id: "eni-bp1example" },
};

async function fillSeed() {
  await page.fill("#f-interface", SEED.interface);
  await page.fill("#f-mac", SEED.mac);
  await page.selectOption("#f-mode", "static");
  await page.fill("#f-primary", SEED.primary);
  await page.fill("#f-secondaries", SEED.secondaries.join("\n"));
  await page.fill("#f-prefix", String(SEED.prefix));
  await page.fill("#f-netmask", "");
  await page.fill("#f-gateway", SEED.gateway);
  await page.fill("#f-dns", SEED.dns.join("\n"));
  await page.fill("#f-connection", "");
  await page.fill("#f-route-table", "");
  await page.fill("#f-ipv6-addresses", "");
  await page.fill("#f-ipv6-prefix", "");
  await page.fill("#f-ipv6-gateway", "");
}

/** What the page shows for each rendering: the text of every file block, by path. */
async function shownFiles() {
  return page.$$eval("#renderings .rendering", (articles) => articles.map((article) => ({
    target: article.dataset.target,
    files: [...article.querySelectorAll("figure.block")].map((figure) => ({
      title: figure.querySelector(".path").textContent,
      text: figure.querySelector("pre").textContent,
    })),
  })));
}

// One line per family that only a correct rendering of the seed holds.
const expectations = {
  nmcli: /nmcli con modify 'System eth0' ipv4\.addresses 192\.168\.1\.201\/24,192\.168\.1\.202\/24,192\.168\.1\.203\/24/,
  rhel: /^IPADDR1?=192\.168\.1\.202$/m,
  netplan: /- "192\.168\.1\.203\/24"/,
  ifupdown: /^iface eth0:1 inet static$/m,
  suse: /^IPADDR_3=192\.168\.1\.203$/m,
  windows: /netsh interface ipv4 add address name="eth0" address=192\.168\.1\.202 mask=255\.255\.255\.0/,
  keyfile: /^address3=192\.168\.1\.203\/24$/m,
  networkd: /^\[Address\]\nAddress=192\.168\.1\.202\/24$/m,
  powershell: /New-NetIPAddress -InterfaceAlias 'eth0' -AddressFamily IPv4 -IPAddress '192\.168\.1\.203' -PrefixLength '24' -SkipAsSource \$true/,
  cloud: /aliyun ecs AssignPrivateIpAddresses --RegionId cn-hangzhou --NetworkInterfaceId eni-bp1example --PrivateIpAddress\.1 192\.168\.1\.202 --PrivateIpAddress\.2 192\.168\.1\.203/,
};

test("the page renders with the render module before it fetches the full one", () => {
  console.log(`load to first rendering: ${timings.loadToFirstRender.toFixed(1)} ms; ` +
    `to the full module (YAML, readers, sources): ${timings.loadToFullModule.toFixed(1)} ms`);
  const fetched = timings.fetchedBeforeFirstRender.map((url) => new URL(url).pathname);
  assert.ok(fetched.includes("/pkg/eniplan_render_bg.wasm"), fetched.join(" "));
  assert.ok(!fetched.includes("/pkg/eniplan_wasm_bg.wasm"), fetched.join(" "));
  assert.ok(timings.loadToFullModule > timings.loadToFirstRender);
});

test("the seed's example renders for every target exactly as the module does", async () => {
  await fillSeed();
  const options = await page.$$eval("#target option", (list) => list.map((o) => o.value));
  assert.ok(options.length >= 41, `only ${options.length} targets offered`);
  for (const target of options) {
    await page.selectOption("#target", target);
    const shown = await shownFiles();
    const expected = target === "all" ? eniplan.renderMany(SEED, "all") : [eniplan.render(SEED, target)];
    assert.deepEqual(shown.map((r) => r.target), expected.map((r) => r.target), target);
    for (const [index, rendering] of expected.entries()) {
      // File blocks are titled by their path: a Linux one, or a Windows one from a drive.
      const files = shown[index].files.filter((f) => /^(\/|[A-Z]:\\)/.test(f.title));
      assert.deepEqual(files, rendering.files.map((f) => ({ title: f.path, text: f.contents })), target);
      const all = shown[index].files.map((f) => f.text).join("\n");
      assert.match(all, expectations[rendering.family], target);
    }
    assert.equal(await page.locator(".error:not([hidden])").count(), 0, target);
  }
  await page.selectOption("#target", "all");
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, "previewer.png"), fullPage: false });
  assert.ok(statSync(path.join(shots, "previewer.png")).size > 10000);
});

const SECOND = {
  interface: "eth1", mode: "static", primary: "192.168.1.210", secondaries: ["192.168.1.211"],
  prefix: 24, gateway: "192.168.1.253", route_table: 1001,
};

test("two ENIs with route tables are edited and rendered as one instance", async () => {
  await fillSeed();
  await page.click("#eni-add");
  assert.equal(await page.locator("#enis [role=tab]").count(), 2);
  assert.equal(await page.getAttribute('#enis [data-index="1"]', "aria-selected"), "true");
  assert.equal(await page.inputValue("#f-interface"), "eth1");
  assert.equal(await page.inputValue("#f-route-table"), "1001");
  // The new ENI has no address yet: its problem is next to its field, and nothing renders.
  await page.locator("#e-primary").waitFor({ state: "visible" });
  assert.equal(await page.locator("#renderings button").count(), 0);
  await page.fill("#f-primary", SECOND.primary);
  await page.fill("#f-secondaries", SECOND.secondaries.join("\n"));
  await page.fill("#f-prefix", String(SECOND.prefix));
  await page.fill("#f-gateway", SECOND.gateway);
  // The text view holds the edited ENI's plan.
  assert.match(await page.inputValue("#plan-text"), /^interface: eth1$/m);
  assert.match(await page.inputValue("#plan-text"), /^route_table: 1001$/m);
  assert.match(await page.textContent("#status"), /an instance of 2 ENIs/);
  for (const target of ["all", "centos-7", "ubuntu-22.04", "rhel-9"]) {
    await page.selectOption("#target", target);
    const shown = await shownFiles();
    const expected = target === "all" ? eniplan.renderMany([SEED, SECOND], "all") : [eniplan.render([SEED, SECOND], target)];
    assert.deepEqual(shown.map((r) => r.target), expected.map((r) => r.target), target);
    for (const [index, rendering] of expected.entries()) {
      if ("error" in rendering) continue;
      const files = shown[index].files.filter((f) => /^(\/|[A-Z]:\\)/.test(f.title));
      assert.deepEqual(files, rendering.files.map((f) => ({ title: f.path, text: f.contents })), target);
    }
  }
  const centos = eniplan.render([SEED, SECOND], "centos-7").files.map((f) => f.path);
  assert.ok(centos.includes("/etc/sysconfig/network-scripts/rule-eth1"), centos.join(" "));
  // A problem of the other ENI is named above the form, and its tab is marked.
  await page.click('#enis [data-index="0"]');
  assert.equal(await page.inputValue("#f-interface"), "eth0");
  await page.fill("#f-route-table", "1001");
  const others = page.locator("#e-instance");
  await others.waitFor({ state: "visible" });
  assert.match(await others.textContent(), /ENI 2 \(eth1\): route_table/);
  assert.equal(await page.getAttribute('#enis [data-index="1"]', "aria-invalid"), "true");
  assert.equal(await page.locator("#renderings button").count(), 0);
  await page.fill("#f-route-table", "");
  await others.waitFor({ state: "hidden" });
  // Removing the second ENI leaves the first, rendered alone.
  await page.click('#enis [data-index="1"]');
  await page.click("#eni-remove");
  assert.equal(await page.locator("#enis [role=tab]").count(), 1);
  assert.equal(await page.inputValue("#f-interface"), "eth0");
  assert.match(await page.textContent("#status"), /of one ENI/);
  assert.equal(await page.isDisabled("#eni-remove"), true);
  await page.selectOption("#target", "all");
});

test("a secondary outside the subnet shows its error next to the secondaries field", async () => {
  await fillSeed();
  await page.selectOption("#target", "centos-7");
  await page.fill("#f-secondaries", "192.168.1.202\n10.0.0.9");
  const error = page.locator("#e-secondaries");
  await error.waitFor({ state: "visible" });
  assert.match(await error.textContent(), /secondaries\[1\]: 10\.0\.0\.9 is outside 192\.168\.1\.0\/24/);
  assert.equal(await page.getAttribute("#f-secondaries", "aria-invalid"), "true");
  // No rendering of the previous plan stays on show, and nothing of it can be copied.
  assert.equal(await page.locator("#renderings .rendering:not(.refused)").count(), 0);
  assert.equal(await page.locator("#renderings button").count(), 0);
  assert.match(await page.textContent("#renderings"), /No rendering.*10\.0\.0\.9 is outside/s);
  assert.match(await page.textContent("#status"), /1 problem/);
  await page.screenshot({ path: path.join(shots, "previewer-error.png") });
  await page.fill("#f-secondaries", "192.168.1.202");
  await error.waitFor({ state: "hidden" });
  assert.ok(await page.locator("#renderings .rendering:not(.refused)").count() > 0);
});

test("the text view and the form stay in sync", async () => {
  await fillSeed();
  const yaml = await page.inputValue("#plan-text");
  assert.match(yaml, /primary: 192\.168\.1\.201/);
  await page.fill("#plan-text", yaml.replace("eth0", "eth1"));
  assert.equal(await page.inputValue("#f-interface"), "eth1");
  await page.fill("#plan-text", "interface: [eth0");
  await page.locator("#e-plan").waitFor({ state: "visible" });
  assert.match(await page.textContent("#e-plan"), /not a valid YAML plan/);
});

test("every file has a copy and a download button, reachable by keyboard", async () => {
  await fillSeed();
  await page.selectOption("#target", "sles-15");
  const blocks = await page.locator("figure.block").count();
  assert.equal(await page.locator("figure.block button", { hasText: "Copy" }).count(), blocks);
  assert.equal(await page.locator("figure.block button", { hasText: "Download" }).count(), blocks);
  const download = page.waitForEvent("download");
  await page.locator("figure.block button", { hasText: "Download" }).nth(1).focus();
  await page.keyboard.press("Enter");
  assert.equal((await download).suggestedFilename(), "ifcfg-eth0");
  // The Windows apply script downloads under its own name, not its whole Windows path.
  await page.selectOption("#target", "powershell");
  const script = page.waitForEvent("download");
  await page.locator("figure.block button", { hasText: "Download" }).first().click();
  assert.equal((await script).suggestedFilename(), "apply.ps1");
});

test("pasted instance metadata fills in every ENI's plan", async () => {
  const document = readFileSync(new URL("../../tests/sources/metadata/valid/two-enis-ipv6-on-one.json", import.meta.url), "utf8");
  await page.click("#metadata-box summary");
  await page.fill("#metadata-nics", "");
  await page.fill("#metadata-text", document);
  // The names are suggested from the document, the instance's own MAC first.
  assert.equal(await page.inputValue("#metadata-nics"), "00:16:3e:16:43:aa=eth0\n00:16:3e:16:43:bb=eth1");
  await page.click("#metadata-use");
  assert.equal(await page.inputValue("#f-interface"), "eth0");
  assert.equal(await page.inputValue("#f-primary"), "192.168.1.201");
  assert.equal(await page.locator("#enis [role=tab]").count(), 2);
  await page.click('#enis [data-index="1"]');
  assert.equal(await page.inputValue("#f-interface"), "eth1");
  assert.match(await page.inputValue("#plan-text"), /route_table: 1001/);
  const partial = readFileSync(new URL("../../tests/sources/metadata/invalid/missing-primary.json", import.meta.url), "utf8");
  await page.fill("#metadata-text", partial);
  await page.click("#metadata-use");
  await page.locator("#e-metadata").waitFor({ state: "visible" });
  assert.match(await page.textContent("#e-metadata"), /macs\/00:16:3e:16:43:bb\/primary-ip-address/);
});

test("pasted EC2 and Azure metadata fill in their ENIs' plans", async () => {
  // EC2: four ENIs listed out of device order; the instance's own MAC is suggested first.
  const ec2 = readFileSync(new URL("../../tests/sources/aws/valid/enis-out-of-order.json", import.meta.url), "utf8");
  await page.fill("#metadata-nics", "");
  await page.selectOption("#metadata-cloud", "auto");
  await page.fill("#metadata-text", ec2);
  const suggested = (await page.inputValue("#metadata-nics")).split("\n");
  assert.equal(suggested.length, 4);
  assert.equal(suggested[0], "0e:49:61:0f:c3:11=eth0");
  await page.click("#metadata-use");
  assert.equal(await page.locator("#enis [role=tab]").count(), 4);
  assert.equal(await page.inputValue("#f-interface"), "eth0");
  assert.match(await page.inputValue("#plan-text"), /provider: aws/);
  // Azure: the NIC MACs without colons; the region from compute.
  const azure = readFileSync(new URL("../../tests/sources/azure/valid/one-nic.json", import.meta.url), "utf8");
  await page.fill("#metadata-nics", "");
  await page.fill("#metadata-text", azure);
  assert.match(await page.inputValue("#metadata-nics"), /^([0-9a-f]{2}:){5}[0-9a-f]{2}=eth0$/);
  await page.click("#metadata-use");
  assert.match(await page.inputValue("#plan-text"), /provider: azure/);
  // Read as another cloud's, the document is refused naming a key.
  await page.selectOption("#metadata-cloud", "aws");
  await page.click("#metadata-use");
  await page.locator("#e-metadata").waitFor({ state: "visible" });
  await page.selectOption("#metadata-cloud", "auto");
});

test("a pasted ifcfg file fills in its plan and every family renders it", async () => {
  await page.click("#file-box summary");
  await page.selectOption("#read-as", "centos-7");
  await page.fill("#read-text", "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.0.5.10\nPREFIX=20\nGATEWAY=10.0.0.1\nIPADDR1=10.0.5.11\nPREFIX1=20\nMTU=9000\n");
  await page.click("#read-use");
  assert.equal(await page.inputValue("#f-primary"), "10.0.5.10");
  assert.equal(await page.inputValue("#f-secondaries"), "10.0.5.11");
  assert.equal(await page.inputValue("#target"), "all");
  assert.ok(await page.locator("#renderings .rendering").count() > 5);
  assert.match(await page.textContent("#read-unread"), /MTU=9000/);
});

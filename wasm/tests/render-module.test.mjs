// The render module the previewer loads first (wasm/www/pkg/eniplan_render, built by
// build.sh without the `full` feature, so without minijinja: the core's own interpreter of the
// templates' Jinja subset renders): for every valid case plan, given as an object, the same
// bytes as the full module (minijinja); an instance the same; YAML text refused with a pointer
// to the full module; the readers and sources left out; at most 250 KB gzip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as renderModule from "../www/pkg/eniplan_render.js";

const require = createRequire(import.meta.url);
const full = require("../target/node/eniplan_wasm.js");
renderModule.initSync({ module: readFileSync(new URL("../www/pkg/eniplan_render_bg.wasm", import.meta.url)) });
const repo = fileURLToPath(new URL("../../", import.meta.url));
const valid = path.join(repo, "tests/cases/valid");

for (const name of readdirSync(valid).filter((file) => file.endsWith(".yaml"))) {
  test(`renders ${name} as the full module does`, () => {
    const plan = full.parsePlan(readFileSync(path.join(valid, name), "utf8"));
    const expected = JSON.stringify(full.renderMany(plan, "all"));
    assert.equal(JSON.stringify(renderModule.renderMany(plan, "all")), expected);
    assert.equal(JSON.stringify(renderModule.renderMany(JSON.stringify(plan), "all")), expected);
  });
}

test("an instance of two ENIs renders as the full module renders it", () => {
  const second = { interface: "eth1", primary: "192.168.1.210", secondaries: ["192.168.1.211"],
    prefix: 24, gateway: "192.168.1.253", route_table: 1001 };
  const instance = [full.example(), second];
  for (const target of ["centos-7", "ubuntu-22.04", "sles-15", "debian-10", "rhel-9"]) {
    assert.equal(JSON.stringify(renderModule.render(instance, target)), JSON.stringify(full.render(instance, target)), target);
  }
  assert.equal(JSON.stringify(renderModule.renderMany(JSON.stringify(instance), "all")),
    JSON.stringify(full.renderMany(instance, "all")));
});

test("YAML text is refused with the module that reads it", () => {
  assert.throws(() => renderModule.render("interface: eth0\nprimary: 192.168.1.201\n", "centos-7"), (error) => {
    assert.equal(error.name, "PlanError");
    assert.equal(error.problems[0].field, "plan");
    assert.match(error.problems[0].message, /YAML text is read by the full module \(eniplan_wasm\)/);
    return true;
  });
});

test("the readers, sources and YAML text are left out", () => {
  for (const name of ["read", "drift", "convert", "plansFromMetadata", "metadataNics", "plansFromApi", "parsePlan", "planToYaml", "renderChange", "renderAbsent"]) {
    assert.equal(renderModule[name], undefined, name);
    assert.equal(typeof full[name], "function", name);
  }
  for (const name of ["render", "renderMany", "renderInstance", "validate", "targets", "example", "planSchema"]) {
    assert.equal(typeof renderModule[name], "function", name);
  }
});

test("the module the page loads first is at most 250 KB gzip, far smaller than the full one", () => {
  const size = (name) => gzipSync(readFileSync(new URL(`../www/pkg/${name}`, import.meta.url)), { level: 9 }).length;
  const first = size("eniplan_render_bg.wasm");
  const whole = size("eniplan_wasm_bg.wasm");
  console.log(`zlib level 9: eniplan_render_bg.wasm ${first} bytes, eniplan_wasm_bg.wasm ${whole} bytes`);
  assert.ok(first <= 250_000, `${first}`);
  assert.ok(first < whole / 2, `${first} of ${whole}`);
});

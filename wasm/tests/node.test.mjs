// The built Node.js package (wasm/target/node, made by build.sh): same bytes as the CLI for
// every snapshot plan, and one PlanError class for every problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const require = createRequire(import.meta.url);
const eniplan = require("../target/node/eniplan_wasm.js");
const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = process.env.ENIPLAN_CLI ?? path.join(repo, "target/debug/eniplan");
const cases = (kind) => readdirSync(path.join(repo, "tests/cases", kind))
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => path.join(repo, "tests/cases", kind, name));

for (const file of cases("valid")) {
  test(`renders ${path.basename(file)} byte for byte like the CLI`, () => {
    const text = readFileSync(file, "utf8");
    // A plan some families refuse (a Windows adapter name) is rendered for the others; the
    // refusing ones take their place with their reasons, and the CLI exits 2.
    const run = spawnSync(cli, ["render", file, "--os", "all", "--format", "json"], { encoding: "utf8" });
    const outcomes = eniplan.renderMany(text, "all");
    const refused = outcomes.filter((outcome) => "error" in outcome);
    assert.equal(run.status, refused.length ? 2 : 0, run.stderr);
    assert.equal(JSON.stringify(outcomes, null, 2) + "\n", run.stdout);
  });
}

for (const file of cases("invalid")) {
  test(`refuses ${path.basename(file)} with the CLI's problems`, () => {
    const cliRun = spawnSync(cli, ["validate", file, "--os", "all"], { encoding: "utf8" });
    assert.equal(cliRun.status, 2);
    const text = readFileSync(file, "utf8");
    let outcomes;
    try {
      outcomes = eniplan.renderMany(text, "all");
    } catch (error) {
      assert.ok(error instanceof Error);
      assert.equal(error.name, "PlanError");
      assert.ok(error.problems.length > 0);
      for (const problem of error.problems) {
        assert.deepEqual(Object.keys(problem), ["field", "value", "message", "kind"]);
      }
      assert.equal(`error: ${error.message}\n`, cliRun.stderr);
      return;
    }
    // Valid as a plan, refused by some targets: the problems validate lists are the CLI's.
    assert.ok(outcomes.some((outcome) => "error" in outcome));
    const messages = eniplan.validate(text, "all").map((problem) => problem.message);
    assert.ok(messages.length > 0);
    assert.deepEqual(cliRun.stderr.trimEnd().split("\n").slice(1), messages.map((m) => `  - ${m}`));
  });
}

test("a plan object renders like its YAML text", () => {
  const plan = eniplan.example();
  assert.deepEqual(eniplan.seedExample(), plan, "the former name gives the same example");
  assert.equal(plan.interface, "eth0");
  const yaml = eniplan.planToYaml(plan);
  assert.deepEqual(eniplan.parsePlan(yaml), plan);
  assert.deepEqual(eniplan.render(plan, "centos-7"), eniplan.render(yaml, "centos-7"));
});

test("every error is the same PlanError class, with the field it concerns", () => {
  const errorOf = (fn) => { try { fn(); } catch (error) { return error; } assert.fail("no error"); };
  const plan = { ...eniplan.example(), secondaries: ["192.168.1.202", "10.0.0.9"], secondary: [] };
  const unknownKey = errorOf(() => eniplan.render(plan, "rhel"));
  const badTarget = errorOf(() => eniplan.render(eniplan.example(), "centos-5"));
  const badValue = errorOf(() => eniplan.render({ ...eniplan.example(), secondaries: ["10.0.0.9"] }, "rhel"));
  const wrongType = errorOf(() => eniplan.render({ ...eniplan.example(), prefix: "twenty-four" }, "rhel"));
  assert.equal(unknownKey.constructor, badTarget.constructor);
  assert.equal(badValue.constructor, wrongType.constructor);
  assert.match(unknownKey.message, /secondary: unknown key; did you mean `secondaries`\?/);
  assert.equal(badTarget.problems[0].field, "os");
  assert.deepEqual(badValue.problems.map((p) => [p.field, p.kind]), [["secondaries[0]", "outside_subnet"]]);
  assert.deepEqual([wrongType.problems[0].field, wrongType.problems[0].kind], ["prefix", "wrong_type"]);
  // The core's input rules: a number written as text is that number.
  assert.deepEqual(eniplan.render({ ...eniplan.example(), prefix: "24" }, "rhel"), eniplan.render(eniplan.example(), "rhel"));
});

test("validate lists problems and targets lists every target", () => {
  assert.deepEqual(eniplan.validate(eniplan.example()), []);
  assert.deepEqual(eniplan.validate({ interface: "eth0" }).map((p) => p.field), ["primary", "prefix", "gateway"]);
  const names = eniplan.targets().map((t) => t.name);
  assert.deepEqual(names.slice(0, 6), ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows"]);
  assert.ok(names.includes("ubuntu-22.04"));
});

test("hostile input is an error, never a crash", () => {
  for (const plan of [null, 42, [], "interface: [", { interface: "eth0\n" }, { secondaries: Array(100000).fill("1.2.3.4") }]) {
    assert.throws(() => eniplan.render(plan, "rhel"), (error) => error.name === "PlanError");
  }
});

test("renderChange and renderAbsent equal the CLI's change and unassign, byte for byte", () => {
  const dir = new URL("../../tests/cases/change/replace-one-secondary/", import.meta.url);
  const before = readFileSync(new URL("before.yaml", dir), "utf8");
  const after = readFileSync(new URL("after.yaml", dir), "utf8");
  for (const target of ["nmcli", "centos-7", "netplan", "keyfile", "powershell", "cloud"]) {
    const changed = spawnSync(cli, ["change", new URL("before.yaml", dir).pathname, new URL("after.yaml", dir).pathname, "--os", target, "--format", "json"], { encoding: "utf8" });
    assert.equal(changed.status, 0, changed.stderr);
    assert.equal(JSON.stringify(eniplan.renderChange(before, after, target), null, 2) + "\n", changed.stdout);
    const absent = spawnSync(cli, ["unassign", new URL("before.yaml", dir).pathname, "--os", target, "--format", "json"], { encoding: "utf8" });
    assert.equal(absent.status, 0, absent.stderr);
    assert.equal(JSON.stringify(eniplan.renderAbsent(before, target), null, 2) + "\n", absent.stdout);
  }
  assert.throws(() => eniplan.renderChange(before, "interface: eth0\n", "cloud"), (error) => error.problems.length > 0);
});

test("planSchema is the core's plan struct, and every previewer field names a key of it", () => {
  const schema = eniplan.planSchema();
  const cliSchema = JSON.parse(execFileSync(cli, ["schema"], { encoding: "utf8" }));
  assert.deepEqual(schema, cliSchema);
  const paths = new Set();
  const walk = (fields, prefix) => {
    for (const field of fields) {
      paths.add(prefix + field.name);
      if (field.type === "section") walk(field.fields, `${prefix}${field.name}.`);
    }
  };
  walk(schema, "");
  const html = readFileSync(path.join(repo, "wasm/www/index.html"), "utf8");
  const names = [...html.matchAll(/<(?:input|select|textarea)[^>]*\sname="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(names.length >= 10, `form inputs found: ${names}`);
  for (const name of names) assert.ok(paths.has(name), `the form field ${name} is not a plan key`);
});

test("plans from metadata and the instance rendering match the CLI byte for byte", () => {
  const file = path.join(repo, "tests/sources/metadata/valid/two-enis-ipv6-on-one.json");
  const nics = { "00:16:3e:16:43:aa": "eth0", "00:16:3e:16:43:bb": "eth1" };
  const nicArgs = Object.entries(nics).flatMap(([mac, name]) => ["--nic", `${mac}=${name}`]);
  const plans = eniplan.plansFromMetadata(readFileSync(file, "utf8"), nics);
  const cliPlans = execFileSync(cli, ["plan", "--from-metadata", file, "--format", "json", ...nicArgs], { encoding: "utf8" });
  assert.equal(JSON.stringify(plans, null, 2) + "\n", cliPlans);
  assert.deepEqual(eniplan.plansFromMetadata(JSON.parse(readFileSync(file, "utf8")), nics), plans);
  for (const target of ["centos-7", "ubuntu-22.04", "debian-11", "sles-15", "powershell"]) {
    const expected = execFileSync(cli, ["render", "--from-metadata", file, "--os", target, "--format", "json", ...nicArgs], { encoding: "utf8" });
    assert.equal(JSON.stringify(eniplan.renderInstance(plans, target), null, 2) + "\n", expected);
  }
});

test("each cloud's metadata: its MACs to name and its plans, as the CLI makes them", () => {
  for (const [dir, cloud] of [["metadata", "aliyun"], ["aws", "aws"], ["azure", "azure"]]) {
    const folder = path.join(repo, "tests/sources", dir, "valid");
    for (const name of readdirSync(folder).filter((f) => f.endsWith(".json"))) {
      const file = path.join(folder, name);
      const text = readFileSync(file, "utf8");
      const pairs = readFileSync(file.replace(/\.json$/, ".nics"), "utf8").split("\n").filter(Boolean);
      const nics = Object.fromEntries(pairs.map((line) => line.split("=")));
      const found = eniplan.metadataNics(text);
      assert.equal(found.cloud, cloud, `${dir}/${name}`);
      assert.deepEqual([...found.macs].sort(), Object.keys(nics).map((m) => m.toLowerCase()).sort(), `${dir}/${name}`);
      const nicArgs = pairs.flatMap((pair) => ["--nic", pair]);
      const cli_plans = execFileSync(cli, ["plan", "--from-metadata", file, "--cloud", cloud, "--format", "json", ...nicArgs], { encoding: "utf8" });
      assert.equal(JSON.stringify(eniplan.plansFromMetadata(text, nics, cloud), null, 2) + "\n", cli_plans, `${dir}/${name}`);
      assert.equal(JSON.stringify(eniplan.plansFromMetadata(text, nics), null, 2) + "\n", cli_plans, `${dir}/${name} (auto)`);
    }
  }
  // A document read as another cloud's is refused naming a key, never planned.
  const aws = readFileSync(path.join(repo, "tests/sources/aws/valid/one-eni.json"), "utf8");
  assert.throws(() => eniplan.plansFromMetadata(aws, {}, "azure"), (error) => error.problems.length > 0);
  assert.throws(() => eniplan.metadataNics(aws, "gcp"), (error) => error.problems[0].field === "cloud");
});

test("each cloud's API output plans as the CLI plans it", () => {
  for (const dir of ["aws-api", "azure-api"]) {
    const folder = path.join(repo, "tests/sources", dir, "valid");
    for (const name of readdirSync(folder)) {
      const at = (file) => path.join(folder, name, file);
      const pairs = readFileSync(at("nics"), "utf8").split("\n").filter(Boolean);
      const nics = Object.fromEntries(pairs.map((line) => line.split("=")));
      const context = Object.fromEntries(readFileSync(at("context"), "utf8").split("\n").filter(Boolean).map((line) => line.split("=")));
      const plans = eniplan.plansFromApi(readFileSync(at("interfaces.json"), "utf8"), readFileSync(at("subnets.json"), "utf8"), nics, {}, context.region, context.instance);
      const args = ["plan", "--from-api", at("interfaces.json"), "--subnets", at("subnets.json"), "--format", "json", ...pairs.flatMap((pair) => ["--nic", pair])];
      for (const key of ["region", "instance"]) if (context[key]) args.push(`--${key}`, context[key]);
      assert.equal(JSON.stringify(plans, null, 2) + "\n", execFileSync(cli, args, { encoding: "utf8" }), `${dir}/${name}`);
    }
  }
});

test("partial metadata is a PlanError naming the key path", () => {
  const file = path.join(repo, "tests/sources/metadata/invalid/missing-primary.json");
  assert.throws(() => eniplan.plansFromMetadata(readFileSync(file, "utf8"), { "00:16:3e:16:43:aa": "eth0", "00:16:3e:16:43:bb": "eth1" }), (error) => {
    assert.equal(error.name, "PlanError");
    assert.deepEqual(error.problems.map((p) => p.field), ["network/interfaces/macs/00:16:3e:16:43:bb/primary-ip-address"]);
    return true;
  });
});

test("plans from the API output", () => {
  const dir = path.join(repo, "tests/sources/api");
  const plans = eniplan.plansFromApi(readFileSync(path.join(dir, "two-enis.interfaces.json"), "utf8"),
    readFileSync(path.join(dir, "vswitches.json"), "utf8"),
    { "00:16:3e:16:43:aa": "eth0", "00:16:3e:16:43:bb": "eth1" },
    { "vsw-bp1first01": "192.168.1.253", "vsw-bp1second02": "192.168.2.253" }, "cn-hangzhou", "i-bp1example0001");
  assert.deepEqual(plans.map((p) => p.primary), ["192.168.1.201", "192.168.2.10"]);
});

test("read, drift and convert match the core (a centos-7 rendering read back)", () => {
  const plan = { interface: "eth0", primary: "192.168.1.201", secondaries: ["192.168.1.202"], prefix: 24, gateway: "192.168.1.253" };
  const rendering = eniplan.render(plan, "centos-7");
  const files = Object.fromEntries(rendering.files.map((f) => [f.path, f.contents]));
  const reading = eniplan.read(files, "centos-7");
  assert.deepEqual(reading.unread, []);
  assert.deepEqual(reading.plan.secondaries, ["192.168.1.202"]);
  assert.deepEqual(eniplan.drift(plan, reading.plan, "centos-7"), []);
  assert.deepEqual(eniplan.drift({ ...plan, secondaries: ["192.168.1.209"] }, reading.plan, "centos-7").map((d) => d.field), ["secondaries"]);
  const converted = eniplan.convert(files, "centos-7", "rhel-9");
  assert.ok(converted.delete.includes("/etc/sysconfig/network-scripts/ifcfg-eth0:0"));
});

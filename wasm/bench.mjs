// Render time of the built Node.js package (wasm/target/node), median of 9 batches:
// `node wasm/bench.mjs` after `bash wasm/build.sh`.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const eniplan = require("./target/node/eniplan_wasm.js");

function secondaries(count) {
  return Array.from({ length: count }, (_, n) => `10.8.${Math.floor(n / 200)}.${10 + (n % 200)}`);
}

function yaml(count) {
  return `interface: eth0\nmac: "00:16:3e:16:43:aa"\nprimary: 10.8.9.201\nsecondaries: [${secondaries(count).join(", ")}]\n` +
    "prefix: 16\ngateway: 10.8.255.253\ndns: [100.100.2.136, 100.100.2.138]\n";
}

function medianMicros(call) {
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) call();
    if (performance.now() - start > 20) break;
    batch *= 2;
  }
  const samples = [];
  for (let s = 0; s < 9; s++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) call();
    samples.push(((performance.now() - start) * 1000) / batch);
  }
  return samples.sort((a, b) => a - b)[4];
}

// Warm up first: V8 compiles the module with its baseline tier and optimises hot functions
// only after a while, which would otherwise land in the first measurement.
const warmUntil = performance.now() + 1000;
while (performance.now() < warmUntil) eniplan.renderMany(yaml(9), "seed");

for (const count of [2, 9, 49]) {
  const text = yaml(count);
  const all = medianMicros(() => eniplan.renderMany(text, "seed"));
  const one = medianMicros(() => eniplan.render(text, "centos-7"));
  console.log(`1+${count}: YAML → all six ${all.toFixed(1)} µs, YAML → centos-7 ${one.toFixed(1)} µs (Node ${process.version})`);
}

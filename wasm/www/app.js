// The previewer: an instance of one or more ENIs, each edited in a form and a YAML/JSON text
// view kept in sync, all rendered live as one instance by eniplan's WebAssembly modules. The
// page holds no rule of its own: parsing, validation and rendering are all the core's.
//
// Two modules: eniplan_render (rendering alone, the small one) is loaded first; eniplan_wasm
// (readers, sources, YAML text) is fetched when first needed — right after the first
// rendering, for the text view.
import initRender, * as eniplan from "./pkg/eniplan_render.js";

/** The full module, fetched and started once, on first use. */
let fullModule;
function full() {
  fullModule ??= import("./pkg/eniplan_wasm.js").then(async (module) => {
    await module.default();
    return module;
  });
  return fullModule;
}
/** The full module once it is ready (for what can wait for it), else null. */
let fullReady = null;

/** The instance: one plan per ENI, the primary ENI first; `current` is the one being edited. */
let plans = [];
let current = 0;

const form = document.getElementById("plan-form");
const planText = document.getElementById("plan-text");
const targetSelect = document.getElementById("target");
const status = document.getElementById("status");
const output = document.getElementById("renderings");

/** Lines of a textarea, trimmed, blanks dropped. */
const lines = (value) => value.split("\n").map((line) => line.trim()).filter(Boolean);
const field = (name) => form.elements.namedItem(name);

/** The plan the form describes; empty inputs are left out rather than sent as "". */
/** The plan keys the form has fields for: the core's schema keys that a form input is named
 *  after (`ipv6.prefix` counts for `ipv6`). Every other key (cloud, route_table, ifcfg_style)
 *  is kept as the text view last gave it, so editing the form never drops it. */
let FORM_KEYS = [];
const formKeys = (schema) => schema.map((key) => key.name)
  .filter((name) => form.querySelector(`[name="${name}"], [name^="${name}."]`));
let keptKeys = {};

function planFromForm() {
  const plan = structuredClone(keptKeys);
  const text = (name) => field(name).value.trim();
  for (const name of ["interface", "mac", "primary", "netmask", "gateway", "connection"]) {
    if (text(name)) plan[name] = text(name);
  }
  plan.mode = field("mode").value;
  if (text("route_table")) {
    plan.route_table = /^\d+$/.test(text("route_table")) ? Number(text("route_table")) : text("route_table");
  }
  const secondaries = lines(field("secondaries").value);
  if (secondaries.length) plan.secondaries = secondaries;
  if (text("prefix")) plan.prefix = /^\d+$/.test(text("prefix")) ? Number(text("prefix")) : text("prefix");
  const dns = lines(field("dns").value);
  if (dns.length) plan.dns = dns;
  const addresses = lines(field("ipv6.addresses").value);
  if (addresses.length || text("ipv6.gateway") || text("ipv6.prefix")) {
    plan.ipv6 = { addresses };
    if (text("ipv6.prefix")) {
      plan.ipv6.prefix = /^\d+$/.test(text("ipv6.prefix")) ? Number(text("ipv6.prefix")) : text("ipv6.prefix");
    }
    if (text("ipv6.gateway")) plan.ipv6.gateway = text("ipv6.gateway");
  }
  return plan;
}

/** Fills the form from a plan object (the text view was edited). */
function planToForm(plan) {
  keptKeys = Object.fromEntries(Object.entries(plan).filter(([key]) => !FORM_KEYS.includes(key)));
  const set = (name, value) => { field(name).value = value ?? ""; };
  for (const name of ["interface", "mac", "primary", "netmask", "gateway", "connection"]) set(name, plan[name]);
  set("mode", plan.mode ?? "static");
  set("secondaries", (plan.secondaries ?? []).join("\n"));
  set("prefix", plan.prefix);
  set("route_table", plan.route_table);
  set("dns", (plan.dns ?? []).join("\n"));
  set("ipv6.addresses", (plan.ipv6?.addresses ?? []).join("\n"));
  set("ipv6.prefix", plan.ipv6?.prefix);
  set("ipv6.gateway", plan.ipv6?.gateway);
}

/** The form field a problem belongs to: `secondaries[1]` → secondaries, `cloud.*` → text. */
function fieldOf(problemField) {
  const base = problemField.replace(/\[\d+\]$/, "");
  return document.querySelector(`[data-field="${CSS.escape(base)}"]`) ??
    document.querySelector('[data-field="plan"]');
}

function clearErrors() {
  for (const error of document.querySelectorAll(".error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const invalid of document.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
}

/** The ENI a problem of the instance belongs to (`plans[1]: gateway`, `eth1: route_table`),
 *  and its field within that ENI's plan. A problem of a single plan is the current ENI's. */
function eniOf(problem) {
  const at = /^plans\[(\d+)\]: (.*)$/.exec(problem.field);
  if (at) return { index: Number(at[1]), field: at[2], prefix: `plans[${at[1]}]: ` };
  for (const [index, plan] of plans.entries()) {
    const prefix = `${plan.interface}: `;
    if (plans.length > 1 && plan.interface && problem.field.startsWith(prefix)) {
      return { index, field: problem.field.slice(prefix.length), prefix };
    }
  }
  return { index: current, field: problem.field, prefix: "" };
}

/** Each problem next to its field when it is the edited ENI's; another ENI's problems are
 *  listed above the form, under that ENI's name, and its tab is marked. */
function showProblems(problems) {
  const others = document.getElementById("e-instance");
  for (const problem of problems) {
    const { index, field: name, prefix } = eniOf(problem);
    const message = problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
    const item = document.createElement("span");
    if (index !== current) {
      item.textContent = `ENI ${index + 1} (${plans[index]?.interface ?? "?"}): ${message}`;
      others.append(item);
      others.hidden = false;
      document.querySelector(`#enis [data-index="${index}"]`)?.setAttribute("aria-invalid", "true");
      continue;
    }
    const box = fieldOf(name);
    const error = box.querySelector(".error");
    item.textContent = message;
    error.append(item);
    error.hidden = false;
    box.querySelector("input, textarea, select")?.setAttribute("aria-invalid", "true");
  }
}

/** The ENI tabs: one per plan, the edited one selected. */
function showEnis() {
  const bar = document.getElementById("enis");
  bar.replaceChildren(...plans.map((plan, index) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.index = String(index);
    tab.setAttribute("aria-selected", String(index === current));
    tab.textContent = `${plan.interface || "(no name)"}${plan.primary ? ` — ${plan.primary}` : ""}` +
      (index === 0 ? " (primary ENI)" : "");
    tab.addEventListener("click", () => select(index));
    return tab;
  }));
  document.getElementById("eni-remove").disabled = plans.length < 2;
}

/** Edits ENI `index`: the form and the text view show its plan. */
function select(index) {
  current = index;
  planToForm(plans[current]);
  showText();
  showEnis();
  update();
}

/** A new ENI after the others: the next ethN and its own route table (two ENIs in one
 *  subnet need policy routing for replies to leave by the NIC they came in on). */
function addEni() {
  const names = new Set(plans.map((plan) => plan.interface));
  let n = plans.length;
  while (names.has(`eth${n}`)) n += 1;
  plans.push({ interface: `eth${n}`, mode: "static", route_table: 1000 + n });
  select(plans.length - 1);
}

function removeEni() {
  if (plans.length < 2) return;
  plans.splice(current, 1);
  select(Math.min(current, plans.length - 1));
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

function download(name, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function button(label, action, description) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.setAttribute("aria-label", `${label} ${description}`);
  element.addEventListener("click", () => action(element));
  return element;
}

/** One block of text with a title, a copy button and a download button. */
function block(title, text, fileName, meta) {
  const figure = document.createElement("figure");
  figure.className = "block";
  const caption = document.createElement("figcaption");
  const heading = document.createElement("code");
  heading.className = "path";
  heading.textContent = title;
  caption.append(heading);
  if (meta) {
    const small = document.createElement("span");
    small.className = "meta";
    small.textContent = meta;
    caption.append(small);
  }
  caption.append(button("Copy", (b) => copy(text, b), title));
  caption.append(button("Download", () => download(fileName, text), title));
  const pre = document.createElement("pre");
  pre.textContent = text;
  figure.append(caption, pre);
  return figure;
}

/** A target of the selection that cannot render the plan: its reasons, in its own place. */
function refusalView(refusal) {
  const article = document.createElement("article");
  article.className = "rendering refused";
  article.dataset.target = refusal.target;
  const heading = document.createElement("h3");
  heading.textContent = `${refusal.target}`;
  const family = document.createElement("span");
  family.className = "meta";
  family.textContent = ` ${refusal.family} family: cannot render this plan`;
  heading.append(family);
  const list = document.createElement("ul");
  list.className = "warnings";
  for (const problem of refusal.problems) {
    const item = document.createElement("li");
    item.textContent = problem.message;
    list.append(item);
  }
  article.append(heading, list);
  return article;
}

function renderingView(rendering) {
  if ("error" in rendering) return refusalView(rendering);
  const article = document.createElement("article");
  article.className = "rendering";
  article.dataset.target = rendering.target;
  const heading = document.createElement("h3");
  heading.textContent = `${rendering.target}`;
  const family = document.createElement("span");
  family.className = "meta";
  family.textContent = ` ${rendering.family} family`;
  heading.append(family);
  article.append(heading);
  for (const file of rendering.files) {
    // A Linux path or a Windows one (the powershell family's apply script).
    const name = file.path.split(/[\\/]/).pop();
    article.append(block(file.path, file.contents, name, `mode ${file.mode.toString(8).padStart(4, "0")}`));
  }
  if (rendering.delete.length) {
    article.append(block("Files to delete", rendering.delete.join("\n") + "\n", `${rendering.target}-delete.txt`));
  }
  const shell = (commands) => commands.map((c) => `# ${c.purpose}\n${c.shell}`).join("\n") + "\n";
  for (const [title, commands] of [["Commands", rendering.commands], ["Restart", rendering.restart], ["Verify", rendering.verify]]) {
    if (commands.length) article.append(block(title, shell(commands), `${rendering.target}-${title.toLowerCase()}.sh`));
  }
  if (rendering.warnings.length) {
    const list = document.createElement("ul");
    list.className = "warnings";
    for (const warning of rendering.warnings) {
      const item = document.createElement("li");
      item.textContent = warning;
      list.append(item);
    }
    article.append(list);
  }
  return article;
}

let firstRender = true;

/** In place of every rendering when the plan has problems: what is shown is never the
 *  rendering of an older plan, and nothing can be copied or downloaded from it. */
function noRendering(problems, why) {
  const article = document.createElement("article");
  article.className = "rendering refused";
  article.dataset.target = "none";
  const heading = document.createElement("h3");
  heading.textContent = "No rendering";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = ` ${why}`;
  heading.append(meta);
  const list = document.createElement("ul");
  list.className = "warnings";
  for (const problem of problems) {
    const item = document.createElement("li");
    if (problem.field === undefined) {
      item.textContent = String(problem.message ?? problem);
    } else {
      // Named by ENI, as the tabs name them, when the instance has several.
      const { index, prefix } = eniOf(problem);
      const message = problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
      item.textContent = plans.length > 1 ? `ENI ${index + 1} (${plans[index]?.interface ?? "?"}): ${message}` : message;
    }
    list.append(item);
  }
  article.append(heading, list);
  output.replaceChildren(article);
  output.classList.remove("side-by-side");
}

/** What is rendered: the one plan, or the instance of every ENI. */
const instance = () => (plans.length === 1 ? plans[0] : plans);

/** Renders the instance for the chosen target; problems go next to their fields. */
function update() {
  clearErrors();
  const selection = targetSelect.value;
  try {
    const renderings = selection === "all" ? eniplan.renderMany(instance(), "all") : [eniplan.render(instance(), selection)];
    output.replaceChildren(...renderings.map(renderingView));
    output.classList.toggle("side-by-side", renderings.length > 1);
    const refused = renderings.filter((r) => "error" in r).length;
    const rendered = renderings.length - refused;
    const enis = plans.length === 1 ? "one ENI" : `an instance of ${plans.length} ENIs`;
    status.textContent = `${rendered} rendering${rendered === 1 ? "" : "s"} of ${enis} for ${selection}` +
      (refused ? `; ${refused} target${refused === 1 ? "" : "s"} cannot render this plan.` : ".");
    if (firstRender) {
      firstRender = false;
      window.eniplanTimings = {
        loadToFirstRender: performance.now(),
        // What had been fetched by then: the render module, and not yet the full one.
        fetchedBeforeFirstRender: performance.getEntriesByType("resource").map((entry) => entry.name),
      };
      document.body.dataset.ready = "true";
      // The text view needs the full module: fetch it now, after the first rendering.
      full().then((module) => {
        fullReady = module;
        window.eniplanTimings.loadToFullModule = performance.now();
        planText.disabled = false;
        showText();
        document.body.dataset.full = "true";
      }).catch((error) => {
        status.textContent = `The eniplan module for YAML, metadata and files could not start: ${error}`;
      });
    }
  } catch (error) {
    if (!(error instanceof Error && Array.isArray(error.problems))) throw error;
    showProblems(error.problems);
    noRendering(error.problems, "the plan as it stands has these problems; fix them to render it");
    const count = error.problems.length;
    status.textContent = `The plan has ${count} problem${count > 1 ? "s" : ""}; each is shown next to its field.`;
  }
}

/** The edited ENI's plan as YAML in the text view (once the full module is there). */
function showText() {
  if (!fullReady) return;
  try {
    planText.value = fullReady.planToYaml(plans[current]);
  } catch {
    // The form holds a value of the wrong type (e.g. a prefix that is not a number); the
    // problem is shown by update(); the text view keeps its last good state.
  }
}

function fromForm() {
  plans[current] = planFromForm();
  showText();
  showEnis();
  update();
}

async function fromText() {
  clearErrors();
  let plan;
  try {
    plan = (await full()).parsePlan(planText.value);
  } catch (error) {
    if (!Array.isArray(error.problems)) throw error;
    showProblems(error.problems);
    noRendering(error.problems, "the text view does not hold a readable plan");
    status.textContent = "The text view does not hold a readable plan.";
    return;
  }
  plans[current] = plan;
  planToForm(plan);
  showEnis();
  update();
}

const metadataText = document.getElementById("metadata-text");
const metadataNics = document.getElementById("metadata-nics");
const metadataCloud = document.getElementById("metadata-cloud");

/** `MAC=NAME` lines as {mac: name}. */
const nicsFrom = (text) => Object.fromEntries(lines(text).map((line) => {
  const at = line.indexOf("=");
  return at < 0 ? [line, ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}));

/** The metadata's MACs (the core reads them: the instance's own first where the document says
 *  which), as suggested `MAC=ethN` lines: the names are only a start for the user to correct,
 *  since the host decides them. */
async function suggestNames(text) {
  let found;
  try { found = (await full()).metadataNics(text, metadataCloud.value); } catch { return; }
  if (!metadataNics.value.trim()) metadataNics.value = found.macs.map((mac, i) => `${mac}=eth${i}`).join("\n");
}

/** Every ENI the metadata lists becomes the instance. */
async function useMetadata() {
  clearErrors();
  const module = await full();
  let found;
  try {
    found = module.plansFromMetadata(metadataText.value, nicsFrom(metadataNics.value), metadataCloud.value);
  } catch (error) {
    if (!Array.isArray(error.problems)) throw error;
    const box = document.getElementById("e-metadata");
    box.replaceChildren(...error.problems.map((p) => {
      const item = document.createElement("span");
      item.textContent = `${p.field}: ${p.message}`;
      return item;
    }));
    box.hidden = false;
    status.textContent = "The metadata cannot be planned from; each problem names its key path.";
    return;
  }
  plans = found;
  select(0);
}

const readAs = document.getElementById("read-as");
const readPath = document.getElementById("read-path");
const readText = document.getElementById("read-text");
const readUnread = document.getElementById("read-unread");

/** Reads a pasted file as the chosen family; its plan becomes the edited ENI's and every
 *  family renders. */
async function readFile() {
  clearErrors();
  readUnread.hidden = true;
  const module = await full();
  let reading;
  try {
    reading = module.read({ [readPath.value.trim()]: readText.value }, readAs.value);
  } catch (error) {
    if (!Array.isArray(error.problems)) throw error;
    const box = document.getElementById("e-read");
    box.replaceChildren(...error.problems.map((p) => {
      const item = document.createElement("span");
      item.textContent = `${p.field}: ${p.message}`;
      return item;
    }));
    box.hidden = false;
    return;
  }
  readUnread.replaceChildren(...reading.unread.map((u) => {
    const item = document.createElement("li");
    item.textContent = `not read: ${u.file}:${u.line}: ${u.text.trim()} (${u.reason})`;
    return item;
  }), ...reading.warnings.map((w) => {
    const item = document.createElement("li");
    item.textContent = w;
    return item;
  }));
  readUnread.hidden = readUnread.childElementCount === 0;
  plans[current] = reading.plan;
  planToForm(reading.plan);
  targetSelect.value = "all";
  fromForm();
}

async function main() {
  await initRender();
  FORM_KEYS = formKeys(eniplan.planSchema());
  targetSelect.append(new Option("all OS families, side by side", "all"));
  const targets = eniplan.targets();
  // The module lists targets family by family, in its fixed order.
  const families = [...new Set(targets.map((t) => t.family))];
  for (const family of families) {
    const group = document.createElement("optgroup");
    group.label = family;
    for (const target of targets.filter((t) => t.family === family)) {
      group.append(new Option(`${target.name} — ${target.description}`, target.name));
    }
    targetSelect.append(group);
  }
  plans = [eniplan.example()];
  planToForm(plans[0]);
  showEnis();
  form.addEventListener("input", fromForm);
  planText.addEventListener("input", fromText);
  targetSelect.addEventListener("change", fromForm);
  metadataText.addEventListener("input", () => suggestNames(metadataText.value));
  document.getElementById("metadata-use").addEventListener("click", useMetadata);
  readAs.addEventListener("change", () => { readPath.value = readAs.selectedOptions[0].dataset.path; });
  document.getElementById("read-use").addEventListener("click", readFile);
  document.getElementById("eni-add").addEventListener("click", addEni);
  document.getElementById("eni-remove").addEventListener("click", removeEni);
  fromForm();
}

main().catch((error) => {
  status.textContent = `The eniplan module could not start: ${error}`;
});

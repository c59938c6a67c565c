// The previewer: a form and a YAML/JSON text view of one plan, kept in sync, rendered live by
// eniplan's WebAssembly module. The page holds no rule of its own: parsing, validation and
// rendering are all the core's.
import init, * as eniplan from "./pkg/eniplan_wasm.js";

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

function showProblems(problems) {
  for (const problem of problems) {
    const box = fieldOf(problem.field);
    const error = box.querySelector(".error");
    const item = document.createElement("span");
    item.textContent = problem.message;
    error.append(item);
    error.hidden = false;
    box.querySelector("input, textarea, select")?.setAttribute("aria-invalid", "true");
  }
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
    item.textContent = problem.message ?? String(problem);
    list.append(item);
  }
  article.append(heading, list);
  output.replaceChildren(article);
  output.classList.remove("side-by-side");
}

/** Renders the current plan for the chosen target; problems go next to their fields. */
function update(plan) {
  clearErrors();
  const selection = targetSelect.value;
  try {
    const renderings = selection === "all" ? eniplan.renderMany(plan, "all") : [eniplan.render(plan, selection)];
    output.replaceChildren(...renderings.map(renderingView));
    output.classList.toggle("side-by-side", renderings.length > 1);
    const refused = renderings.filter((r) => "error" in r).length;
    const rendered = renderings.length - refused;
    status.textContent = `${rendered} rendering${rendered === 1 ? "" : "s"} for ${selection}` +
      (refused ? `; ${refused} target${refused === 1 ? "" : "s"} cannot render this plan.` : ".");
    if (firstRender) {
      firstRender = false;
      window.eniplanTimings = { loadToFirstRender: performance.now() };
      document.body.dataset.ready = "true";
    }
  } catch (error) {
    if (!(error instanceof Error && Array.isArray(error.problems))) throw error;
    showProblems(error.problems);
    noRendering(error.problems, "the plan as it stands has these problems; fix them to render it");
    const count = error.problems.length;
    status.textContent = `The plan has ${count} problem${count > 1 ? "s" : ""}; each is shown next to its field.`;
  }
}

function fromForm() {
  const plan = planFromForm();
  try {
    planText.value = eniplan.planToYaml(plan);
  } catch {
    // The form holds a value of the wrong type (e.g. a prefix that is not a number); the
    // problem is shown by update(); the text view keeps its last good state.
  }
  update(plan);
}

function fromText() {
  clearErrors();
  let plan;
  try {
    plan = eniplan.parsePlan(planText.value);
  } catch (error) {
    if (!Array.isArray(error.problems)) throw error;
    showProblems(error.problems);
    noRendering(error.problems, "the text view does not hold a readable plan");
    status.textContent = "The text view does not hold a readable plan.";
    return;
  }
  planToForm(plan);
  update(plan);
}

const metadataText = document.getElementById("metadata-text");
const metadataNics = document.getElementById("metadata-nics");
const metadataCloud = document.getElementById("metadata-cloud");
const eniChoice = document.getElementById("eni-choice");
const eniSelect = document.getElementById("eni");
let metadataPlans = [];

/** `MAC=NAME` lines as {mac: name}. */
const nicsFrom = (text) => Object.fromEntries(lines(text).map((line) => {
  const at = line.indexOf("=");
  return at < 0 ? [line, ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}));

/** The metadata's MACs (the core reads them: the instance's own first where the document says
 *  which), as suggested `MAC=ethN` lines: the names are only a start for the user to correct,
 *  since the host decides them. */
function suggestNames(text) {
  let found;
  try { found = eniplan.metadataNics(text, metadataCloud.value); } catch { return; }
  if (!metadataNics.value.trim()) metadataNics.value = found.macs.map((mac, i) => `${mac}=eth${i}`).join("\n");
}

function useMetadata() {
  clearErrors();
  try {
    metadataPlans = eniplan.plansFromMetadata(metadataText.value, nicsFrom(metadataNics.value),
      metadataCloud.value);
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
  eniSelect.replaceChildren(...metadataPlans.map((plan, i) =>
    new Option(`${plan.interface} — ${plan.primary}${i === 0 ? " (primary ENI)" : ""}`, String(i))));
  eniChoice.hidden = metadataPlans.length < 2;
  planToForm(metadataPlans[0]);
  fromForm();
}

const readAs = document.getElementById("read-as");
const readPath = document.getElementById("read-path");
const readText = document.getElementById("read-text");
const readUnread = document.getElementById("read-unread");

/** Reads a pasted file as the chosen family; its plan fills the form and every family renders. */
function readFile() {
  clearErrors();
  readUnread.hidden = true;
  let reading;
  try {
    reading = eniplan.read({ [readPath.value.trim()]: readText.value }, readAs.value);
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
  planToForm(reading.plan);
  targetSelect.value = "all";
  fromForm();
}

async function main() {
  await init();
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
  planToForm(eniplan.example());
  form.addEventListener("input", fromForm);
  planText.addEventListener("input", fromText);
  targetSelect.addEventListener("change", fromForm);
  metadataText.addEventListener("input", () => suggestNames(metadataText.value));
  document.getElementById("metadata-use").addEventListener("click", useMetadata);
  readAs.addEventListener("change", () => { readPath.value = readAs.selectedOptions[0].dataset.path; });
  document.getElementById("read-use").addEventListener("click", readFile);
  eniSelect.addEventListener("change", () => {
    planToForm(metadataPlans[Number(eniSelect.value)]);
    fromForm();
  });
  fromForm();
}

main().catch((error) => {
  status.textContent = `The eniplan module could not start: ${error}`;
});

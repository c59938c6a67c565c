//! The WebAssembly binding: converts JS values to the core's types and back, and calls the
//! core. No rule lives here, so the browser renders exactly what the CLI and Python render.
//!
//! Built twice (wasm/build.sh): with the `full` feature, everything — readers, sources, YAML
//! text, changes (`eniplan_wasm`, also the Node.js package); without it, rendering plans given
//! as objects or JSON text only (`eniplan_render`), the small module a page loads first.
//!
//! Every error reaches JavaScript as one class, `PlanError` (a subclass of `Error`), whose
//! `problems` lists `{field, value, message, kind}`.

use eniplan::{EniPlan, Errors, Target, TargetInfo};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A plan: the keys of eniplan's plan contract. */
export interface Plan {
  interface?: string; mac?: string; mode?: "static" | "dhcp"; primary?: string;
  secondaries?: string[]; prefix?: number; netmask?: string; gateway?: string; dns?: string[];
  ipv6?: { addresses?: string[]; prefix?: number; gateway?: string };
  connection?: string;
  cloud?: { provider?: "aliyun" | "aws" | "azure"; region?: string; eni_id?: string; eni_state?: "available" | "in_use"; max_private_ips?: number; resource_group?: string; nic_name?: string; ip_configs?: Record<string, string> };
  ifcfg_style?: "aliases" | "indexed"; route_table?: number;
}
/** One command: argv, a quoted shell line, and why. A guarded Windows command (safe to run
 * twice) has `guard`, the other command of its line; run `shell` for it, not `argv` alone. */
export interface Command {
  argv: string[]; shell: string; purpose: string;
  guard?: { unless_found: string[] } | { if_found: string[] } | { unless_succeeds: string[] }
    | { after_ensuring: string[] } | { after_removing: string[] };
}
/** One file to write. */
export interface File { path: string; contents: string; mode: number }
/** Everything one target needs. */
export interface Rendering {
  target: string; family: string; files: File[]; delete: string[]; commands: Command[];
  restart: Command[]; verify: Command[]; warnings: string[];
}
/** A target of a selection that cannot render the plan, in the place of its rendering. */
export interface Refusal { target: string; family: string; error: string; problems: Problem[] }
/** One problem of a rejected plan. */
export interface Problem { field: string; value: string; message: string; kind: string }
/** A target as listed by targets(). */
export interface TargetInfo { name: string; family: string; description: string; restart: Command[] }
/** One key of the plan's schema. */
export type SchemaField = { name: string } & (
  | { type: "string" } | { type: "integer"; max: number } | { type: "choice"; values: string[] }
  | { type: "list"; items: { type: string } } | { type: "section"; fields: SchemaField[] });
/** A line a reader did not understand. */
export interface Unread { file: string; line: number; text: string; reason: string }
/** What a reader found in a host's files. */
export interface Reading { plan: Plan; unread: Unread[]; warnings: string[]; files: string[] }
/** One field where a host differs from its plan. */
export interface Drift { field: string; planned: string; found: string }
/** Thrown for every invalid plan or target. */
export class PlanError extends Error { problems: Problem[] }
"#;

#[wasm_bindgen(inline_js = "
export class PlanError extends Error {
  constructor(message, problems) {
    super(message);
    this.name = 'PlanError';
    this.problems = problems;
  }
}
export function makePlanError(message, problems) { return new PlanError(message, problems); }
")]
extern "C" {
    #[wasm_bindgen(js_name = makePlanError)]
    fn make_plan_error(message: &str, problems: JsValue) -> JsValue;
}

#[derive(Serialize)]
struct Problem<'a> {
    field: &'a str,
    value: &'a str,
    message: String,
    kind: &'a str,
}

fn problems(errors: &Errors) -> Vec<Problem<'_>> {
    errors
        .as_slice()
        .iter()
        .map(|error| Problem {
            field: error.field(),
            value: error.value(),
            message: error.to_string(),
            kind: error.kind(),
        })
        .collect()
}

/// The one converter from the core's errors to a JS `PlanError`.
fn plan_error(errors: &Errors) -> JsValue {
    make_plan_error(&errors.to_string(), to_js(&problems(errors)))
}

/// Plain objects made by `JSON.parse` of the core's own JSON text: JSON.stringify of them
/// gives back the contract's JSON, and one serialiser serves every surface.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// A plan given as YAML/JSON text or as a plain object. An object is read as its JSON text
/// (`JSON.stringify`), so the core's JSON reader applies every rule — a misspelt key included.
fn parse_plan_value(plan: JsValue) -> Result<EniPlan, Errors> {
    match plan.as_string() {
        Some(text) => plan_from_text(&text),
        None => {
            let text = js_sys::JSON::stringify(&plan)
                .ok()
                .and_then(|text| text.as_string())
                .ok_or_else(|| {
                    Errors::from(eniplan::Error::Syntax {
                        field: "plan".into(),
                        message: "not a valid plan: expected a plain object or YAML/JSON text"
                            .into(),
                    })
                })?;
            EniPlan::from_json(&text)
        }
    }
}

/// A plan's text: YAML or JSON in the full module, JSON alone in the render module (which
/// leaves the YAML reader out).
fn plan_from_text(text: &str) -> Result<EniPlan, Errors> {
    #[cfg(feature = "full")]
    return EniPlan::from_text(text);
    #[cfg(not(feature = "full"))]
    {
        json_only(text)?;
        EniPlan::from_json(text)
    }
}

/// The render module's refusal of YAML text, which says where YAML is read.
#[cfg(not(feature = "full"))]
fn json_only(text: &str) -> Result<(), Errors> {
    if text.trim_start().starts_with(['{', '[']) {
        return Ok(());
    }
    Err(Errors::from(eniplan::Error::Syntax {
        field: "plan".into(),
        message: "this module (eniplan_render) reads plans as objects or JSON text; YAML text \
                  is read by the full module (eniplan_wasm)"
            .into(),
    }))
}

fn read_plan(plan: JsValue) -> Result<EniPlan, JsValue> {
    parse_plan_value(plan).map_err(|errors| plan_error(&errors))
}

/// One plan or a list of them (an instance): YAML/JSON text, a plain object or an array.
fn parse_plans_value(plans: JsValue) -> Result<Vec<EniPlan>, Errors> {
    match plans.as_string() {
        #[cfg(feature = "full")]
        Some(text) => eniplan::plans_from_text(&text),
        #[cfg(not(feature = "full"))]
        Some(text) => json_only(&text).and_then(|()| eniplan::plans_from_json(&text)),
        None if js_sys::Array::is_array(&plans) => {
            let text = js_sys::JSON::stringify(&plans)
                .ok()
                .and_then(|text| text.as_string())
                .unwrap_or_default();
            eniplan::plans_from_json(&text)
        }
        None => parse_plan_value(plans).map(|plan| vec![plan]),
    }
}

fn read_plans(plans: JsValue) -> Result<Vec<EniPlan>, JsValue> {
    parse_plans_value(plans).map_err(|errors| plan_error(&errors))
}

/// One target's rendering of one plan or an instance.
fn render_one(plans: &[EniPlan], target: &str) -> Result<JsValue, JsValue> {
    eniplan::render_for(plans, target, &eniplan::HostFiles::new())
        .map(|rendering| to_js(&rendering))
        .map_err(|errors| plan_error(&errors))
}

/// Renders `plan` (one plan, or a list of them: an instance) for one target.
#[wasm_bindgen(unchecked_return_type = "Rendering")]
pub fn render(
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] plan: JsValue,
    target: &str,
) -> Result<JsValue, JsValue> {
    render_one(&read_plans(plan)?, target)
}

/// Renders `plan` (or an instance) for a selection: `"all"` families, `"ecs-doc"` or a
/// comma-separated list of targets. One entry per target: its rendering, or a `Refusal` for a
/// target that cannot render the plan.
#[wasm_bindgen(js_name = renderMany, unchecked_return_type = "(Rendering | Refusal)[]")]
pub fn render_many(
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] plan: JsValue,
    targets: &str,
) -> Result<JsValue, JsValue> {
    let plans = read_plans(plan)?;
    let outcomes = eniplan::render_plans(&plans, targets).map_err(|e| plan_error(&e))?;
    Ok(to_js(&outcomes))
}

/// Renders the change from plan `before` to plan `after` for one target: `after`'s files, the
/// stale files to delete, and first the commands that remove the dropped addresses now.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = renderChange, unchecked_return_type = "Rendering")]
pub fn render_change(
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] after: JsValue,
    target: &str,
) -> Result<JsValue, JsValue> {
    let before = read_plans(before)?;
    let after = read_plans(after)?;
    let rendering = eniplan::render_change_instance(&before, Some(&after), target)
        .map_err(|e| plan_error(&e))?;
    Ok(to_js(&rendering))
}

/// A JSON document given as its text or as a plain object.
#[cfg(feature = "full")]
fn json_text(document: &JsValue, field: &str) -> Result<String, JsValue> {
    document
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(document)
                .ok()
                .and_then(|text| text.as_string())
        })
        .ok_or_else(|| {
            plan_error(&Errors::from(eniplan::Error::Syntax {
                field: field.into(),
                message: "expected JSON text or a plain object".into(),
            }))
        })
}

/// `{mac: name}` (a plain object) as the core's NIC-name map.
#[cfg(feature = "full")]
fn nic_names(nics: &JsValue) -> Result<eniplan::NicNames, JsValue> {
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&json_text(nics, "nics")?).map_err(|error| {
            plan_error(&Errors::from(eniplan::Error::Syntax {
                field: "nics".into(),
                message: format!("expected {{mac: name}}: {error}"),
            }))
        })?;
    eniplan::NicNames::from_map(map.iter().map(|(mac, name)| (mac.as_str(), name.as_str())))
        .map_err(|errors| plan_error(&errors))
}

/// The cloud a `cloud` argument names: `auto` (or nothing) tells it by the document's shape.
#[cfg(feature = "full")]
fn cloud_of(cloud: Option<String>) -> Result<Option<eniplan::Provider>, JsValue> {
    match cloud.as_deref() {
        None | Some("auto") => Ok(None),
        Some(name) => eniplan::Provider::parse(name).map(Some).ok_or_else(|| {
            plan_error(&Errors::from(eniplan::Error::WrongType {
                field: "cloud".into(),
                value: format!("`{name}`"),
                expected: "auto, aliyun, aws or azure".into(),
            }))
        }),
    }
}

/// One plan per ENI of the instance the metadata describes — Alibaba Cloud's or EC2's tree
/// gathered by path (its JSON text or object, with or without `latest/meta-data`), or Azure
/// IMDS's answer —, the primary ENI first; `nics` maps each MAC to its interface name;
/// `cloud` (`auto` by default: told by the document's shape) names the provider.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = plansFromMetadata, unchecked_return_type = "Plan[]")]
pub fn plans_from_metadata(
    #[wasm_bindgen(unchecked_param_type = "object | string")] document: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] nics: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"auto\" | \"aliyun\" | \"aws\" | \"azure\"")]
    cloud: Option<String>,
) -> Result<JsValue, JsValue> {
    let text = json_text(&document, "metadata")?;
    let (_, plans) =
        eniplan::plans_from_cloud_metadata(&text, cloud_of(cloud)?, &nic_names(&nics)?)
            .map_err(|errors| plan_error(&errors))?;
    Ok(to_js(&plans))
}

/// The provider of a metadata document and the MACs it lists (the instance's own first where
/// the document says which): `{cloud, macs}`, the NICs to name before `plansFromMetadata`.
#[cfg(feature = "full")]
#[wasm_bindgen(
    js_name = metadataNics,
    unchecked_return_type = "{ cloud: \"aliyun\" | \"aws\" | \"azure\"; macs: string[] }"
)]
pub fn metadata_nics(
    #[wasm_bindgen(unchecked_param_type = "object | string")] document: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"auto\" | \"aliyun\" | \"aws\" | \"azure\"")]
    cloud: Option<String>,
) -> Result<JsValue, JsValue> {
    let text = json_text(&document, "metadata")?;
    let (provider, macs) =
        eniplan::metadata_macs(&text, cloud_of(cloud)?).map_err(|errors| plan_error(&errors))?;
    let macs: Vec<String> = macs.iter().map(ToString::to_string).collect();
    Ok(to_js(
        &serde_json::json!({ "cloud": provider.name(), "macs": macs }),
    ))
}

/// The same plans from a cloud API's output — Alibaba Cloud's DescribeNetworkInterfaces and
/// DescribeVSwitches, EC2's describe-network-interfaces and describe-subnets, or Azure's `az
/// network nic list` and `az network vnet subnet list` (`cloud`: `auto`, told by the output's
/// shape) — with the NIC names, each vSwitch's or subnet's gateway (`{id: address}`; `*` for
/// every one; Alibaba Cloud needs them), the region and the instance.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = plansFromApi, unchecked_return_type = "Plan[]")]
pub fn plans_from_api(
    #[wasm_bindgen(unchecked_param_type = "object | string")] interfaces: JsValue,
    #[wasm_bindgen(unchecked_param_type = "object | string")] vswitches: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] nics: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] gateways: JsValue,
    region: Option<String>,
    instance: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "\"auto\" | \"aliyun\" | \"aws\" | \"azure\"")]
    cloud: Option<String>,
) -> Result<JsValue, JsValue> {
    let gateways: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&json_text(&gateways, "gateways")?).map_err(|error| {
            plan_error(&Errors::from(eniplan::Error::Syntax {
                field: "gateways".into(),
                message: format!("expected {{vswitch: address}}: {error}"),
            }))
        })?;
    let mut context = eniplan::ApiContext {
        names: nic_names(&nics)?,
        region,
        instance,
        ..Default::default()
    };
    context.add_gateway_map(gateways.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (_, plans) = eniplan::plans_from_cloud_api(
        &json_text(&interfaces, "interfaces")?,
        &json_text(&vswitches, "vswitches")?,
        cloud_of(cloud)?,
        &context,
    )
    .map_err(|errors| plan_error(&errors))?;
    Ok(to_js(&plans))
}

/// Renders every ENI of one instance (the plans, the primary ENI first) for one target as one
/// rendering (`renderMany` takes a selection).
#[wasm_bindgen(js_name = renderInstance, unchecked_return_type = "Rendering")]
pub fn render_instance(
    #[wasm_bindgen(unchecked_param_type = "Plan[]")] plans: Vec<JsValue>,
    target: &str,
) -> Result<JsValue, JsValue> {
    let plans = plans
        .into_iter()
        .map(read_plan)
        .collect::<Result<Vec<EniPlan>, JsValue>>()?;
    render_one(&plans, target)
}

/// `{path: text}` (a plain object) as a host's files.
#[cfg(feature = "full")]
fn host_files(files: &JsValue) -> Result<eniplan::HostFiles, JsValue> {
    serde_json::from_str(&json_text(files, "files")?).map_err(|error| {
        plan_error(&Errors::from(eniplan::Error::Syntax {
            field: "files".into(),
            message: format!("expected {{path: text}}: {error}"),
        }))
    })
}

#[cfg(feature = "full")]
fn target_of(name: &str) -> Result<Target, JsValue> {
    Target::parse(name).map_err(|error| plan_error(&error.into()))
}

/// The plan a host's files (`{path: text}`) hold, read as `target`'s family reads them:
/// `{plan, unread, warnings, files}`.
#[cfg(feature = "full")]
#[wasm_bindgen(unchecked_return_type = "Reading")]
pub fn read(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    target: &str,
    interface: Option<String>,
) -> Result<JsValue, JsValue> {
    let reading = eniplan::read(
        &host_files(&files)?,
        target_of(target)?,
        interface.as_deref(),
    )
    .map_err(|errors| plan_error(&errors))?;
    Ok(to_js(&reading))
}

/// Every field in which `found` (a plan read back) differs from `plan` for `target`'s family.
#[cfg(feature = "full")]
#[wasm_bindgen(unchecked_return_type = "Drift[]")]
pub fn drift(
    #[wasm_bindgen(unchecked_param_type = "Plan | string")] plan: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan | string")] found: JsValue,
    target: &str,
) -> Result<JsValue, JsValue> {
    let planned = read_plan(plan)?;
    planned.validate().map_err(|errors| plan_error(&errors))?;
    let found = read_plan(found)?;
    Ok(to_js(&eniplan::drift(
        &planned,
        &found,
        target_of(target)?.family(),
    )))
}

/// Migration: the files read as `from`'s family, rendered for `to`, the old files in `delete`.
#[cfg(feature = "full")]
#[wasm_bindgen(unchecked_return_type = "Rendering")]
pub fn convert(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    from: &str,
    to: &str,
    interface: Option<String>,
) -> Result<JsValue, JsValue> {
    let (_, rendering) = eniplan::convert(
        &host_files(&files)?,
        target_of(from)?,
        target_of(to)?,
        interface.as_deref(),
    )
    .map_err(|errors| plan_error(&errors))?;
    Ok(to_js(&rendering))
}

/// Renders the removal of every secondary address of `plan` (the primary stays).
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = renderAbsent, unchecked_return_type = "Rendering")]
pub fn render_absent(
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] plan: JsValue,
    target: &str,
) -> Result<JsValue, JsValue> {
    let plans = read_plans(plan)?;
    let rendering =
        eniplan::render_change_instance(&plans, None, target).map_err(|e| plan_error(&e))?;
    Ok(to_js(&rendering))
}

/// Every problem of `plan` (or an instance; an empty array when valid), checked against the
/// `targets` selection if given.
#[wasm_bindgen(unchecked_return_type = "Problem[]")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "Plan | Plan[] | string")] plan: JsValue,
    targets: Option<String>,
) -> JsValue {
    let parsed = parse_plans_value(plan);
    let result = parsed.and_then(|plans| eniplan::check_plans(&plans, targets.as_deref()));
    match result {
        Ok(()) => to_js::<[Problem<'_>]>(&[]),
        Err(errors) => to_js(&problems(&errors)),
    }
}

/// Every target name with its family, description and restart commands.
#[wasm_bindgen(unchecked_return_type = "TargetInfo[]")]
pub fn targets() -> JsValue {
    let list: Vec<TargetInfo> = Target::all().map(TargetInfo::from).collect();
    to_js(&list)
}

/// The Alibaba Cloud ECS document's example plan (for a form's first state).
#[wasm_bindgen(unchecked_return_type = "Plan")]
pub fn example() -> JsValue {
    to_js(&EniPlan::example())
}

/// The former name of `example`.
#[wasm_bindgen(js_name = seedExample, unchecked_return_type = "Plan")]
pub fn seed_example() -> JsValue {
    example()
}

/// The plan's keys and what each holds, read from the core's plan struct (the previewer builds
/// its field list from it).
#[wasm_bindgen(js_name = planSchema, unchecked_return_type = "SchemaField[]")]
pub fn plan_schema() -> JsValue {
    to_js(eniplan::plan_schema())
}

/// Reads YAML or JSON text into a plan object (the previewer's text view → its form).
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = parsePlan, unchecked_return_type = "Plan")]
pub fn parse_plan(text: &str) -> Result<JsValue, JsValue> {
    EniPlan::from_text(text)
        .map(|plan| to_js(&plan))
        .map_err(|errors| plan_error(&errors))
}

/// Writes a plan object as YAML text (the previewer's form → its text view).
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = planToYaml)]
pub fn plan_to_yaml(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
) -> Result<String, JsValue> {
    Ok(read_plan(plan)?.to_yaml())
}

#[cfg(test)]
mod tests {
    use eniplan::{SchemaField, SchemaKind};

    /// The TypeScript type a schema field is declared with.
    fn typescript(kind: &SchemaKind) -> String {
        match kind {
            SchemaKind::String => "string".into(),
            SchemaKind::Integer { .. } => "number".into(),
            SchemaKind::Choice { values } => values
                .iter()
                .map(|value| format!("\"{value}\""))
                .collect::<Vec<_>>()
                .join(" | "),
            SchemaKind::List { items } => format!("{}[]", typescript(items)),
            SchemaKind::Map { values } => format!("Record<string, {}>", typescript(values)),
            SchemaKind::Section { fields } => format!("{{ {} }}", members(fields, "; ")),
        }
    }

    fn members(fields: &[SchemaField], separator: &str) -> String {
        fields
            .iter()
            .map(|field| format!("{}?: {}", field.name, typescript(&field.kind)))
            .collect::<Vec<_>>()
            .join(separator)
    }

    /// The declared `Plan` interface says exactly what the core's plan struct holds.
    #[test]
    fn the_typescript_plan_is_the_cores_schema() {
        // wasm-bindgen takes the declarations' constant away; read them from this file.
        let source = include_str!("lib.rs");
        let start = source
            .find("export interface Plan {")
            .expect("Plan declared");
        let body = &source[start + "export interface Plan {".len()..];
        let body = &body[..body.find("\n}").expect("closed")];
        let declared: String = body
            .split(';')
            .map(str::trim)
            .filter(|member| !member.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        // Nested sections declare their members with `;` too: compare the flattened text.
        let expected = members(eniplan::plan_schema(), "; ");
        let normalise = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(normalise(&declared), normalise(&expected));
    }
}

//! eniplan maps one plan for a cloud ENI (interface, MAC, primary and secondary private IPs,
//! mask, gateway, DNS, IPv6) and a target operating system to the exact files and commands that
//! make the OS use every address.
//!
//! The rendering core is pure: it reads no file, opens no socket and looks at no clock. The
//! `apply` feature adds the host layer: [`apply`] writes a rendering's files under a root, and
//! [`engine`] applies plans to the running host (snapshot, write, restart, verify against the
//! running state with [`kernel`], roll back).
//!
//! ```
//! use eniplan::{EniPlan, Target};
//!
//! let plan = EniPlan::from_yaml(
//!     "interface: eth0\nprimary: 192.168.1.201\nsecondaries: [192.168.1.202]\n\
//!      prefix: 24\ngateway: 192.168.1.253\n",
//! )?
//! .validate()?;
//! let rendering = eniplan::render(&plan, Target::parse("centos-7")?)?;
//! assert_eq!(rendering.files[2].path, "/etc/sysconfig/network-scripts/ifcfg-eth0:0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "apply")]
pub mod apply;
mod detect;
#[cfg(feature = "apply")]
pub mod engine;
mod error;
mod families;
#[cfg(feature = "fast-yaml")]
mod fast_yaml;
#[cfg(feature = "apply")]
pub mod fetch;
mod input;
mod intent;
pub mod kernel;
mod model;
mod names;
mod net;
mod os_family;
mod plan;
pub mod quote;
mod read;
mod rendering;
mod schema;
mod source;
mod target;
mod templates;
mod validate;

pub use detect::{Detection, Evidence};
pub use error::{Error, Errors, Problem};
pub use input::{plans_from_bytes, plans_from_json, plans_from_text, plans_from_value};
pub use model::{Cloud, Ipv6Config, MacAddr, Plan};
pub use os_family::{IfcfgReader, IfcfgStyle, OsFamily, Platform};
pub use plan::{
    plan_schema, schema_field, CloudPlan, EniPlan, EniState, Ipv6Plan, Mode, Provider,
    MAX_PLAN_BYTES,
};
pub use read::{
    configured_interfaces, configured_interfaces_on, convert, convert_on,
    directories as read_directories, drift, drift_except, global_files, not_carried, read,
    read_ip_json, read_on, read_windows_json, Drift, HostFiles, HostNics, Reading, Unread,
    NOT_IN_RUNTIME,
};
pub use rendering::{
    to_json, Command, File, Guard, Outcome, Refusal, Rendering, MODE_PRIVATE, MODE_PUBLIC,
};
pub use schema::{Field as SchemaField, Kind as SchemaKind};
pub use source::api::{plans_from_api, ApiContext};
pub use source::aws::plans_from_aws_metadata;
pub use source::aws_api::plans_from_aws_api;
pub use source::azure::plans_from_azure_metadata;
pub use source::azure_api::plans_from_azure_api;
pub use source::metadata::{
    plans_from_aliyun_metadata, ENI_ITEMS as METADATA_ENI_ITEMS, INSTANCE_ITEMS as METADATA_ITEMS,
};
pub use source::provider::{
    detect as detect_provider, detect_api, metadata_macs, plans_from_cloud_api,
    plans_from_cloud_metadata, plans_from_metadata, spec as provider, ProviderSpec,
};
pub use source::{NicNames, FIRST_ENI_TABLE};
pub use target::{Resolved, Target, TargetInfo};
pub use validate::{AVAILABLE_ENI_LIMIT, DOCUMENTED_AVAILABLE_LIMIT, MAX_ADDRESSES, MAX_DNS};
/// A parsed plan document (YAML's data model, keys in the order written): what the bindings
/// convert a Python dict or list, or a JS value, into before [`EniPlan::from_value`] or
/// [`plans_from_value`] reads it with the plan's input rules.
pub use yaml_serde::Value as PlanValue;

/// The target of the network stack a host runs (`--os auto`), from evidence gathered under its
/// root: os-release gives the distribution's default, the configuration present and the
/// services enabled say what runs. Contradicting evidence is an error listing it.
pub fn detect(evidence: &Evidence) -> Result<Detection, Errors> {
    detect::detect(evidence)
}

/// A `--os` argument with `auto` replaced by the detected target (the detection too, when
/// `auto` was asked for).
pub fn resolve_auto(
    selection: &str,
    evidence: &Evidence,
) -> Result<(String, Option<Detection>), Errors> {
    if !selection.split(',').any(|name| name.trim() == "auto") {
        return Ok((selection.to_string(), None));
    }
    let detection = detect(evidence)?;
    let resolved = selection
        .split(',')
        .map(|name| match name.trim() {
            "auto" => detection.target.name(),
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",");
    Ok((resolved, Some(detection)))
}

/// Renders a validated plan for one target.
pub fn render(plan: &Plan, target: Target) -> Result<Rendering, Errors> {
    families::render(plan, target)
}

/// Renders a validated plan for several targets, in the order given. Errors of every target
/// are reported together (each distinct error once).
pub fn render_targets(plan: &Plan, targets: &[Target]) -> Result<Vec<Rendering>, Errors> {
    families::render_targets(plan, targets)
}

/// Renders the change from `before` to `after` for one target: `after`'s full rendering;
/// every file `before` wrote that `after` no longer writes in `delete` (a leftover
/// `ifcfg-eth0:1` would keep its address alive after the next restart); and, first among the
/// commands, those that remove the dropped addresses at once (`ip addr del`, `nmcli con modify
/// … -ipv4.addresses`, `netsh … delete address`, `Remove-NetIPAddress`), so no reboot is
/// needed. For `cloud`, the commands are the Unassign and Assign calls of the difference.
/// The primary address is never removed at run time.
pub fn render_change(before: &Plan, after: &Plan, target: Target) -> Result<Rendering, Errors> {
    families::change(before, after, target)
}

/// Renders the removal of every secondary address of `plan` (IPv4, and IPv6 after the first):
/// the change from `plan` to the same plan without them.
pub fn render_absent(plan: &Plan, target: Target) -> Result<Rendering, Errors> {
    families::change(plan, &plan.without_secondaries(), target)
}

/// The change path every surface (CLI, Python, WASM) takes: validates `before` and `after`
/// (every problem of both is reported) and renders the change for one target. Without `after`
/// it renders the removal of every secondary address of `before` ([`render_absent`]).
pub fn render_change_plans(
    before: &EniPlan,
    after: Option<&EniPlan>,
    target: &str,
) -> Result<Rendering, Errors> {
    let mut errors: Vec<Error> = Vec::new();
    let target = Target::parse(target)
        .map_err(|error| errors.push(error))
        .ok();
    let before = before.validate().map_err(|e| errors.extend(e)).ok();
    let after = match after {
        Some(after) => after.validate().map_err(|e| errors.extend(e)).ok(),
        None => before.as_ref().map(Plan::without_secondaries),
    };
    match (target, before, after) {
        (Some(target), Some(before), Some(after)) if errors.is_empty() => {
            render_change(&before, &after, target)
        }
        _ => Err(Errors::new(errors)),
    }
}

/// The change path for instances: validates both lists of plans (every problem of both) and
/// renders the change from `before` to `after` for one target. Every interface of `before`
/// must still be in `after`; without `after`, the removal of every secondary address of each
/// ENI of `before`.
pub fn render_change_instance(
    before: &[EniPlan],
    after: Option<&[EniPlan]>,
    target: &str,
) -> Result<Rendering, Errors> {
    render_change_on(before, after, target, &families::NO_HOST)
}

/// [`render_change_instance`] merged with a host's files (see [`render_plans_on`]).
pub fn render_change_on(
    before: &[EniPlan],
    after: Option<&[EniPlan]>,
    target: &str,
    host: &HostFiles,
) -> Result<Rendering, Errors> {
    let target = Target::parse(target).map_err(Errors::from);
    let old = families::validate_request(before, None);
    let new = after.map(|after| families::validate_request(after, None));
    let mut errors: Vec<Error> = Vec::new();
    let mut take = |result: Result<(Vec<Plan>, Vec<Target>), Errors>, side: &str| match result {
        Ok((plans, _)) => Some(plans),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|error| {
                if after.is_some() {
                    error.within(side)
                } else {
                    error
                }
            }));
            None
        }
    };
    let old = take(old, "before");
    let new = match new {
        Some(result) => take(result, "after"),
        None => old
            .as_ref()
            .map(|plans| plans.iter().map(Plan::without_secondaries).collect()),
    };
    if let Err(problems) = &target {
        errors.extend(problems.clone());
    }
    match (target, old, new) {
        (Ok(target), Some(old), Some(new)) if errors.is_empty() => {
            families::change_instance(&old, &new, target, host)
        }
        _ => Err(Errors::from_vec(errors)),
    }
}

/// The change to `after` from what the host's files configure now, for one target: the
/// plan in force for each interface of `after` is read from `host` (the family's reader); an
/// interface the host does not configure yet is new. Merged with the host's files as
/// [`render_plans_on`] is. A family that cannot be read back (nmcli, Windows, the cloud)
/// needs the plan in force: [`render_change_on`].
pub fn render_change_from_host(
    after: &[EniPlan],
    target: &str,
    host: &HostFiles,
) -> Result<Rendering, Errors> {
    let target = Target::parse(target).map_err(Errors::from)?;
    let (after, _) = families::validate_request(after, None)?;
    let mut before = Vec::new();
    let mut notes = Vec::new();
    // Profiles bound by MAC are the NIC's whose MAC the plan names.
    let nics: HostNics = after
        .iter()
        .filter_map(|plan| Some((plan.interface().to_string(), plan.mac()?.to_string())))
        .collect();
    for plan in &after {
        match read_on(host, target, Some(plan.interface()), &nics) {
            Ok(reading) => match reading.plan.validate() {
                Ok(found) => before.push(found),
                Err(problems) => notes.push(format!(
                    "{}: what the host's files configure now is not a valid plan ({}); nothing \
                     is removed at run time for it, the new files replace the old",
                    plan.interface(),
                    problems
                        .into_iter()
                        .map(|error| error.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            },
            Err(errors)
                if errors
                    .as_slice()
                    .iter()
                    .any(|error| matches!(error, Error::Unsupported { .. })) =>
            {
                return Err(Error::Unsupported {
                    field: "os".into(),
                    value: target.name().into(),
                    target: target.name().into(),
                    reason: format!(
                        "the {} family's configuration cannot be read back from the host: give \
                         the plan in force too (eniplan change BEFORE AFTER)",
                        target.family().name()
                    ),
                }
                .into())
            }
            // Not configured yet: the interface is new.
            Err(_) => {}
        }
    }
    let mut rendering = families::change_instance(&before, &after, target, host)?;
    rendering.warnings.extend(notes);
    Ok(rendering)
}

/// Renders every ENI of one instance for one target as one rendering, the primary ENI first
/// (the README's "An instance"): each interface's files, every shared file once, each command
/// once. Route tables must all differ.
pub fn render_instance(plans: &[Plan], target: Target) -> Result<Rendering, Errors> {
    families::render_instance(plans, target, &families::NO_HOST)
}

/// The instance path every surface takes: validates each plan (a problem is reported as
/// `plans[i]: field`) and the target, then [`render_instance`].
pub fn render_instance_plans(plans: &[EniPlan], target: &str) -> Result<Rendering, Errors> {
    let mut errors: Vec<Error> = Vec::new();
    let target = Target::parse(target)
        .map_err(|error| errors.push(error))
        .ok();
    let mut valid = Vec::with_capacity(plans.len());
    for (index, plan) in plans.iter().enumerate() {
        match plan.validate() {
            Ok(plan) => valid.push(plan),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|error| error.within(&format!("plans[{index}]"))),
            ),
        }
    }
    match target {
        Some(target) if errors.is_empty() => render_instance(&valid, target),
        _ => Err(Errors::new(errors)),
    }
}

/// The whole path every surface (CLI, Python, WASM) takes: reads a YAML or JSON plan,
/// validates it and renders it for a `--os` selection (`all`, one name, or a comma-separated
/// list). Problems with the plan and with the selection are reported together.
pub fn render_text(plan_text: &str, selection: &str) -> Result<Vec<Rendering>, Errors> {
    let plan = EniPlan::from_text(plan_text)?;
    render_plan(&plan, selection)
}

/// Like [`render_text`] for a plan already deserialised (from a Python dict or a JS object).
pub fn render_plan(plan: &EniPlan, selection: &str) -> Result<Vec<Rendering>, Errors> {
    families::render_selection(plan, selection)
}

/// Renders one plan or every ENI of an instance for a `--os` selection (`all`, `ecs-doc`, one
/// name or a comma-separated list), one [`Outcome`] per target: a target that cannot render
/// the plans refuses in its own place while the others render. Problems of the plans (each
/// plan's as `plans[i]: field` when there are several) or of the selection are errors.
pub fn render_plans(plans: &[EniPlan], selection: &str) -> Result<Vec<Outcome>, Errors> {
    families::render_plans(plans, selection, &families::NO_HOST)
}

/// [`render_plans`] merged with a host's files: what the host has now (its files by absolute
/// path, as [`read`] takes them) is changed only where eniplan owns it — another NIC's stanza,
/// another tool's routes line, another profile stay byte-identical — and a file eniplan's own
/// would not take effect beside (a cloud-init stanza for a NIC eniplan now configures) is
/// changed just enough, with a warning naming it. What [`apply::apply`] then writes.
pub fn render_plans_on(
    plans: &[EniPlan],
    selection: &str,
    host: &HostFiles,
) -> Result<Vec<Outcome>, Errors> {
    families::render_plans(plans, selection, host)
}

/// Renders one plan or an instance for one target, merged with `host` (empty for none):
/// the rendering, or the target's refusal as its errors. A selection (`all`, a list) is an
/// error that points to [`render_plans_on`]. What the Python and WASM `render` return.
pub fn render_for(plans: &[EniPlan], target: &str, host: &HostFiles) -> Result<Rendering, Errors> {
    let target = Target::parse(target)?;
    match families::render_plans(plans, target.name(), host)?.remove(0) {
        Outcome::Rendered(rendering) => Ok(rendering),
        Outcome::Refused(refusal) => Err(refusal.errors),
    }
}

/// A host's configuration as a snapshot holds it (`eniplan snapshot`, [`Evidence`]), with the
/// NICs' MACs: what a rendering for it is decided from when it is made elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostSnapshot {
    /// What `--os auto` reads, and every family's configuration files by absolute path.
    pub evidence: Evidence,
    /// The host's NICs by name, with their MACs.
    pub nics: read::HostNics,
}

/// Renders `plans` (one ENI, or an instance) for `target` — a target name, or `auto`: the stack
/// the snapshot's host runs — merged with the snapshot's files of that family, exactly as the
/// same rendering on the host itself (`eniplan render --root /`) would be. Returns the
/// rendering and, for `auto`, the detection with its evidence.
pub fn render_on_snapshot(
    plans: &[EniPlan],
    target: &str,
    host: &HostSnapshot,
) -> Result<(Rendering, Option<Detection>), Errors> {
    let (target, detection) = match target {
        "auto" => {
            let detection = detect(&host.evidence)?;
            (detection.target, Some(detection))
        }
        name => (Target::parse(name)?, None),
    };
    let family = target.family();
    let files: HostFiles = host
        .evidence
        .files
        .iter()
        .filter(|(path, _)| {
            read::directories(family).iter().any(|dir| {
                path.strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
            }) || read::global_files(family).contains(&path.as_str())
        })
        .map(|(path, text)| (path.clone(), text.clone()))
        .collect();
    Ok((render_for(plans, target.name(), &files)?, detection))
}

/// Checks one plan or an instance against a selection's targets (their name rules, what each
/// cannot carry): every problem, or nothing. What `eniplan validate --os` reports.
pub fn check_plans(plans: &[EniPlan], selection: Option<&str>) -> Result<(), Errors> {
    let Some(selection) = selection else {
        return families::validate_request(plans, None).map(|_| ());
    };
    let mut errors: Vec<Error> = Vec::new();
    for outcome in render_plans(plans, selection)? {
        if let Outcome::Refused(refusal) = outcome {
            for error in refusal.errors {
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Errors::from_vec(errors))
    }
}

/// Checks a plan, and when `selection` is given also against those targets' own rules (such as
/// interface names): every problem, or nothing. What `eniplan validate` and the bindings'
/// `validate` report.
pub fn check(plan: &EniPlan, selection: Option<&str>) -> Result<(), Errors> {
    match selection {
        Some(selection) => render_plan(plan, selection).map(|_| ()),
        None => plan.validate().map(|_| ()),
    }
}

/// Renders the Alibaba Cloud ECS document's own example for a selection:
/// [`EniPlan::example`] for Linux targets and [`EniPlan::example_windows`] (adapter
/// `Ethernet`) for Windows ones. What `eniplan` with no arguments renders.
pub fn render_example(selection: &str) -> Result<Vec<Rendering>, Errors> {
    let targets = Target::resolve(selection)?;
    let linux = EniPlan::example().validate()?;
    let windows = EniPlan::example_windows().validate()?;
    let mut renderings = Vec::with_capacity(targets.len());
    for target in targets {
        let plan = if target.family().is_windows() {
            &windows
        } else {
            &linux
        };
        renderings.push(render(plan, target)?);
    }
    Ok(renderings)
}

/// The former name of [`render_example`].
#[doc(hidden)]
pub fn render_seed_example(selection: &str) -> Result<Vec<Rendering>, Errors> {
    render_example(selection)
}

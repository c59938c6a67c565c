//! The families: one module per [`OsFamily`], each a [`Family`] that serialises an [`Intent`]
//! for a target of its family, and [`family`], the one registry that maps a family to its
//! module. The dispatcher here runs what every family shares: the name rules, the refusals
//! decided by the family's capabilities, the cloud-init file and the Linux epilogue (policy and
//! Linux warnings, verify steps), and the change between two plans.

mod cloud;
mod ifupdown;
mod keyfile;
mod netplan;
mod networkd;
mod networkmanager;
mod nmcli;
mod powershell;
mod rhel;
mod suse;
mod windows;
mod windows_common;

use serde::Serialize;

use crate::error::{Error, Errors};
use crate::intent::{Destination, Difference, Intent, Method, Route};
use crate::model::Plan;
use crate::names;
use crate::os_family::{OsFamily, Platform};
use crate::plan::EniPlan;
use crate::read::HostFiles;
use crate::rendering::{Command, File, Outcome, Refusal, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

/// What one family does. Each family module implements it once; [`family`] lists them.
pub(crate) trait Family: Sync {
    /// The templates the family renders, each once in the whole registry (a test holds every
    /// file under `templates/` to exactly one family, and proves each is used).
    // Rendering names its templates directly; only the registry test walks this list.
    #[allow(dead_code)]
    fn templates(&self) -> &'static [&'static Template] {
        &[]
    }

    /// Why the family cannot carry a secondary ENI's own route table, when it cannot.
    fn refuses_route_table(&self) -> Option<&'static str> {
        None
    }

    /// Whether the rendering gives each secondary an alias label (`eth0:0`), which the kernel
    /// keeps in 15 bytes; with the hint the refusal gives when a label is too long.
    fn alias_labels(&self, _intent: &Intent<'_>, _target: Target) -> Option<&'static str> {
        None
    }

    /// Serialises one interface's intent: its files, commands and warnings (the dispatcher
    /// adds what every family of the platform shares). `host` holds the files the host has
    /// now (empty when rendering without a host).
    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors>;

    /// What the instance needs once, after every interface is rendered: the files several
    /// interfaces share (ifupdown's main file, SUSE's global routes), and the changes to files
    /// other tools wrote without which eniplan's would not take effect (a stanza of another
    /// file for an interface eniplan now configures). Everything of the host's that eniplan
    /// does not own stays byte-identical.
    fn shared(
        &self,
        _instance: &[Intent<'_>],
        _target: Target,
        _host: &HostFiles,
        _out: &mut Rendering,
    ) -> Result<(), Errors> {
        Ok(())
    }

    /// The last step of a rendering, once its commands are final (a change puts its removals
    /// first): what the family builds from the whole rendering (the powershell family's apply
    /// script). Must replace what an earlier call built, since a change completes the new
    /// plan's rendering and then its own.
    fn complete(&self, _instance: &[Intent<'_>], _out: &mut Rendering) -> Result<(), Errors> {
        Ok(())
    }

    /// What a change does at run time, beyond writing the new files. By default `ip addr del`
    /// (and `ip rule del`) of what is gone: what the file families need, since their restart
    /// re-adds what the files list but does not remove the rest.
    fn removal(
        &self,
        difference: &Difference<'_>,
        before: &Intent<'_>,
        _after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        Ok(Removal::Before(ip_removal(difference, before)))
    }
}

/// What a change adds to the commands of the new plan's rendering.
pub(crate) enum Removal {
    /// Run these first: they remove at once what the new plan no longer has.
    Before(Vec<Command>),
    /// The change is these commands instead of the rendering's own (the cloud API, where
    /// assigning an address the ENI already has fails).
    Instead(Vec<Command>),
}

/// The registry: the module of each family. The match is exhaustive, so a new [`OsFamily`]
/// does not compile until it has its row.
pub(crate) fn family(id: OsFamily) -> &'static dyn Family {
    match id {
        OsFamily::Nmcli => &nmcli::Nmcli,
        OsFamily::Rhel => &rhel::Rhel,
        OsFamily::Netplan => &netplan::Netplan,
        OsFamily::Ifupdown => &ifupdown::Ifupdown,
        OsFamily::Suse => &suse::Suse,
        OsFamily::Windows => &windows::Netsh,
        OsFamily::Keyfile => &keyfile::Keyfile,
        OsFamily::Networkd => &networkd::Networkd,
        OsFamily::Powershell => &powershell::Powershell,
        OsFamily::Cloud => &cloud::Cloud,
    }
}

/// The templates every Linux family shares.
#[allow(dead_code)]
static SHARED_TEMPLATES: &[&Template] = &[&CLOUD_INIT_DISABLE];

static CLOUD_INIT_DISABLE: Template =
    crate::template!("common/99-disable-network-config.cfg", Lines);

/// Validates a plan as the user wrote it and renders it for a `--os` selection. Problems with
/// the plan and with the selection are reported together; when the plan cannot be rendered, the
/// requested targets' own interface-name rules replace validation's target-less verdict on the
/// name, so the user learns what each target accepts.
pub(crate) fn render_selection(plan: &EniPlan, selection: &str) -> Result<Vec<Rendering>, Errors> {
    let (plans, targets) = validate_request(std::slice::from_ref(plan), Some(selection))?;
    render_targets(&plans[0], &targets)
}

/// Validates every plan of an instance and the selection, reporting every problem of all of
/// them at once (a plan's as `plans[i]: field` when there are several).
pub(crate) fn validate_request(
    plans: &[EniPlan],
    selection: Option<&str>,
) -> Result<(Vec<Plan>, Vec<Target>), Errors> {
    let targets = selection.map_or(Ok(Vec::new()), Target::resolve);
    let mut errors: Vec<Error> = Vec::new();
    let mut valid = Vec::with_capacity(plans.len());
    for (index, plan) in plans.iter().enumerate() {
        let within = |error: Error| {
            if plans.len() > 1 {
                error.within(&format!("plans[{index}]"))
            } else {
                error
            }
        };
        match plan.validate() {
            Ok(plan) => valid.push(plan),
            Err(problems) => {
                let mut problems = problems.into_vec();
                if let (Ok(targets), Some(interface)) = (&targets, &plan.interface) {
                    problems.retain(|error| {
                        !(error.field() == "interface"
                            && matches!(error, Error::InvalidName { .. }))
                    });
                    for &target in targets {
                        if let Err(error) = check_interface(interface, target) {
                            if !problems.contains(&error) {
                                problems.push(error);
                            }
                        }
                    }
                }
                errors.extend(problems.into_iter().map(within));
            }
        }
    }
    if let Err(target_errors) = &targets {
        errors.extend(target_errors.clone());
    }
    errors.extend(crate::validate::check_instance(&valid));
    match targets {
        Ok(targets) if errors.is_empty() => Ok((valid, targets)),
        _ => Err(Errors::from_vec(errors)),
    }
}

/// Renders every ENI of an instance (one plan or several, as the user wrote them) for each
/// target of a selection, merged with the host's files: a target that cannot render them
/// refuses in its own place, and the others render all the same. Problems of the plans or of
/// the selection are errors.
pub(crate) fn render_plans(
    plans: &[EniPlan],
    selection: &str,
    host: &HostFiles,
) -> Result<Vec<Outcome>, Errors> {
    let (plans, targets) = validate_request(plans, Some(selection))?;
    Ok(targets
        .into_iter()
        .map(|target| match render_instance(&plans, target, host) {
            Ok(rendering) => Outcome::Rendered(rendering),
            Err(errors) => Outcome::Refused(Refusal {
                target: target.name().into(),
                family: target.family(),
                errors,
            }),
        })
        .collect())
}

/// No files: a rendering that no host's configuration is merged into.
pub(crate) static NO_HOST: HostFiles = HostFiles::new();

/// Renders `plan` for several targets from one intent, in the order given. Errors of every
/// target are reported together (each distinct error once).
pub(crate) fn render_targets(plan: &Plan, targets: &[Target]) -> Result<Vec<Rendering>, Errors> {
    let intent = Intent::of(plan);
    let mut renderings = Vec::with_capacity(targets.len());
    let mut errors: Vec<Error> = Vec::new();
    for &target in targets {
        match render_intents(std::slice::from_ref(&intent), target, &NO_HOST, &[]) {
            Ok(rendering) => renderings.push(rendering),
            Err(target_errors) => {
                for error in target_errors {
                    if !errors.contains(&error) {
                        errors.push(error);
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(renderings)
    } else {
        Err(Errors::new(errors))
    }
}

/// Renders `plan` for `target`.
pub(crate) fn render(plan: &Plan, target: Target) -> Result<Rendering, Errors> {
    let intent = Intent::of(plan);
    render_intents(std::slice::from_ref(&intent), target, &NO_HOST, &[])
}

/// What is checked of one interface for a target before it is rendered: its name, the route
/// table the family cannot carry, the alias labels the kernel cannot hold.
fn check_for_target(intent: &Intent<'_>, target: Target) -> Result<(), Errors> {
    let plan = intent.plan;
    check_interface(plan.interface(), target)?;
    let module = family(target.family());
    if let (Some(reason), Some(table)) = (module.refuses_route_table(), plan.route_table()) {
        return Err(Error::Unsupported {
            field: "route_table".into(),
            value: table.to_string(),
            target: target.name().into(),
            reason: reason.into(),
        }
        .into());
    }
    if let Some(hint) = module.alias_labels(intent, target) {
        check_alias_labels(intent, target, hint)?;
    }
    Ok(())
}

/// Renders the intents of one instance (one per ENI, the primary ENI first) for `target`,
/// merged with `host`'s files: each interface's part, then what the instance needs once, then
/// the checks and warnings of each interface. `notes` are warnings decided before rendering.
fn render_intents(
    intents: &[Intent<'_>],
    target: Target,
    host: &HostFiles,
    notes: &[String],
) -> Result<Rendering, Errors> {
    let id = target.family();
    let module = family(id);
    let several = intents.len() > 1;
    let mut errors: Vec<Error> = Vec::new();
    for intent in intents {
        if let Err(problems) = check_for_target(intent, target) {
            errors.extend(problems.into_iter().map(|error| {
                if several {
                    error.within(intent.interface())
                } else {
                    error
                }
            }));
        }
    }
    if !errors.is_empty() {
        return Err(Errors::new(errors));
    }
    let mut out = Rendering {
        target: target.name().to_string(),
        family: id,
        files: Vec::new(),
        delete: Vec::new(),
        commands: Vec::new(),
        restart: target.restart(),
        verify: Vec::new(),
        warnings: Vec::new(),
    };
    let linux = id.platform() == Platform::Linux;
    if linux {
        out.files.push(cloud_init_file()?);
    }
    for intent in intents {
        module.render(intent, target, host, &mut out)?;
    }
    module.shared(intents, target, host, &mut out)?;
    for note in notes {
        push_unique(&mut out.warnings, note.clone());
    }
    for intent in intents {
        if linux {
            linux_epilogue(intent, &mut out);
        }
        if intent.plan.ifcfg_style().is_some() && id != OsFamily::Rhel {
            push_unique(
                &mut out.warnings,
                format!(
                    "ifcfg_style applies to the rhel family only; {} does not use it",
                    target.name()
                ),
            );
        }
    }
    // Each command once: several interfaces may need the same step (one interface's own
    // commands are distinct, so a single plan skips the quadratic check).
    if several {
        let mut commands: Vec<Command> = Vec::with_capacity(out.commands.len());
        for command in std::mem::take(&mut out.commands) {
            if !commands.contains(&command) {
                commands.push(command);
            }
        }
        out.commands = commands;
    }
    module.complete(intents, &mut out)?;
    Ok(out)
}

/// The instance's interface names for the words of a warning (`eth0, eth1`); one interface's
/// name is borrowed, not copied.
fn interface_names<'p>(instance: &[Intent<'p>]) -> std::borrow::Cow<'p, str> {
    match instance {
        [one] => std::borrow::Cow::Borrowed(one.interface()),
        several => std::borrow::Cow::Owned(
            several
                .iter()
                .map(Intent::interface)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

/// The host's files a family merges its rendering with, or `None` when it renders for no host.
/// Without the `host-merge` feature it is `None` at compile time, so a build that only renders
/// for no host (the browser's first module) leaves the merging code and the readers it calls out.
#[inline(always)]
fn on_host(host: &HostFiles) -> Option<&HostFiles> {
    (cfg!(feature = "host-merge") && !host.is_empty()).then_some(host)
}

/// Adds `item` unless the list has it.
fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Renders every ENI of one instance for `target` as one rendering, merged with the host's
/// files (`host`; [`NO_HOST`] for none): each interface's files, what the instance needs once
/// (the cloud-init file, ifupdown's main file, SUSE's routes and DNS), each command once. The
/// first plan is the primary ENI; the others carry their own route tables, which must all
/// differ. Where the family has no policy routing (Windows), the other ENIs are rendered
/// without their table and a warning says so.
pub(crate) fn render_instance(
    plans: &[Plan],
    target: Target,
    host: &HostFiles,
) -> Result<Rendering, Errors> {
    if plans.is_empty() {
        return Err(Error::Missing {
            field: "plans".into(),
            hint: "an instance has at least one ENI".into(),
        }
        .into());
    }
    let errors = crate::validate::check_instance(plans);
    if !errors.is_empty() {
        return Err(Errors::new(errors));
    }
    let module = family(target.family());
    let mut notes = Vec::new();
    let decided: Vec<std::borrow::Cow<'_, Plan>> = plans
        .iter()
        .map(
            |plan| match (module.refuses_route_table(), plan.route_table()) {
                // One ENI alone is rendered as it is (a family that cannot carry its table refuses
                // it); beside others, it loses its table with a warning.
                (Some(reason), Some(table)) if plans.len() > 1 => {
                    notes.push(format!(
                        "{}: its route table {table} is not rendered for {} ({reason}); its \
                     replies leave by the main table",
                        plan.interface(),
                        target.name()
                    ));
                    std::borrow::Cow::Owned(plan.without_route_table())
                }
                _ => std::borrow::Cow::Borrowed(plan),
            },
        )
        .collect();
    let intents: Vec<Intent<'_>> = decided.iter().map(|plan| Intent::of(plan)).collect();
    render_intents(&intents, target, host, &notes)
}

/// Renders the change from `before` to `after` for `target`: `after`'s full rendering, the
/// files `before` wrote that `after` does not (to delete), and first the commands that remove
/// at once what `after` no longer has. The primary address of either plan is never removed
/// at run time: it may carry the session applying the change.
pub(crate) fn change(before: &Plan, after: &Plan, target: Target) -> Result<Rendering, Errors> {
    change_instance(
        std::slice::from_ref(before),
        std::slice::from_ref(after),
        target,
        &NO_HOST,
    )
}

/// The change of a whole instance: every interface of `before` must still be in `after`
/// (matched by name); an interface only in `after` is new. The new instance's rendering, the
/// files only the old one wrote in `delete`, and first, per interface, the commands that remove
/// at once what it no longer has.
pub(crate) fn change_instance(
    before: &[Plan],
    after: &[Plan],
    target: Target,
    host: &HostFiles,
) -> Result<Rendering, Errors> {
    let mut errors = Vec::new();
    let mut pairs = Vec::new();
    for old in before {
        match after.iter().find(|new| new.interface() == old.interface()) {
            Some(new) => pairs.push((old, new)),
            None => errors.push(Error::Unsupported {
                field: "interface".into(),
                value: old.interface().to_string(),
                target: target.name().into(),
                reason: format!(
                    "a change keeps the interface (the new plan has none named `{}`: {}); \
                     render the old interface's removal and the new one's plan separately",
                    old.interface(),
                    after
                        .iter()
                        .map(|plan| plan.interface())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Errors::new(errors));
    }
    let old_files = if before.is_empty() {
        Vec::new()
    } else {
        render_instance(before, target, host)?.files
    };
    let mut new = render_instance(after, target, host)?;
    for file in old_files {
        let kept = new.files.iter().any(|written| written.path == file.path);
        if !kept && !new.delete.contains(&file.path) {
            new.delete.push(file.path);
        }
    }
    let mut removals = Vec::new();
    let mut instead: Option<Vec<Command>> = None;
    for (old, plan) in pairs {
        let before = Intent::of(old);
        let after = Intent::of(plan);
        let difference = Difference::between(&before, &after);
        match family(target.family()).removal(&difference, &before, &after)? {
            Removal::Before(commands) => removals.extend(commands),
            Removal::Instead(commands) => instead.get_or_insert_with(Vec::new).extend(commands),
        }
        if let (Some((old_primary, new_primary)), true) =
            (difference.primary_changed, target.family().is_os())
        {
            new.warnings.push(format!(
                "the primary address changes from {old_primary} to {new_primary}: the old \
                 primary is not removed at run time (it may carry this session); the restart \
                 or a reboot drops it"
            ));
        }
    }
    if let Some(commands) = instead {
        new.commands = commands;
    }
    removals.append(&mut new.commands);
    new.commands = removals;
    let intents: Vec<Intent<'_>> = after.iter().map(Intent::of).collect();
    family(target.family()).complete(&intents, &mut new)?;
    Ok(new)
}

/// `ip addr del` for every removed address (and `ip rule del` for its rule).
fn ip_removal(difference: &Difference<'_>, before: &Intent<'_>) -> Vec<Command> {
    let dev = before.interface();
    let mut commands = Vec::new();
    for cidr in difference.ipv4.iter().map(|a| a.cidr) {
        commands.push(Command::posix(
            ["ip", "addr", "del", cidr, "dev", dev],
            format!("remove {cidr} now: it is no longer planned"),
        ));
    }
    for cidr in difference.ipv6.iter().map(|a| a.cidr) {
        commands.push(Command::posix(
            ["ip", "-6", "addr", "del", cidr, "dev", dev],
            format!("remove {cidr} now: it is no longer planned"),
        ));
    }
    for rule in &difference.rules {
        commands.push(Command::posix(
            ip_rule_argv("del", rule),
            format!("remove the policy-routing rule of {}", rule.from),
        ));
    }
    commands
}

/// `ip rule <verb> from <address> table <n> priority <p>`.
fn ip_rule_argv(verb: &str, rule: &crate::intent::Rule<'_>) -> Vec<String> {
    vec![
        "ip".into(),
        "rule".into(),
        verb.into(),
        "from".into(),
        rule.from.into(),
        "table".into(),
        rule.table.to_string(),
        "priority".into(),
        rule.priority.to_string(),
    ]
}

/// Applies the interface-name rule of the target's platform.
pub(crate) fn check_interface(interface: &str, target: Target) -> Result<(), Error> {
    match target.family().platform() {
        Platform::Linux => names::linux_interface_name("interface", interface),
        Platform::Windows => names::windows_adapter_name("interface", interface),
        // The cloud API names the ENI by id; the OS name of the NIC is not used.
        Platform::Cloud => Ok(()),
    }
}

/// The kernel keeps an address label (`eth0:9`) in IFNAMSIZ, 15 bytes: families that give each
/// secondary an alias label must refuse an interface name too long to carry them all.
fn check_alias_labels(intent: &Intent<'_>, target: Target, hint: &str) -> Result<(), Error> {
    let count = intent.secondaries().len();
    if count == 0 {
        return Ok(());
    }
    let label = intent.label(count);
    if label.len() <= 15 {
        return Ok(());
    }
    Err(Error::Unsupported {
        field: "interface".into(),
        value: intent.interface().to_string(),
        target: target.name().into(),
        reason: format!(
            "{} gives each secondary an alias label, and `{label}` is {} bytes; the kernel \
             allows 15 (IFNAMSIZ). Use a shorter interface name or fewer secondaries{hint}",
            target.name(),
            label.len(),
        ),
    })
}

/// The file that stops cloud-init from overwriting a hand-made network configuration at boot
/// (the ECS document: "cloud-init automatically initializes network configurations"). Every
/// Linux family writes it: cloud-init regenerates ifcfg, interfaces and netplan files alike.
fn cloud_init_file() -> Result<File, Error> {
    // The file is the same for every plan: render it once.
    static CONTENTS: std::sync::OnceLock<Result<String, Error>> = std::sync::OnceLock::new();
    let contents = CONTENTS
        .get_or_init(|| CLOUD_INIT_DISABLE.render(&NoValues {}))
        .clone()?;
    Ok(File {
        path: "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg".into(),
        contents,
        mode: MODE_PUBLIC,
    })
}

/// The context of a template that takes no values.
#[derive(Serialize)]
struct NoValues {}

/// What every Linux rendering ends with: the policy-routing and Linux warnings and the verify
/// steps.
fn linux_epilogue(intent: &Intent<'_>, out: &mut Rendering) {
    let plan = intent.plan;
    if intent.table.is_some() && intent.ipv6.is_some() {
        push_unique(
            &mut out.warnings,
            "route_table applies to IPv4: the IPv6 addresses and gateway stay in the main table"
                .into(),
        );
    }
    if let (Method::Dhcp, Some(gateway)) = (intent.method4, intent.plan_gateway()) {
        out.warnings.push(format!(
            "mode is dhcp, so the default route comes from DHCP; the plan's gateway {gateway} \
             is validated but not written"
        ));
    }
    if intent.method4 == Method::Static && plan.dns().is_empty() {
        push_unique(
            &mut out.warnings,
            "the plan has no dns: a static configuration no longer learns DNS servers from \
             DHCP (Alibaba Cloud's are 100.100.2.136 and 100.100.2.138)"
                .into(),
        );
    }
    let verify = linux_verify(intent);
    if out.verify.is_empty() {
        // The first interface's steps, as they are: no copy into a new list.
        out.verify = verify;
    } else {
        for command in verify {
            push_unique(&mut out.verify, command);
        }
    }
}

/// The ECS document's step 5 ("Repeat Step 2"): `ip a` and the routing table. `ip route`
/// stands in for the document's `route -n`, whose net-tools package recent releases no longer
/// install.
fn linux_verify(intent: &Intent<'_>) -> Vec<Command> {
    let interface = intent.interface();
    let mut verify = vec![Command::posix(
        ["ip", "addr", "show", "dev", interface],
        "every planned address should be listed on the interface (the ECS document's `ip a`)",
    )];
    match intent.table {
        Some(table) => {
            let id = table.id.to_string();
            verify.push(Command::posix(
                ["ip", "rule", "show"],
                format!("one rule per planned address should look up table {id}"),
            ));
            verify.push(Command::posix(
                ["ip", "route", "show", "table", id.as_str()],
                format!(
                    "table {id} should hold the default route via {}",
                    table.gateway
                ),
            ));
        }
        None => {
            let route_purpose = match intent.plan_gateway() {
                Some(gateway) => format!("the default route should go via {gateway}"),
                None => "the default route should come from DHCP".to_string(),
            };
            verify.push(Command::posix(["ip", "route", "show"], route_purpose));
        }
    }
    if intent.ipv6.is_some() {
        verify.push(Command::posix(
            ["ip", "-6", "addr", "show", "dev", interface],
            "every planned IPv6 address should be listed",
        ));
    }
    verify
}

/// systemd-networkd (netplan's backend too) adds static addresses as soon as the link is
/// configured and the DHCP lease's address when it arrives: the kernel then prefers the
/// first address of the subnet, a static secondary, as the source of new connections.
fn dhcp_source_warning(intent: &Intent<'_>, out: &mut Rendering) {
    if intent.method4 == Method::Dhcp && !intent.secondaries().is_empty() {
        out.warnings.push(
            "mode is dhcp: systemd-networkd adds the static secondaries before the DHCP lease \
             arrives, so the kernel may use a secondary as the source address of outgoing \
             connections; check with `ip a` that the DHCP address is listed first, or use \
             mode static"
                .into(),
        );
    }
}

/// A route as the route-list formats (netplan, networkd) write it.
#[derive(Serialize)]
struct RouteEntry<'a> {
    to: Option<&'a str>,
    via: Option<&'a str>,
    scope: Option<&'static str>,
    table: Option<u32>,
}

/// The intent's routes for a format that spells the default destinations as given (`None`:
/// the format omits the destination of a default route).
fn route_entries<'a>(
    routes: &[Route<'a>],
    default4: Option<&'a str>,
    default6: Option<&'a str>,
) -> Vec<RouteEntry<'a>> {
    routes
        .iter()
        .map(|route| RouteEntry {
            to: match (route.to, route.version) {
                (Destination::Default, crate::intent::Version::V4) => default4,
                (Destination::Default, crate::intent::Version::V6) => default6,
                (Destination::Prefix(prefix), _) => Some(prefix),
            },
            via: route.via,
            // A route without a next hop is on the link itself.
            scope: route.via.is_none().then_some("link"),
            table: route.table,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every family has its module, the family targets are listed in family order, and every
    /// template file is registered by exactly one family and rendered by some case.
    #[test]
    fn the_registry_lists_every_family_and_template_once() {
        let mut registered: Vec<&str> = SHARED_TEMPLATES.iter().map(|t| t.name).collect();
        for id in OsFamily::ALL {
            registered.extend(family(id).templates().iter().map(|t| t.name));
        }
        let unique: BTreeSet<&str> = registered.iter().copied().collect();
        assert_eq!(
            unique.len(),
            registered.len(),
            "a template is registered twice"
        );

        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = BTreeSet::new();
        for folder in std::fs::read_dir(&root).expect("templates/") {
            let folder = folder.expect("entry").path();
            for file in std::fs::read_dir(&folder).expect("family folder") {
                let file = file.expect("entry").path();
                let relative = file.strip_prefix(&root).expect("under templates/");
                on_disk.insert(relative.to_string_lossy().into_owned());
            }
        }
        let registered: BTreeSet<String> = unique.iter().map(|s| s.to_string()).collect();
        assert_eq!(registered, on_disk, "templates/ and the registry disagree");

        for template in SHARED_TEMPLATES
            .iter()
            .chain(OsFamily::ALL.iter().flat_map(|id| family(*id).templates()))
        {
            assert!(template.compiles().is_ok(), "{}", template.name);
        }

        // Render the shapes that reach every template: with and without a route table, both
        // ifcfg styles, DHCP.
        let plans = [
            "interface: eth0\nprimary: 10.0.0.5\nsecondaries: [10.0.0.6]\nprefix: 24\n\
             gateway: 10.0.0.1\ndns: [10.0.0.2]\ncloud: {region: cn-hangzhou, eni_id: eni-1}\n",
            "interface: eth1\nprimary: 10.0.1.5\nsecondaries: [10.0.1.6]\nprefix: 24\n\
             gateway: 10.0.1.1\nroute_table: 1001\nifcfg_style: indexed\n",
        ];
        for plan in plans {
            let plan = crate::EniPlan::from_yaml(plan)
                .and_then(|p| p.validate())
                .expect("valid");
            for target in Target::families() {
                let _ = render(&plan, target);
            }
        }
        let used = crate::templates::used::names();
        let unused: Vec<&String> = on_disk
            .iter()
            .filter(|t| !used.contains(t.as_str()))
            .collect();
        assert!(
            unused.is_empty(),
            "registered but never rendered: {unused:?}"
        );
    }

    #[test]
    fn family_targets_name_their_family() {
        for (target, id) in Target::families().zip(OsFamily::ALL) {
            assert_eq!(target.family(), id);
            assert_eq!(target.name(), id.name());
        }
    }
}

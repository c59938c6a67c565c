//! NetworkManager keyfiles: the native profile format of NetworkManager, and the only one on
//! systems where ifcfg is deprecated (RHEL 9, CentOS Stream 9, Fedora 36 and later).

use serde::Serialize;

use super::{
    cloud_init_file, connection_name, dns_of, ipv6_cidrs, linux_verify, linux_warnings, policy,
    policy_warnings, static_cidrs, RULE_PRIORITY,
};
use crate::error::{Error, Errors};
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{Command, File, Rendering, MODE_PRIVATE};
use crate::target::Target;
use crate::templates::{self, Template};

/// Where NetworkManager keeps the profiles it owns.
const DIRECTORY: &str = "/etc/NetworkManager/system-connections";

#[derive(Serialize)]
struct KeyfileFile<'a> {
    target: &'a str,
    id: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    ipv4: Section<'a>,
    ipv6: Section<'a>,
}

#[derive(Serialize, Default)]
struct Section<'a> {
    method: &'static str,
    addresses: Vec<&'a str>,
    gateway: Option<&'a str>,
    dns: Vec<String>,
    ignore_auto_dns: bool,
    routes: Vec<Route<'a>>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Route<'a> {
    to: &'a str,
    via: Option<&'a str>,
    table: &'a str,
}

#[derive(Serialize)]
struct Rule<'a> {
    priority: u32,
    from: &'a str,
    table: &'a str,
}

/// The keyfile's path for a connection name, or why the name cannot be a file name.
fn keyfile_path(id: &str, target: Target) -> Result<String, Error> {
    // NetworkManager names the file after the profile; a `/` cannot be part of a file name.
    if id.contains('/') {
        return Err(Error::Unsupported {
            field: "connection".into(),
            value: id.to_string(),
            target: target.name().into(),
            reason: "the keyfile is named after the connection, and a file name cannot hold \
                     `/`; choose a connection name without it"
                .into(),
        });
    }
    Ok(format!("{DIRECTORY}/{id}.nmconnection"))
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let id = connection_name(plan, out);
    let path = keyfile_path(&id, target)?;
    let policy = policy(plan);

    let mut ipv4 = Section {
        method: match plan.mode() {
            Mode::Static => "manual",
            Mode::Dhcp => "auto",
        },
        addresses: static_cidrs(plan).iter().map(String::as_str).collect(),
        dns: dns_of(plan, true),
        ignore_auto_dns: plan.mode() == Mode::Dhcp && !dns_of(plan, true).is_empty(),
        ..Section::default()
    };
    match &policy {
        // A secondary ENI: no default route in the main table, its own table instead.
        Some(policy) => {
            ipv4.routes = vec![
                Route {
                    to: "0.0.0.0/0",
                    via: Some(policy.gateway),
                    table: &policy.table,
                },
                Route {
                    to: &policy.subnet,
                    via: None,
                    table: &policy.table,
                },
            ];
            ipv4.rules = policy
                .sources
                .iter()
                .map(|source| Rule {
                    priority: RULE_PRIORITY,
                    from: source,
                    table: &policy.table,
                })
                .collect();
        }
        None if plan.mode() == Mode::Static => ipv4.gateway = plan.text.gateway.as_deref(),
        None => {}
    }
    let ipv6 = match plan.ipv6() {
        Some(_) => Section {
            method: "manual",
            addresses: ipv6_cidrs(plan).iter().map(String::as_str).collect(),
            gateway: plan.text.ipv6_gateway.as_deref(),
            dns: dns_of(plan, false),
            ..Section::default()
        },
        // What `nmcli connection add` chooses for a new Ethernet profile.
        None => Section {
            method: "auto",
            ..Section::default()
        },
    };
    let file = KeyfileFile {
        target: target.name(),
        id: &id,
        interface: plan.interface(),
        mac: plan.text.mac.as_deref(),
        ipv4,
        ipv6,
    };
    out.files.push(cloud_init_file()?);
    out.files.push(File {
        contents: templates::render(Template::Keyfile, &file)?,
        path: path.clone(),
        // NetworkManager ignores keyfiles that others can read (they may hold secrets).
        mode: MODE_PRIVATE,
    });
    out.commands = vec![
        Command::posix(
            vec!["nmcli", "connection", "load", path.as_str()],
            "make NetworkManager read the new keyfile",
        ),
        Command::posix(
            vec!["nmcli", "connection", "up", id.as_str()],
            "activate the profile so the new addresses take effect now (it also drops \
             addresses the profile no longer lists)",
        ),
    ];
    out.warnings.push(format!(
        "other profiles for {} (such as cloud-init's `cloud-init {}`) compete with this one; \
         `nmcli -f NAME,DEVICE,FILENAME connection show` lists them, delete the others",
        plan.interface(),
        plan.interface()
    ));
    if plan.mode() == Mode::Dhcp && !plan.secondaries().is_empty() {
        out.warnings.push(
            "NetworkManager 1.36 and later may make a static secondary the kernel's preferred \
             source address when DHCP and static addresses are mixed; check with `ip a` that \
             the DHCP address is listed first"
                .into(),
        );
    }
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}

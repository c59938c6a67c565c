//! NetworkManager keyfiles: the native profile format of NetworkManager, and the only one on
//! systems where ifcfg is deprecated (RHEL 9, CentOS Stream 9, Fedora 36 and later).

use serde::Serialize;

use super::networkmanager::{connection_name, mixed_source_warning};
use super::{Family, Removal};
use crate::error::{Error, Errors};
use crate::intent::{Destination, Difference, Intent, Method, Rule, Version};
use crate::rendering::{Command, File, Rendering, MODE_PRIVATE};
use crate::target::Target;
use crate::templates::Template;

/// Where NetworkManager keeps the profiles it owns.
const DIRECTORY: &str = "/etc/NetworkManager/system-connections";

static KEYFILE: Template = crate::template!("keyfile/CONNECTION.nmconnection", Keyfile);
static TEMPLATES: [&Template; 1] = [&KEYFILE];

/// The NetworkManager keyfile family.
pub(super) struct Keyfile;

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
    dns: Vec<&'a str>,
    ignore_auto_dns: bool,
    routes: Vec<Route<'a>>,
    rules: &'a [Rule<'a>],
}

/// `routeN=dest,via` with `routeN_options=table=T`: the routes of the ENI's own table (the
/// main table's defaults are the sections' `gateway=`).
#[derive(Serialize)]
struct Route<'a> {
    to: &'a str,
    via: Option<&'a str>,
    table: u32,
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

impl Family for Keyfile {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let id = connection_name(intent, out);
        let path = keyfile_path(&id, target)?;
        let table_routes = intent
            .routes
            .iter()
            .filter(|route| route.version == Version::V4)
            .filter_map(|route| {
                Some(Route {
                    to: match route.to {
                        Destination::Default => "0.0.0.0/0",
                        Destination::Prefix(prefix) => prefix,
                    },
                    via: route.via,
                    table: route.table?,
                })
            })
            .collect();
        let ipv4 = Section {
            method: match intent.method4 {
                Method::Static => "manual",
                Method::Dhcp => "auto",
            },
            addresses: intent.static4.iter().map(String::as_str).collect(),
            gateway: intent.gateway4,
            dns: intent.dns.v4.clone(),
            ignore_auto_dns: intent.method4 == Method::Dhcp && !intent.dns.v4.is_empty(),
            routes: table_routes,
            rules: &intent.rules,
        };
        let ipv6 = match &intent.ipv6 {
            Some(ipv6) => Section {
                method: "manual",
                addresses: intent.ipv6_cidrs().iter().map(String::as_str).collect(),
                gateway: ipv6.gateway.map(|gateway| gateway.text),
                dns: intent.dns.v6.clone(),
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
            interface: intent.interface(),
            mac: intent.mac(),
            ipv4,
            ipv6,
        };
        out.files.push(File {
            contents: KEYFILE.render(&file)?,
            path: path.clone(),
            // NetworkManager ignores keyfiles that others can read (they may hold secrets).
            mode: MODE_PRIVATE,
        });
        out.commands = vec![
            Command::posix(
                ["nmcli", "connection", "load", path.as_str()],
                "make NetworkManager read the new keyfile",
            ),
            Command::posix(
                ["nmcli", "connection", "up", id.as_str()],
                "activate the profile so the new addresses take effect now (it also drops \
                 addresses the profile no longer lists)",
            ),
        ];
        out.warnings.push(format!(
            "other profiles for {} (such as cloud-init's `cloud-init {}`) compete with this \
             one; `nmcli -f NAME,DEVICE,FILENAME connection show` lists them, delete the others",
            intent.interface(),
            intent.interface()
        ));
        mixed_source_warning(intent, out);
        Ok(())
    }

    fn removal(
        &self,
        _difference: &Difference<'_>,
        _before: &Intent<'_>,
        _after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        // NetworkManager drops what a re-activated profile no longer lists (`connection up`).
        Ok(Removal::Before(Vec::new()))
    }
}

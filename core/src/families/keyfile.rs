//! NetworkManager keyfiles: the native profile format of NetworkManager, and the only one on
//! systems where ifcfg is deprecated (RHEL 9, CentOS Stream 9, Fedora 36 and later).

use serde::Serialize;

use super::networkmanager::{connection_name, mixed_source_warning};
use super::{Family, Removal};
use crate::error::{Error, Errors};
use crate::intent::{Destination, Difference, Intent, Method, Rule, Version};
use crate::read::HostFiles;
use crate::rendering::{Command, File, Rendering, MODE_PRIVATE};
use crate::target::Target;
use crate::templates::Template;

/// Where NetworkManager keeps the profiles it owns.
const DIRECTORY: &str = "/etc/NetworkManager/system-connections";

static KEYFILE: Template = crate::template!("keyfile/CONNECTION.nmconnection", Keyfile);
static TEMPLATES: [&Template; 1] = [&KEYFILE];

/// The NetworkManager keyfile family.
pub(super) struct Keyfile;

/// The profile's `autoconnect-priority`: above NetworkManager's default 0 (which profiles from
/// ifcfg files and `nmcli connection add` get) and above the 120 cloud-init's NetworkManager
/// renderer gives its `cloud-init <interface>` profiles, so that at boot NetworkManager
/// activates this profile on the NIC rather than an older one for the same NIC.
const AUTOCONNECT_PRIORITY: i32 = 200;

/// A stable UUID for the profile at `path` (RFC 9562 version 8: 128 bits of FNV-1a over the
/// path, with the version and variant bits set). NetworkManager would derive one from the path
/// itself, but a UUID written in the file is one the rendering can name: `nmcli connection up
/// uuid …` activates exactly this profile, where the id `System eth0` may also name the
/// ifcfg or cloud-init profile of the same NIC. The same path always gives the same UUID, so
/// rewriting the file updates the same profile.
fn profile_uuid(path: &str) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for byte in b"eniplan keyfile\0".iter().chain(path.as_bytes()) {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    // Version 8 (bits 48–51 of the UUID), variant 0b10 (bits 64–65).
    hash = (hash & !(0xf << 76)) | (0x8 << 76);
    hash = (hash & !(0x3 << 62)) | (0x2 << 62);
    let hex = format!("{hash:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[derive(Serialize)]
struct KeyfileFile<'a> {
    target: &'a str,
    id: &'a str,
    uuid: &'a str,
    autoconnect_priority: i32,
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
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let id = connection_name(intent, out);
        let path = keyfile_path(&id, target)?;
        // The host's other profiles for this NIC: by name, or by MAC without a name (what
        // cloud-init's NetworkManager renderer writes). NetworkManager activates the one of
        // highest autoconnect-priority at boot (nm-settings(5)), so this one is set above
        // them all and they are named.
        let others: Vec<crate::read::keyfile::Profile> = super::on_host(host)
            .map(crate::read::keyfile::profiles)
            .unwrap_or_default()
            .into_iter()
            .filter(|profile| profile.path != path)
            .filter(|profile| match (&profile.interface, &profile.mac) {
                (Some(name), _) => name == intent.interface(),
                (None, Some(mac)) => intent.mac() == Some(mac.as_str()),
                (None, None) => false,
            })
            .collect();
        let highest = others.iter().map(|profile| profile.priority).max();
        // autoconnect-priority ranges from -999 to 999 (nm-settings-nmcli(5)).
        let priority = highest.map_or(AUTOCONNECT_PRIORITY, |highest| {
            i32::try_from(highest.saturating_add(1))
                .unwrap_or(999)
                .clamp(AUTOCONNECT_PRIORITY, 999)
        });
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
        let uuid = profile_uuid(&path);
        let file = KeyfileFile {
            target: target.name(),
            id: &id,
            uuid: &uuid,
            autoconnect_priority: priority,
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
        out.commands.extend([
            Command::posix(
                ["nmcli", "connection", "load", path.as_str()],
                "make NetworkManager read the new keyfile",
            ),
            Command::posix(
                ["nmcli", "connection", "up", "uuid", uuid.as_str()],
                format!(
                    "activate this profile (by its UUID: the id `{id}` may also name another \
                     profile of the NIC) so the new addresses take effect now; it also drops \
                     addresses the profile no longer lists"
                ),
            ),
        ]);
        if others.is_empty() {
            out.warnings.push(format!(
                "other profiles for {} (such as cloud-init's `cloud-init {}`) remain: \
                 this one wins at boot (autoconnect-priority {priority}, above their 0 or \
                 120), but `nmcli -f NAME,UUID,DEVICE,FILENAME connection show` lists them; \
                 delete the others",
                intent.interface(),
                intent.interface()
            ));
        } else {
            out.warnings.push(format!(
                "other profiles for {} stay, and lose to this one at boot (its \
                 autoconnect-priority {priority} is above theirs): {}",
                intent.interface(),
                others
                    .iter()
                    .map(|profile| format!("{} (priority {})", profile.path, profile.priority))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
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

#[cfg(test)]
mod tests {
    use super::profile_uuid;

    #[test]
    fn profile_uuids_are_stable_version_8_and_differ_by_path() {
        let a = profile_uuid("/etc/NetworkManager/system-connections/System eth0.nmconnection");
        let b = profile_uuid("/etc/NetworkManager/system-connections/System eth1.nmconnection");
        assert_eq!(
            a,
            profile_uuid("/etc/NetworkManager/system-connections/System eth0.nmconnection")
        );
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "{a}");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}

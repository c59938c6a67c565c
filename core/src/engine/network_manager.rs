//! NetworkManager's side of an apply, for the families it drives (keyfile, nmcli).
//!
//! Restoring files is not enough there: NetworkManager keeps every profile in memory and one
//! profile active per device until it is told otherwise, and `nmcli con modify` rewrites a
//! profile file eniplan does not own. So, before anything changes, the engine records the
//! profile active on each configured interface and backs up the files of the profiles bound
//! to those interfaces (with its own files, in one backup set); a rollback restores the files,
//! makes NetworkManager reread them (`nmcli connection reload`: "reload all connection files
//! from disk, including noticing any added or deleted connection files", the
//! `ReloadConnections` method of org.freedesktop.NetworkManager.Settings) and activates again
//! the profile that was active (`nmcli connection up uuid …`), or disconnects a device that had
//! none.
//!
//! Why not NetworkManager's own checkpoints (`CheckpointCreate` with a rollback timeout, since
//! 1.12; `nmcli device checkpoint` since 1.40)? A checkpoint lives in the daemon's memory: a
//! restart of NetworkManager (or of the host) loses it, and with it the rollback; it covers
//! NetworkManager's profiles and devices only, not the other files eniplan writes (cloud-init's
//! switch) nor the rules and routes of a secondary ENI's table that a profile did not make; a
//! checkpoint left behind blocks the next one for the same devices (linux-system-roles/network
//! #154); and `nmcli device checkpoint` asks for its confirmation on the terminal that ran it,
//! which a dropped SSH session no longer has. eniplan's journal is on disk, survives a
//! restart, covers every family the same way, and is confirmed from any new session.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Plan;
use crate::os_family::OsFamily;

use super::run;

/// Whether NetworkManager drives `family`'s configuration on the running host: its files or
/// its commands take effect through the daemon, which must be asked to reread and reactivate.
pub(super) fn drives(family: OsFamily) -> bool {
    matches!(family, OsFamily::Keyfile | OsFamily::Nmcli)
}

/// What NetworkManager held before an apply, as the journal records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Before {
    /// Per configured interface, the UUID of the profile active on it (none: no profile was).
    pub active: BTreeMap<String, Option<String>>,
    /// The files of the profiles bound to those interfaces (the backup set holds them).
    pub profiles: Vec<String>,
}

/// One profile as `nmcli -t -f UUID,DEVICE,FILENAME connection show` lists it.
struct Profile {
    uuid: String,
    device: Option<String>,
    file: Option<String>,
}

/// Splits one line of nmcli's terse output into its fields: `:` separates them, and a `:` or
/// `\` inside a value is escaped with `\` (nmcli(1), "--terse").
fn terse_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            ':' => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

fn nmcli(args: &[&str]) -> Result<String, String> {
    let argv: Vec<String> = std::iter::once("nmcli")
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    run(&argv).map_err(|error| format!("NetworkManager does not answer: {error}"))
}

fn profiles() -> Result<Vec<Profile>, String> {
    let listed = nmcli(&["-t", "-f", "UUID,DEVICE,FILENAME", "connection", "show"])?;
    Ok(listed
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = terse_fields(line).into_iter();
            let mut next = || fields.next().filter(|value| !value.is_empty());
            Profile {
                uuid: next().unwrap_or_default(),
                device: next(),
                file: next(),
            }
        })
        .collect())
}

/// Records NetworkManager's state for `interfaces`: the active profiles, and the files of the
/// profiles bound to them by name or active on them. Files under `/run` (in-memory profiles)
/// are left out: they do not outlive a reboot, and the backup set is for what does.
pub(super) fn capture(interfaces: &[String]) -> Result<Before, String> {
    let mut before = Before::default();
    for interface in interfaces {
        before.active.insert(interface.clone(), None);
    }
    for profile in profiles()? {
        let active_on = profile
            .device
            .as_ref()
            .filter(|device| interfaces.contains(device));
        if let Some(device) = active_on {
            before
                .active
                .insert(device.clone(), Some(profile.uuid.clone()));
        }
        let Some(file) = profile.file.filter(|file| file.starts_with("/etc/")) else {
            continue;
        };
        let bound = active_on.is_some() || {
            let name = nmcli(&[
                "-g",
                "connection.interface-name",
                "connection",
                "show",
                "uuid",
                &profile.uuid,
            ])?;
            interfaces.iter().any(|interface| interface == name.trim())
        };
        if bound && !before.profiles.contains(&file) {
            before.profiles.push(file);
        }
    }
    Ok(before)
}

/// Whether the profile active on each plan's interface holds the plan: static IPv4 with the
/// plan's addresses (the primary first) and gateway, and the planned IPv6 addresses. The
/// engine runs the commands when it does not, even if the running state already holds the
/// plan (an address added by hand does not outlive a reactivation).
pub(super) fn profiles_hold(plans: &[Plan], before: &Before) -> Result<bool, String> {
    for plan in plans {
        let Some(Some(uuid)) = before.active.get(plan.interface()) else {
            return Ok(false);
        };
        let got = nmcli(&[
            "-t",
            "-f",
            "ipv4.method,ipv4.addresses,ipv4.gateway,ipv6.addresses",
            "connection",
            "show",
            "uuid",
            uuid,
        ])?;
        let mut values = BTreeMap::new();
        for line in got.lines() {
            let fields = terse_fields(line);
            if let [key, value] = fields.as_slice() {
                values.insert(key.clone(), value.clone());
            }
        }
        let list = |key: &str| -> Vec<String> {
            values
                .get(key)
                .map(|value| {
                    value
                        .split(',')
                        .map(|item| item.trim().to_string())
                        .filter(|item| !item.is_empty() && item != "--")
                        .collect()
                })
                .unwrap_or_default()
        };
        let planned: Vec<String> = plan
            .ipv4_addresses()
            .map(|address| format!("{address}/{}", plan.prefix_len()))
            .collect();
        let gateway = plan.gateway().map(|g| g.to_string()).unwrap_or_default();
        let planned6: Vec<String> = plan
            .ipv6()
            .map(|v6| {
                v6.addresses()
                    .iter()
                    .map(|address| format!("{address}/{}", v6.prefix_len()))
                    .collect()
            })
            .unwrap_or_default();
        let got_gateway = values
            .get("ipv4.gateway")
            .map(|g| g.trim())
            .filter(|g| *g != "--")
            .unwrap_or_default();
        let holds = values.get("ipv4.method").map(String::as_str) == Some("manual")
            && list("ipv4.addresses") == planned
            && got_gateway == gateway
            && (planned6.is_empty() || list("ipv6.addresses") == planned6);
        if !holds {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Puts NetworkManager back as `before` found it, once the files are restored: it rereads
/// every profile file, and each interface gets back the profile that was active on it (or
/// none). Returns what failed, in words; the engine's comparison of the running state decides
/// whether the rollback succeeded.
pub(super) fn restore(before: &Before) -> Vec<String> {
    let mut failed = Vec::new();
    if let Err(error) = nmcli(&["connection", "reload"]) {
        failed.push(error);
        return failed;
    }
    let now: BTreeMap<String, String> = match profiles() {
        Ok(list) => list
            .into_iter()
            .filter_map(|profile| profile.device.map(|device| (device, profile.uuid)))
            .collect(),
        Err(error) => {
            failed.push(error);
            BTreeMap::new()
        }
    };
    for (interface, active) in &before.active {
        let result = match active {
            Some(uuid) => nmcli(&["connection", "up", "uuid", uuid]),
            None if now.contains_key(interface) => nmcli(&["device", "disconnect", interface]),
            None => continue,
        };
        if let Err(error) = result {
            failed.push(error);
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::terse_fields;

    #[test]
    fn terse_fields_unescape_colons_and_backslashes() {
        assert_eq!(
            terse_fields(r"5fb0:eth1:/etc/NetworkManager/system-connections/a\:b\\c.nmconnection"),
            vec![
                "5fb0".to_string(),
                "eth1".into(),
                r"/etc/NetworkManager/system-connections/a:b\c.nmconnection".into()
            ]
        );
        assert_eq!(
            terse_fields("u::"),
            vec!["u".to_string(), "".into(), "".into()]
        );
    }
}

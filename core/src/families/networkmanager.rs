//! What the two NetworkManager families (`nmcli` commands and keyfiles) share: the connection
//! name and the warnings about NetworkManager's own behaviour.

use crate::intent::{Intent, Method};
use crate::rendering::Rendering;

/// The connection name a plan's NetworkManager profile gets: the plan's, or the ECS document's
/// `System <interface>`, with a warning when the plan names none.
pub(super) fn connection_name(intent: &Intent<'_>, out: &mut Rendering) -> String {
    let name = default_connection_name(intent);
    if intent.plan.connection().is_none() {
        out.warnings.push(format!(
            "the plan names no connection, so `{name}` (the ECS document's naming) is used; \
             `nmcli con show` lists the real name — set `connection` if it differs"
        ));
    }
    name
}

/// The plan's connection name, or `System <interface>` when it names none.
pub(super) fn default_connection_name(intent: &Intent<'_>) -> String {
    match intent.plan.connection() {
        Some(name) => name.to_string(),
        None => format!("System {}", intent.interface()),
    }
}

/// NetworkManager 1.36 and later order a DHCP lease and static addresses differently.
pub(super) fn mixed_source_warning(intent: &Intent<'_>, out: &mut Rendering) {
    if intent.method4 == Method::Dhcp && !intent.secondaries().is_empty() {
        out.warnings.push(
            "NetworkManager 1.36 and later may make a static secondary the kernel's preferred \
             source address when DHCP and static addresses are mixed; check with `ip a` that \
             the DHCP address is listed first"
                .into(),
        );
    }
}

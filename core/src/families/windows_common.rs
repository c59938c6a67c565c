//! What the two Windows families (netsh and PowerShell) share: the gateway Windows needs, the
//! refusal of policy routing, and the warnings about Windows' own behaviour.

use crate::error::Error;
use crate::intent::{Intent, Method};
use crate::rendering::Rendering;

/// Why neither Windows family carries a secondary ENI's route table.
pub(super) const NO_POLICY_ROUTING: &str =
    "Windows chooses the outgoing interface by route metric, not by source address; it has no \
     per-address rules to express";

/// The gateway Windows needs: it keeps the primary by switching the adapter to static.
pub(super) fn static_gateway<'p>(intent: &Intent<'p>) -> Result<&'p str, Error> {
    intent.plan_gateway().ok_or_else(|| Error::Missing {
        field: "gateway".into(),
        hint: "Windows keeps the primary by switching the adapter to static (the ECS document's way), \
               which needs the default gateway"
            .into(),
    })
}

/// The warnings both Windows families give. `switch` says how this family keeps the primary in
/// DHCP mode; `by_name` how it addresses the adapter instead of by MAC.
pub(super) fn warnings(intent: &Intent<'_>, out: &mut Rendering, switch: &str, by_name: &str) {
    if intent.method4 == Method::Dhcp {
        out.warnings.push(format!(
            "mode is dhcp, but Windows drops static addresses added to a DHCP adapter unless \
             `dhcpstaticipcoexistence` is enabled; this rendering {switch} the adapter to \
             static with the primary address kept"
        ));
    }
    if intent.plan.dns().is_empty() {
        out.warnings.push(
            "the plan has no dns: once the adapter is static, Windows no longer learns DNS \
             servers from DHCP (Alibaba Cloud's are 100.100.2.136 and 100.100.2.138)"
                .into(),
        );
    }
    if intent.mac().is_some() {
        out.warnings
            .push(format!("the plan's mac is not used: {by_name}"));
    }
    if looks_like_linux(intent.interface()) {
        out.warnings.push(format!(
            "`{}` looks like a Linux interface name; Windows names adapters `Ethernet`, \
             `Ethernet 2`, … (`Get-NetAdapter` or `netsh interface show interface` lists them), \
             and the commands fail on a name no adapter has",
            intent.interface()
        ));
    }
}

/// Linux's naming schemes: `eth0`, `ens5`, `enp0s3`, `eno1`, `enx…`, `wlan0`.
fn looks_like_linux(name: &str) -> bool {
    let alphabetic: String = name.chars().take_while(char::is_ascii_lowercase).collect();
    let rest = &name[alphabetic.len()..];
    [
        "eth", "ens", "enp", "eno", "enx", "wlan", "wlp", "bond", "br",
    ]
    .contains(&alphabetic.as_str())
        && rest.starts_with(|c: char| c.is_ascii_digit())
}

//! systemd-networkd `.network` files: the backend netplan itself writes for, and what many
//! minimal images use directly.

use serde::Serialize;

use super::{dhcp_source_warning, route_entries, Family, RouteEntry};
use crate::error::Errors;
use crate::intent::{Intent, Method, Rule};
use crate::read::HostFiles;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

static NETWORK: Template = crate::template!("networkd/05-eniplan-INTERFACE.network", Lines);
static TEMPLATES: [&Template; 1] = [&NETWORK];

/// The systemd-networkd family.
pub(super) struct Networkd;

#[derive(Serialize)]
struct NetworkFile<'a> {
    target: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    dhcp: &'static str,
    dns: &'a [String],
    addresses: Vec<&'a str>,
    routes: Vec<RouteEntry<'a>>,
    rules: &'a [Rule<'a>],
}

impl Family for Networkd {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let mut addresses: Vec<&str> = intent.static4.iter().map(String::as_str).collect();
        addresses.extend(intent.ipv6_cidrs().iter().map(String::as_str));
        let file = NetworkFile {
            target: target.name(),
            interface: intent.interface(),
            mac: intent.mac(),
            dhcp: match intent.method4 {
                Method::Static => "no",
                Method::Dhcp => "ipv4",
            },
            dns: intent.dns.all,
            addresses,
            // A default route is a [Route] without Destination=.
            routes: route_entries(&intent.routes, None, None),
            rules: &intent.rules,
        };
        out.files.push(File {
            // `05-` sorts before the `10-` files of cloud-init and netplan, and the first
            // matching file is the one networkd applies.
            path: format!(
                "/etc/systemd/network/05-eniplan-{}.network",
                intent.interface()
            ),
            contents: NETWORK.render(&file)?,
            mode: MODE_PUBLIC,
        });
        dhcp_source_warning(intent, out);
        Ok(())
    }
}

//! Debian's ifupdown: Ubuntu 14.04/16.04, Debian 8–11.

use serde::Serialize;

use super::{
    all_dns, check_alias_labels, cloud_init_file, linux_verify, linux_warnings, policy,
    policy_warnings,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::{self, Template};

#[derive(Serialize)]
struct InterfacesFile<'a> {
    target: &'a str,
    interface: &'a str,
    method: &'static str,
    #[serde(rename = "static")]
    is_static: bool,
    primary: &'a str,
    netmask: &'a str,
    gateway: Option<&'a str>,
    mac: Option<&'a str>,
    dns: &'a [String],
    aliases: Vec<Alias<'a>>,
    ipv6: Option<Ipv6Stanza>,
    policy: Option<super::Policy<'a>>,
}

#[derive(Serialize)]
struct Alias<'a> {
    label: String,
    address: &'a str,
}

/// ifupdown takes one address per stanza (a second `address` line is silently ignored), so the
/// first IPv6 address gets the `inet6 static` stanza and the others `up`/`down` commands.
#[derive(Serialize)]
struct Ipv6Stanza {
    primary: String,
    prefix: u8,
    gateway: Option<String>,
    secondaries: Vec<String>,
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let interface = plan.interface();
    check_alias_labels(plan, target)?;
    let file = InterfacesFile {
        target: target.name(),
        interface,
        method: match plan.mode() {
            Mode::Static => "static",
            Mode::Dhcp => "dhcp",
        },
        is_static: plan.mode() == Mode::Static,
        primary: &plan.text.primary,
        netmask: &plan.text.netmask,
        // A secondary ENI's gateway goes to its own table, not to the main one.
        gateway: plan
            .text
            .gateway
            .as_deref()
            .filter(|_| plan.route_table().is_none()),
        mac: plan.text.mac.as_deref(),
        dns: all_dns(plan),
        aliases: plan
            .text
            .secondaries
            .iter()
            .enumerate()
            .map(|(number, address)| Alias {
                label: format!("{interface}:{number}"),
                address,
            })
            .collect(),
        ipv6: plan.ipv6().map(|ipv6| Ipv6Stanza {
            primary: ipv6.addresses()[0].to_string(),
            prefix: ipv6.prefix_len(),
            gateway: ipv6.gateway().map(|g| g.to_string()),
            secondaries: ipv6.addresses()[1..]
                .iter()
                .map(|address| format!("{address}/{}", ipv6.prefix_len()))
                .collect(),
        }),
        policy: policy(plan),
    };
    out.files.push(cloud_init_file()?);
    out.files.push(File {
        path: "/etc/network/interfaces".into(),
        contents: templates::render(Template::Interfaces, &file)?,
        mode: MODE_PUBLIC,
    });
    out.warnings.push(
        "/etc/network/interfaces is replaced whole: stanzas it held for other interfaces, and \
         `source` lines for /etc/network/interfaces.d/, are not kept"
            .into(),
    );
    if !plan.dns().is_empty() {
        out.warnings.push(
            "`dns-nameservers` takes effect only when the resolvconf package is installed".into(),
        );
    }
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}

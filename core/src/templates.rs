//! The embedded templates: one per output file, named after the file it renders, compiled into
//! the crate so the library reads nothing at run time.
//!
//! Templates lay out text; the Rust side prepares every value. Quoting is reached only through
//! the filters registered here (`sh`, `yaml`, `keyfile`), which call [`crate::quote`].

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::Error;
use crate::quote;

/// Every template, by a typed id so a misspelt template name cannot compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    /// `/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg`
    CloudInitDisable,
    /// `/etc/sysconfig/network-scripts/ifcfg-<interface>`
    RhelIfcfg,
    /// `/etc/sysconfig/network-scripts/ifcfg-<interface>:<n>`
    RhelIfcfgAlias,
    /// `/etc/netplan/50-cloud-init.yaml`
    Netplan,
    /// `/etc/network/interfaces`
    Interfaces,
    /// `/etc/sysconfig/network-scripts/route-<interface>`
    RhelRoutes,
    /// `/etc/sysconfig/network-scripts/rule-<interface>`
    RhelRules,
    /// `/etc/sysconfig/network/ifcfg-<interface>`
    SuseIfcfg,
    /// `/etc/sysconfig/network/routes`
    SuseRoutes,
    /// `/etc/NetworkManager/system-connections/<connection>.nmconnection`
    Keyfile,
    /// `/etc/systemd/network/05-eniplan-<interface>.network`
    Networkd,
}

impl Template {
    const ALL: [Template; 11] = [
        Template::CloudInitDisable,
        Template::RhelIfcfg,
        Template::RhelIfcfgAlias,
        Template::RhelRoutes,
        Template::RhelRules,
        Template::Netplan,
        Template::Interfaces,
        Template::SuseIfcfg,
        Template::SuseRoutes,
        Template::Keyfile,
        Template::Networkd,
    ];

    /// The template's path under `templates/`.
    fn name(self) -> &'static str {
        match self {
            Template::CloudInitDisable => "common/99-disable-network-config.cfg",
            Template::RhelIfcfg => "rhel/ifcfg-INTERFACE",
            Template::RhelIfcfgAlias => "rhel/ifcfg-INTERFACE-ALIAS",
            Template::RhelRoutes => "rhel/route-INTERFACE",
            Template::RhelRules => "rhel/rule-INTERFACE",
            Template::Netplan => "netplan/50-cloud-init.yaml",
            Template::Interfaces => "ifupdown/interfaces",
            Template::SuseIfcfg => "suse/ifcfg-INTERFACE",
            Template::SuseRoutes => "suse/routes",
            Template::Keyfile => "keyfile/CONNECTION.nmconnection",
            Template::Networkd => "networkd/05-eniplan-INTERFACE.network",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Template::CloudInitDisable => {
                include_str!("../templates/common/99-disable-network-config.cfg")
            }
            Template::RhelIfcfg => include_str!("../templates/rhel/ifcfg-INTERFACE"),
            Template::RhelIfcfgAlias => include_str!("../templates/rhel/ifcfg-INTERFACE-ALIAS"),
            Template::RhelRoutes => include_str!("../templates/rhel/route-INTERFACE"),
            Template::RhelRules => include_str!("../templates/rhel/rule-INTERFACE"),
            Template::Netplan => include_str!("../templates/netplan/50-cloud-init.yaml"),
            Template::Interfaces => include_str!("../templates/ifupdown/interfaces"),
            Template::SuseIfcfg => include_str!("../templates/suse/ifcfg-INTERFACE"),
            Template::SuseRoutes => include_str!("../templates/suse/routes"),
            Template::Keyfile => include_str!("../templates/keyfile/CONNECTION.nmconnection"),
            Template::Networkd => {
                include_str!("../templates/networkd/05-eniplan-INTERFACE.network")
            }
        }
    }
}

fn environment() -> &'static Result<Environment<'static>, String> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        // A misspelt variable must fail the render, not become an empty string in a config file.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Block tags sit on lines of their own and leave no blank line behind; the file's last
        // newline is part of the file.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|error| error.to_string())?;
        env.set_syntax(syntax);
        env.add_filter("sh", |value: String| quote::shell_word(&value));
        env.add_filter("yaml", |value: String| quote::yaml_scalar(&value));
        env.add_filter("keyfile", |value: String| quote::keyfile_value(&value));
        for template in Template::ALL {
            // Normalise newlines so a checkout with CRLF line endings renders the same bytes.
            let source = template.source().replace("\r\n", "\n");
            env.add_template_owned(template.name(), source)
                .map_err(|error| format!("{}: {error}", template.name()))?;
        }
        Ok(env)
    })
}

/// Renders one template with a prepared context.
pub(crate) fn render<C: Serialize>(template: Template, context: &C) -> Result<String, Error> {
    let internal = |reason: String| Error::Unsupported {
        field: "template".into(),
        value: template.name().into(),
        target: "any".into(),
        reason: format!("eniplan bug, please report it: {reason}"),
    };
    let env = environment()
        .as_ref()
        .map_err(|error| internal(error.clone()))?;
    env.get_template(template.name())
        .and_then(|compiled| compiled.render(Serde(context)))
        .map_err(|error| internal(format!("{error:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
    }

    #[test]
    fn undefined_variables_fail() {
        let result = render(Template::SuseRoutes, &serde_json::json!({}));
        assert!(result.is_err());
    }
}

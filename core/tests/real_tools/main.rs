//! The real tools judge every rendering: netplan generate, nmcli --offline, ifquery/ifup in a
//! network namespace, ifcfg files read the way initscripts and wicked read them, and netsh
//! commands against the documented grammar. Each family is checked on the valid snapshot
//! cases plus 200 seeded generated plans (`ENIPLAN_SEED` picks another fixed set).
//!
//! These tests need the tools installed and root (for namespaces); a missing tool fails them.

#[path = "../common/mod.rs"]
mod common;
mod hostile;
mod ifcfg;
mod ifupdown;
mod netplan;
mod netsh;
mod nmcli;
mod support;

use eniplan::OsFamily;

#[test]
fn netplan_generate_accepts_every_rendering() {
    support::check_corpus(OsFamily::Netplan, netplan::check);
}

#[test]
fn nmcli_offline_accepts_every_rendering() {
    support::check_corpus(OsFamily::Nmcli, nmcli::check);
}

#[test]
fn ifupdown_parses_and_applies_every_rendering() {
    support::check_corpus(OsFamily::Ifupdown, ifupdown::check);
}

#[test]
fn rhel_ifcfg_files_read_back_as_planned() {
    support::check_corpus(OsFamily::Rhel, ifcfg::check_rhel);
}

#[test]
fn suse_ifcfg_files_read_back_as_planned() {
    support::check_corpus(OsFamily::Suse, ifcfg::check_suse);
}

#[test]
fn netsh_commands_follow_the_documented_grammar() {
    support::check_corpus(OsFamily::Windows, netsh::check);
}

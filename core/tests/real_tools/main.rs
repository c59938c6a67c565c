//! The real tools judge every rendering: netplan generate, nmcli --offline, ifquery/ifup in a
//! network namespace, ifcfg files read the way initscripts and wicked read them, and netsh
//! commands against the documented grammar. Each family is checked on the valid snapshot
//! cases plus 200 seeded generated plans (`ENIPLAN_SEED` picks another fixed set).
//!
//! These tests need the tools installed and root (for namespaces); a missing tool fails them.

mod cloud;
mod cloud_init;
#[path = "../common/mod.rs"]
mod common;
mod convert;
mod engine;
mod hostile;
mod hosts;
mod ifcfg;
mod ifupdown;
mod instance;
mod keyfile;
mod lifecycle;
mod netplan;
mod netsh;
mod networkd;
mod nmcli;
mod powershell;
mod readers;
mod runtime;
mod support;
mod systemd_units;
mod two_nics;
mod windows_host;

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

#[test]
fn libnm_reads_every_keyfile_as_planned() {
    support::check_corpus(OsFamily::Keyfile, keyfile::check);
}

#[test]
fn networkd_files_match_netplans_own_for_every_plan() {
    support::check_corpus(OsFamily::Networkd, networkd::check);
}

#[test]
fn powershell_lines_parse_back_to_their_argv() {
    support::check_corpus(OsFamily::Powershell, powershell::check);
}

#[test]
fn cloud_calls_follow_the_documented_api() {
    support::check_corpus(OsFamily::Cloud, cloud::check);
}

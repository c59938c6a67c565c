//! The `eniplan` command: render a plan for one or more targets, list targets, validate plans.
//!
//! This binary holds the only I/O of the project: reading the plan, printing, and
//! `--write-to ROOT`, which writes a rendering's files under ROOT and never outside it.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use eniplan::{apply, EniPlan, Errors, Rendering, Target, TargetInfo};

// Rendering is allocation-bound; mimalloc makes the whole job about a quarter faster than
// glibc's allocator (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Render the OS network configuration that makes an ENI's secondary private IPs work.
///
/// With no arguments, renders the example of the Alibaba Cloud ECS document on secondary
/// private IP addresses (eth0: 192.168.1.201 plus
/// 192.168.1.202 and 192.168.1.203 in 192.168.1.0/24, gateway 192.168.1.253) for every family,
/// the cloud API calls included.
#[derive(Parser)]
#[command(name = "eniplan", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Render a plan: the files to write and delete, the commands, restart and verify steps.
    /// Exit 0; 2 when the plan is invalid or a target cannot render it (the others are still
    /// printed); with --dry-run, 1 when something would change.
    #[command(
        after_help = "Examples:\n  eniplan render plan.yaml --os centos-7\n  eniplan render plan.yaml --os auto --root /            for the stack this host runs, merged with its files\n  eniplan render plan.yaml --os ubuntu-22.04 --format json\n  eniplan render plan.yaml --os debian-10 --write-to ./out --dry-run\n  eniplan render --from-metadata meta.json --os sles-15 --nic 00:16:3e:16:43:aa=eth0\n\nExit status:\n  0  rendered (and written, with --write-to)\n  1  with --dry-run: something would change\n  2  the plan is invalid, or a target cannot render it (the others are still printed)"
    )]
    Render {
        /// The plan, YAML or JSON: one ENI, or a list of them (an instance, as `eniplan plan`
        /// prints it); `-` reads standard input. Without it, the ECS document's example.
        plan: Option<PathBuf>,
        /// Target: a family such as rhel or netplan, a distribution such as centos-7 or
        /// ubuntu-22.04 (`eniplan targets` lists every name), a comma-separated list, `all`
        /// (every OS family), `ecs-doc` (the six families of the ECS document) or `auto` (the
        /// network stack the host runs, decided from its files under --root, else the
        /// --write-to directory, else `/`: os-release, the configuration present, the
        /// services enabled; the choice and its evidence are printed on stderr).
        #[arg(long = "os", default_value = "all")]
        os: String,
        /// The os-release file `--os auto` reads instead of the root's /etc/os-release.
        #[arg(long, value_name = "FILE")]
        os_release: Option<PathBuf>,
        /// `text` for people; `json` for programs (the public contract: one object for one
        /// target, an array for `all` or a list).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write the files under this directory (and delete the stale ones there), as if
        /// it were `/`: only files that differ, atomically, never through a symlinked
        /// directory. With several targets each gets its own ROOT/<target>/ folder. Nothing is
        /// ever written outside ROOT, and no command is run.
        #[arg(long, value_name = "ROOT")]
        write_to: Option<PathBuf>,
        /// With --write-to: write nothing, list what would be written or deleted, and exit 1
        /// when something would change (0 when everything is already in place).
        #[arg(long, requires = "write_to")]
        dry_run: bool,
        /// Merge with the configuration under this directory (as if it were `/`): eniplan
        /// changes only what it owns there, and the files of other NICs and tools stay.
        /// Default: the --write-to directory (its ROOT/<target>/ for several targets).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Render every ENI that this instance metadata document describes, instead of a plan
        /// file. See `eniplan plan --help` for the document.
        #[arg(long, value_name = "FILE", conflicts_with = "plan")]
        from_metadata: Option<PathBuf>,
        /// With --from-metadata: the OS name of the NIC with this MAC (repeatable). Without
        /// it, this host's /sys/class/net/*/address.
        #[arg(long = "nic", value_name = "MAC=NAME", requires = "from_metadata")]
        nic: Vec<String>,
        /// With --from-metadata: whose metadata the document is (`auto`: told by its shape).
        #[arg(long, default_value = "auto", value_parser = CLOUDS, requires = "from_metadata")]
        cloud: String,
    },
    /// Print the plans of every ENI of an instance, read from its instance metadata (Alibaba
    /// Cloud, AWS or Azure) or from the ECS API's output: a YAML list (JSON with --format
    /// json), the primary ENI first; the other ENIs get route tables 1001, 1002, … in the
    /// order of their interface names (on AWS 10000 + 100 × network card + device number).
    /// Partial or contradictory input exits 2 and names every key path at fault.
    #[command(
        after_help = "Examples:\n  eniplan plan --from-metadata meta.json\n  eniplan plan --from-metadata imds.json --cloud aws --nic 0e:49:61:0f:c3:11=ens5 --format json\n  eniplan plan --from-api enis.json --vswitches vsws.json --nic 00:16:3e:16:43:aa=eth0 --gateway 192.168.1.253\n  eniplan plan --from-api nics.json --subnets subnets.json --nic 00:0d:3a:f8:06:ec=eth0 --instance vm1\n\nExit status:\n  0  the plans are printed\n  2  the input is partial or contradicts itself (every key path at fault is named)"
    )]
    Plan {
        /// The instance metadata as one JSON document. Alibaba Cloud: the tree under
        /// http://100.100.100.200/latest/meta-data/ gathered by path (`mac`, `region-id`,
        /// `dns-conf/nameservers`, `network/interfaces/macs/<mac>/…`). AWS: the tree under
        /// http://169.254.169.254/latest/meta-data/ the same way (`mac`, `placement/region`,
        /// `network/interfaces/macs/<mac>/local-ipv4s`, …), values as the endpoints print
        /// them. Azure: IMDS's answer to /metadata/instance (or its `network` part).
        #[arg(long, value_name = "FILE", required_unless_present = "from_api")]
        from_metadata: Option<PathBuf>,
        /// Whose metadata or API output it is (`auto`: told by its shape).
        #[arg(long, default_value = "auto", value_parser = CLOUDS)]
        cloud: String,
        /// The JSON that lists the instance's ENIs: Alibaba Cloud's `aliyun ecs
        /// DescribeNetworkInterfaces`, AWS's `aws ec2 describe-network-interfaces`, or Azure's
        /// `az network nic list` (or `show`).
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "from_metadata",
            requires = "vswitches"
        )]
        from_api: Option<PathBuf>,
        /// With --from-api: the JSON that lists their subnets' CIDR blocks: `aliyun vpc
        /// DescribeVSwitches`, `aws ec2 describe-subnets`, or `az network vnet subnet list`.
        #[arg(
            long,
            visible_alias = "subnets",
            value_name = "FILE",
            requires = "from_api"
        )]
        vswitches: Option<PathBuf>,
        /// The OS name of the NIC with this MAC (repeatable). Without any, --from-metadata
        /// reads this host's /sys/class/net/*/address; --from-api needs one per ENI.
        #[arg(long = "nic", value_name = "MAC=NAME")]
        nic: Vec<String>,
        /// With --from-api: a vSwitch's (subnet's) gateway, `VSWITCH=ADDRESS`, or one ADDRESS
        /// for every one. Alibaba Cloud's API does not give it; on AWS and Azure it is the
        /// subnet's first host unless given here (AWS by subnet id, Azure by subnet name).
        #[arg(long, value_name = "[VSWITCH=]ADDRESS", requires = "from_api")]
        gateway: Vec<String>,
        /// With --from-api: the region the API was called in (`cloud.region`; Azure's output
        /// carries each NIC's own location).
        #[arg(long, requires = "from_api")]
        region: Option<String>,
        /// With --from-api: the instance (Azure: the VM's name) whose ENIs to plan, when the
        /// output holds several.
        #[arg(long, requires = "from_api")]
        instance: Option<String>,
        /// `yaml` or `json`.
        #[arg(long, value_enum, default_value_t = PlanFormat::Yaml)]
        format: PlanFormat,
    },
    /// Print the plan a host's configuration files hold (YAML; JSON with the plan, what was not
    /// understood and the warnings); a list of them when the files configure several
    /// interfaces and --interface names none. What was not understood is also printed to
    /// stderr. Exit 2 when there is no configuration for the interface.
    #[command(
        after_help = "Examples:\n  eniplan read --os centos-7 --interface eth0\n  eniplan read --os auto --root /mnt/host --format json\n  eniplan read --from-ip-json addr.json --routes route.json --interface eth0\n\nExit status:\n  0  a plan was read (what was not understood is on stderr)\n  2  no configuration for the interface, or the files cannot be read"
    )]
    Read {
        /// The family to read as: a target name (`eniplan targets`), e.g. centos-7 or rhel-9,
        /// or `auto` (the stack the host under --root runs).
        #[arg(long = "os", required_unless_present_any = ["from_ip_json", "from_windows_json"])]
        os: Option<String>,
        /// Read the runtime state instead: the output of `ip -j addr show` (needs --interface).
        #[arg(
            long,
            value_name = "ADDR.json",
            conflicts_with = "os",
            requires = "interface"
        )]
        from_ip_json: Option<PathBuf>,
        /// With --from-ip-json: the output of `ip -j route show` (and `ip -j -6 route show`).
        #[arg(long, value_name = "ROUTE.json", requires = "from_ip_json")]
        routes: Option<PathBuf>,
        /// Read a Windows host's runtime state: `Get-NetIPAddress | ConvertTo-Json`.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["os", "from_ip_json"], requires = "interface")]
        from_windows_json: Option<PathBuf>,
        /// With --from-windows-json: `Get-NetIPConfiguration | ConvertTo-Json`.
        #[arg(long, value_name = "FILE", requires = "from_windows_json")]
        windows_config: Option<PathBuf>,
        /// Read the files under this directory as if it were `/`.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// The interface to read, when the files configure several.
        #[arg(long)]
        interface: Option<String>,
        /// The MAC address of --interface, for profiles bound to a NIC by MAC (cloud-init's
        /// NetworkManager profiles, netplan's `match: macaddress`). Without it, the MACs in
        /// the root's /sys/class/net/*/address.
        #[arg(long, requires = "interface")]
        mac: Option<String>,
        /// `yaml` or `json`.
        #[arg(long, value_enum, default_value_t = PlanFormat::Yaml)]
        format: PlanFormat,
    },
    /// Compare a plan with what a host's files hold, field by field: exit 0 when they match,
    /// 1 listing every difference (field, planned, found), 2 on an invalid plan or an
    /// unreadable configuration.
    #[command(
        after_help = "Examples:\n  eniplan drift plan.yaml --os auto\n  eniplan drift plan.yaml --os rhel-9 --root /mnt/host --format json\n  eniplan drift plan.yaml --os auto --ip-json addr.json --routes route.json\n\nExit status:\n  0  the host holds the plan\n  1  it differs (every difference is listed)\n  2  the plan is invalid or the configuration cannot be read"
    )]
    Drift {
        /// The plan (YAML or JSON; one ENI or a list of them); `-` reads standard input.
        plan: PathBuf,
        /// The family the host's files are read as (a target name, or `auto`: the stack the
        /// host under --root runs).
        #[arg(long = "os")]
        os: String,
        /// Read the files under this directory as if it were `/`.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// Also compare with the runtime state: the output of `ip -j addr show`.
        #[arg(long, value_name = "FILE")]
        ip_json: Option<PathBuf>,
        /// With --ip-json: the output of `ip -j route show`.
        #[arg(long, value_name = "FILE", requires = "ip_json")]
        routes: Option<PathBuf>,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Apply a plan to this host and verify it: render the change against the host's files,
    /// capture the running state, write the files (one backup set under
    /// /var/backups/eniplan/), run the commands and the restart, then check that the running
    /// state holds the plan (addresses, primary, default route, a secondary ENI's table and
    /// rules, IPv6) and that each gateway answers on its link. When anything fails the host is
    /// put back: the files byte for byte, the restart again, the running state as captured.
    /// Exit 0 applied and verified (or nothing to do); 1 rolled back (what failed is printed);
    /// 2 refused before anything changed (an invalid plan, another apply pending); 3 the
    /// rollback itself failed (what is left is printed). A journal under /var/lib/eniplan/
    /// lets `eniplan rollback` restore after a crash.
    #[command(
        after_help = "Examples:\n  eniplan apply plan.yaml --dry-run\n  eniplan apply plan.yaml --os auto\n  eniplan apply plan.yaml --confirm-within 120     then, from a new session: eniplan confirm\n  eniplan apply instance.yaml --settle 30\n\nExit status:\n  0  applied and verified, or nothing to do\n  1  rolled back (what failed is printed); with --dry-run, a change to make\n  2  refused before anything changed (an invalid plan, another apply pending)\n  3  the rollback itself failed (what is left is printed)"
    )]
    Apply {
        /// The plan (YAML or JSON; one ENI or a list of them: an instance); `-` reads standard
        /// input.
        plan: PathBuf,
        /// The target (`auto`: the stack this host runs).
        #[arg(long = "os", default_value = "auto")]
        os: String,
        /// The host's root (`/`; another directory is a chroot whose network this process
        /// sees).
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// Seconds the running state may take to hold the plan after the restart.
        #[arg(long, value_name = "SECONDS", default_value_t = 20)]
        settle: u64,
        /// Keep the verified change only if `eniplan confirm` comes within SECONDS (from any
        /// session: reconnect, then confirm); otherwise it is rolled back by a process of its
        /// own (a transient systemd service, or a new session), which a dropped SSH connection
        /// or a killed caller cannot stop. Another apply is refused until then.
        #[arg(long, value_name = "SECONDS")]
        confirm_within: Option<u64>,
        /// Run this shell line instead of the rendering's commands and restart steps (after
        /// the files are written, and again after a rollback restores them): for a host whose
        /// network stack is driven another way, such as a container without its daemon.
        #[arg(long, value_name = "SHELL-LINE")]
        restart_with: Option<String>,
        /// Show what would change (files, and whether the running state already holds the
        /// plan) and change nothing: exit 0 nothing to do, 1 something to do.
        #[arg(long)]
        dry_run: bool,
        /// `text` or `json` (the report).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Bring this host in line with its cloud: fetch the instance metadata (the provider's
    /// token flow, a timeout, bounded retries), plan every ENI with the host's NIC names (by
    /// MAC), and apply the difference as `eniplan apply` does (verify, or roll back). Exit 0 in
    /// line (applied and verified, or nothing to do); 1 rolled back, or with --dry-run a
    /// change to make (a monitoring check); 2 the metadata could not be fetched in full or
    /// contradicts itself (nothing is changed from a partial answer, the key is named), or the
    /// apply was refused; 3 the rollback failed.
    #[command(
        after_help = "Examples:\n  eniplan sync --dry-run\n  eniplan sync\n  eniplan sync --cloud aws --os debian-10 --confirm-within 60\n\nExit status:\n  0  in line: applied and verified, or nothing to do\n  1  rolled back; with --dry-run, a change to make (a monitoring check)\n  2  the metadata could not be fetched in full or contradicts itself (nothing changed), or refused\n  3  the rollback itself failed"
    )]
    Sync {
        /// Whose metadata service to ask (`auto`: the DMI values under --root).
        #[arg(long, default_value = "auto", value_parser = CLOUDS)]
        cloud: String,
        /// The target (`auto`: the stack this host runs).
        #[arg(long = "os", default_value = "auto")]
        os: String,
        /// The host's root (`/`).
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// The metadata service's base address (default the provider's own:
        /// http://100.100.100.200, http://169.254.169.254), for tests.
        #[arg(long, value_name = "URL")]
        metadata_url: Option<String>,
        /// The OS name of the NIC with this MAC (repeatable). Without it, the host's
        /// /sys/class/net/*/address under --root.
        #[arg(long = "nic", value_name = "MAC=NAME")]
        nic: Vec<String>,
        /// Seconds the running state may take to hold the plan after the restart.
        #[arg(long, value_name = "SECONDS", default_value_t = 20)]
        settle: u64,
        /// As for `eniplan apply`: keep the change only if confirmed in time.
        #[arg(long, value_name = "SECONDS")]
        confirm_within: Option<u64>,
        /// Show the change and make none: exit 0 in line, 1 a change to make.
        #[arg(long)]
        dry_run: bool,
        /// `text` or `json` (the report).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Keep the change of an apply made with --confirm-within. Exit 0 kept; 2 when no apply
    /// waits for a confirmation (it was rolled back, or confirmed).
    #[command(
        after_help = "Examples:\n  eniplan confirm\n\nExit status:\n  0  the change is kept\n  2  no apply waits for a confirmation"
    )]
    Confirm {
        /// The host's root.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
    },
    /// The timer of an apply made with --confirm-within (started by it, detached).
    #[command(hide = true)]
    AwaitConfirm {
        /// The host's root.
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        /// The apply's id.
        #[arg(long)]
        id: String,
    },
    /// Undo the pending apply (one interrupted by a crash) or, with none pending, the last
    /// one: its files from the backup set, the restart, the running state as captured before
    /// it. Exit 1 when the host is back as it was; 3 when it is not (what is left is printed);
    /// 2 when there is nothing to roll back.
    #[command(
        after_help = "Examples:\n  eniplan rollback\n  eniplan rollback --format json\n\nExit status:\n  1  the host is back as it was\n  2  there is nothing to roll back\n  3  it is not (what is left is printed)"
    )]
    Rollback {
        /// The host's root.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// `text` or `json` (the report).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Migrate: read one family's configuration under a root and render it for another, with
    /// the old family's files in `delete`.
    #[command(
        after_help = "Examples:\n  eniplan convert --from centos-7 --to rhel-9\n  eniplan convert --from auto --to ubuntu-22.04 --root /mnt/host --write-to ./out\n\nExit status:\n  0  converted\n  2  the files cannot be read, or the target cannot render what they hold"
    )]
    Convert {
        /// The family the files are now (a target name, e.g. centos-7, or `auto`).
        #[arg(long)]
        from: String,
        /// The target to render for (e.g. rhel-9).
        #[arg(long)]
        to: String,
        /// Read the files under this directory as if it were `/`.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// The interface to convert, when the files configure several.
        #[arg(long)]
        interface: Option<String>,
        /// The MAC address of --interface (see `eniplan read --help`).
        #[arg(long, requires = "interface")]
        mac: Option<String>,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write the new files under this directory (and delete the old ones there).
        #[arg(long, value_name = "ROOT")]
        write_to: Option<PathBuf>,
    },
    /// Render the change from one plan to another for one target: the new files, the stale
    /// files to delete, and first the commands that remove the dropped addresses now.
    #[command(
        after_help = "Examples:\n  eniplan change before.yaml after.yaml --os centos-7\n  eniplan change after.yaml --os auto --root /         the plan in force read from this host\n\nExit status:\n  0  the change is printed\n  2  a plan is invalid, or the change cannot be rendered"
    )]
    Change {
        /// BEFORE AFTER: the plan in force now and the plan to move to (YAML or JSON; one ENI
        /// or a list of them; the same interfaces, and maybe more). With AFTER alone, the
        /// plan in force is read from the host's files under --root. `-` reads standard input.
        #[arg(num_args = 1..=2, required = true, value_name = "PLAN")]
        plans: Vec<PathBuf>,
        /// The host whose files the change is merged with, and whose files give the plan in
        /// force when only AFTER is given.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// One target name (see `eniplan targets`), or `auto` (the stack the host runs).
        #[arg(long = "os")]
        os: String,
        /// The os-release file `--os auto` reads instead of the root's /etc/os-release.
        #[arg(long, value_name = "FILE")]
        os_release: Option<PathBuf>,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Render the removal of every secondary address of a plan (the primary stays): what to
    /// run after, or with `--os cloud` instead of, unassigning them from the ENI.
    #[command(
        after_help = "Examples:\n  eniplan unassign plan.yaml --os debian-10\n  eniplan unassign plan.yaml --os auto --root /      merged with this host's files\n  eniplan unassign plan.yaml --os cloud\n\nExit status:\n  0  the removal is printed\n  2  the plan is invalid"
    )]
    Unassign {
        /// The plan in force now (YAML or JSON; one ENI or a list of them); `-` reads standard
        /// input.
        plan: PathBuf,
        /// The host whose files the removal is merged with (eniplan changes only what it owns
        /// there), and whose stack `--os auto` names.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// One target name (see `eniplan targets`), or `auto` (the stack the host runs).
        #[arg(long = "os")]
        os: String,
        /// The os-release file `--os auto` reads instead of the root's /etc/os-release.
        #[arg(long, value_name = "FILE")]
        os_release: Option<PathBuf>,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print what eniplan reads of this host, as JSON: the os-release text, every family's
    /// configuration files, the enabled units, the NICs' MACs. A rendering made elsewhere from
    /// it (`eniplan.render_on_snapshot`, the Ansible collection on its controller) is the
    /// rendering `eniplan render --root` makes here. Reads only; writes nothing.
    #[command(
        after_help = "Examples:\n  eniplan snapshot > host.json\n  eniplan snapshot --root /mnt/host\n\nExit status:\n  0  printed\n  2  the host's files cannot be read (each named)"
    )]
    Snapshot {
        /// The host's root, as if it were `/`.
        #[arg(long, default_value = "/")]
        root: PathBuf,
    },
    /// List every target name with its family and restart command.
    #[command(
        after_help = "Examples:\n  eniplan targets\n  eniplan targets --format json\n\nExit status:\n  0  always"
    )]
    Targets {
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the plan's keys and what each holds, as JSON (read from the plan struct itself;
    /// what the Ansible module, the TypeScript types and the previewer are checked against).
    #[command(
        after_help = "Examples:\n  eniplan schema\n  eniplan schema | jq '.[] | .name'\n\nExit status:\n  0  always"
    )]
    Schema,
    /// Check a plan and report every problem in it (exit status 2 when there are any).
    #[command(
        after_help = "Examples:\n  eniplan validate plan.yaml\n  eniplan validate plan.yaml --os centos-7,windows\n  eniplan validate plan.yaml --format json        every problem as {field, value, message, kind}\n  cat plan.yaml | eniplan validate -\n\nExit status:\n  0  the plan is valid\n  2  every problem is listed"
    )]
    Validate {
        /// The plan, YAML or JSON (one ENI or a list of them); `-` reads standard input.
        plan: PathBuf,
        /// Also check the plan against these targets (e.g. interface name rules): a selection,
        /// or `auto` (the stack this host runs).
        #[arg(long = "os")]
        os: Option<String>,
        /// `text` (the problems on stderr) or `json` (an array of `{field, value, message,
        /// kind}` on stdout, empty when the plan is valid).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Yaml,
    Json,
}

/// What went wrong, and the exit status it maps to. The statuses are diff(1)'s: 0 nothing to
/// report, 1 a difference found (drift; a dry run with something to do), 2 trouble of any kind.
enum Failure {
    /// The plan or the request is invalid: status 2, every problem listed.
    Invalid(Errors),
    /// Reading or writing failed: status 2.
    Io(String),
    /// A difference was found and printed (`drift`; a dry run with something to do): status 1.
    Differs,
    /// Some targets of a selection refused (their errors are already printed): status 2.
    Refused,
    /// An apply's or a rollback's report is printed; its status (1 rolled back, 3 the
    /// rollback failed).
    Status(u8),
}

impl From<eniplan::engine::EngineError> for Failure {
    fn from(error: eniplan::engine::EngineError) -> Self {
        match error {
            eniplan::engine::EngineError::Invalid(errors) => Failure::Invalid(errors),
            other => Failure::Io(other.to_string()),
        }
    }
}

impl From<Errors> for Failure {
    fn from(errors: Errors) -> Self {
        Failure::Invalid(errors)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none() {
        print!("{}", first_contact());
    }
    let command = cli.command.unwrap_or(Cmd::Render {
        plan: None,
        os: "all,cloud".into(),
        os_release: None,
        format: Format::Text,
        write_to: None,
        dry_run: false,
        root: None,
        from_metadata: None,
        nic: Vec::new(),
        cloud: "auto".into(),
    });
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(errors)) => {
            eprintln!("error: {errors}");
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Differs) => ExitCode::from(1),
        Err(Failure::Refused) => ExitCode::from(2),
        Err(Failure::Status(status)) => ExitCode::from(status),
    }
}

/// What `eniplan` with no arguments says above the renderings: which plan they are for, that
/// nothing was written or run, which target this host would be (`--os auto`), and what to try
/// next. Comment lines, so the output stays what it always was below them.
fn first_contact() -> String {
    let plan = EniPlan::example();
    let this_host = match apply::evidence(Path::new("/"))
        .map_err(|error| error.to_string())
        .and_then(|evidence| {
            eniplan::detect(&evidence).map_err(|errors| errors.to_string().replace('\n', " "))
        }) {
        Ok(detection) => format!(
            "{} ({} family): {}",
            detection.target.name(),
            detection.target.family().name(),
            detection.evidence.join("; ")
        ),
        Err(why) => format!("not told ({why}); name the target with --os"),
    };
    let subnet = plan
        .gateway
        .as_deref()
        .and_then(|gateway| gateway.parse::<std::net::Ipv4Addr>().ok())
        .and_then(|gateway| ipnet::Ipv4Net::new(gateway, plan.prefix.unwrap_or(24)).ok())
        .map(|net| net.trunc().to_string())
        .unwrap_or_default();
    let paragraphs = [
        format!("eniplan {}", env!("CARGO_PKG_VERSION")),
        format!(
            "The plan below is the example of Alibaba Cloud's document \"Assign secondary \
             private IP addresses\": {} with primary {} and secondaries {} in {subnet}, gateway \
             {}, rendered for every target. Nothing was written and nothing was run.",
            plan.interface.as_deref().unwrap_or_default(),
            plan.primary.as_deref().unwrap_or_default(),
            plan.secondaries.join(" and "),
            plan.gateway.as_deref().unwrap_or_default()
        ),
        format!("This host, as --os auto reads it: {this_host}."),
    ];
    let next = [
        (
            "eniplan validate my-plan.yaml",
            "check your own plan (every problem at once)",
        ),
        (
            "eniplan render my-plan.yaml --os auto",
            "its files and commands for this host",
        ),
        (
            "eniplan apply my-plan.yaml --dry-run",
            "what applying it here would change",
        ),
        (
            "eniplan plan --from-metadata meta.json",
            "plans from a cloud's instance metadata",
        ),
        (
            "eniplan sync --dry-run",
            "this host against its cloud's metadata",
        ),
        ("eniplan targets", "every target name"),
        (
            "eniplan help COMMAND",
            "each command, with examples and exit statuses",
        ),
    ];
    let mut text = String::new();
    for paragraph in paragraphs {
        let mut line = String::from("#");
        for word in paragraph.split(' ') {
            if line.len() + 1 + word.len() > 96 && line.len() > 1 {
                text.push_str(&line);
                text.push('\n');
                line = String::from("#  ");
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(&line);
        text.push_str("\n#\n");
    }
    text.push_str("# Next:\n");
    for (command, what) in next {
        text.push_str(&format!("#   {command:<40} {what}\n"));
    }
    text.push('\n');
    text
}

fn run(command: Cmd) -> Result<(), Failure> {
    match command {
        Cmd::Render {
            plan,
            os,
            os_release,
            format,
            write_to,
            dry_run,
            root,
            from_metadata,
            nic,
            cloud,
        } => {
            let evidence_root = root
                .clone()
                .or_else(|| write_to.clone())
                .unwrap_or_else(|| "/".into());
            let os = resolve_auto(&os, os_release.as_deref(), &evidence_root)?;
            let plans = match (&plan, from_metadata) {
                (_, Some(metadata)) => Some(metadata_plans(&metadata, &cloud, &nic)?),
                (Some(path), None) => Some(read_plans(path)?),
                (None, None) => None,
            };
            let many = Target::is_selection(&os);
            // The host each target's rendering is merged with: --root, else where it is
            // written.
            let host_root = |target: Target| -> Option<PathBuf> {
                match (&root, &write_to) {
                    (Some(root), _) => Some(root.clone()),
                    (None, Some(base)) if many => Some(base.join(target.name())),
                    (None, Some(base)) => Some(base.clone()),
                    (None, None) => None,
                }
            };
            if let Some(root) = &root {
                require_dir(root)?;
            }
            let outcomes = match &plans {
                Some(plans) if root.is_none() && write_to.is_none() => {
                    eniplan::render_plans(plans, &os)?
                }
                _ => {
                    let targets = Target::resolve(&os)?;
                    let mut outcomes = Vec::with_capacity(targets.len());
                    for target in targets {
                        let host = match host_root(target) {
                            Some(dir) => merge_files(&dir, target)?,
                            None => eniplan::HostFiles::new(),
                        };
                        let example;
                        let plans = match &plans {
                            Some(plans) => plans,
                            None => {
                                example = vec![if target.family().is_windows() {
                                    EniPlan::example_windows()
                                } else {
                                    EniPlan::example()
                                }];
                                &example
                            }
                        };
                        outcomes.extend(eniplan::render_plans_on(plans, target.name(), &host)?);
                    }
                    outcomes
                }
            };
            let many = Target::is_selection(&os);
            let refused = report_refusals(&outcomes, many)?;
            print(&render_output(&outcomes, format, many))?;
            let renderings: Vec<Rendering> = outcomes
                .iter()
                .filter_map(|outcome| outcome.rendering().cloned())
                .collect();
            let mut pending = false;
            if let Some(root) = write_to {
                pending = write_all(&root, &renderings, many, dry_run)? && dry_run;
            }
            if refused {
                Err(Failure::Refused)
            } else if pending {
                Err(Failure::Differs)
            } else {
                Ok(())
            }
        }
        Cmd::Plan {
            from_metadata,
            cloud,
            from_api,
            vswitches,
            nic,
            gateway,
            region,
            instance,
            format,
        } => {
            let plans = match (from_metadata, from_api, vswitches) {
                (Some(metadata), _, _) => metadata_plans(&metadata, &cloud, &nic)?,
                (None, Some(api), Some(vswitches)) => {
                    let mut context = eniplan::ApiContext {
                        names: eniplan::NicNames::from_pairs(&nic)?,
                        region,
                        instance,
                        ..Default::default()
                    };
                    for value in &gateway {
                        context.add_gateway(value);
                    }
                    let cloud = eniplan::Provider::parse(&cloud);
                    let (provider, plans) = eniplan::plans_from_cloud_api(
                        &read_text(&api)?,
                        &read_text(&vswitches)?,
                        cloud,
                        &context,
                    )?;
                    if cloud.is_none() {
                        eprintln!("note: --cloud auto: {provider} (told by the output's shape)");
                    }
                    plans
                }
                _ => unreachable!("clap requires --from-metadata, or --from-api with --vswitches"),
            };
            print(&match format {
                PlanFormat::Json => eniplan::to_json(&plans),
                PlanFormat::Yaml => yaml_serde::to_string(&plans)
                    .map_err(|error| Failure::Io(format!("cannot write the plans: {error}")))?,
            })?;
            Ok(())
        }
        Cmd::Read {
            os,
            from_ip_json,
            routes,
            from_windows_json,
            windows_config,
            root,
            interface,
            mac,
            format,
        } => {
            let optional = |path: &Option<PathBuf>| path.as_deref().map(read_text).transpose();
            let reading = match (os, from_ip_json, from_windows_json) {
                (_, Some(addresses), _) => eniplan::read_ip_json(
                    &read_text(&addresses)?,
                    optional(&routes)?.as_deref(),
                    interface.as_deref().unwrap_or_default(),
                )?,
                (_, _, Some(addresses)) => eniplan::read_windows_json(
                    &read_text(&addresses)?,
                    optional(&windows_config)?.as_deref(),
                    interface.as_deref().unwrap_or_default(),
                )?,
                (Some(os), None, None) => {
                    let os = resolve_auto(&os, None, &root)?;
                    let target = Target::parse(&os).map_err(Errors::from)?;
                    require_dir(&root)?;
                    let files = host_files(&root, target)?;
                    let mut nics = apply::host_nics(&root);
                    if let (Some(name), Some(mac)) = (&interface, &mac) {
                        nics.insert(name.clone(), mac.to_ascii_lowercase());
                    }
                    let interfaces = eniplan::configured_interfaces_on(&files, target, &nics)?;
                    if interface.is_none() && interfaces.len() > 1 {
                        let readings = interfaces
                            .iter()
                            .map(|name| eniplan::read_on(&files, target, Some(name), &nics))
                            .collect::<Result<Vec<_>, Errors>>()?;
                        readings.iter().for_each(report_unread);
                        let plans: Vec<&EniPlan> = readings.iter().map(|r| &r.plan).collect();
                        print(&match format {
                            PlanFormat::Json => eniplan::to_json(&readings),
                            PlanFormat::Yaml => yaml_serde::to_string(&plans).map_err(|error| {
                                Failure::Io(format!("cannot write the plans: {error}"))
                            })?,
                        })?;
                        return Ok(());
                    }
                    eniplan::read_on(&files, target, interface.as_deref(), &nics)?
                }
                (None, None, None) => unreachable!("clap requires --os or a runtime file"),
            };
            report_unread(&reading);
            print(&match format {
                PlanFormat::Json => eniplan::to_json(&reading),
                PlanFormat::Yaml => yaml_serde::to_string(&reading.plan)
                    .map_err(|error| Failure::Io(format!("cannot write the plan: {error}")))?,
            })?;
            Ok(())
        }
        Cmd::Apply {
            plan,
            os,
            root,
            settle,
            confirm_within,
            restart_with,
            dry_run,
            format,
        } => {
            let plans = read_plans(&plan)?;
            eniplan::check_plans(&plans, None)?;
            require_dir(&root)?;
            let os = resolve_auto(&os, None, &root)?;
            let target = Target::parse(&os).map_err(Errors::from)?;
            let mut request = eniplan::engine::Request::new(plans, target, &root);
            request.settle = std::time::Duration::from_secs(settle);
            request.confirm_within = confirm_within.map(std::time::Duration::from_secs);
            request.restart_with = restart_with;
            run_engine(&request, dry_run, format)
        }
        Cmd::Sync {
            cloud,
            os,
            root,
            metadata_url,
            nic,
            settle,
            confirm_within,
            dry_run,
            format,
        } => {
            require_dir(&root)?;
            let provider = match eniplan::Provider::parse(&cloud) {
                Some(provider) => provider,
                None => {
                    let found = eniplan::fetch::provider_of_host(&root, metadata_url.as_deref())
                        .map_err(|error| Failure::Invalid(Errors::from(error)))?;
                    eprintln!(
                        "note: --cloud auto: {} ({})",
                        found.provider.name(),
                        found.evidence
                    );
                    found.provider
                }
            };
            let mut fetch = eniplan::fetch::Fetch::new(provider);
            if let Some(url) = metadata_url {
                fetch.base = url;
            }
            let document = fetch.document()?;
            let names = nic_names_under(&nic, &root)?;
            let (_, plans) = eniplan::plans_from_cloud_metadata(&document, Some(provider), &names)?;
            let os = resolve_auto(&os, None, &root)?;
            let target = Target::parse(&os).map_err(Errors::from)?;
            let mut request = eniplan::engine::Request::new(plans, target, &root);
            request.settle = std::time::Duration::from_secs(settle);
            request.confirm_within = confirm_within.map(std::time::Duration::from_secs);
            run_engine(&request, dry_run, format)
        }
        Cmd::Confirm { root } => {
            require_dir(&root)?;
            let journal = eniplan::engine::confirm(&root)?;
            print(&format!(
                "confirmed: {} on {} is kept\n",
                journal.id, journal.target
            ))
        }
        Cmd::AwaitConfirm { root, id } => {
            eniplan::engine::await_confirmation(&root, &id);
            Ok(())
        }
        Cmd::Rollback { root, format } => {
            require_dir(&root)?;
            report(&eniplan::engine::rollback(&root)?, format)
        }
        Cmd::Drift {
            plan,
            os,
            root,
            ip_json,
            routes,
            format,
        } => {
            let planned = read_plans(&plan)?;
            eniplan::check_plans(&planned, None)?;
            let os = resolve_auto(&os, None, &root)?;
            let target = Target::parse(&os).map_err(Errors::from)?;
            require_dir(&root)?;
            let files = host_files(&root, target)?;
            let runtime = match &ip_json {
                Some(addresses) => Some((
                    read_text(addresses)?,
                    routes.as_deref().map(read_text).transpose()?,
                )),
                None => None,
            };
            let several = planned.len() > 1;
            // The NICs' MACs: the root's /sys, else what each plan says its NIC's MAC is.
            let mut nics = apply::host_nics(&root);
            for plan in &planned {
                if let (Some(name), Some(mac)) = (&plan.interface, &plan.mac) {
                    nics.entry(name.clone())
                        .or_insert_with(|| mac.to_ascii_lowercase().replace('-', ":"));
                }
            }
            let mut drift = Vec::new();
            for plan in &planned {
                let interface = plan.interface.clone().unwrap_or_default();
                let reading = eniplan::read_on(&files, target, Some(&interface), &nics)?;
                report_unread(&reading);
                let mut found = eniplan::drift(plan, &reading.plan, target.family());
                if let Some((addresses, routes)) = &runtime {
                    let state = eniplan::read_ip_json(addresses, routes.as_deref(), &interface)?;
                    for mut difference in
                        eniplan::drift_except(plan, &state.plan, eniplan::NOT_IN_RUNTIME)
                    {
                        difference.field = format!("runtime {}", difference.field);
                        found.push(difference);
                    }
                }
                if several {
                    for difference in &mut found {
                        difference.field = format!("{interface}: {}", difference.field);
                    }
                }
                drift.extend(found);
            }
            print(&match format {
                Format::Json => eniplan::to_json(&drift),
                Format::Text if drift.is_empty() => "the host matches the plan\n".to_string(),
                Format::Text => drift.iter().map(|d| format!("{d}\n")).collect(),
            })?;
            if drift.is_empty() {
                Ok(())
            } else {
                Err(Failure::Differs)
            }
        }
        Cmd::Convert {
            from,
            to,
            root,
            interface,
            mac,
            format,
            write_to,
        } => {
            let from = resolve_auto(&from, None, &root)?;
            let from = Target::parse(&from).map_err(Errors::from)?;
            let to = Target::parse(&to).map_err(Errors::from)?;
            require_dir(&root)?;
            let files = host_files(&root, from)?;
            let mut nics = apply::host_nics(&root);
            if let (Some(name), Some(mac)) = (&interface, &mac) {
                nics.insert(name.clone(), mac.to_ascii_lowercase());
            }
            let (reading, rendering) =
                eniplan::convert_on(&files, from, to, interface.as_deref(), &nics)?;
            report_unread(&reading);
            print(&render_output(
                &[eniplan::Outcome::Rendered(rendering.clone())],
                format,
                false,
            ))?;
            if let Some(root) = write_to {
                write_all(&root, &[rendering], false, false)?;
            }
            Ok(())
        }
        Cmd::Change {
            plans,
            root,
            os,
            os_release,
            format,
        } => {
            let host_root = root.clone().unwrap_or_else(|| PathBuf::from("/"));
            let os = resolve_auto(&os, os_release.as_deref(), &host_root)?;
            let target = Target::parse(&os).map_err(Errors::from)?;
            let rendering = match plans.as_slice() {
                [after] => {
                    let root = root.unwrap_or_else(|| PathBuf::from("/"));
                    require_dir(&root)?;
                    let host = merge_files(&root, target)?;
                    eniplan::render_change_from_host(&read_plans(after)?, &os, &host)?
                }
                [before, after] => {
                    let host = match &root {
                        Some(root) => {
                            require_dir(root)?;
                            merge_files(root, target)?
                        }
                        None => eniplan::HostFiles::new(),
                    };
                    let before = read_plans(before)?;
                    let after = read_plans(after)?;
                    eniplan::render_change_on(&before, Some(&after), &os, &host)?
                }
                _ => unreachable!("clap takes one or two plans"),
            };
            print(&render_output(
                &[eniplan::Outcome::Rendered(rendering)],
                format,
                false,
            ))?;
            Ok(())
        }
        Cmd::Unassign {
            plan,
            root,
            os,
            os_release,
            format,
        } => {
            let host_root = root.clone().unwrap_or_else(|| PathBuf::from("/"));
            let os = resolve_auto(&os, os_release.as_deref(), &host_root)?;
            let plans = read_plans(&plan)?;
            let host = match &root {
                Some(root) => {
                    require_dir(root)?;
                    merge_files(root, Target::parse(&os).map_err(Errors::from)?)?
                }
                None => eniplan::HostFiles::new(),
            };
            let rendering = eniplan::render_change_on(&plans, None, &os, &host)?;
            print(&render_output(
                &[eniplan::Outcome::Rendered(rendering)],
                format,
                false,
            ))?;
            Ok(())
        }
        Cmd::Snapshot { root } => {
            require_dir(&root)?;
            let snapshot = eniplan::HostSnapshot {
                evidence: apply::evidence(&root).map_err(|error| Failure::Io(error.to_string()))?,
                nics: apply::host_nics(&root),
            };
            print(&eniplan::to_json(&snapshot))?;
            Ok(())
        }
        Cmd::Targets { format } => {
            print(&targets_output(format))?;
            Ok(())
        }
        Cmd::Schema => {
            print(&eniplan::to_json(eniplan::plan_schema()))?;
            Ok(())
        }
        Cmd::Validate { plan, os, format } => {
            let os = os
                .map(|os| resolve_auto(&os, None, Path::new("/")))
                .transpose()?;
            let checked = read_plans(&plan)
                .and_then(|plans| Ok(eniplan::check_plans(&plans, os.as_deref())?));
            match (format, checked) {
                (Format::Text, checked) => {
                    checked?;
                    print(&format!("{}: the plan is valid\n", plan.display()))?;
                    Ok(())
                }
                (Format::Json, Ok(())) => print(&eniplan::to_json::<[eniplan::Problem]>(&[])),
                (Format::Json, Err(Failure::Invalid(errors))) => {
                    print(&eniplan::to_json(&errors.problems()))?;
                    Err(Failure::Refused)
                }
                (Format::Json, Err(other)) => Err(other),
            }
        }
    }
}

/// Replaces `auto` in a `--os` selection by the target of the network stack the host under
/// `root` runs (`eniplan::detect`), its os-release file replaced by `os_release` when given;
/// the choice and the evidence behind it are printed on stderr.
fn resolve_auto(
    selection: &str,
    os_release: Option<&Path>,
    root: &Path,
) -> Result<String, Failure> {
    if !selection.split(',').any(|name| name.trim() == "auto") {
        return Ok(selection.to_string());
    }
    require_dir(root)?;
    let mut evidence = apply::evidence(root)?;
    if let Some(path) = os_release {
        evidence.os_release =
            Some(fs::read_to_string(path).map_err(|error| {
                Failure::Io(format!("cannot read {}: {error}", path.display()))
            })?);
    }
    let (resolved, detection) = eniplan::resolve_auto(selection, &evidence)?;
    if let Some(detection) = detection {
        eprintln!(
            "note: --os auto chose {} for the host under {}: {}",
            detection.target.name(),
            root.display(),
            detection.evidence.join("; ")
        );
    }
    Ok(resolved)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        fs::File::open(path).and_then(|mut file| file.read_to_end(&mut bytes).map(|_| ()))
    };
    read.map_err(|error| Failure::Io(format!("cannot read {}: {error}", path.display())))?;
    Ok(bytes)
}

/// One plan or a list of them (an instance).
fn read_plans(path: &Path) -> Result<Vec<EniPlan>, Failure> {
    Ok(eniplan::plans_from_bytes(&read_bytes(path)?)?)
}

fn read_text(path: &Path) -> Result<String, Failure> {
    String::from_utf8(read_bytes(path)?)
        .map_err(|_| Failure::Io(format!("{} is not UTF-8 text", path.display())))
}

/// A directory given as a root must be one: its absence is named.
fn require_dir(root: &Path) -> Result<(), Failure> {
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Failure::Io(format!(
            "{} is not a directory",
            root.display()
        ))),
        Err(error) => Err(Failure::Io(format!(
            "cannot use the root {}: {error}",
            root.display()
        ))),
    }
}

/// The host's files a rendering for `target` is merged with, under `root` (see
/// [`apply::merge_files`]).
fn merge_files(root: &Path, target: Target) -> Result<eniplan::HostFiles, Failure> {
    apply::merge_files(root, target.family()).map_err(Failure::from)
}

/// The files `target`'s reader takes, read under `root` (see [`apply::host_files`]).
fn host_files(root: &Path, target: Target) -> Result<eniplan::HostFiles, Failure> {
    apply::host_files(root, target.family()).map_err(Failure::from)
}

impl From<apply::HostFilesError> for Failure {
    fn from(error: apply::HostFilesError) -> Self {
        match error {
            apply::HostFilesError::Io(message) => Failure::Io(message),
            apply::HostFilesError::Invalid(errors) => Failure::Invalid(errors),
        }
    }
}

/// Prints an apply's or a rollback's report; its exit status.
fn report(report: &eniplan::engine::Report, format: Format) -> Result<(), Failure> {
    print(&match format {
        Format::Json => eniplan::to_json(&report.shown()),
        Format::Text => report.to_string(),
    })?;
    match report.exit_status() {
        0 => Ok(()),
        status => Err(Failure::Status(status)),
    }
}

/// What a reader did not understand, as warnings on stderr.
fn report_unread(reading: &eniplan::Reading) {
    for unread in &reading.unread {
        eprintln!(
            "warning: {}:{}: {} ({})",
            unread.file,
            unread.line,
            unread.text.trim(),
            unread.reason
        );
    }
    for warning in &reading.warnings {
        eprintln!("warning: {warning}");
    }
}

/// The `--nic` pairs, or without any this host's NICs from /sys/class/net/*/address.
/// The values `--cloud` takes.
const CLOUDS: [&str; 4] = ["auto", "aliyun", "aws", "azure"];

/// The plans of a metadata document of `cloud` (`auto`: told by its shape, and said on
/// stderr).
fn metadata_plans(
    path: &Path,
    cloud: &str,
    nic: &[String],
) -> Result<Vec<eniplan::EniPlan>, Failure> {
    let provider = eniplan::Provider::parse(cloud);
    let (read_as, plans) =
        eniplan::plans_from_cloud_metadata(&read_text(path)?, provider, &nic_names(nic)?)?;
    if provider.is_none() {
        eprintln!(
            "note: --cloud auto read {} as {} metadata",
            path.display(),
            eniplan::provider(read_as).describes
        );
    }
    Ok(plans)
}

/// Runs the engine for `request`: the preview with `dry_run` (exit 1 when something is to
/// do), else the apply and its report.
fn run_engine(
    request: &eniplan::engine::Request,
    dry_run: bool,
    format: Format,
) -> Result<(), Failure> {
    if dry_run {
        let preview = eniplan::engine::preview(request)?;
        print(&match format {
            Format::Json => eniplan::to_json(&preview.shown()),
            Format::Text => preview.to_string(),
        })?;
        return if preview.nothing_to_do() {
            Ok(())
        } else {
            Err(Failure::Differs)
        };
    }
    report(&eniplan::engine::apply(request)?, format)
}

fn nic_names(pairs: &[String]) -> Result<eniplan::NicNames, Failure> {
    nic_names_under(pairs, Path::new("/"))
}

/// The NIC names `--nic` gives, else those of `root`'s /sys/class/net by MAC.
fn nic_names_under(pairs: &[String], root: &Path) -> Result<eniplan::NicNames, Failure> {
    if !pairs.is_empty() {
        return Ok(eniplan::NicNames::from_pairs(pairs)?);
    }
    let mut names = eniplan::NicNames::new();
    let dir = root.join("sys/class/net");
    let entries = fs::read_dir(&dir).map_err(|error| {
        Failure::Io(format!(
            "cannot list {}: {error}; give --nic MAC=NAME",
            dir.display()
        ))
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(mac) = fs::read_to_string(entry.path().join("address")) {
            // Loopback and tunnels have no unicast MAC; they are no ENI.
            let _ = names.insert(mac.trim(), &name);
        }
    }
    Ok(names)
}

fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`eniplan | head`) is the reader's choice, not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::Io(format!("cannot write output: {error}"))),
    }
}

/// Prints each refusal of a selection to stderr; a single target's refusal is the request's
/// error. Returns whether any target refused.
fn report_refusals(outcomes: &[eniplan::Outcome], many: bool) -> Result<bool, Failure> {
    let mut refused = false;
    for outcome in outcomes {
        if let eniplan::Outcome::Refused(refusal) = outcome {
            if !many {
                return Err(Failure::Invalid(refusal.errors.clone()));
            }
            refused = true;
            eprintln!(
                "error: {} cannot render the plan: {}",
                refusal.target, refusal.errors
            );
        }
    }
    Ok(refused)
}

fn render_output(outcomes: &[eniplan::Outcome], format: Format, many: bool) -> String {
    match (format, many, outcomes) {
        (Format::Json, false, [eniplan::Outcome::Rendered(one)]) => one.to_json(),
        (Format::Json, _, _) => eniplan::to_json(outcomes),
        (Format::Text, _, _) => outcomes
            .iter()
            .map(|outcome| match outcome {
                eniplan::Outcome::Rendered(rendering) => rendering.to_text(),
                eniplan::Outcome::Refused(refusal) => format!(
                    "### {} ({} family)\n\ncannot render the plan: {}\n",
                    refusal.target,
                    refusal.family.name(),
                    refusal.errors
                ),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn targets_output(format: Format) -> String {
    match format {
        Format::Json => {
            let targets: Vec<TargetInfo> = Target::all().map(TargetInfo::from).collect();
            eniplan::to_json(&targets)
        }
        Format::Text => {
            let mut out = String::new();
            for target in Target::all() {
                let restart: Vec<String> = target
                    .restart()
                    .into_iter()
                    .map(|command| command.shell)
                    .collect();
                let restart = if restart.is_empty() {
                    "(none needed)".to_string()
                } else {
                    restart.join(" && ")
                };
                out.push_str(&format!(
                    "{:<15} {:<9} {:<48} {}\n",
                    target.name(),
                    target.family().name(),
                    target.description(),
                    restart
                ));
            }
            out
        }
    }
}

/// Writes every rendering under `root` through [`eniplan::apply`]: directly when there is one,
/// under `root/<target>/` when there are several (their files share paths such as the
/// cloud-init file). With `dry_run` nothing is written and each file's action is listed.
/// Returns whether anything changed (or would).
fn write_all(
    root: &Path,
    renderings: &[Rendering],
    many: bool,
    dry_run: bool,
) -> Result<bool, Failure> {
    let mut changed = false;
    for rendering in renderings {
        let base = if many {
            let base = root.join(&rendering.target);
            if fs::symlink_metadata(&base).is_ok_and(|meta| meta.file_type().is_symlink()) {
                return Err(Failure::Io(format!(
                    "refusing to follow the symlink {} under the root",
                    base.display()
                )));
            }
            base
        } else {
            root.to_path_buf()
        };
        let files = if dry_run {
            apply::changes(rendering, &base).map_err(|error| Failure::Io(error.to_string()))?
        } else {
            apply::apply(rendering, &base, apply::Options::default())
                .map_err(|error| Failure::Io(error.to_string()))?
                .files
        };
        for change in &files {
            let verb = match (change.action, dry_run) {
                (apply::Action::Create | apply::Action::Update, false) => "wrote",
                (apply::Action::Delete, false) => "deleted",
                (apply::Action::Create, true) => "would create",
                (apply::Action::Update, true) => "would update",
                (apply::Action::Delete, true) => "would delete",
                (apply::Action::Unchanged, _) => "unchanged",
            };
            changed |= change.action != apply::Action::Unchanged;
            eprintln!("{verb} {}", change.destination.display());
        }
    }
    Ok(changed)
}

//! No Windows here, so both Windows families run against a model of one adapter's IP state and
//! of what the documented commands do to it. The rule the model holds to is the one Microsoft
//! documents for NetTCPIP and netsh: an `add`/`New-*` of an object that already exists is an
//! error, and so is a `delete`/`Remove-*` of one that does not; `Set-*` and netsh `set` change a
//! value in place (netsh's IPv4 `set address … source=static` replaces the adapter's whole IPv4
//! configuration). Each command list runs twice: the first run must end in the planned state,
//! the second must fail nothing and leave that state as it is.

use std::collections::BTreeMap;
use std::net::IpAddr;

use eniplan::{Command, Guard, Plan};

/// One address on the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub prefix: u8,
    pub skip_as_source: bool,
    /// Leased from DHCP rather than set statically.
    pub leased: bool,
}

/// One adapter's IP state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub dhcp: bool,
    pub addresses: BTreeMap<IpAddr, Address>,
    /// `(destination prefix, next hop)` → leased from DHCP.
    pub routes: BTreeMap<(String, IpAddr), bool>,
    pub dns4: Vec<IpAddr>,
    pub dns6: Vec<IpAddr>,
}

/// What one command did to the host.
pub type Outcome = Result<bool, String>;

impl Host {
    /// A freshly booted ECS instance: DHCP on, the primary leased with its default route, and
    /// Alibaba Cloud's DNS servers from the lease.
    pub fn fresh(plan: &Plan) -> Self {
        let mut host = Host {
            dhcp: true,
            addresses: BTreeMap::new(),
            routes: BTreeMap::new(),
            dns4: ["100.100.2.136", "100.100.2.138"]
                .iter()
                .map(|s| s.parse().expect("address"))
                .collect(),
            dns6: Vec::new(),
        };
        host.addresses.insert(
            IpAddr::V4(plan.primary()),
            Address {
                prefix: plan.prefix_len(),
                skip_as_source: false,
                leased: true,
            },
        );
        if let Some(gateway) = plan.gateway() {
            host.routes
                .insert(("0.0.0.0/0".into(), IpAddr::V4(gateway)), true);
        }
        host
    }

    /// The state a plan asks for: DHCP off, every address static with only the first of each
    /// version usable as a source, the default routes, and the plan's DNS servers (the lease's
    /// when the plan has none).
    pub fn planned(plan: &Plan) -> Self {
        let mut host = Host::fresh(plan);
        host.dhcp = false;
        host.addresses.clear();
        host.routes.clear();
        for (index, address) in plan.ipv4_addresses().enumerate() {
            host.addresses.insert(
                IpAddr::V4(address),
                Address {
                    prefix: plan.prefix_len(),
                    skip_as_source: index > 0,
                    leased: false,
                },
            );
        }
        if let Some(gateway) = plan.gateway() {
            host.routes
                .insert(("0.0.0.0/0".into(), IpAddr::V4(gateway)), false);
        }
        if let Some(ipv6) = plan.ipv6() {
            for (index, address) in ipv6.addresses().iter().enumerate() {
                host.addresses.insert(
                    IpAddr::V6(*address),
                    Address {
                        prefix: ipv6.prefix_len(),
                        skip_as_source: index > 0,
                        leased: false,
                    },
                );
            }
            if let Some(gateway) = ipv6.gateway() {
                host.routes
                    .insert(("::/0".into(), IpAddr::V6(gateway)), false);
            }
        }
        if !plan.dns().is_empty() {
            host.dns4 = plan.dns().iter().copied().filter(IpAddr::is_ipv4).collect();
            host.dns6 = plan.dns().iter().copied().filter(IpAddr::is_ipv6).collect();
        }
        host
    }

    /// `Set-NetIPInterface -Dhcp Disabled`: the lease's address and routes go.
    pub fn disable_dhcp(&mut self) -> Outcome {
        let before = self.clone();
        self.dhcp = false;
        self.addresses.retain(|_, address| !address.leased);
        self.routes.retain(|_, leased| !*leased);
        Ok(*self != before)
    }

    pub fn has_address(&self, address: IpAddr) -> bool {
        self.addresses.contains_key(&address)
    }

    pub fn add_address(&mut self, address: IpAddr, prefix: u8, skip_as_source: bool) -> Outcome {
        if self.has_address(address) {
            return Err(format!("{address} already exists"));
        }
        self.addresses.insert(
            address,
            Address {
                prefix,
                skip_as_source,
                leased: false,
            },
        );
        Ok(true)
    }

    pub fn remove_address(&mut self, address: IpAddr) -> Outcome {
        self.addresses
            .remove(&address)
            .map(|_| true)
            .ok_or_else(|| format!("no address {address} to remove"))
    }

    /// netsh `ipv6 set address`: modifies an address that exists.
    pub fn modify_address(&mut self, address: IpAddr, skip_as_source: Option<bool>) -> Outcome {
        let entry = self
            .addresses
            .get_mut(&address)
            .ok_or_else(|| format!("no address {address} to modify"))?;
        let before = entry.clone();
        if let Some(skip) = skip_as_source {
            entry.skip_as_source = skip;
        }
        Ok(*entry != before)
    }

    pub fn has_route(&self, destination: &str, next_hop: IpAddr) -> bool {
        self.routes
            .contains_key(&(destination.to_string(), next_hop))
    }

    pub fn add_route(&mut self, destination: &str, next_hop: IpAddr) -> Outcome {
        if self
            .routes
            .insert((destination.to_string(), next_hop), false)
            .is_some()
        {
            return Err(format!("route {destination} via {next_hop} already exists"));
        }
        Ok(true)
    }

    /// netsh `ipv4 set address … source=static`: the adapter's IPv4 addresses and default
    /// route become exactly this address and gateway.
    pub fn replace_ipv4(&mut self, address: IpAddr, prefix: u8, gateway: IpAddr) -> Outcome {
        let before = self.clone();
        self.dhcp = false;
        self.addresses.retain(|address, _| address.is_ipv6());
        self.routes
            .retain(|(destination, _), _| destination != "0.0.0.0/0");
        self.addresses.insert(
            address,
            Address {
                prefix,
                skip_as_source: false,
                leased: false,
            },
        );
        self.routes.insert(("0.0.0.0/0".into(), gateway), false);
        Ok(*self != before)
    }

    fn dns_list(&mut self, v4: bool) -> &mut Vec<IpAddr> {
        if v4 {
            &mut self.dns4
        } else {
            &mut self.dns6
        }
    }

    /// `Set-DnsClientServerAddress`: both lists at once.
    pub fn set_dns(&mut self, servers: &[IpAddr]) -> Outcome {
        let before = (self.dns4.clone(), self.dns6.clone());
        self.dns4 = servers.iter().copied().filter(IpAddr::is_ipv4).collect();
        self.dns6 = servers.iter().copied().filter(IpAddr::is_ipv6).collect();
        Ok((self.dns4.clone(), self.dns6.clone()) != before)
    }

    /// netsh `set dnsservers source=static`: the family's list becomes this one server.
    pub fn replace_dns(&mut self, v4: bool, server: IpAddr) -> Outcome {
        let list = self.dns_list(v4);
        let changed = *list != [server];
        *list = vec![server];
        Ok(changed)
    }

    /// netsh `add dnsservers … index=n`.
    pub fn insert_dns(&mut self, v4: bool, server: IpAddr, index: usize) -> Outcome {
        let list = self.dns_list(v4);
        if list.contains(&server) {
            return Err(format!("DNS server {server} is already in the list"));
        }
        let at = index.saturating_sub(1).min(list.len());
        list.insert(at, server);
        Ok(true)
    }
}

/// How one family's commands act on the host.
pub trait Shell {
    /// Checks that the command's line is its guard and argv, in this shell's syntax.
    fn check_line(&self, command: &Command) -> Result<(), String>;
    /// Runs one argv: a probe (`Get-*`: `Ok(true)` when it finds something) or a command.
    fn run(&self, argv: &[String], host: &mut Host) -> Outcome;
    /// Whether this argv only looks (a `Get-*` probe) rather than changing anything.
    fn is_probe(&self, argv: &[String]) -> bool;
}

/// One run of a command list.
#[derive(Debug, Default)]
pub struct Run {
    /// Each command that failed, with why.
    pub failures: Vec<String>,
    /// Each command that changed the host.
    pub changes: Vec<String>,
}

/// Runs the commands in order, each as its guard says, the way the shell runs its line.
pub fn run(shell: &dyn Shell, commands: &[Command], host: &mut Host) -> Run {
    let mut outcome = Run::default();
    for command in commands {
        let mut record = |argv: &[String], result: Outcome| match result {
            Ok(true) => outcome.changes.push(argv.join(" ")),
            Ok(false) => {}
            Err(error) => outcome.failures.push(format!("{}: {error}", command.shell)),
        };
        let probe = |argv: &[String], host: &mut Host| -> Result<bool, String> {
            if !shell.is_probe(argv) {
                return Err(format!("the guard {argv:?} is not a query"));
            }
            shell.run(argv, host)
        };
        match &command.guard {
            None => record(&command.argv, shell.run(&command.argv, host)),
            Some(Guard::UnlessFound(query)) => match probe(query, host) {
                Ok(true) => {}
                Ok(false) => record(&command.argv, shell.run(&command.argv, host)),
                Err(error) => record(query, Err(error)),
            },
            Some(Guard::IfFound(query)) => match probe(query, host) {
                Ok(true) => record(&command.argv, shell.run(&command.argv, host)),
                Ok(false) => {}
                Err(error) => record(query, Err(error)),
            },
            Some(Guard::UnlessSucceeds(first)) => match shell.run(first, host) {
                Ok(changed) => record(first, Ok(changed)),
                Err(_) => record(&command.argv, shell.run(&command.argv, host)),
            },
            Some(Guard::AfterEnsuring(first)) | Some(Guard::AfterRemoving(first)) => {
                // The line discards `first`'s error: only what it changed counts.
                if let Ok(true) = shell.run(first, host) {
                    record(first, Ok(true));
                }
                record(&command.argv, shell.run(&command.argv, host));
            }
        }
    }
    outcome
}

/// Describes how two host states differ, for a failure message.
pub fn difference(got: &Host, want: &Host) -> String {
    let mut parts = Vec::new();
    if got.dhcp != want.dhcp {
        parts.push(format!("dhcp {} (planned {})", got.dhcp, want.dhcp));
    }
    if got.addresses != want.addresses {
        parts.push(format!(
            "addresses {:?}\n  planned {:?}",
            got.addresses, want.addresses
        ));
    }
    if got.routes != want.routes {
        parts.push(format!(
            "routes {:?}, planned {:?}",
            got.routes, want.routes
        ));
    }
    if (&got.dns4, &got.dns6) != (&want.dns4, &want.dns6) {
        parts.push(format!(
            "DNS {:?} {:?}, planned {:?} {:?}",
            got.dns4, got.dns6, want.dns4, want.dns6
        ));
    }
    parts.join("; ")
}

/// Runs `commands` twice on `host`: the first run must fail nothing and end in `want`; the
/// second must fail nothing and leave the host as it is. `strict`: the second run may not
/// change anything even for a moment (every command skipped or a no-op), which PowerShell's
/// guarded cmdlets allow and netsh's replacing `set address` does not.
pub fn run_twice(
    shell: &dyn Shell,
    commands: &[Command],
    mut host: Host,
    want: &Host,
    strict: bool,
) -> Result<(Run, Host), String> {
    for command in commands {
        shell.check_line(command)?;
    }
    let first = run(shell, commands, &mut host);
    if !first.failures.is_empty() {
        return Err(format!("first run failed: {:?}", first.failures));
    }
    if host != *want {
        return Err(format!("after the first run: {}", difference(&host, want)));
    }
    let settled = host.clone();
    let second = run(shell, commands, &mut host);
    if !second.failures.is_empty() {
        return Err(format!("second run failed: {:?}", second.failures));
    }
    if host != settled {
        return Err(format!(
            "the second run changed the host: {}",
            difference(&host, &settled)
        ));
    }
    if strict && !second.changes.is_empty() {
        return Err(format!(
            "the second run changed something on the way: {:?}",
            second.changes
        ));
    }
    Ok((first, host))
}

impl Host {
    /// The host as Windows reports it: `Get-NetIPAddress | ConvertTo-Json` and
    /// `Get-NetIPConfiguration | ConvertTo-Json` (AddressFamily as the enum's number).
    pub fn as_json(&self, adapter: &str) -> (String, String) {
        let addresses: Vec<serde_json::Value> = self
            .addresses
            .iter()
            .map(|(address, a)| {
                serde_json::json!({
                    "IPAddress": address.to_string(),
                    "InterfaceAlias": adapter,
                    "AddressFamily": if address.is_ipv6() { 23 } else { 2 },
                    "PrefixLength": a.prefix,
                    "PrefixOrigin": if a.leased { 3 } else { 1 },
                    "SkipAsSource": a.skip_as_source,
                })
            })
            .collect();
        let hop = |v6: bool| -> Vec<serde_json::Value> {
            self.routes
                .keys()
                .filter(|(_, hop)| hop.is_ipv6() == v6)
                .map(|(destination, hop)| serde_json::json!({"DestinationPrefix": destination, "NextHop": hop.to_string()}))
                .collect()
        };
        let configuration = serde_json::json!({
            "InterfaceAlias": adapter,
            "IPv4DefaultGateway": hop(false),
            "IPv6DefaultGateway": hop(true),
            "DNSServer": [
                {"ServerAddresses": self.dns4.iter().map(|d| d.to_string()).collect::<Vec<_>>(), "AddressFamily": 2},
                {"ServerAddresses": self.dns6.iter().map(|d| d.to_string()).collect::<Vec<_>>(), "AddressFamily": 23},
            ],
        });
        (
            serde_json::Value::Array(addresses).to_string(),
            configuration.to_string(),
        )
    }
}

/// The Windows runtime reader reads the state a command list left back to the plan (Windows
/// keeps no MAC and no mode: a DHCP plan goes static).
pub fn reads_back(host: &Host, item: &crate::support::Item) -> Result<(), String> {
    let (addresses, configuration) = host.as_json(item.plan.interface());
    let reading =
        eniplan::read_windows_json(&addresses, Some(&configuration), item.plan.interface())
            .map_err(|e| e.to_string())?;
    let mut expected = item.raw.clone();
    if expected.dns.is_empty() {
        // The lease's servers stay when the plan names none.
        expected.dns = reading.plan.dns.clone();
    }
    let drift = eniplan::drift_except(&expected, &reading.plan, &["connection", "mode", "mac"]);
    if drift.is_empty() {
        Ok(())
    } else {
        Err(format!("the adapter reads back differently: {drift:?}"))
    }
}

/// Splits `line` at the first `separator` outside the quotes `is_quote` recognises (a quote
/// character toggles; a doubled one toggles twice, which is what PowerShell's doubling means).
pub fn split_outside_quotes<'l>(
    line: &'l str,
    separator: &str,
    is_quote: fn(char) -> bool,
) -> Option<(&'l str, &'l str)> {
    let mut quoted = false;
    for (index, c) in line.char_indices() {
        if is_quote(c) {
            quoted = !quoted;
        } else if !quoted && line[index..].starts_with(separator) {
            return Some((&line[..index], &line[index + separator.len()..]));
        }
    }
    None
}

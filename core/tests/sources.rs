//! Plans from instance metadata and from the ECS API, driven by files: every document in
//! `tests/sources/metadata/valid/` (written from Alibaba Cloud's instance-metadata reference,
//! with its NIC names beside it in `<name>.nics`) becomes plans, pinned in
//! `snapshots/sources/`, and an instance rendering for every family; every document in
//! `invalid/` must be refused, each problem naming its key path. Adding a case is adding a
//! file.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use eniplan::{ApiContext, EniPlan, NicNames, OsFamily, Provider, Target};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("snapshots/sources"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

fn names_beside(document: &Path) -> NicNames {
    let path = document.with_extension("nics");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let pairs: Vec<&str> = text.lines().filter(|line| !line.is_empty()).collect();
    NicNames::from_pairs(&pairs).expect("a valid .nics file")
}

fn documents(kind: &str) -> Vec<(String, PathBuf)> {
    documents_in("metadata", kind)
}

/// The documents of `tests/sources/<dir>/<kind>/`, by name.
fn documents_in(dir: &str, kind: &str) -> Vec<(String, PathBuf)> {
    let dir = workspace().join("tests/sources").join(dir).join(kind);
    let mut documents: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .expect("documents")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let stem = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (stem, path)
        })
        .collect();
    documents.sort();
    documents
}

/// Every private IPv4 address the document lists for `mac`, in its order.
fn listed_ipv4(document: &serde_json::Value, mac: &str) -> Vec<IpAddr> {
    let macs = &document
        .pointer("/network/interfaces/macs")
        .or_else(|| document.pointer("/latest/meta-data/network/interfaces/macs"))
        .expect("macs");
    let eni = macs
        .get(mac)
        .or_else(|| macs.get(format!("{mac}/")))
        .expect("the ENI");
    let text = match &eni["private-ipv4s"] {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|part| part.parse().ok())
        .collect()
}

#[test]
fn metadata_documents_become_the_plans_they_describe() {
    let documents = documents("valid");
    assert!(documents.len() >= 6, "at least six shapes");
    let mut two_eni_documents = 0;
    for (name, path) in documents {
        let text = fs::read_to_string(&path).expect("document");
        let plans = eniplan::plans_from_metadata(&text, &names_beside(&path))
            .unwrap_or_else(|errors| panic!("{name}: {errors}"));
        let document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        // Every listed address is planned exactly once, the primary never as a secondary.
        for plan in &plans {
            let mac = plan.mac.as_deref().expect("a mac");
            let mut planned: Vec<IpAddr> = std::iter::once(plan.primary.clone())
                .flatten()
                .chain(plan.secondaries.iter().cloned())
                .map(|a| a.parse().expect("address"))
                .collect();
            let mut listed = listed_ipv4(&document, mac);
            assert!(!plan
                .secondaries
                .contains(plan.primary.as_ref().expect("primary")));
            planned.sort();
            listed.sort();
            assert_eq!(planned, listed, "{name}: {mac}");
        }
        // The primary ENI first, without a table; every other ENI with its own, all distinct.
        assert_eq!(plans[0].route_table, None, "{name}");
        let mut tables: Vec<u32> = plans[1..].iter().filter_map(|p| p.route_table).collect();
        assert_eq!(
            tables.len(),
            plans.len() - 1,
            "{name}: every other ENI has a table"
        );
        tables.dedup();
        assert_eq!(tables.len(), plans.len() - 1, "{name}: tables distinct");
        if plans.len() > 1 {
            two_eni_documents += 1;
        }
        // The instance renders for every family.
        let validated: Vec<_> = plans
            .iter()
            .map(|plan| plan.validate().expect("valid"))
            .collect();
        for target in Target::families() {
            let rendering = eniplan::render_instance(&validated, target)
                .unwrap_or_else(|errors| panic!("{name} for {target}: {errors}"));
            let mut paths: Vec<&str> = rendering.files.iter().map(|f| f.path.as_str()).collect();
            let count = paths.len();
            paths.sort_unstable();
            paths.dedup();
            assert_eq!(
                paths.len(),
                count,
                "{name} for {target}: a file written twice"
            );
        }
        let yaml = yaml_serde::to_string(&plans).expect("YAML");
        settings().bind(|| {
            insta::assert_snapshot!(
                format!("metadata-{name}"),
                format!("{text}\n=== plans\n{yaml}")
            )
        });
    }
    assert!(two_eni_documents >= 2);
}

#[test]
fn partial_or_contradictory_metadata_is_refused_naming_the_key_path() {
    let documents = documents("invalid");
    assert!(documents.len() >= 8);
    for (name, path) in documents {
        let text = fs::read_to_string(&path).expect("document");
        let errors = match eniplan::plans_from_metadata(&text, &names_beside(&path)) {
            Ok(plans) => panic!("{name}: planned {plans:?} from partial metadata"),
            Err(errors) => errors,
        };
        for error in &errors {
            let field = error.field();
            assert!(
                field == "mac" || field.starts_with("network"),
                "{name}: `{field}` is not a key path"
            );
        }
        settings().bind(|| {
            insta::assert_snapshot!(format!("metadata-invalid-{name}"), errors.to_string())
        });
    }
}

/// Interface, primary, secondaries and route table of a plan.
type Summary = (Option<String>, Option<String>, Vec<String>, Option<u32>);

#[test]
fn api_output_becomes_the_same_plans_as_the_metadata() {
    let dir = workspace().join("tests/sources/api");
    let interfaces = fs::read_to_string(dir.join("two-enis.interfaces.json")).expect("file");
    let vswitches = fs::read_to_string(dir.join("vswitches.json")).expect("file");
    let mut context = ApiContext {
        names: NicNames::from_pairs(&["00:16:3e:16:43:aa=eth0", "00:16:3e:16:43:bb=eth1"])
            .expect("names"),
        region: Some("cn-hangzhou".into()),
        instance: Some("i-bp1example0001".into()),
        ..ApiContext::default()
    };
    context.add_gateway("vsw-bp1first01=192.168.1.253");
    context.add_gateway("vsw-bp1second02=192.168.2.253");
    let plans = eniplan::plans_from_api(&interfaces, &vswitches, &context).expect("plans");
    let summary = |plans: &[EniPlan]| -> Vec<Summary> {
        plans
            .iter()
            .map(|p| {
                (
                    p.interface.clone(),
                    p.primary.clone(),
                    p.secondaries.clone(),
                    p.route_table,
                )
            })
            .collect()
    };
    let metadata = workspace().join("tests/sources/metadata/valid/two-enis-ipv6-on-one.json");
    let from_metadata = eniplan::plans_from_metadata(
        &fs::read_to_string(&metadata).expect("file"),
        &names_beside(&metadata),
    )
    .expect("plans");
    // The metadata document describes the same instance with one more secondary on eth1.
    let mut expected = summary(&from_metadata);
    expected[1].2.retain(|address| address != "192.168.2.12");
    assert_eq!(summary(&plans), expected);
    settings().bind(|| {
        insta::assert_snapshot!("api-two-enis", yaml_serde::to_string(&plans).expect("YAML"))
    });

    // Without the gateway, the instance or a NIC name, every gap is named.
    let bare = ApiContext::default();
    let errors = eniplan::plans_from_api(&interfaces, &vswitches, &bare).expect_err("refused");
    assert_eq!(errors.as_slice()[0].field(), "instance");
    let only_instance = ApiContext {
        instance: Some("i-bp1example0001".into()),
        ..ApiContext::default()
    };
    let errors =
        eniplan::plans_from_api(&interfaces, &vswitches, &only_instance).expect_err("refused");
    let fields: Vec<&str> = errors.as_slice().iter().map(|e| e.field()).collect();
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("gateway (vsw-bp1second02)")),
        "{fields:?}"
    );
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("gateway (vsw-bp1first01)")),
        "{fields:?}"
    );
}

/// SUSE's netconfig keeps one DNS list for the host: a second ENI with other servers is named
/// in a warning, never dropped in silence; the same servers on both say nothing.
#[test]
fn an_instance_whose_enis_differ_in_dns_says_which_list_suse_keeps() {
    let plans = |second_dns: &str| -> Vec<eniplan::Plan> {
        let text = format!(
            "- {{interface: eth0, primary: 192.168.1.201, prefix: 24, gateway: 192.168.1.253, \
             dns: [100.100.2.136]}}\n\
             - {{interface: eth1, primary: 192.168.2.10, prefix: 24, gateway: 192.168.2.253, \
             route_table: 1001, dns: [{second_dns}]}}\n"
        );
        eniplan::plans_from_text(&text)
            .expect("plans")
            .iter()
            .map(|plan| plan.validate().expect("valid"))
            .collect()
    };
    let target = Target::parse("sles-15").expect("target");
    let differing = eniplan::render_instance(&plans("10.0.0.53"), target).expect("renders");
    let warning = differing
        .warnings
        .iter()
        .find(|w| w.starts_with("eth1: its DNS servers (10.0.0.53) are not used"))
        .unwrap_or_else(|| panic!("no DNS warning in {:#?}", differing.warnings));
    assert!(warning.contains("eth0's (100.100.2.136)"), "{warning}");
    let sed: Vec<&String> = differing
        .commands
        .iter()
        .flat_map(|c| &c.argv)
        .filter(|word| word.contains("NETCONFIG_DNS_STATIC_SERVERS"))
        .collect();
    assert_eq!(sed.len(), 1, "{sed:?}");
    assert!(sed[0].contains("\"100.100.2.136\""), "{}", sed[0]);
    let same = eniplan::render_instance(&plans("100.100.2.136"), target).expect("renders");
    assert!(
        !same.warnings.iter().any(|w| w.contains("DNS servers")),
        "{:#?}",
        same.warnings
    );
}

/// Every private IPv4 address an EC2 or Azure document lists for `mac`, in its order.
fn listed_by_provider(provider: Provider, document: &serde_json::Value, mac: &str) -> Vec<String> {
    match provider {
        Provider::Aws => {
            let tree = document.pointer("/latest/meta-data").unwrap_or(document);
            let macs = &tree["network"]["interfaces"]["macs"];
            let eni = macs
                .get(mac)
                .or_else(|| macs.get(format!("{mac}/")))
                .expect("the ENI");
            eni["local-ipv4s"]
                .as_str()
                .expect("text")
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| line.trim().to_string())
                .collect()
        }
        Provider::Azure => {
            let interfaces = document
                .pointer("/network/interface")
                .or_else(|| document.get("interface"))
                .and_then(|list| list.as_array())
                .expect("interfaces");
            let wanted = mac.replace(':', "").to_uppercase();
            let nic = interfaces
                .iter()
                .find(|nic| {
                    nic["macAddress"].as_str().map(str::to_uppercase) == Some(wanted.clone())
                })
                .expect("the NIC");
            nic["ipv4"]["ipAddress"]
                .as_array()
                .expect("addresses")
                .iter()
                .map(|entry| {
                    entry["privateIpAddress"]
                        .as_str()
                        .expect("address")
                        .to_string()
                })
                .collect()
        }
        Provider::Aliyun => unreachable!("Alibaba Cloud's documents have their own test"),
    }
}

/// EC2's and Azure's metadata documents (tests/sources/aws/, tests/sources/azure/, written from
/// each provider's metadata reference) become their plans: the provider told by the document's
/// shape and said in every plan, every listed address planned once (the first the primary),
/// EC2's route tables keyed by device and network card whatever the NICs' names, Azure's
/// primary the NIC the OS names first whatever IMDS's order, and the instance renders for every
/// OS family; the cloud target makes EC2's own calls (`aws ec2 …`) and refuses Azure's NICs,
/// whose ip-configs a plan does not name. Every invalid document is refused,
/// each problem naming its key path.
#[test]
fn aws_and_azure_metadata_become_their_plans() {
    for (provider, dir) in [(Provider::Aws, "aws"), (Provider::Azure, "azure")] {
        let valid = documents_in(dir, "valid");
        assert!(valid.len() >= 3, "{dir}: at least three shapes");
        for (name, path) in valid {
            let text = fs::read_to_string(&path).expect("document");
            let names = names_beside(&path);
            let (detected, plans) = eniplan::plans_from_cloud_metadata(&text, None, &names)
                .unwrap_or_else(|errors| panic!("{dir}/{name}: {errors}"));
            assert_eq!(detected, provider, "{dir}/{name}");
            let (_, told) = eniplan::plans_from_cloud_metadata(&text, Some(provider), &names)
                .expect("the same document, its provider named");
            assert_eq!(told, plans);
            let document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            for plan in &plans {
                let mac = plan.mac.as_deref().expect("a mac");
                let planned: Vec<String> = std::iter::once(plan.primary.clone().expect("primary"))
                    .chain(plan.secondaries.iter().cloned())
                    .collect();
                assert_eq!(
                    planned,
                    listed_by_provider(provider, &document, mac),
                    "{name}: {mac}"
                );
                assert_eq!(plan.cloud.as_ref().and_then(|c| c.provider), Some(provider));
            }
            assert_eq!(
                plans[0].route_table, None,
                "{dir}/{name}: the primary has the main table"
            );
            let mut tables: Vec<u32> = plans[1..].iter().filter_map(|p| p.route_table).collect();
            assert_eq!(tables.len(), plans.len() - 1);
            tables.sort_unstable();
            tables.dedup();
            assert_eq!(
                tables.len(),
                plans.len() - 1,
                "{dir}/{name}: tables distinct"
            );
            let validated: Vec<_> = plans.iter().map(|p| p.validate().expect("valid")).collect();
            for target in Target::families() {
                let rendering = eniplan::render_instance(&validated, target);
                if target.family() == OsFamily::Cloud && provider == Provider::Azure {
                    // IMDS names the resource group (in `compute`) but no NIC resource: the
                    // cloud target asks for what the document cannot give, and with the NIC
                    // names added makes Azure's own calls.
                    let errors = rendering.expect_err("IMDS names no NIC resource");
                    let fields: Vec<&str> = errors.as_slice().iter().map(|e| e.field()).collect();
                    assert!(fields.contains(&"cloud.nic_name"), "{dir}/{name}: {errors}");
                    assert!(
                        fields
                            .iter()
                            .all(|f| ["cloud.nic_name", "cloud.resource_group"].contains(f)),
                        "{dir}/{name}: {errors}"
                    );
                    let named: Vec<_> = plans
                        .iter()
                        .enumerate()
                        .map(|(index, plan)| {
                            let mut plan = plan.clone();
                            let cloud = plan.cloud.as_mut().expect("cloud");
                            cloud.resource_group.get_or_insert_with(|| "rg1".into());
                            cloud.nic_name = Some(format!("vm1-nic{index}"));
                            plan.validate().expect("valid")
                        })
                        .collect();
                    match eniplan::render_instance(&named, target) {
                        Ok(rendering) => {
                            for command in rendering.commands.iter().chain(&rendering.verify) {
                                assert_eq!(
                                    command.argv[..2],
                                    ["az", "network"],
                                    "{}",
                                    command.shell
                                );
                            }
                        }
                        // A second IPv6 address needs an ip-config naming its virtual network
                        // and subnet, which a plan does not carry: refused, saying so.
                        Err(errors) => {
                            let extra_ipv6 = named
                                .iter()
                                .any(|plan| plan.ipv6().is_some_and(|v6| v6.addresses().len() > 1));
                            assert!(extra_ipv6, "{dir}/{name}: {errors}");
                            assert!(
                                errors
                                    .as_slice()
                                    .iter()
                                    .all(|e| e.field() == "ipv6.addresses"),
                                "{dir}/{name}: {errors}"
                            );
                        }
                    }
                } else if target.family() == OsFamily::Cloud {
                    // The plan's own cloud's calls, never another's.
                    let rendering = rendering.expect("aws calls");
                    for command in rendering.commands.iter().chain(&rendering.verify) {
                        assert_eq!(command.argv[..2], ["aws", "ec2"], "{}", command.shell);
                    }
                } else {
                    rendering
                        .unwrap_or_else(|errors| panic!("{dir}/{name} for {target}: {errors}"));
                }
            }
            let yaml = yaml_serde::to_string(&plans).expect("YAML");
            settings().bind(|| {
                insta::assert_snapshot!(
                    format!("{dir}-{name}"),
                    format!("{text}\n=== plans\n{yaml}")
                )
            });
        }
        let invalid = documents_in(dir, "invalid");
        assert!(invalid.len() >= 6, "{dir}: at least six refusals");
        for (name, path) in invalid {
            let text = fs::read_to_string(&path).expect("document");
            let errors = match eniplan::plans_from_cloud_metadata(
                &text,
                Some(provider),
                &names_beside(&path),
            ) {
                Ok((_, plans)) => panic!("{dir}/{name}: planned {plans:?} from partial metadata"),
                Err(errors) => errors,
            };
            for error in &errors {
                let field = error.field();
                assert!(
                    field == "mac"
                        || field.starts_with("network")
                        || field.starts_with("interface"),
                    "{dir}/{name}: `{field}` is not a key path"
                );
            }
            settings().bind(|| {
                insta::assert_snapshot!(format!("{dir}-invalid-{name}"), errors.to_string())
            });
        }
    }
}

/// The route tables of EC2's ENIs: amazon-ec2-net-utils' 10000 + 100 × network card + device,
/// whatever the order the OS names the NICs in.
#[test]
fn aws_route_tables_follow_the_device_not_the_name() {
    let path = workspace().join("tests/sources/aws/valid/enis-out-of-order.json");
    let plans = eniplan::plans_from_metadata(
        &fs::read_to_string(&path).expect("document"),
        &names_beside(&path),
    )
    .expect("plans");
    let tables: Vec<(&str, Option<u32>)> = plans
        .iter()
        .map(|p| (p.interface.as_deref().expect("name"), p.route_table))
        .collect();
    assert_eq!(
        tables,
        [
            ("ens5", None),
            ("ens6", Some(10002)),
            ("ens7", Some(10001)),
            ("ens8", Some(10100))
        ]
    );
    // Azure's primary is the NIC the OS names first, though IMDS lists it second.
    let path = workspace().join("tests/sources/azure/valid/nics-out-of-order.json");
    let plans = eniplan::plans_from_metadata(
        &fs::read_to_string(&path).expect("document"),
        &names_beside(&path),
    )
    .expect("plans");
    assert_eq!(plans[0].interface.as_deref(), Some("eth0"));
    assert_eq!(plans[1].route_table, Some(1001));
}

/// A document of no provider's shape, or of two, is refused asking for `--cloud`.
#[test]
fn a_document_of_no_known_shape_asks_for_the_cloud() {
    let names = NicNames::new();
    for document in [
        r#"{"network": {"interfaces": {"macs": {"00:16:3e:00:00:01": {"foo": "1"}}}}}"#,
        r#"{"network": {"interfaces": {"macs": {"00:16:3e:00:00:01": {"local-ipv4s": "10.0.0.5", "private-ipv4s": "[]"}}}}}"#,
    ] {
        let errors = eniplan::plans_from_metadata(document, &names).expect_err("refused");
        assert_eq!(errors.as_slice()[0].field(), "cloud", "{errors}");
        assert!(errors.to_string().contains("--cloud"), "{errors}");
    }
}

/// `metadata_macs` lists exactly the NICs a document's `.nics` file names — what a host, or the
/// previewer's paste box, must name before planning — with the instance's own MAC first where
/// the document says which (Alibaba Cloud's and EC2's top-level `mac`); a document that names
/// no NIC, or no MAC, is refused naming the key.
#[test]
fn the_macs_a_document_lists_are_the_nics_to_name() {
    for (dir, provider) in [
        ("metadata", Provider::Aliyun),
        ("aws", Provider::Aws),
        ("azure", Provider::Azure),
    ] {
        for (name, path) in documents_in(dir, "valid") {
            let text = fs::read_to_string(&path).expect("document");
            let (told, macs) = eniplan::metadata_macs(&text, None)
                .unwrap_or_else(|errors| panic!("{dir}/{name}: {errors}"));
            assert_eq!(told, provider, "{dir}/{name}");
            let names = names_beside(&path);
            let mut listed: Vec<String> = macs.iter().map(ToString::to_string).collect();
            assert!(
                macs.iter().all(|mac| names.get(*mac).is_some()),
                "{dir}/{name}: {listed:?}"
            );
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let tree = value.pointer("/latest/meta-data").unwrap_or(&value);
            if let Some(own) = tree.get("mac").and_then(|mac| mac.as_str()) {
                assert_eq!(
                    listed[0],
                    own.to_lowercase(),
                    "{dir}/{name}: the instance's own first"
                );
            }
            let nics = fs::read_to_string(path.with_extension("nics")).expect("nics");
            let mut named: Vec<String> = nics
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(mac, _)| mac.to_lowercase())
                .collect();
            listed.sort();
            named.sort();
            assert_eq!(listed, named, "{dir}/{name}");
        }
    }
    for (document, cloud, key) in [
        (
            r#"{"network": {"interface": "eth0"}}"#,
            None,
            "network/interface",
        ),
        (
            r#"{"interface": [{"macAddress": "not-a-mac"}]}"#,
            None,
            "interface/0/macAddress",
        ),
        (
            r#"{"mac": "0e:49:61:0f:c3:11"}"#,
            Some(Provider::Aws),
            "network",
        ),
        (r#"{"mac": "0e:49:61:0f:c3:11"}"#, None, "cloud"),
    ] {
        let errors = eniplan::metadata_macs(document, cloud)
            .map(|found| format!("{found:?}"))
            .expect_err(document);
        assert!(
            errors.as_slice().iter().any(|e| e.field() == key),
            "{document}: {errors}"
        );
    }
}

/// A case of `tests/sources/<dir>/<kind>/<name>/`: the ENIs' output, the subnets' output, the
/// host's names and the context (`key=value` lines: `region`, `instance`, `cloud`, and the
/// `metadata` document of the same instance, relative to `tests/sources`).
struct ApiCase {
    name: String,
    interfaces: String,
    subnets: String,
    context: eniplan::ApiContext,
    cloud: Option<Provider>,
    metadata: Option<PathBuf>,
}

fn api_cases(dir: &str, kind: &str) -> Vec<ApiCase> {
    let root = workspace().join("tests/sources").join(dir).join(kind);
    let mut names: Vec<String> = fs::read_dir(&root)
        .expect("cases")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let at = root.join(&name);
            let read = |file: &str| fs::read_to_string(at.join(file)).expect(file);
            let nics = read("nics");
            let pairs: Vec<&str> = nics.lines().filter(|line| !line.is_empty()).collect();
            let mut case = ApiCase {
                name,
                interfaces: read("interfaces.json"),
                subnets: read("subnets.json"),
                context: eniplan::ApiContext {
                    names: NicNames::from_pairs(&pairs).expect("names"),
                    ..Default::default()
                },
                cloud: None,
                metadata: None,
            };
            for line in read("context").lines() {
                match line.split_once('=') {
                    Some(("region", value)) => case.context.region = Some(value.into()),
                    Some(("instance", value)) => case.context.instance = Some(value.into()),
                    Some(("cloud", value)) => case.cloud = Provider::parse(value),
                    Some(("metadata", value)) => {
                        case.metadata = Some(workspace().join("tests/sources").join(value))
                    }
                    _ => {}
                }
            }
            case
        })
        .collect()
}

/// EC2's and Azure's API output (`aws ec2 describe-network-interfaces` with
/// `describe-subnets`; `az network nic list` with `az network vnet subnet list`) become the
/// same plans as the same instance's metadata — addresses, prefixes, gateways, IPv6, route
/// tables — told apart by their shape, with what only the API says (an Azure NIC's resource
/// group, name and ip-config names, so the cloud target's az calls are complete); partial or
/// contradictory output is refused naming its key path.
#[test]
fn each_clouds_api_output_becomes_the_metadatas_plans() {
    for (dir, provider) in [("aws-api", Provider::Aws), ("azure-api", Provider::Azure)] {
        for case in api_cases(dir, "valid") {
            let name = format!("{dir}/{}", case.name);
            let (told, plans) = eniplan::plans_from_cloud_api(
                &case.interfaces,
                &case.subnets,
                case.cloud,
                &case.context,
            )
            .unwrap_or_else(|errors| panic!("{name}: {errors}"));
            assert_eq!(told, provider, "{name}");
            if let Some(metadata) = &case.metadata {
                let text = fs::read_to_string(metadata).expect("metadata");
                let (_, expected) =
                    eniplan::plans_from_cloud_metadata(&text, Some(provider), &case.context.names)
                        .expect("metadata plans");
                let essentials = |plan: &EniPlan| {
                    (
                        plan.interface.clone(),
                        plan.mac.clone(),
                        plan.primary.clone(),
                        plan.secondaries.clone(),
                        plan.prefix,
                        plan.gateway.clone(),
                        // An IPv6 prefix left out is /64.
                        plan.ipv6.as_ref().map(|ipv6| {
                            (
                                ipv6.addresses.clone(),
                                ipv6.prefix.unwrap_or(64),
                                ipv6.gateway.clone(),
                            )
                        }),
                        plan.route_table,
                    )
                };
                assert_eq!(
                    plans.iter().map(essentials).collect::<Vec<_>>(),
                    expected.iter().map(essentials).collect::<Vec<_>>(),
                    "{name}"
                );
            }
            let validated: Vec<_> = plans.iter().map(|p| p.validate().expect("valid")).collect();
            let target = Target::parse("cloud").expect("cloud");
            match eniplan::render_instance(&validated, target) {
                Ok(rendering) => {
                    let tool = if provider == Provider::Aws {
                        "aws"
                    } else {
                        "az"
                    };
                    for command in rendering.commands.iter().chain(&rendering.verify) {
                        assert_eq!(command.argv[0], tool, "{name}: {}", command.shell);
                    }
                }
                Err(errors) => {
                    // A second Azure IPv6 address needs its virtual network and subnet named.
                    assert!(
                        provider == Provider::Azure
                            && errors
                                .as_slice()
                                .iter()
                                .all(|e| e.field() == "ipv6.addresses"),
                        "{name}: {errors}"
                    );
                }
            }
            let yaml = yaml_serde::to_string(&plans).expect("YAML");
            settings().bind(|| insta::assert_snapshot!(format!("{dir}-{}", case.name), yaml));
        }
        let invalid = api_cases(dir, "invalid");
        assert!(invalid.len() >= 8, "{dir}: at least eight refusals");
        for case in invalid {
            let name = format!("{dir}/{}", case.name);
            let errors = match eniplan::plans_from_cloud_api(
                &case.interfaces,
                &case.subnets,
                case.cloud,
                &case.context,
            ) {
                Ok((_, plans)) => panic!("{name}: planned {plans:?} from partial output"),
                Err(errors) => errors,
            };
            for error in &errors {
                let field = error.field();
                assert!(
                    [
                        "NetworkInterfaces",
                        "Subnets",
                        "nics",
                        "subnets",
                        "instance",
                        "mac"
                    ]
                    .iter()
                    .any(|root| field.starts_with(root)),
                    "{name}: `{field}` is not a key path"
                );
            }
            settings().bind(|| {
                insta::assert_snapshot!(format!("{dir}-invalid-{}", case.name), errors.to_string())
            });
        }
    }
}

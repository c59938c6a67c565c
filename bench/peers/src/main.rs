//! eniplan and nmstate's `gen_conf` on the same plans, in one process, with the same allocator:
//! the system allocator, which a Rust program depending on either crate gets (build with
//! `--features mimalloc` for the allocator eniplan's CLI and Python extension ship with).
//! Prints one JSON object per measurement (median of 15 batches of at least 20 ms each).
//! `--ratios` prints instead the side-by-side figures the README quotes: seven interleaved
//! rounds, each figure the median of its rounds.

use std::hint::black_box;
use std::time::Instant;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn secondaries(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| format!("10.8.{}.{}", n / 200, 10 + n % 200))
        .collect()
}

fn eniplan_yaml(count: usize) -> String {
    format!(
        "interface: eth0\nmac: \"00:16:3e:16:43:aa\"\nprimary: 10.8.9.201\nsecondaries: [{}]\n\
         prefix: 16\ngateway: 10.8.255.253\ndns: [100.100.2.136, 100.100.2.138]\n",
        secondaries(count).join(", ")
    )
}

fn nmstate_yaml(count: usize) -> String {
    let mut addresses = String::from("      - ip: 10.8.9.201\n        prefix-length: 16\n");
    for address in secondaries(count) {
        addresses.push_str(&format!(
            "      - ip: {address}\n        prefix-length: 16\n"
        ));
    }
    format!(
        "interfaces:\n- name: eth0\n  type: ethernet\n  state: up\n  mac-address: 00:16:3E:16:43:AA\n  \
         ipv4:\n    enabled: true\n    dhcp: false\n    address:\n{addresses}\
         routes:\n  config:\n  - destination: 0.0.0.0/0\n    next-hop-address: 10.8.255.253\n    \
         next-hop-interface: eth0\ndns-resolver:\n  config:\n    server: [100.100.2.136, 100.100.2.138]\n"
    )
}

/// Median time per call, in microseconds.
fn median_us(mut f: impl FnMut()) -> f64 {
    let mut per_batch = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        if start.elapsed().as_millis() >= 20 {
            break;
        }
        per_batch *= 2;
    }
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn report(tool: &str, what: &str, plan: &str, us: f64) {
    println!(
        "{}",
        serde_json::json!({"tool": tool, "what": what, "plan": plan, "us": us})
    );
}

/// The README's side-by-side figures, each as a ratio measured within one round.
fn ratios() {
    let allocator = if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "system"
    };
    let yaml2 = eniplan_yaml(2);
    let yaml49 = eniplan_yaml(49);
    let plan2 = eniplan::EniPlan::from_yaml(&yaml2)
        .and_then(|p| p.validate())
        .expect("valid");
    let keyfile = eniplan::Target::parse("keyfile").expect("keyfile target");
    let state_yaml = nmstate_yaml(2);
    let state = nmstate::NetworkState::new_from_yaml(&state_yaml).expect("nmstate reads the plan");
    let mut rounds: Vec<[f64; 6]> = Vec::new();
    for _ in 0..7 {
        rounds.push([
            median_us(|| {
                black_box(eniplan::render_text(black_box(&yaml2), "keyfile").ok());
            }),
            median_us(|| {
                let state = nmstate::NetworkState::new_from_yaml(black_box(&state_yaml)).ok();
                black_box(state.map(|s| s.gen_conf()));
            }),
            median_us(|| {
                black_box(eniplan::render(black_box(&plan2), keyfile).ok());
            }),
            median_us(|| {
                black_box(black_box(&state).gen_conf().ok());
            }),
            median_us(|| {
                black_box(eniplan::render_text(black_box(&yaml2), "seed").ok());
            }),
            median_us(|| {
                black_box(eniplan::render_text(black_box(&yaml49), "seed").ok());
            }),
        ]);
    }
    let median = |f: &dyn Fn(&[f64; 6]) -> f64| {
        let mut values: Vec<f64> = rounds.iter().map(f).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let figures = [
        (
            "YAML → keyfile: nmstate YAML → gen_conf ÷ eniplan, 1+2",
            median(&|r| r[1] / r[0]),
            "≥ 5",
        ),
        (
            "plan → keyfile: nmstate gen_conf ÷ eniplan render, 1+2",
            median(&|r| r[3] / r[2]),
            "≥ 10",
        ),
        (
            "YAML → the six ECS-document families ÷ nmstate YAML → gen_conf, 1+2",
            median(&|r| r[4] / r[1]),
            "≤ 0.25",
        ),
        (
            "the six families at 1+49 ÷ at 1+2",
            median(&|r| r[5] / r[4]),
            "≤ 4",
        ),
    ];
    println!("allocator: {allocator}; medians of 7 interleaved rounds");
    for (what, ratio, goal) in figures {
        println!("{what}: {ratio:.2} (goal {goal})");
    }
    println!(
        "times (µs, median round): eniplan YAML→keyfile {:.1}, nmstate YAML→gen_conf {:.1}, \
         eniplan plan→keyfile {:.1}, nmstate gen_conf {:.1}, eniplan YAML→six 1+2 {:.1}, 1+49 {:.1}",
        median(&|r| r[0]),
        median(&|r| r[1]),
        median(&|r| r[2]),
        median(&|r| r[3]),
        median(&|r| r[4]),
        median(&|r| r[5]),
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--ratios") {
        ratios();
        return;
    }
    for count in [2, 9, 49] {
        let plan = format!("1+{count}");
        let yaml = eniplan_yaml(count);
        report(
            "eniplan",
            "parse",
            &plan,
            median_us(|| {
                black_box(
                    eniplan::EniPlan::from_yaml(black_box(&yaml))
                        .and_then(|p| p.validate())
                        .ok(),
                );
            }),
        );
        report(
            "eniplan",
            "all",
            &plan,
            median_us(|| {
                black_box(eniplan::render_text(black_box(&yaml), "seed").ok());
            }),
        );
        for target in [
            "nmcli", "rhel", "netplan", "ifupdown", "suse", "windows", "keyfile", "networkd",
        ] {
            report(
                "eniplan",
                target,
                &plan,
                median_us(|| {
                    black_box(eniplan::render_text(black_box(&yaml), target).ok());
                }),
            );
        }
        let state_yaml = nmstate_yaml(count);
        let state =
            nmstate::NetworkState::new_from_yaml(&state_yaml).expect("nmstate reads the plan");
        let conf = state.gen_conf().expect("nmstate generates");
        assert!(
            conf["NetworkManager"][0].1.contains("=10.8.9.201/16"),
            "{conf:?}"
        );
        // gen_conf writes NetworkManager keyfiles: its pair is eniplan's keyfile family.
        report(
            "nmstate",
            "keyfile",
            &plan,
            median_us(|| {
                let state = nmstate::NetworkState::new_from_yaml(black_box(&state_yaml)).ok();
                black_box(state.map(|s| s.gen_conf()));
            }),
        );
        report(
            "nmstate",
            "parse",
            &plan,
            median_us(|| {
                black_box(nmstate::NetworkState::new_from_yaml(black_box(&state_yaml)).ok());
            }),
        );
    }
}

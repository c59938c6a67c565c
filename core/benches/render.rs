//! `cargo bench -p eniplan`: YAML text → validated plan; the render of each family; and the
//! whole job (YAML text → all six seed targets), for plans with 1+2, 1+9 and 1+49 addresses.
//! criterion prints the time per operation and, as throughput, renders per second.

// The allocator the CLI and the Python extension ship with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use eniplan::{EniPlan, Target};
use std::hint::black_box;

/// The seed's example with `secondaries` addresses after the primary, in a /16 so 49 fit.
pub fn plan_yaml(secondaries: usize) -> String {
    let list: Vec<String> = (0..secondaries)
        .map(|n| format!("10.8.{}.{}", n / 200, 10 + n % 200))
        .collect();
    format!(
        "interface: eth0\nmac: \"00:16:3e:16:43:aa\"\nprimary: 10.8.9.201\nsecondaries: [{}]\n\
         prefix: 16\ngateway: 10.8.255.253\ndns: [100.100.2.136, 100.100.2.138]\n",
        list.join(", ")
    )
}

const SIZES: [usize; 3] = [2, 9, 49];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse+validate");
    group.throughput(Throughput::Elements(1));
    for secondaries in SIZES {
        let yaml = plan_yaml(secondaries);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("1+{secondaries}")),
            &yaml,
            |b, yaml| {
                b.iter(|| {
                    EniPlan::from_yaml(black_box(yaml))
                        .and_then(|p| p.validate())
                        .expect("valid")
                })
            },
        );
    }
    group.finish();
}

fn render_each_family(c: &mut Criterion) {
    for target in Target::families() {
        let mut group = c.benchmark_group(format!("render/{}", target.name()));
        group.throughput(Throughput::Elements(1));
        for secondaries in SIZES {
            let mut yaml = plan_yaml(secondaries);
            // The cloud target names the ENI; the OS targets do not read this section.
            if target.family() == eniplan::OsFamily::Cloud {
                yaml.push_str("cloud: {region: cn-hangzhou, eni_id: eni-bp1example}\n");
            }
            let plan = EniPlan::from_yaml(&yaml)
                .and_then(|p| p.validate())
                .expect("valid");
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("1+{secondaries}")),
                &plan,
                |b, plan| b.iter(|| eniplan::render(black_box(plan), target).expect("renders")),
            );
        }
        group.finish();
    }
}

fn whole_job(c: &mut Criterion) {
    let mut group = c.benchmark_group("yaml-to-all-six");
    group.throughput(Throughput::Elements(1));
    for secondaries in SIZES {
        let yaml = plan_yaml(secondaries);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("1+{secondaries}")),
            &yaml,
            |b, yaml| b.iter(|| eniplan::render_text(black_box(yaml), "seed").expect("renders")),
        );
    }
    group.finish();
}

criterion_group!(benches, parse, render_each_family, whole_job);
criterion_main!(benches);

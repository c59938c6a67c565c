//! What the two render benches share: the plans and the benchmark groups. Where the bench's
//! allocator counts allocations (the system one, through stats_alloc), each benchmark prints
//! its allocations per operation beside its time: rendering is allocation-bound, so the count
//! explains the time.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use eniplan::{EniPlan, Target};

/// How a bench binary counts the allocations made so far, when its allocator counts them.
pub type Counter = Option<fn() -> usize>;

/// The allocations one call of `f` makes (after a first call that warms every lazy table).
pub fn allocations_of(counter: fn() -> usize, mut f: impl FnMut()) -> usize {
    f();
    let before = counter();
    f();
    counter() - before
}

fn note(counter: Counter, name: &str, f: impl FnMut()) {
    if let Some(counter) = counter {
        eprintln!(
            "{name}: {} allocations per operation",
            allocations_of(counter, f)
        );
    }
}

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

pub fn parse(c: &mut Criterion, allocator: &str, counter: Counter) {
    let mut group = c.benchmark_group(format!("{allocator}/parse+validate"));
    group.throughput(Throughput::Elements(1));
    for secondaries in SIZES {
        let yaml = plan_yaml(secondaries);
        note(counter, &format!("parse+validate/1+{secondaries}"), || {
            black_box(EniPlan::from_yaml(&yaml).and_then(|p| p.validate()).ok());
        });
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

/// What reading a plan would cost without the fast YAML path: yaml_serde alone.
pub fn parse_without_fast_path(c: &mut Criterion, allocator: &str, counter: Counter) {
    let mut group = c.benchmark_group(format!("{allocator}/parse+validate-yaml_serde-only"));
    group.throughput(Throughput::Elements(1));
    for secondaries in SIZES {
        let yaml = plan_yaml(secondaries);
        note(
            counter,
            &format!("parse+validate-yaml_serde-only/1+{secondaries}"),
            || {
                black_box(
                    EniPlan::from_yaml_full(&yaml)
                        .and_then(|p| p.validate())
                        .ok(),
                );
            },
        );
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("1+{secondaries}")),
            &yaml,
            |b, yaml| {
                b.iter(|| {
                    EniPlan::from_yaml_full(black_box(yaml))
                        .and_then(|p| p.validate())
                        .expect("valid")
                })
            },
        );
    }
    group.finish();
}

pub fn render_each_family(c: &mut Criterion, allocator: &str, counter: Counter) {
    for target in Target::families() {
        let mut group = c.benchmark_group(format!("{allocator}/render/{}", target.name()));
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
            note(
                counter,
                &format!("render/{}/1+{secondaries}", target.name()),
                || {
                    black_box(eniplan::render(&plan, target).ok());
                },
            );
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("1+{secondaries}")),
                &plan,
                |b, plan| b.iter(|| eniplan::render(black_box(plan), target).expect("renders")),
            );
        }
        group.finish();
    }
}

pub fn whole_job(c: &mut Criterion, allocator: &str, counter: Counter) {
    let mut group = c.benchmark_group(format!("{allocator}/yaml-to-all-six"));
    group.throughput(Throughput::Elements(1));
    for secondaries in SIZES {
        let yaml = plan_yaml(secondaries);
        note(counter, &format!("yaml-to-all-six/1+{secondaries}"), || {
            black_box(eniplan::render_text(&yaml, "seed").ok());
        });
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("1+{secondaries}")),
            &yaml,
            |b, yaml| b.iter(|| eniplan::render_text(black_box(yaml), "seed").expect("renders")),
        );
    }
    group.finish();
}

//! `cargo bench -p eniplan --bench render_system`: the benchmarks of `--bench render` with the
//! system allocator, the one a Rust program that depends on the crate gets (glibc malloc here).
//! Each benchmark also prints its allocations per operation.

mod common;

// The system allocator behind stats_alloc's counters (a relaxed atomic add per call).
#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn allocations() -> usize {
    let stats = ALLOCATOR.stats();
    stats.allocations + stats.reallocations
}

fn benches(c: &mut criterion::Criterion) {
    common::parse(c, "system", Some(allocations));
    common::parse_without_fast_path(c, "system", Some(allocations));
    common::render_each_family(c, "system", Some(allocations));
    common::whole_job(c, "system", Some(allocations));
}

criterion::criterion_group!(group, benches);
criterion::criterion_main!(group);

//! `cargo bench -p eniplan --bench render`: YAML text → validated plan; the render of each
//! family; and the whole job (YAML text → the six families of the ECS document), for plans with
//! 1+2, 1+9 and 1+49 addresses, with mimalloc — the allocator the CLI and the Python extension
//! ship with. `--bench render_system` runs the same with the system allocator, which a Rust
//! program that depends on the crate gets. Each benchmark also prints its allocations per
//! operation. criterion prints the time per operation and, as throughput, renders per second.

mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut criterion::Criterion) {
    // The allocation counts are the program's, not the allocator's: render_system prints them.
    common::parse(c, "mimalloc", None);
    common::parse_without_fast_path(c, "mimalloc", None);
    common::render_each_family(c, "mimalloc", None);
    common::whole_job(c, "mimalloc", None);
}

criterion::criterion_group!(group, benches);
criterion::criterion_main!(group);

//! Renders the seed's example for all six families in a loop: a steady workload for profilers
//! (`valgrind --tool=callgrind target/release/examples/render_loop 2000`).

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let yaml = eniplan::EniPlan::seed_example().to_yaml();
    let mut bytes = 0;
    for _ in 0..rounds {
        let renderings = eniplan::render_text(&yaml, "seed").expect("the seed renders");
        bytes += renderings.iter().map(|r| r.files.len()).sum::<usize>();
    }
    println!("{rounds} rounds, {bytes} files");
}

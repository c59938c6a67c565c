//! Renders the seed's example in a loop: a steady workload for profilers
//! (`valgrind --tool=callgrind target/release/examples/render_loop 2000 [SELECTION]`; the
//! selection is `seed`, the six seed families, unless given).

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let selection = std::env::args().nth(2).unwrap_or_else(|| "seed".into());
    let yaml = eniplan::EniPlan::seed_example().to_yaml();
    let mut bytes = 0;
    for _ in 0..rounds {
        let renderings = eniplan::render_text(&yaml, &selection).expect("the seed renders");
        bytes += renderings.iter().map(|r| r.files.len()).sum::<usize>();
    }
    println!("{rounds} rounds, {bytes} files");
}

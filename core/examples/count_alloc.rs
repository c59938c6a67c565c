#![allow(unsafe_code, missing_docs, clippy::unwrap_used)]
//! Allocation counter (temporary probe).
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
struct Counting;
static COUNT: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Counting = Counting;
fn count<T>(f: impl Fn() -> T) -> usize {
    let _ = f();
    let b = COUNT.load(Ordering::Relaxed);
    for _ in 0..100 {
        std::hint::black_box(f());
    }
    (COUNT.load(Ordering::Relaxed) - b) / 100
}
fn main() {
    let yaml = eniplan::EniPlan::seed_example().to_yaml();
    println!(
        "parse+validate: {}",
        count(|| eniplan::EniPlan::from_yaml(&yaml)
            .unwrap()
            .validate()
            .unwrap())
    );
    let plan = eniplan::EniPlan::from_yaml(&yaml)
        .unwrap()
        .validate()
        .unwrap();
    for t in eniplan::Target::families() {
        println!(
            "{}: {}",
            t.name(),
            count(|| eniplan::render(&plan, t).unwrap())
        );
    }
    println!(
        "all: {}",
        count(|| eniplan::render_text(&yaml, "all").unwrap())
    );
}

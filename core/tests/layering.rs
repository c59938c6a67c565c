//! The crate's modules depend on each other one way only: no module reaches, through the
//! modules it uses, back to itself. Read from the `crate::…` paths in each source file (the
//! family modules count as one, `families`). Unit-test modules (`#[cfg(test)] mod tests`) are
//! left out: what they use is never part of the library.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let modules: Vec<String> = fs::read_dir(&src)
        .expect("src/")
        .map(|entry| entry.expect("entry").path())
        .filter_map(|path| {
            let name = path.file_stem()?.to_string_lossy().into_owned();
            (path.extension().is_some_and(|e| e == "rs") || path.is_dir()).then_some(name)
        })
        .filter(|name| name != "lib" && name != "main")
        .collect();
    for module in &modules {
        let file = src.join(format!("{module}.rs"));
        let mut used = if file.is_file() {
            uses(&fs::read_to_string(&file).expect("readable"))
        } else {
            fs::read_dir(src.join(module))
                .expect("module folder")
                .flat_map(|entry| {
                    uses(&fs::read_to_string(entry.expect("entry").path()).expect("readable"))
                })
                .collect()
        };
        used.retain(|name| name != module && modules.contains(name));
        // `crate::template!` is the templates module's macro.
        if used.remove("template") {
            used.insert("templates".into());
        }
        graph.insert(module.clone(), used);
    }
    assert!(graph.len() >= 10, "{graph:?}");
    fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(module) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    }
    let cycles: Vec<&String> = graph.keys().filter(|m| reaches(&graph, m, m)).collect();
    assert!(
        cycles.is_empty(),
        "modules in a dependency cycle: {cycles:?}\n{graph:#?}"
    );
}

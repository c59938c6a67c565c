//! Any text as a plan, rendered for every target: never a panic, and every rendering that
//! comes out is deterministic, round-trips as JSON, and writes only absolute, `..`-free paths
//! (a Linux path from `/`, a Windows one from a drive: the powershell family's apply script).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = eniplan::EniPlan::from_text(text) else {
        return;
    };
    let Ok(valid) = plan.validate() else { return };
    for target in eniplan::Target::all() {
        let Ok(rendering) = eniplan::render(&valid, target) else {
            continue;
        };
        assert_eq!(
            eniplan::render(&valid, target).ok().as_ref(),
            Some(&rendering)
        );
        let json = rendering.to_json();
        let back: eniplan::Rendering = serde_json::from_str(&json).expect("own JSON parses");
        assert_eq!(back, rendering);
        for path in rendering
            .files
            .iter()
            .map(|f| f.path.as_str())
            .chain(rendering.delete.iter().map(String::as_str))
        {
            let (absolute, separator) = if rendering.family.is_windows() {
                (path.starts_with("C:\\"), '\\')
            } else {
                (path.starts_with('/'), '/')
            };
            assert!(
                absolute
                    && !path
                        .split(separator)
                        .any(|part| part == ".." || part == "."),
                "{path}"
            );
            assert!(!path.contains(['\n', '\r', '\0']), "{path:?}");
        }
    }
});

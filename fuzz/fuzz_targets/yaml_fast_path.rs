//! Differential: whenever the fast YAML path reads a text, yaml_serde must read the same plan
//! from it; and `from_yaml` (fast path first) always agrees with the full parser alone.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let full = eniplan::EniPlan::from_yaml_full(text);
    if let Some(fast) = eniplan::EniPlan::from_yaml_fast_path(text) {
        assert_eq!(Ok(&fast), full.as_ref(), "{text:?}");
    }
    assert_eq!(eniplan::EniPlan::from_yaml(text), full, "{text:?}");
});

//! The CLI's input path: raw bytes (not necessarily UTF-8) to a plan, validated and rendered
//! for `all` — errors, never a panic; every error names a field.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match eniplan::EniPlan::from_bytes(data) {
        Ok(plan) => {
            if let Err(errors) = eniplan::render_plan(&plan, "all") {
                assert!(errors.as_slice().iter().all(|e| !e.field().is_empty()));
                let _ = errors.to_string();
            }
        }
        Err(errors) => assert!(!errors.as_slice().is_empty()),
    }
});

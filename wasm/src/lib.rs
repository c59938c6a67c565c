//! The eniplan wasm binding; its API arrives with its own issue.

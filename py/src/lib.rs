//! The eniplan py binding; its API arrives with its own issue.

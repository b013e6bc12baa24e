//! How instructions are arranged: RUNs merged, the source copied after its dependencies, later removals folded into the install, build and runtime stages, the context sent.

pub mod dependency_first;
pub mod dockerignore;
pub mod late_removal;
pub mod merge_runs;
pub mod multi_stage;

//! Suggestions only: what dockopt cannot fix safely but a reviewer should see.

pub mod cache_bust;
pub mod package_upgrade;
pub mod secret_in_layer;
pub mod undefined_var;
pub mod unused_tools;

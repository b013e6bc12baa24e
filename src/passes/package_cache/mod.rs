//! What package managers leave in a layer: caches, lists, recommends.

pub mod apk_no_cache;
pub mod apt_cleanup;
pub mod apt_no_install_recommends;
pub mod node_cache_clean;
pub mod pip_no_cache_dir;
pub mod poetry_cache_clean;
pub mod rpm_cache_clean;
pub mod uv_no_cache;

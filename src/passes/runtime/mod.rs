//! What the final image runs on (its base) and as (its user).

pub mod non_root_user;
pub mod npm_omit_dev;
pub mod slim_base;

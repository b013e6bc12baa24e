//! The form of one instruction (exec-form CMD, COPY for ADD, LABEL for MAINTAINER, wget's log output, WORKDIR for cd).

pub mod add_to_copy;
pub mod cd_to_workdir;
pub mod copy_then_modify;
pub mod env_key_value;
pub mod exec_form;
pub mod maintainer_to_label;
pub mod no_sudo;
pub mod one_install;
pub mod pipefail;
pub mod secret_mount;
pub mod stage_casing;
pub mod wget_progress;
pub mod workdir_absolute;

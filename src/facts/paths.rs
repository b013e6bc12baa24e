//! Paths that Linux systems read as one regular file: an `ADD` of an archive there would unpack
//! it into a folder of that name, which the program that reads the path cannot use. Knowledge
//! as of 2026-12, from the Debian, Alpine and Fedora packages that own these places (sshd,
//! sudo, logrotate, cron, apt, nginx, apache2, runit, s6, supervisor, systemd) and the shells'
//! start-up files.

/// Folders whose every entry is one file that a system program reads (an init script, a
/// sudoers rule, a logrotate or apt configuration, a site of nginx/apache, a runit stage, a
/// program on the `PATH`...).
const FILE_FOLDERS: &[&str] = &[
    "/etc/init.d",
    "/etc/logrotate.d",
    "/etc/sudoers.d",
    "/etc/cron.d",
    "/etc/cron.daily",
    "/etc/cron.hourly",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron/crontabs",
    "/etc/apt/apt.conf.d",
    "/etc/apt/sources.list.d",
    "/etc/apt/preferences.d",
    "/etc/apt/trusted.gpg.d",
    "/etc/yum.repos.d",
    "/etc/default",
    "/etc/profile.d",
    "/etc/sysctl.d",
    "/etc/ld.so.conf.d",
    "/etc/security/limits.d",
    "/etc/nginx/sites-available",
    "/etc/nginx/sites-enabled",
    "/etc/nginx/conf.d",
    "/etc/apache2/sites-available",
    "/etc/apache2/sites-enabled",
    "/etc/apache2/conf-available",
    "/etc/supervisor/conf.d",
    "/etc/runit",
    "/etc/runit/1.d",
    "/etc/my_init.d",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/bin",
    "/sbin",
];

/// Single files that a program reads at a fixed path.
const FILES: &[&str] = &[
    "/etc/ssh/sshd_config",
    "/etc/ssh/ssh_config",
    "/etc/caddy/Caddyfile",
    "/etc/crontab",
    "/etc/sudoers",
    "/etc/aliases",
    "/etc/postfix/aliases",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/timezone",
    "/etc/environment",
];

/// Start-up and configuration files a user's shell and tools read in the home folder.
const HOME_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".zshrc",
    ".gitconfig",
    ".vimrc",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".ssh/config",
    ".ssh/authorized_keys",
    ".ssh/known_hosts",
];

/// Service folders of runit and s6 (`/etc/service/NAME/run`, `/etc/sv/NAME/log/run`): their
/// `run` and `finish` are the scripts the supervisor starts.
const SERVICE_ROOTS: &[&str] = &["/etc/service", "/etc/sv", "/etc/services.d", "/etc/s6"];

/// Is `path` (absolute, no trailing `/`) a place that holds one regular file?
pub fn is_file_slot(path: &str) -> bool {
    let Some((folder, name)) = path.rsplit_once('/') else {
        return false;
    };
    if name.is_empty() || name.starts_with('.') && name.len() == 1 {
        return false;
    }
    if FILE_FOLDERS.contains(&folder) || FILES.contains(&path) {
        return true;
    }
    let home = path.strip_prefix("/root/").or_else(|| {
        let rest = path.strip_prefix("/home/")?;
        rest.split_once('/').map(|(_, r)| r)
    });
    if home.is_some_and(|h| HOME_FILES.contains(&h)) {
        return true;
    }
    (name == "run" || name == "finish")
        && SERVICE_ROOTS.iter().any(|root| {
            folder.strip_prefix(root).is_some_and(|service| {
                let service = service.trim_start_matches('/');
                !service.is_empty()
                    && (!service.contains('/')
                        || service.ends_with("/log") && service.matches('/').count() == 1)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::is_file_slot;

    #[test]
    fn slots() {
        for yes in [
            "/etc/init.d/sshd",
            "/etc/logrotate.d/nginx",
            "/usr/local/bin/wrapdocker",
            "/root/.bashrc",
            "/home/app/.ssh/config",
            "/etc/service/backend/run",
            "/etc/sv/web/log/run",
            "/etc/ssh/sshd_config",
        ] {
            assert!(is_file_slot(yes), "{yes}");
        }
        for no in [
            "/etc/init.d",
            "/etc/nginx",
            "/usr/share/nginx/html",
            "/etc/service/backend",
            "/etc/service/run",
            "/home/.bashrc",
            "/root/.config/app",
            "/etc/runit/1.d/x/y",
        ] {
            assert!(!is_file_slot(no), "{no}");
        }
    }
}

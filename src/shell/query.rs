//! Questions about one simple command: its subcommand, its options, its name.

use super::SimpleCmd;

/// A pip command name: `pip`, `pip3`, `pip3.11` (a path's folder left out by the caller).
pub fn is_pip(name: &str) -> bool {
    name.strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|x| x.is_ascii_digit() || x == '.'))
}

/// The index of the first word of `cmd` equal to `sub` (a subcommand such as `install`).
pub fn subcommand(cmd: &SimpleCmd, subs: &[&str]) -> Option<usize> {
    cmd.words
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, w)| {
            let lit = w.lit.as_deref()?;
            if lit.starts_with('-') {
                None
            } else if subs.contains(&lit) {
                Some(i)
            } else {
                Some(usize::MAX)
            }
        })
        .filter(|&i| i != usize::MAX)
}

/// Does the command carry one of these options (`--foo`, `--foo=x`, or a short flag inside a
/// bundle like `-qy`)?
pub fn has_option(cmd: &SimpleCmd, long: &[&str], short: &[char]) -> bool {
    cmd.args().filter_map(|w| w.lit.as_deref()).any(|a| {
        if let Some(l) = a.strip_prefix("--") {
            let name = l.split('=').next().unwrap_or(l);
            long.iter().any(|x| x.trim_start_matches("--") == name)
        } else if let Some(s) = a.strip_prefix('-') {
            !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric())
                && s.chars().any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// Every command named like `names` (by basename).
pub fn is_named(cmd: &SimpleCmd, names: &[&str]) -> bool {
    cmd.name()
        .is_some_and(|n| names.contains(&crate::shell::basename(n)))
}

//! Users and groups a RUN creates (`useradd`, `adduser`, `groupadd`, `addgroup`).

use crate::shell::{Script, basename};

/// A user or group made by a build step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedUser {
    /// `true` for a user, `false` for a group.
    pub is_user: bool,
    /// Its name, when literal.
    pub name: Option<String>,
    /// Its numeric id, when given literally (`-u 1001`, `--uid=1001`).
    pub id: Option<String>,
    /// The line of the RUN that creates it.
    pub line: usize,
}

/// Options of the user tools that take a value (so that the value is not read as the name).
const VALUED: &[&str] = &[
    "-u",
    "--uid",
    "-g",
    "--gid",
    "-G",
    "--groups",
    "--ingroup",
    "-d",
    "--home",
    "--home-dir",
    "-s",
    "--shell",
    "-c",
    "--comment",
    "--gecos",
    "-k",
    "--skel",
    "-h",
    "-e",
    "--expiredate",
    "-f",
    "--inactive",
    "-K",
    "--key",
    "-p",
    "--password",
    "-b",
    "--base-dir",
    "-R",
    "--root",
    "-P",
    "--prefix",
    "-Z",
    "--selinux-user",
    "--firstuid",
    "--lastuid",
    "--firstgid",
    "--lastgid",
    "--add_extra_groups",
    "--conf",
];

/// The script changes existing accounts: `usermod`, `gpasswd`, or adds a user to a group
/// (`adduser USER GROUP`, BusyBox `addgroup USER GROUP`).
pub fn changes_accounts(script: &Script) -> bool {
    script
        .commands
        .iter()
        .any(|c| match c.name().map(basename) {
            Some("usermod" | "gpasswd") => true,
            Some("adduser" | "addgroup") => {
                let words: Vec<&crate::shell::Word> = c.args().collect();
                words.len() == 2
                    && words
                        .iter()
                        .all(|w| w.lit.as_deref().is_some_and(|l| !l.starts_with('-')))
            }
            _ => false,
        })
}

/// The users and groups `script` creates, in order.
pub fn created(script: &Script, line: usize) -> Vec<CreatedUser> {
    let mut out = Vec::new();
    for c in &script.commands {
        let Some(name) = c.name().map(basename) else {
            continue;
        };
        let is_user = match name {
            "useradd" | "adduser" => true,
            "groupadd" | "addgroup" => false,
            _ => continue,
        };
        let words: Vec<Option<&str>> = c.args().map(|w| w.lit.as_deref()).collect();
        let mut id = None;
        let mut operands = Vec::new();
        let mut k = 0;
        while k < words.len() {
            let w = words[k];
            match w {
                Some(opt) if opt.starts_with('-') => {
                    let (key, attached) = match opt.split_once('=') {
                        Some((key, v)) => (key, Some(v)),
                        None => (opt, None),
                    };
                    // A bundle of short options (`-SHG grp`, `-ms /bin/sh`) takes a value when
                    // its last letter does.
                    let last_short = (!key.starts_with("--") && key.len() > 2)
                        .then(|| format!("-{}", &key[key.len() - 1..]));
                    let takes = VALUED.contains(&key)
                        || last_short.as_deref().is_some_and(|k| VALUED.contains(&k));
                    let value = if takes && attached.is_none() {
                        k += 1;
                        words.get(k).copied().flatten()
                    } else {
                        attached
                    };
                    let opt = last_short.as_deref().unwrap_or(key);
                    let id_opt = if is_user {
                        matches!(opt, "-u" | "--uid")
                    } else {
                        matches!(opt, "-g" | "--gid")
                    };
                    if id_opt {
                        id = value.map(str::to_string);
                    }
                }
                other => operands.push(other),
            }
            k += 1;
        }
        // `adduser USER GROUP` (Debian) and `addgroup USER GROUP` (BusyBox) add an existing
        // user to a group: nothing new (see `changes_accounts`).
        if operands.len() == 2 {
            continue;
        }
        out.push(CreatedUser {
            is_user,
            name: operands.first().copied().flatten().map(str::to_string),
            id,
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(script: &str) -> Vec<CreatedUser> {
        let text = format!("RUN {script}");
        let s = crate::shell::analyse(&text, 4..text.len(), '\\').unwrap();
        created(&s, 1)
    }

    #[test]
    fn names_and_ids() {
        // jessfraz__dockerfiles__mc__Dockerfile: BusyBox bundles.
        let u = users("addgroup -g 1001 -S mc && adduser -u 1001 -SHG mc mc");
        assert_eq!(u.len(), 2);
        assert_eq!(
            (u[1].name.as_deref(), u[1].id.as_deref()),
            (Some("mc"), Some("1001"))
        );
        // square keywhiz-fs: `-ms /bin/false` takes the shell as its value.
        let u = users("useradd -ms /bin/false keywhiz");
        assert_eq!(u[0].name.as_deref(), Some("keywhiz"));
        // Debian's `adduser USER GROUP` adds a member, it creates nothing.
        assert!(users("adduser app docker").is_empty());
        let u = users("groupadd --gid=2000 web && useradd --uid=2000 -g web web");
        assert_eq!(
            (u[1].name.as_deref(), u[1].id.as_deref()),
            (Some("web"), Some("2000"))
        );
        assert!(!u[0].is_user);
    }
}

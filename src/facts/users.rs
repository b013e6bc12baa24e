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
                    let takes = VALUED.contains(&key);
                    let value = if takes && attached.is_none() {
                        k += 1;
                        words.get(k).copied().flatten()
                    } else {
                        attached
                    };
                    let id_opt = if is_user {
                        matches!(key, "-u" | "--uid")
                    } else {
                        matches!(key, "-g" | "--gid")
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
        // user to a group: nothing new.
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

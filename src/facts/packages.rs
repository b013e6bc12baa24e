//! What dockopt knows about packages, as data (checked 2026-12 against the Debian bookworm and
//! trixie and Ubuntu focal/jammy/noble package indexes, and PyPI's files).

/// apt packages that exist under the same name in every Debian release since buster and every
/// Ubuntu release since focal: a stage that installs only these may move between the two.
pub const PORTABLE_APT: &[&str] = &[
    "bash",
    "bzip2",
    "ca-certificates",
    "cron",
    "curl",
    "dnsutils",
    "dumb-init",
    "file",
    "g++",
    "gcc",
    "git",
    "gnupg",
    "gosu",
    "iputils-ping",
    "jq",
    "less",
    "libffi-dev",
    "libpq-dev",
    "libssl-dev",
    "locales",
    "make",
    "nano",
    "netcat-openbsd",
    "openssh-client",
    "patch",
    "pkg-config",
    "procps",
    "rsync",
    "sqlite3",
    "supervisor",
    "tini",
    "tzdata",
    "unzip",
    "vim",
    "wget",
    "xz-utils",
    "zip",
    "zlib1g-dev",
    "build-essential",
    "python3-dev",
    "gettext",
    "libxml2-dev",
    "libxslt1-dev",
    "libjpeg-dev",
    "libyaml-dev",
    "autoconf",
    "automake",
    "libtool",
    "cmake",
    "openssl",
    "tar",
    "gzip",
    "coreutils",
    "findutils",
    "sed",
    "grep",
    "net-tools",
    "iproute2",
    "lsb-release",
    "apt-transport-https",
    "software-properties-common",
];

/// apt packages that compile code, or headers to compile against.
pub fn is_build_package(name: &str) -> bool {
    matches!(
        name,
        "gcc"
            | "g++"
            | "cc"
            | "clang"
            | "make"
            | "cmake"
            | "build-essential"
            | "build-base"
            | "autoconf"
            | "automake"
            | "libtool"
            | "pkg-config"
            | "pkgconf"
            | "musl-dev"
    ) || name.ends_with("-dev")
        || name.ends_with("-devel")
        || name.starts_with("gcc-")
        || name.starts_with("g++-")
}

/// apt packages of language toolchains and build tools a compiled program does not run with
/// (its runtime stage leaves them out): Go, Rust, parser generators, assemblers, build systems.
pub fn is_toolchain_package(name: &str) -> bool {
    matches!(
        name,
        "golang"
            | "golang-go"
            | "gccgo"
            | "rustc"
            | "cargo"
            | "bison"
            | "flex"
            | "nasm"
            | "yasm"
            | "meson"
            | "ninja-build"
            | "scons"
            | "binutils"
            | "cpp"
            | "clang"
            | "llvm"
            | "gettext"
    ) || (name.starts_with("golang-") && name.ends_with("-go"))
        || name.starts_with("clang-")
        || name.starts_with("llvm-")
}

/// Commands that compile.
pub fn is_compiler_command(name: &str) -> bool {
    matches!(
        name,
        "gcc" | "g++" | "cc" | "c++" | "clang" | "make" | "cmake" | "ninja" | "meson" | "configure"
    )
}

/// PyPI packages that publish no wheels and compile C code on install (so they need a
/// compiler and headers): checked on PyPI's file lists, 2026-12.
pub const PIP_SOURCE_ONLY: &[&str] = &[
    "psycopg2",
    "mysqlclient",
    "uwsgi",
    "python-ldap",
    "pycurl",
    "mod-wsgi",
    "mod_wsgi",
];

/// Dependencies Debian's `gcc` only *recommends* that a compile needs: without them
/// (`--no-install-recommends`) `#include <stdio.h>` fails. Package → what keeps it working.
pub const RECOMMENDS_A_BUILD_NEEDS: &[(&str, &str, &[&str])] = &[(
    "gcc",
    "libc6-dev",
    // Installs that already bring the C library headers.
    &[
        "libc6-dev",
        "libc-dev",
        "build-essential",
        "g++",
        "gcc-multilib",
        "libc6-dev-i386",
    ],
)];

/// The OpenSSL runtime library package of a Debian release (renamed for the 64-bit time_t
/// transition in trixie).
pub fn openssl_runtime(release: &str) -> Option<&'static str> {
    match release {
        "buster" | "bullseye" => Some("libssl1.1"),
        "bookworm" => Some("libssl3"),
        "trixie" | "forky" => Some("libssl3t64"),
        _ => None,
    }
}

/// The language runtimes a distribution release installs with apt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseRuntimes {
    pub python: &'static str,
    pub node: &'static str,
    /// The Java of `default-jre`.
    pub java: &'static str,
}

/// The versions of `python3`, `nodejs` and `default-jre` in each release's own archive
/// (checked 2026-12 against the Debian and Ubuntu package indexes).
const RELEASE_RUNTIMES: &[(&str, ReleaseRuntimes)] = &[
    (
        "focal",
        ReleaseRuntimes {
            python: "3.8",
            node: "10",
            java: "11",
        },
    ),
    (
        "jammy",
        ReleaseRuntimes {
            python: "3.10",
            node: "12",
            java: "11",
        },
    ),
    (
        "noble",
        ReleaseRuntimes {
            python: "3.12",
            node: "18",
            java: "21",
        },
    ),
    (
        "bullseye",
        ReleaseRuntimes {
            python: "3.9",
            node: "12",
            java: "11",
        },
    ),
    (
        "bookworm",
        ReleaseRuntimes {
            python: "3.11",
            node: "18",
            java: "17",
        },
    ),
];

/// What the release (`bookworm`, `jammy`) installs, if the table knows it.
pub fn release_runtimes(release: &str) -> Option<ReleaseRuntimes> {
    RELEASE_RUNTIMES
        .iter()
        .find(|(r, _)| *r == release)
        .map(|(_, v)| *v)
}

/// `-dev` package → the runtime packages it stands for, per release: generated from the Debian
/// and Ubuntu package indexes by `scripts/gen_runtime_packages.py` (its header gives the date).
const RUNTIME_PACKAGES: &str = include_str!("runtime_packages.tsv");

/// The runtime packages of `dev` (`libpq-dev` → `libpq5`) in `release` (`bookworm`, `jammy`):
/// `None` when the table does not list that package for that release; an empty list for a
/// package that is headers only.
pub fn runtime_of_dev(release: &str, dev: &str) -> Option<Vec<&'static str>> {
    // The table is sorted by package (byte-wise): a binary search over its text.
    super::table::rows(RUNTIME_PACKAGES, dev, 1).find_map(|l| {
        let mut cols = l.split('\t').skip(1);
        let (runtime, releases) = (cols.next()?, cols.next()?);
        releases
            .split(' ')
            .any(|r| r == release)
            .then(|| runtime.split_whitespace().collect())
    })
}

/// Packages whose install scripts need a folder that the `-slim` images leave out (their dpkg
/// excludes `/usr/share/man`): the JREs register their manual pages with update-alternatives,
/// which fails without `/usr/share/man/man1` (checked on bookworm-slim, 2026-12). Package name
/// prefix → the command that makes the folder.
const NEEDS_ON_SLIM: &[(&str, &str)] = &[
    ("openjdk-", "mkdir -p /usr/share/man/man1"),
    ("default-jre", "mkdir -p /usr/share/man/man1"),
    ("default-jdk", "mkdir -p /usr/share/man/man1"),
];

/// What a slim image needs before `apt-get install` of these packages works there.
pub fn slim_preparation<S: AsRef<str>>(packages: &[S]) -> Option<&'static str> {
    NEEDS_ON_SLIM
        .iter()
        .find(|(prefix, _)| packages.iter().any(|p| p.as_ref().starts_with(prefix)))
        .map(|(_, cmd)| *cmd)
}

/// Releases whose archive has `nginx-light`, nginx with the modules a static-file server uses
/// and without the others (read from the Debian and Ubuntu package indexes, 2026-12: Debian
/// main, Ubuntu universe).
pub const NGINX_LIGHT_RELEASES: &[&str] =
    &["bullseye", "bookworm", "trixie", "focal", "jammy", "noble"];

/// Packages whose installation adds a package source (an rpm repository definition, a package
/// manager plugin that can add one): what a later install finds depends on them, so they are
/// not resolved together with it. By name, as distributions name them (`epel-release`,
/// `centos-release-scl`, `remi-release`, `rpmfusion-free-release`, `fedora-repos`), 2026-12.
pub fn adds_package_source(name: &str) -> bool {
    let base = name.split(['=', '<', '>']).next().unwrap_or(name);
    base.ends_with("-release")
        || base.contains("-release-")
        || base.ends_with("-repos")
        || base.starts_with("http")
        || matches!(base, "yum-utils" | "dnf-plugins-core" | "dnf-utils")
}

#[cfg(test)]
mod runtime_tests {
    use super::*;

    #[test]
    fn dev_packages_map_to_their_runtime_libraries_per_release() {
        assert_eq!(
            runtime_of_dev("bookworm", "libpq-dev"),
            Some(vec!["libpq5"])
        );
        assert_eq!(
            runtime_of_dev("bookworm", "libssl-dev"),
            Some(vec!["libssl3"])
        );
        assert_eq!(
            runtime_of_dev("trixie", "libssl-dev"),
            Some(vec!["libssl3t64"])
        );
        assert_eq!(
            runtime_of_dev("bullseye", "libssl-dev"),
            Some(vec!["libssl1.1"])
        );
        // A pointer package: followed to the library it points at, which differs by distro.
        assert_eq!(
            runtime_of_dev("bookworm", "default-libmysqlclient-dev"),
            Some(vec!["libmariadb3"])
        );
        assert_eq!(
            runtime_of_dev("jammy", "default-libmysqlclient-dev"),
            Some(vec!["libmysqlclient21"])
        );
        // Headers only.
        assert_eq!(runtime_of_dev("bookworm", "linux-libc-dev"), Some(vec![]));
        // Not known: a release the table has no index of, a package that does not exist.
        assert_eq!(runtime_of_dev("trusty", "libpq-dev"), None);
        assert_eq!(runtime_of_dev("bookworm", "libnothing-dev"), None);
    }
}

//! What dockopt knows about base images: how to read a reference, which family a base belongs
//! to (the way it creates users, its package manager), and the users it already has.

/// An image reference split into its parts. `python:3.12-slim@sha256:..` → name `python`,
/// tag `3.12-slim`, digest kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host and path before the last component (`docker.io/library/`, `gcr.io/distroless/`).
    pub prefix: String,
    /// The last path component (`python`, `static-debian12`).
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// `None` for references we cannot read (variables, empty).
    pub fn parse(s: &str) -> Option<ImageRef> {
        if s.is_empty() || s.contains('$') {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let (path, tag) = match rest.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') => (p, Some(t.to_string())),
            _ => (rest, None),
        };
        let (prefix, name) = match path.rsplit_once('/') {
            Some((p, n)) => (format!("{p}/"), n.to_string()),
            None => (String::new(), path.to_string()),
        };
        Some(ImageRef {
            prefix: prefix.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
            tag,
            digest,
        })
    }

    /// Official Docker Hub images (`python`, `library/python`, `docker.io/library/python`).
    pub fn is_official(&self) -> bool {
        matches!(
            self.prefix.as_str(),
            "" | "library/" | "docker.io/library/" | "index.docker.io/library/"
        )
    }

    pub fn tag_has(&self, word: &str) -> bool {
        self.tag
            .as_deref()
            .is_some_and(|t| t.split(['-', '.']).any(|p| p == word) || t.contains(word))
    }
}

/// How a base image's userland works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Debian or Ubuntu: apt, `groupadd`/`useradd`.
    Debian,
    /// Alpine: apk, BusyBox `addgroup`/`adduser`.
    Alpine,
    /// RHEL, CentOS, Fedora and kin: yum/dnf, `groupadd`/`useradd`.
    Rhel,
    /// RHEL "minimal" images: microdnf and no shadow-utils.
    RhelMinimal,
    /// Google's distroless images: no shell, a `nonroot` user (65532).
    Distroless,
    /// `FROM scratch`: nothing at all.
    Scratch,
    Windows,
    Unknown,
}

/// Official images built on Debian unless their tag says otherwise.
const DEBIAN_BASED: &[&str] = &[
    "debian",
    "ubuntu",
    "python",
    "node",
    "golang",
    "ruby",
    "php",
    "openjdk",
    "eclipse-temurin",
    "maven",
    "gradle",
    "rust",
    "perl",
    "buildpack-deps",
    "nginx",
    "httpd",
    "postgres",
    "redis",
    "mongo",
    "elixir",
    "erlang",
    "haskell",
    "julia",
    "r-base",
    "swift",
    "clojure",
    "tomcat",
    "jetty",
    "pypy",
    "gcc",
    "haproxy",
    "traefik",
    "memcached",
    "rabbitmq",
    "mariadb",
    "wordpress",
];
const RHEL_BASED: &[&str] = &[
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "ubi",
    "ubi8",
    "ubi9",
    "amazoncorretto",
];

/// Debian and Ubuntu release code names, as image tags carry them.
const DEBIAN_RELEASES: &[&str] = &[
    "stretch", "buster", "bullseye", "bookworm", "trixie", "xenial", "bionic", "focal", "jammy",
    "noble",
];

pub fn family(image: &str) -> Family {
    let lower = image.to_ascii_lowercase();
    if lower == "scratch" {
        return Family::Scratch;
    }
    if ["windows", "nanoserver", "servercore", "dotnet/framework"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Family::Windows;
    }
    let Some(r) = ImageRef::parse(image) else {
        return Family::Unknown;
    };
    if r.prefix.contains("distroless") || r.name.contains("distroless") {
        return Family::Distroless;
    }
    if r.name.contains("minimal") || r.tag_has("minimal") || r.name.ends_with("-micro") {
        return Family::RhelMinimal;
    }
    if r.name == "alpine" || r.tag_has("alpine") {
        return Family::Alpine;
    }
    if RHEL_BASED.contains(&r.name.as_str()) || r.prefix.contains("redhat") {
        return Family::Rhel;
    }
    if DEBIAN_BASED.contains(&r.name.as_str()) && (r.is_official() || r.name == "ubuntu") {
        return Family::Debian;
    }
    // Any other image whose tag names a Debian or Ubuntu release it is built on
    // (`ghcr.io/astral-sh/uv:python3.12-bookworm-slim`).
    // Ubuntu "chiseled" images have no shell and no useradd.
    if DEBIAN_RELEASES.iter().any(|w| r.tag_has(w)) && !r.tag_has("chiseled") {
        return Family::Debian;
    }
    Family::Unknown
}

/// A non-root user the image already has, as `uid:gid` (`node` on node images, `nonroot` on
/// distroless).
pub fn builtin_user(image: &str) -> Option<&'static str> {
    let r = ImageRef::parse(image)?;
    match family(image) {
        Family::Distroless => Some("65532:65532"),
        _ if r.name == "node" && r.is_official() => Some("1000:1000"),
        // Dev Container images come with a `vscode` user.
        _ if r.prefix.contains("devcontainers/") => Some("1000:1000"),
        _ => None,
    }
}

/// Images whose server starts as root on purpose and drops privileges itself.
pub fn drops_privileges_itself(image: &str) -> bool {
    ImageRef::parse(image).is_some_and(|r| {
        matches!(
            r.name.as_str(),
            "nginx"
                | "httpd"
                | "tomcat"
                | "haproxy"
                | "postgres"
                | "mysql"
                | "mariadb"
                | "redis"
                | "mongo"
                | "rabbitmq"
                | "wordpress"
        ) || (r.name == "php" && r.tag_has("apache"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = ImageRef::parse("gcr.io/distroless/static-debian12:nonroot").unwrap();
        assert_eq!(
            (r.prefix.as_str(), r.name.as_str(), r.tag.as_deref()),
            ("gcr.io/distroless/", "static-debian12", Some("nonroot"))
        );
        let r = ImageRef::parse("localhost:5000/app@sha256:abc").unwrap();
        assert_eq!(
            (
                r.prefix.as_str(),
                r.name.as_str(),
                r.tag,
                r.digest.as_deref()
            ),
            ("localhost:5000/", "app", None, Some("sha256:abc"))
        );
        assert!(ImageRef::parse("${BASE}").is_none());
    }

    #[test]
    fn families() {
        assert_eq!(family("python:3.12"), Family::Debian);
        assert_eq!(family("python:3.12-alpine"), Family::Alpine);
        assert_eq!(
            family("ghcr.io/astral-sh/uv:python3.12-bookworm-slim"),
            Family::Debian
        );
        assert_eq!(family("myorg/builder:jammy"), Family::Debian);
        assert_eq!(
            family("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled"),
            Family::Unknown
        );
        assert_eq!(
            builtin_user("mcr.microsoft.com/devcontainers/base:bullseye"),
            Some("1000:1000")
        );
        assert_eq!(family("myorg/builder:1.2"), Family::Unknown);
        assert_eq!(
            family("ghcr.io/astral-sh/uv:python3.12-alpine"),
            Family::Alpine
        );
        assert_eq!(family("alpine"), Family::Alpine);
        assert_eq!(family("ubuntu:22.04"), Family::Debian);
        assert_eq!(family("centos:7"), Family::Rhel);
        assert_eq!(
            family("registry.access.redhat.com/ubi9/ubi-minimal"),
            Family::RhelMinimal
        );
        assert_eq!(family("gcr.io/distroless/python3"), Family::Distroless);
        assert_eq!(family("scratch"), Family::Scratch);
        assert_eq!(
            family("mcr.microsoft.com/windows/servercore:ltsc2022"),
            Family::Windows
        );
        assert_eq!(family("myorg/python:3"), Family::Unknown);
        assert_eq!(builtin_user("node:20-slim"), Some("1000:1000"));
    }
}

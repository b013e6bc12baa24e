//! What a secret file looks like by its name: keys, credentials, package-manager configuration
//! that carries tokens.

/// File names that hold credentials.
const SECRET_NAMES: &[&str] = &[
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    ".env",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    "pip.conf",
    "pip.ini",
];

/// Extensions of key and certificate stores.
const SECRET_EXTENSIONS: &[&str] = &[".pem", ".key", ".p12", ".pfx", ".keystore", ".jks"];

/// The last element of `path` names a file that usually holds a secret.
pub fn looks_secret(path: &str) -> bool {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    SECRET_NAMES.contains(&name.as_str())
        || SECRET_EXTENSIONS.iter().any(|e| name.ends_with(e))
        || name.starts_with("credentials")
        || name.starts_with("secret")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_known_by_name_extension_or_prefix() {
        assert!(looks_secret("pip.conf"));
        assert!(looks_secret("/root/.ssh/id_rsa"));
        assert!(looks_secret("certs/server.PEM"));
        assert!(looks_secret("credentials.json"));
        assert!(!looks_secret("requirements.txt"));
        assert!(!looks_secret("src/"));
    }
}

//! npm, yarn and pnpm: the manifests and lock files an install reads.

use super::*;

pub(super) fn node_manifests(cx: &Ctx<'_>, locks: &[&str]) -> Result<Vec<String>, String> {
    if let Some(pkg) = cx.read("package.json") {
        let json: serde_json::Value =
            serde_json::from_str(&pkg).map_err(|_| "package.json does not parse".to_string())?;
        if json.get("workspaces").is_some() {
            return Err("package.json declares workspaces".into());
        }
        // A dependency on a local folder or tarball needs it in the build context.
        for field in [
            "dependencies",
            "devDependencies",
            "optionalDependencies",
            "peerDependencies",
        ] {
            let deps = json.get(field).and_then(|d| d.as_object());
            for (name, spec) in deps.into_iter().flatten() {
                let spec = spec.as_str().unwrap_or("");
                if ["file:", "link:", "portal:", "./", "../", "/", "~/"]
                    .iter()
                    .any(|p| spec.starts_with(p))
                    || spec.ends_with(".tgz")
                {
                    return Err(format!(
                        "package.json takes `{name}` from a local path (`{spec}`)"
                    ));
                }
            }
        }
        let scripts = json.get("scripts").and_then(|s| s.as_object());
        if let Some(hook) = ["preinstall", "install", "postinstall", "prepare"]
            .iter()
            .find(|h| scripts.is_some_and(|s| s.contains_key(**h)))
        {
            return Err(format!(
                "package.json runs a `{hook}` script, which may read the source"
            ));
        }
    }
    let mut files = vec!["package.json".to_string()];
    match cx.context.is_known() {
        true => files.extend(cx.present(locks).into_iter().chain(cx.present(&[".npmrc"]))),
        false => files = vec!["package*.json".to_string()],
    }
    if !cx.context.is_known() && locks.contains(&"yarn.lock") {
        files.push("yarn.lock".to_string());
    }
    if !cx.context.is_known() && locks.contains(&"pnpm-lock.yaml") {
        files.push("pnpm-lock.yaml".to_string());
    }
    Ok(files)
}

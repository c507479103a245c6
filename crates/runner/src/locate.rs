//! Where scanners are found and which versions are pinned.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{run_captured, Captured};

/// The pin file, compiled in so `doctor` needs no checkout.
pub(crate) const PIN_FILE: &str = include_str!("../../../tools.toml");

/// How long a scanner may take to print its version when the scan has no timeout (`doctor`, a scan
/// without `--timeout`): a query this slow hangs. With `--timeout`, the query has exactly that.
const VERSION_TIMEOUT: Duration = Duration::from_secs(60);

/// A version query that overstayed its limit: the scanner hangs before it has scanned anything.
#[derive(Debug, thiserror::Error)]
#[error("its version query `{command}` did not finish within {}s; its process tree was killed", limit.as_secs_f64())]
pub(crate) struct VersionTimeout {
    command: String,
    limit: Duration,
}

/// A scanner version pinned in `tools.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Canonical tool name.
    pub tool: String,
    /// Pinned version (for npm, the major version that ships with Node).
    pub version: String,
}

impl Pin {
    /// True when `found` is this pin, or for a major-only pin, a release of that major.
    pub fn matches(&self, found: &str) -> bool {
        found == self.version
            || found
                .strip_prefix(&self.version)
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

#[derive(serde::Deserialize)]
struct PinEntry {
    version: String,
}

/// The pinned versions, in the file's order.
pub fn pins() -> Vec<Pin> {
    let table: toml::Table = PIN_FILE.parse().expect("tools.toml is valid TOML (checked by a test)");
    table
        .into_iter()
        .map(|(tool, value)| {
            let entry: PinEntry = value
                .try_into()
                .expect("every tools.toml entry has a version (checked by a test)");
            Pin {
                tool,
                version: entry.version,
            }
        })
        .collect()
}

/// Where scangate keeps the scanners it installs, and which setting chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolsDir {
    /// The directory (absolute); executables are in its `bin`.
    pub path: PathBuf,
    /// What chose it, for people: `$SCANGATE_TOOLS_DIR`, `$XDG_CACHE_HOME`, `$HOME`.
    pub origin: &'static str,
}

/// The tools directory: `$SCANGATE_TOOLS_DIR`, else `$XDG_CACHE_HOME/scangate/tools`, else
/// `~/.cache/scangate/tools`; `None` when none is set. Made absolute against the working
/// directory at start-up, so that scanners started in the scanned repository never resolve a
/// relative tools directory inside it. A relative `XDG_CACHE_HOME` is ignored, as the XDG base
/// directory specification asks.
pub fn tools_dir() -> Option<ToolsDir> {
    let from_env = |key: &str| {
        std::env::var_os(key)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    let (path, origin) = if let Some(dir) = from_env("SCANGATE_TOOLS_DIR") {
        (dir, "$SCANGATE_TOOLS_DIR")
    } else if let Some(cache) = from_env("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        (cache.join("scangate/tools"), "$XDG_CACHE_HOME/scangate/tools")
    } else {
        (
            from_env("HOME")?.join(".cache/scangate/tools"),
            "~/.cache/scangate/tools",
        )
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    Some(ToolsDir { path, origin })
}

/// The executable for `name`: the tools directory first, then PATH.
pub fn resolve(name: &str) -> Option<PathBuf> {
    let local = tools_dir().map(|dir| dir.path.join("bin").join(name));
    if let Some(local) = local.filter(|path| is_executable(path)) {
        return Some(local);
    }
    which::which(name).ok()
}

/// Where `scangate install` writes the rules it derives for the scanner `executable` (in a tools
/// directory's `bin`): `share/NAME-rules.toml` in that tools directory.
pub(crate) fn derived_rules(executable: &Path) -> Option<PathBuf> {
    let tools_dir = executable.parent()?.parent()?;
    let name = executable.file_name()?.to_str()?;
    Some(tools_dir.join("share").join(format!("{name}-rules.toml")))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The version `program` reports, remembered per executable (path, size and modification time)
/// in the user's cache directory: semgrep spends a second of CPU printing its version, which
/// would otherwise compete with the scanners on every scan. The query obeys the scan's timeout,
/// shorter or longer than [`VERSION_TIMEOUT`]: a loaded runner given `--timeout 900` does not lose
/// a scanner because its version query took more than a minute.
pub(crate) async fn cached_version_of(
    program: &Path,
    version_args: &[&str],
    scan_timeout: Option<Duration>,
) -> Result<Option<String>, VersionTimeout> {
    let key = executable_key(program);
    if let Some(version) = key.as_ref().and_then(|key| read_version_cache().remove(key)) {
        return Ok(Some(version));
    }
    let limit = scan_timeout.unwrap_or(VERSION_TIMEOUT);
    let version = query_version(program, version_args, limit).await?;
    if let (Some(key), Some(version)) = (key, &version) {
        remember_version(key, version);
    }
    Ok(version)
}

fn executable_key(program: &Path) -> Option<String> {
    let resolved = program.canonicalize().ok()?;
    let metadata = std::fs::metadata(&resolved).ok()?;
    let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!(
        "{}|{}|{}",
        resolved.display(),
        metadata.len(),
        modified.as_nanos()
    ))
}

fn version_cache_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("scangate").join("versions.json"))
}

fn read_version_cache() -> std::collections::HashMap<String, String> {
    version_cache_path()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Best effort: a cache that cannot be written only costs a version query next time. Written to
/// a temporary file and renamed, so concurrent scans never read half a file.
fn remember_version(key: String, version: &str) {
    let Some(path) = version_cache_path() else { return };
    let mut cache = read_version_cache();
    cache.insert(key, version.to_string());
    let Some(dir) = path.parent() else { return };
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::NamedTempFile::new_in(dir))
        .and_then(|mut file| {
            serde_json::to_writer(&mut file, &cache)?;
            file.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
    if let Err(error) = written {
        tracing::debug!(%error, "cannot write the scanner version cache");
    }
}

/// Runs `program version_args` and extracts the first dotted version number it prints.
pub async fn version_of(program: &Path, version_args: &[&str]) -> Option<String> {
    query_version(program, version_args, VERSION_TIMEOUT)
        .await
        .ok()
        .flatten()
}

/// `None` when the query cannot start or prints no version: that costs the report a version,
/// not the scan its result. Overstaying `limit` is an error.
async fn query_version(
    program: &Path,
    version_args: &[&str],
    limit: Duration,
) -> Result<Option<String>, VersionTimeout> {
    let cwd = std::env::temp_dir();
    let Captured { stdout, stderr } = match run_captured(program, version_args, &cwd, limit).await {
        Ok(Some(captured)) => captured,
        Ok(None) => {
            let name = program.file_name().unwrap_or(program.as_os_str()).to_string_lossy();
            let command = format!("{name} {}", version_args.join(" "));
            return Err(VersionTimeout { command, limit });
        }
        Err(error) => {
            tracing::debug!(%error, program = %program.display(), "the version query did not start");
            return Ok(None);
        }
    };
    let pattern = regex::Regex::new(r"\d+\.\d+(?:\.\d+)?").expect("valid regex");
    Ok([stdout, stderr]
        .iter()
        .find_map(|text| pattern.find(text).map(|m| m.as_str().to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_pinned_once() {
        let pinned: Vec<_> = pins().into_iter().map(|p| p.tool).collect();
        let known: Vec<_> = crate::TOOLS.iter().map(|t| t.name().to_string()).collect();
        assert_eq!(pinned, known);
    }

    #[test]
    fn major_only_pin_matches_its_releases() {
        let pin = Pin {
            tool: "npm-audit".into(),
            version: "11".into(),
        };
        assert!(pin.matches("11.19.1"));
        assert!(!pin.matches("110.1"));
        assert!(!pin.matches("10.9.0"));
    }
}

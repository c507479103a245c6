//! How git runs on a scanned repository: with nothing the repository configures executed.
//!
//! A repository's `.git/config` (and the attributes files that choose which paths go through
//! which driver) can make an ordinary `git log -p`, `git diff` or `git ls-files` run programs:
//! `core.fsmonitor`, hooks (`post-index-change` when an index refresh is written), diff `textconv`
//! drivers (whose output also replaces what a scanner sees, hiding secrets), clean/smudge/process
//! filters, `gpg.program` under `log.showSignature`, and the transports a lazy fetch of a partial
//! clone would start. Every git that scangate starts, and every scanner child (gitleaks' and
//! semgrep's git, `go` under gosec), gets [`git_env`] in its environment: the settings below as
//! `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`, which take precedence over
//! every configuration file. Entries the user's environment already has are kept ahead of them.
//!
//! Drivers are named by the repository (`diff=NAME` in any attributes file, which the repository's
//! own `core.attributesFile` can point anywhere), but their commands come only from
//! configuration: every `diff.NAME.textconv` and `filter.NAME.*` that `git config --list` shows,
//! in any scope, is overridden — textconv to `cat` (the file as it is; git has no way to unset a
//! key, and an empty textconv is an error), `cachetextconv` off (a cache in the repository's notes
//! could hide content), filters to empty commands that git skips, `required` off.
//!
//! External diff programs (`diff.external`, `diff.NAME.command`) cannot be unset this way; they run
//! only where a diff allows them: scangate's own `git diff` passes `--no-ext-diff --no-textconv`
//! ([`DIFF_FLAGS`]), gitleaks' `git diff --staged` passes `--no-ext-diff`, and `git log -p`
//! never runs them.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::Error;

/// Flags for every `git diff` scangate runs: no external diff program, no textconv driver.
pub const DIFF_FLAGS: [&str; 2] = ["--no-ext-diff", "--no-textconv"];

/// Settings that hold whatever the repository configures.
const FIXED: &[(&str, &str)] = &[
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("log.showSignature", "false"),
    ("protocol.allow", "never"),
];

/// Overrides for a diff driver, by the key's last part.
const DIFF_DRIVER: &[(&str, &str)] = &[("textconv", "cat"), ("cachetextconv", "false")];

/// Overrides for a filter driver: empty commands are skipped; a skipped required filter is an error.
const FILTER_DRIVER: &[(&str, &str)] = &[("process", ""), ("clean", ""), ("smudge", ""), ("required", "false")];

/// The environment that keeps the configuration git reads for `root` from running anything:
/// `GIT_CONFIG_COUNT` extended past the user's own entries. Fails only when the user's
/// `GIT_CONFIG_COUNT` is not a count (git itself would refuse it).
pub fn git_env(root: &Path) -> Result<Vec<(OsString, OsString)>, Error> {
    let inherited = inherited_count()?;
    let fixed = settings(inherited, fixed_pairs());
    let drivers = driver_overrides(root, &fixed);
    Ok(settings(inherited, fixed_pairs().chain(drivers)))
}

/// `git -C root` with [`git_env`].
pub fn git_command(root: &Path) -> Result<Command, Error> {
    let mut command = Command::new("git");
    command.arg("-C").arg(root).envs(git_env(root)?);
    Ok(command)
}

fn fixed_pairs() -> impl Iterator<Item = (String, String)> {
    FIXED.iter().map(|&(k, v)| (k.to_string(), v.to_string()))
}

/// How many `GIT_CONFIG_KEY_n` the user's environment holds.
fn inherited_count() -> Result<usize, Error> {
    match std::env::var_os("GIT_CONFIG_COUNT") {
        None => Ok(0),
        Some(value) => value
            .to_str()
            .and_then(|count| count.trim().parse().ok())
            .ok_or_else(|| Error::GitConfigCount {
                value: value.to_string_lossy().into_owned(),
            }),
    }
}

/// `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` from `first` on, and the new `GIT_CONFIG_COUNT`.
fn settings(first: usize, pairs: impl IntoIterator<Item = (String, String)>) -> Vec<(OsString, OsString)> {
    let mut env = Vec::new();
    let mut count = first;
    for (key, value) in pairs {
        env.push((format!("GIT_CONFIG_KEY_{count}").into(), key.into()));
        env.push((format!("GIT_CONFIG_VALUE_{count}").into(), value.into()));
        count += 1;
    }
    env.push(("GIT_CONFIG_COUNT".into(), count.to_string().into()));
    env
}

/// The overrides for every diff and filter driver the configuration of `root` defines. Nothing
/// when git cannot list it: then no git reads that configuration either (it refuses a broken
/// file), and a missing git runs nothing.
fn driver_overrides(root: &Path, env: &[(OsString, OsString)]) -> Vec<(String, String)> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["config", "--list", "-z"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match listed {
        Ok(output) if output.status.success() => overrides_for(&output.stdout),
        Ok(output) => {
            tracing::debug!(status = %output.status, root = %root.display(), "git config --list failed");
            Vec::new()
        }
        Err(error) => {
            tracing::debug!(%error, "cannot run git config --list");
            Vec::new()
        }
    }
}

/// Overrides for the drivers in `git config --list -z` output (`key\nvalue\0` entries), once each.
fn overrides_for(listing: &[u8]) -> Vec<(String, String)> {
    let drivers: std::collections::BTreeMap<String, &[(&str, &str)]> = listing
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let key = entry.split(|b| *b == b'\n').next()?;
            driver_of(&String::from_utf8_lossy(key))
        })
        .collect();
    drivers
        .into_iter()
        .flat_map(|(prefix, overrides)| {
            overrides
                .iter()
                .map(move |(last, value)| (format!("{prefix}.{last}"), value.to_string()))
        })
        .collect()
}

/// For `diff.NAME.textconv` or `filter.NAME.clean` (…): `diff.NAME` / `filter.NAME` and the
/// driver's overrides. Section and variable names are case-insensitive, `NAME` is not.
fn driver_of(key: &str) -> Option<(String, &'static [(&'static str, &'static str)])> {
    let (prefix, variable) = key.rsplit_once('.')?;
    let (section, _name) = prefix.split_once('.')?;
    let variable = variable.to_ascii_lowercase();
    let overrides = match section.to_ascii_lowercase().as_str() {
        "diff" if matches!(variable.as_str(), "textconv" | "cachetextconv") => DIFF_DRIVER,
        "filter" if matches!(variable.as_str(), "process" | "clean" | "smudge") => FILTER_DRIVER,
        _ => return None,
    };
    Some((prefix.to_string(), overrides))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configured_driver_is_overridden_once() {
        let listing = b"core.fsmonitor\n/x/hook\0diff.hide.textconv\n/x/tc\0diff.hide.cachetextconv\ntrue\0\
                        diff.a.b.textconv\n/x\0filter.f.clean\n/x\0filter.f.smudge\n/x\0diff.external\n/x\0";
        let keys: Vec<String> = overrides_for(listing)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            keys,
            [
                "diff.a.b.textconv=cat",
                "diff.a.b.cachetextconv=false",
                "diff.hide.textconv=cat",
                "diff.hide.cachetextconv=false",
                "filter.f.process=",
                "filter.f.clean=",
                "filter.f.smudge=",
                "filter.f.required=false",
            ]
        );
    }

    #[test]
    fn entries_are_numbered_after_the_inherited_ones() {
        let env = settings(2, [("core.fsmonitor".to_string(), "false".to_string())]);
        let env: Vec<(String, String)> = env
            .into_iter()
            .map(|(k, v)| (k.into_string().unwrap(), v.into_string().unwrap()))
            .collect();
        let expected = [
            ("GIT_CONFIG_KEY_2", "core.fsmonitor"),
            ("GIT_CONFIG_VALUE_2", "false"),
            ("GIT_CONFIG_COUNT", "3"),
        ];
        assert_eq!(env, expected.map(|(k, v)| (k.to_string(), v.to_string())));
    }
}

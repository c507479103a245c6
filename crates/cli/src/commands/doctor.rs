//! `scangate doctor`: is each scanner installed, and at its pinned version?

use std::io::Write;

use scangate_runner::{pins, resolve, tool_named, tools_dir, version_of, TOOLS};

use crate::exit::ExitStatus;

pub async fn run() -> anyhow::Result<ExitStatus> {
    let pins = pins();
    let checks = TOOLS.iter().map(|tool| async move {
        let program = resolve(tool.executable());
        let version = match &program {
            Some(path) => version_of(path, tool.version_args()).await,
            None => None,
        };
        (tool.name(), program, version)
    });
    let results = futures::future::join_all(checks).await;
    let mut out = std::io::stdout().lock();
    match tools_dir() {
        Some(dir) => writeln!(out, "tools directory: {} ({})\n", dir.path.display(), dir.origin)?,
        None => writeln!(
            out,
            "tools directory: none (set SCANGATE_TOOLS_DIR or HOME); PATH only\n"
        )?,
    }
    writeln!(
        out,
        "{:<12} {:<8} {:<10} {:<10} path",
        "tool", "found", "version", "pinned"
    )?;
    let mut healthy = true;
    for (name, program, version) in results {
        let pin = pins
            .iter()
            .find(|p| p.tool == name)
            .map(|p| p.version.as_str())
            .unwrap_or("-");
        let matches = version
            .as_deref()
            .is_some_and(|v| tool_named(name).is_some() && pins.iter().any(|p| p.tool == name && p.matches(v)));
        healthy &= matches;
        let found = match (&program, matches) {
            (None, _) => "MISSING",
            (Some(_), true) => "yes",
            (Some(_), false) => "MISMATCH",
        };
        let path = program.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
        writeln!(
            out,
            "{name:<12} {found:<8} {:<10} {pin:<10} {path}",
            version.as_deref().unwrap_or("-")
        )?;
    }
    if !healthy {
        writeln!(
            out,
            "\nsome scanners are missing or not at their pinned version: `scangate install` installs them"
        )?;
    }
    Ok(if healthy {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

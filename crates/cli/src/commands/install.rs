//! `scangate install`: the pinned scanners, into the tools directory scans look in.

use std::path::PathBuf;

use anyhow::Context;
use scangate_runner::{install, tools_dir, InstallError, InstallProgress, ToolsDir};

use crate::args::InstallArgs;
use crate::exit::ExitStatus;

pub async fn run(args: InstallArgs) -> anyhow::Result<ExitStatus> {
    let target = match args.tools_dir {
        Some(dir) => ToolsDir {
            path: std::path::absolute(&dir).with_context(|| format!("cannot resolve {}", dir.display()))?,
            origin: "--tools-dir",
        },
        None => tools_dir().ok_or(InstallError::NoToolsDir)?,
    };
    let into = target.path.clone();
    tokio::task::spawn_blocking(move || install(&into, &args.tools, report))
        .await
        .context("the installer stopped")??;
    finished(&target);
    Ok(ExitStatus::Success)
}

/// One line on stderr per step; the build tools' own output comes between them.
#[allow(clippy::print_stderr)]
fn report(progress: InstallProgress) {
    match progress {
        InstallProgress::UpToDate { tool, version } => eprintln!("scangate: {tool} {version} is installed"),
        InstallProgress::Installing { tool, version, from } => {
            eprintln!("scangate: installing {tool} {version} from {from} …")
        }
        InstallProgress::Installed { tool, took } => {
            eprintln!("scangate: installed {tool} in {:.1}s", took.as_secs_f64())
        }
        InstallProgress::SystemMissing { tool, program, with } => {
            eprintln!("scangate: warning: {tool} needs `{program}`, which is not on PATH: it ships with {with}")
        }
        InstallProgress::System { tool, path } => eprintln!("scangate: {tool} uses {}", path.display()),
    }
}

#[allow(clippy::print_stderr)]
fn finished(target: &ToolsDir) {
    let bin: PathBuf = target.path.join("bin");
    eprintln!("scangate: scanners are in {} ({})", bin.display(), target.origin);
    let searched = tools_dir().map(|dir| dir.path);
    if searched.as_ref() != Some(&target.path) {
        eprintln!(
            "scangate: scans look elsewhere: set SCANGATE_TOOLS_DIR={} for them to use these",
            target.path.display()
        );
    }
}

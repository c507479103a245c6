//! `scangate install`: the scanners pinned in `tools.toml`, built from their package registries
//! into the tools directory (`go install` from the Go module proxy, `pip` from PyPI into a venv).
//!
//! Idempotent: a tool whose stamp (`stamps/NAME`) names the pinned version and whose executable
//! is present is not touched, so a second run installs nothing and starts no process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::locate::PIN_FILE;

/// How a pinned scanner is installed, as `tools.toml` says.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
enum Source {
    /// `go install PACKAGE@vVERSION`.
    Go {
        module: String,
        package: String,
        version_ldflag: Option<String>,
    },
    /// `go build PACKAGE` inside the downloaded module: `go install` refuses modules with
    /// `replace` directives (trivy).
    GoBuild {
        module: String,
        package: String,
        version_ldflag: Option<String>,
    },
    /// `pip install PACKAGE==VERSION` into its own venv; `relax` names requirements installed at
    /// the newest version the index has instead of the package's floor.
    Pip {
        package: String,
        #[serde(default)]
        relax: Vec<String>,
    },
    /// Comes with something else (npm with Node.js): only checked.
    System { command: String },
}

#[derive(Debug, Clone, serde::Deserialize)]
struct Spec {
    version: String,
    /// The scanner's default rules in its module, from which scangate derives the rules it runs
    /// (gitleaks: [`crate::tools::gitleaks::rules_without_path_allowlists`]).
    default_rules: Option<String>,
    #[serde(flatten)]
    source: Source,
}

/// Why `scangate install` could not install a scanner.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A name that is not one of the pinned scanners.
    #[error(transparent)]
    UnknownTool(#[from] crate::Error),
    /// No tools directory: neither `$SCANGATE_TOOLS_DIR`, `$XDG_CACHE_HOME` nor `$HOME` is set.
    #[error("no tools directory: set SCANGATE_TOOLS_DIR (or HOME) or pass --tools-dir")]
    NoToolsDir,
    /// The toolchain that builds the scanner is not installed.
    #[error("{tool} is built with {toolchain}, and `{program}` is not on PATH: install {toolchain} ({hint}) and run `scangate install {tool}` again")]
    MissingToolchain {
        /// The scanner.
        tool: String,
        /// What is missing, for people ("Go", "Python 3").
        toolchain: &'static str,
        /// The executable looked for.
        program: &'static str,
        /// Where it comes from.
        hint: &'static str,
    },
    /// A scanner that ships with something else is not on PATH.
    #[error("{tool} uses `{program}`, which is not on PATH: it ships with {with}")]
    MissingSystemTool {
        /// The scanner.
        tool: String,
        /// The executable looked for.
        program: String,
        /// What installs it.
        with: &'static str,
    },
    /// An install step could not start or failed.
    #[error("installing {tool}: `{command}` {failure}")]
    StepFailed {
        /// The scanner.
        tool: String,
        /// The step's argv, for people.
        command: String,
        /// What went wrong ("exited with 1", "could not start: …").
        failure: String,
    },
    /// A file or directory in the tools directory could not be written.
    #[error("installing {tool}: cannot write {path}")]
    Io {
        /// The scanner.
        tool: String,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// What the installer is doing, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallProgress {
    /// Already installed at the pinned version: nothing done.
    UpToDate {
        /// The scanner.
        tool: String,
        /// The pinned version.
        version: String,
    },
    /// Starting to install; the build tools' own output follows on stderr.
    Installing {
        /// The scanner.
        tool: String,
        /// The pinned version.
        version: String,
        /// The registry it comes from.
        from: &'static str,
    },
    /// Installed.
    Installed {
        /// The scanner.
        tool: String,
        /// How long it took.
        took: Duration,
    },
    /// Not installed by scangate and not on PATH; the scanner will be reported missing.
    SystemMissing {
        /// The scanner.
        tool: String,
        /// The executable looked for.
        program: String,
        /// What installs it.
        with: &'static str,
    },
    /// Not installed by scangate; found on PATH.
    System {
        /// The scanner.
        tool: String,
        /// Where it was found.
        path: PathBuf,
    },
}

/// Installs `only` (every pinned scanner when empty) into `tools_dir`, in `tools.toml`'s order,
/// stopping at the first failure. The build tools write their progress to stderr. A scanner that
/// comes with something else (npm) and is absent fails only when named in `only`.
pub fn install(
    tools_dir: &Path,
    only: &[String],
    mut progress: impl FnMut(InstallProgress),
) -> Result<(), InstallError> {
    for name in only {
        crate::plan::check_tool_name(name)?;
    }
    let specs = specs();
    for (tool, spec) in specs.iter().filter(|(tool, _)| only.is_empty() || only.contains(tool)) {
        match install_one(tool, spec, tools_dir, &mut progress) {
            // Not asked for by name, and not scangate's to install: a note, not a failure.
            Err(InstallError::MissingSystemTool { tool, program, with }) if only.is_empty() => {
                progress(InstallProgress::SystemMissing { tool, program, with })
            }
            result => result?,
        }
    }
    Ok(())
}

fn specs() -> Vec<(String, Spec)> {
    let table: toml::Table = PIN_FILE.parse().expect("tools.toml is valid TOML (checked by a test)");
    table
        .into_iter()
        .map(|(tool, value)| {
            let spec = value
                .try_into()
                .unwrap_or_else(|error| panic!("tools.toml entry {tool} is invalid: {error} (checked by a test)"));
            (tool, spec)
        })
        .collect()
}

fn install_one(
    tool: &str,
    spec: &Spec,
    tools_dir: &Path,
    progress: &mut impl FnMut(InstallProgress),
) -> Result<(), InstallError> {
    if let Source::System { command } = &spec.source {
        let path = which::which(command).map_err(|_| InstallError::MissingSystemTool {
            tool: tool.to_owned(),
            program: command.clone(),
            with: "Node.js",
        })?;
        progress(InstallProgress::System {
            tool: tool.to_owned(),
            path,
        });
        return Ok(());
    }
    let layout = Layout::new(tools_dir, tool);
    if layout.is_current(spec) {
        progress(InstallProgress::UpToDate {
            tool: tool.to_owned(),
            version: spec.version.clone(),
        });
        return Ok(());
    }
    progress(InstallProgress::Installing {
        tool: tool.to_owned(),
        version: spec.version.clone(),
        from: registry(&spec.source),
    });
    let started = Instant::now();
    layout.create_dirs()?;
    let step = Step { tool, layout: &layout };
    match &spec.source {
        Source::Go {
            module,
            package,
            version_ldflag,
        } => {
            step.go_install(package, &spec.version, version_ldflag.as_deref())?;
            if let Some(default_rules) = &spec.default_rules {
                step.derive_rules(module, &spec.version, default_rules)?;
            }
        }
        Source::GoBuild {
            module,
            package,
            version_ldflag,
        } => step.go_build(module, package, &spec.version, version_ldflag.as_deref())?,
        Source::Pip { package, relax } => step.pip_install(package, &spec.version, relax)?,
        Source::System { .. } => unreachable!("handled above"),
    }
    layout.write_stamp(&spec.version)?;
    progress(InstallProgress::Installed {
        tool: tool.to_owned(),
        took: started.elapsed(),
    });
    Ok(())
}

fn registry(source: &Source) -> &'static str {
    match source {
        Source::Go { .. } | Source::GoBuild { .. } => "the Go module proxy",
        Source::Pip { .. } => "PyPI",
        Source::System { .. } => "PATH",
    }
}

/// Where one scanner's files go in the tools directory.
struct Layout {
    tool: String,
    bin: PathBuf,
    executable: PathBuf,
    stamp: PathBuf,
    venv: PathBuf,
    rules: PathBuf,
}

impl Layout {
    fn new(tools_dir: &Path, tool: &str) -> Self {
        let bin = tools_dir.join("bin");
        Layout {
            tool: tool.to_owned(),
            executable: bin.join(tool),
            stamp: tools_dir.join("stamps").join(tool),
            venv: tools_dir.join(format!("{tool}-venv")),
            rules: crate::locate::derived_rules(&bin.join(tool)).expect("TOOLS/bin/NAME has two parents"),
            bin,
        }
    }

    fn is_current(&self, spec: &Spec) -> bool {
        std::fs::read_to_string(&self.stamp).is_ok_and(|stamp| stamp.trim() == spec.version)
            && self.executable.exists()
            && (spec.default_rules.is_none() || self.rules.is_file())
    }

    fn create_dirs(&self) -> Result<(), InstallError> {
        for dir in [&self.bin, self.stamp.parent().expect("stamps/NAME has a parent")] {
            std::fs::create_dir_all(dir).map_err(|source| self.io_error(dir, source))?;
        }
        Ok(())
    }

    fn write_stamp(&self, version: &str) -> Result<(), InstallError> {
        std::fs::write(&self.stamp, version).map_err(|source| self.io_error(&self.stamp, source))
    }

    fn io_error(&self, path: &Path, source: std::io::Error) -> InstallError {
        InstallError::Io {
            tool: self.tool.clone(),
            path: path.to_owned(),
            source,
        }
    }
}

/// The commands that install one scanner.
struct Step<'a> {
    tool: &'a str,
    layout: &'a Layout,
}

impl Step<'_> {
    fn go_install(&self, package: &str, version: &str, version_ldflag: Option<&str>) -> Result<(), InstallError> {
        let mut args: Vec<OsString> = vec!["install".into(), "-trimpath".into()];
        args.extend(ldflags(version_ldflag, version));
        args.push(format!("{package}@v{version}").into());
        self.run(self.go()?.args(args))
    }

    fn go_build(
        &self,
        module: &str,
        package: &str,
        version: &str,
        version_ldflag: Option<&str>,
    ) -> Result<(), InstallError> {
        let source = self.download_module(module, version)?;
        let mut args: Vec<OsString> = vec!["build".into(), "-trimpath".into()];
        args.extend(ldflags(version_ldflag, version));
        args.extend([
            "-o".into(),
            self.layout.executable.clone().into_os_string(),
            package.into(),
        ]);
        self.run(self.go()?.args(args).current_dir(source))
    }

    /// Writes the rules scangate runs the scanner with, derived from `default_rules` in its module.
    fn derive_rules(&self, module: &str, version: &str, default_rules: &str) -> Result<(), InstallError> {
        let source = self.download_module(module, version)?.join(default_rules);
        let default = std::fs::read_to_string(&source).map_err(|error| self.layout.io_error(&source, error))?;
        let derived = crate::tools::gitleaks::rules_without_path_allowlists(&default, version)
            .map_err(|failure| self.failed(&source.display().to_string(), failure))?;
        let rules = &self.layout.rules;
        let share = rules.parent().expect("share/NAME has a parent");
        std::fs::create_dir_all(share).map_err(|error| self.layout.io_error(share, error))?;
        let partial = rules.with_extension("toml.partial");
        std::fs::write(&partial, derived).map_err(|error| self.layout.io_error(&partial, error))?;
        std::fs::rename(&partial, rules).map_err(|error| self.layout.io_error(rules, error))
    }

    /// The module's source directory in the Go module cache.
    fn download_module(&self, module: &str, version: &str) -> Result<PathBuf, InstallError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Downloaded {
            dir: Option<PathBuf>,
            error: Option<String>,
        }
        let mut command = self.go()?;
        command.args(["mod", "download", "-json", &format!("{module}@v{version}")]);
        let described = describe(&command);
        let output = command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|error| self.failed(&described, format!("could not start: {error}")))?;
        let downloaded: Downloaded = serde_json::from_slice(&output.stdout)
            .map_err(|error| self.failed(&described, format!("printed no module description ({error})")))?;
        match (downloaded.dir, downloaded.error) {
            (Some(dir), None) if output.status.success() => Ok(dir),
            (_, error) => Err(self.failed(
                &described,
                error.unwrap_or_else(|| format!("exited with {}", output.status)),
            )),
        }
    }

    fn pip_install(&self, package: &str, version: &str, relax: &[String]) -> Result<(), InstallError> {
        let python = self.layout.venv.join("bin").join("python");
        if !python.exists() {
            let system_python = which::which("python3").map_err(|_| InstallError::MissingToolchain {
                tool: self.tool.to_owned(),
                toolchain: "Python 3",
                program: "python3",
                hint: "3.10 or newer with its venv module, e.g. Debian's python3-venv",
            })?;
            self.run(Command::new(system_python).args(["-m".into(), "venv".into(), self.layout.venv.clone()]))?;
        }
        let pip = || {
            let mut command = Command::new(&python);
            command.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]);
            command
        };
        let pinned = format!("{package}=={version}");
        if relax.is_empty() {
            self.run(pip().arg(&pinned))?;
        } else {
            // The package alone, then its requirements with the relaxed ones unbounded.
            self.run(pip().args(["--no-deps", &pinned, "packaging"]))?;
            let requirements = self.requirements(&python, package, relax)?;
            self.run(pip().args(requirements))?;
        }
        self.link_venv_executable()
    }

    /// The installed distribution's requirements for this platform, the `relax` ones unbounded.
    fn requirements(&self, python: &Path, package: &str, relax: &[String]) -> Result<Vec<String>, InstallError> {
        let mut command = Command::new(python);
        command.args(["-c", RELAXED_REQUIREMENTS, package]).args(relax);
        let described = describe(&command);
        let output = command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|error| self.failed(&described, format!("could not start: {error}")))?;
        if !output.status.success() {
            return Err(self.failed(&described, format!("exited with {}", output.status)));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect())
    }

    fn link_venv_executable(&self) -> Result<(), InstallError> {
        let link = &self.layout.executable;
        if link.symlink_metadata().is_ok() {
            std::fs::remove_file(link).map_err(|source| self.layout.io_error(link, source))?;
        }
        let target = self.layout.venv.join("bin").join(self.tool);
        std::os::unix::fs::symlink(&target, link).map_err(|source| self.layout.io_error(link, source))
    }

    /// `go` with the environment every Go scanner is built in.
    fn go(&self) -> Result<Command, InstallError> {
        let go = which::which("go").map_err(|_| InstallError::MissingToolchain {
            tool: self.tool.to_owned(),
            toolchain: "Go",
            program: "go",
            hint: "https://go.dev/dl or your package manager",
        })?;
        let mut command = Command::new(go);
        command.env("GOBIN", &self.layout.bin);
        if std::env::var_os("CGO_ENABLED").is_none() {
            command.env("CGO_ENABLED", "0");
        }
        // trivy 0.74 needs encoding/json/v2; the other scanners build the same with it.
        command.env("GOEXPERIMENT", "jsonv2");
        Ok(command)
    }

    /// Runs `command` with its output on stderr (stdout stays the caller's).
    fn run(&self, command: &mut Command) -> Result<(), InstallError> {
        let described = describe(command);
        tracing::info!(tool = self.tool, command = %described, "install step");
        let status = command
            .stdout(std::io::stderr())
            .stderr(Stdio::inherit())
            .status()
            .map_err(|error| self.failed(&described, format!("could not start: {error}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(self.failed(&described, format!("exited with {status}")))
        }
    }

    fn failed(&self, command: &str, failure: String) -> InstallError {
        InstallError::StepFailed {
            tool: self.tool.to_owned(),
            command: command.to_owned(),
            failure,
        }
    }
}

fn ldflags(version_ldflag: Option<&str>, version: &str) -> Option<OsString> {
    version_ldflag.map(|flag| format!("-ldflags=-s -w -X {flag}={version}").into())
}

fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(command.get_args().map(|arg| arg.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints a distribution's requirements for this platform, one a line, the named ones unbounded.
const RELAXED_REQUIREMENTS: &str = r#"
import sys
from importlib.metadata import requires
from packaging.requirements import Requirement
relaxed = set(sys.argv[2:])
for line in requires(sys.argv[1]) or []:
    req = Requirement(line)
    if req.marker and not req.marker.evaluate({"extra": ""}):
        continue
    print(req.name if req.name in relaxed else str(req).split(";")[0])
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_says_how_it_is_installed() {
        let specs = specs();
        assert_eq!(specs.len(), crate::TOOLS.len());
        let npm = specs
            .iter()
            .find(|(tool, _)| tool == "npm-audit")
            .expect("npm-audit pinned");
        assert!(matches!(&npm.1.source, Source::System { command } if command == "npm"));
    }

    #[test]
    fn an_installed_pin_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("bin")).expect("bin");
        std::fs::create_dir_all(dir.path().join("stamps")).expect("stamps");
        let (tool, spec) = specs()
            .into_iter()
            .find(|(tool, _)| tool == "gitleaks")
            .expect("gitleaks");
        std::fs::write(dir.path().join("bin").join(&tool), "").expect("executable");
        std::fs::write(dir.path().join("stamps").join(&tool), &spec.version).expect("stamp");
        let layout = Layout::new(dir.path(), &tool);
        assert!(
            !layout.is_current(&spec),
            "without its derived rules gitleaks is installed again"
        );
        std::fs::create_dir_all(dir.path().join("share")).expect("share");
        std::fs::write(&layout.rules, "").expect("rules");
        assert!(layout.rules.ends_with("share/gitleaks-rules.toml"));
        let mut seen = Vec::new();
        install(dir.path(), std::slice::from_ref(&tool), |event| seen.push(event)).expect("nothing to do");
        assert_eq!(
            seen,
            [InstallProgress::UpToDate {
                tool,
                version: spec.version
            }]
        );
    }

    #[test]
    fn an_unknown_name_is_refused_before_anything_runs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = install(dir.path(), &["gitleak".into()], |_| panic!("nothing starts")).unwrap_err();
        assert!(error.to_string().contains("did you mean `gitleaks`"), "{error}");
        assert!(!dir.path().join("bin").exists());
    }
}

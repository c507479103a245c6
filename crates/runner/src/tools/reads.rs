//! Which files each scanner reads: its own file-matching rules at the pinned version
//! (`tools.toml`), written down from its source. Pull-request mode runs a scanner when the
//! change touches one of them, and a full scan runs it when the repository holds one; a list
//! narrower than the scanner's own would let a change put its findings where scangate never
//! looks (`unchanged` vouching for a file the scanner would have read). Where a rule depends on
//! what scangate cannot know (a file's content, which languages registry rules cover), the
//! answer is yes: the scanner runs. A new pin must re-check every list here against its source.

use std::path::Path;

use crate::RepoIndex;

/// A file's name, when it is UTF-8 (no scanner rule names other bytes).
fn name_of(path: &Path) -> &str {
    path.file_name().and_then(|name| name.to_str()).unwrap_or_default()
}

/// The extension as OCaml's `Filename.extension` and Go's `filepath.Ext` see it: from the last
/// `.` of the name on, `""` when there is none. OCaml gives a name that only starts with a dot
/// (`.bashrc`) none; so does this, which errs on semgrep's side for Go's (`.bashrc`'s `filepath.Ext`
/// is `.bashrc`, a name no trivy rule names).
fn extension(name: &str) -> &str {
    match name.rfind('.') {
        Some(dot) if name[..dot].chars().any(|c| c != '.') => &name[dot..],
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// semgrep 1.185.0

/// One language semgrep analyses: the file-name suffixes it takes for it (each with its leading
/// `.`, as semgrep prepends one) and the commands an extensionless executable's `#!` line may
/// name. The table's `excluded_exts` ([`OSEMGREP_SKIPPED_SUFFIXES`]) are not here: pysemgrep
/// reads such files all the same, in a scan of `.` and named on its command line (semgrep
/// 1.185.0: `paths.scanned` lists them and their findings are reported), and scangate runs
/// pysemgrep whenever an invocation reads one.
struct SemgrepLanguage {
    id: &'static str,
    suffixes: &'static [&'static str],
    shebangs: &'static [&'static str],
}

const fn lang(
    id: &'static str,
    suffixes: &'static [&'static str],
    shebangs: &'static [&'static str],
) -> SemgrepLanguage {
    SemgrepLanguage { id, suffixes, shebangs }
}

/// semgrep 1.185.0's target languages, from the table it ships,
/// `semgrep/semgrep_interfaces/lang.json` (`exts`, `excluded_exts`, `shebangs`). `generic`,
/// `regex` and `aliengrep` are left out: they take every file (see [`semgrep_reads`]).
const SEMGREP_LANGUAGES: &[SemgrepLanguage] = &[
    lang("apex", &[".cls"], &[]),
    lang("bash", &[".bash", ".sh"], &["bash", "sh"]),
    lang("c", &[".c", ".h"], &[]),
    lang("cairo", &[".cairo"], &[]),
    lang("circom", &[".circom"], &[]),
    lang("clojure", &[".clj", ".cljs", ".cljc", ".edn"], &[]),
    lang(
        "cpp",
        &[
            ".cc", ".cpp", ".cxx", ".c++", ".pcc", ".tpp", ".C", ".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp",
        ],
        &[],
    ),
    lang("csharp", &[".cs"], &[]),
    lang("dart", &[".dart"], &[]),
    lang("dockerfile", &[".dockerfile", ".Dockerfile"], &[]),
    lang("fga", &[".fga"], &[]),
    lang("elixir", &[".ex", ".exs"], &[]),
    lang("go", &[".go"], &[]),
    lang("gosu", &[".gs"], &[]),
    lang("hack", &[".hack", ".hck", ".hh"], &["hhvm"]),
    lang("html", &[".htm", ".html"], &[]),
    lang("java", &[".java"], &[]),
    lang("js", &[".cjs", ".js", ".jsx", ".mjs"], &["node", "js", "nodejs"]),
    lang("json", &[".json", ".ipynb"], &[]),
    lang("jsonnet", &[".jsonnet", ".libsonnet"], &[]),
    lang("julia", &[".jl"], &[]),
    lang("kotlin", &[".kt", ".kts", ".ktm"], &[]),
    lang("lisp", &[".lisp", ".cl", ".el"], &[]),
    lang("lua", &[".lua"], &["lua"]),
    lang("move", &[".move"], &[]),
    lang("objc", &[".m"], &[]),
    lang("ocaml", &[".ml", ".mli"], &["ocaml", "ocamlscript"]),
    lang("php", &[".php", ".tpl", ".phtml"], &["php"]),
    lang("powershell", &[".ps1"], &[]),
    lang("promql", &[".promql"], &[]),
    lang("protobuf", &[".proto"], &[]),
    lang("python", &[".py", ".pyi"], &["python", "python2", "python3"]),
    lang("r", &[".r", ".R"], &[]),
    lang("ruby", &[".rb"], &["ruby"]),
    lang("rust", &[".rs"], &["run-cargo-script"]),
    lang("scala", &[".scala"], &["scala"]),
    lang("scheme", &[".scm", ".ss"], &[]),
    lang("solidity", &[".sol"], &[]),
    lang("swift", &[".swift"], &[]),
    lang("terraform", &[".tf", ".tofu", ".hcl", ".tfvars"], &[]),
    lang("ts", &[".ts", ".tsx"], &["ts-node"]),
    lang("vue", &[".vue"], &[]),
    lang("xml", &[".xml", ".plist"], &[]),
    lang("yaml", &[".yml", ".yaml"], &[]),
];

/// The languages of scangate's bundled rules (`rules/semgrep/*.yaml`: `languages: [python]`,
/// `[javascript, typescript]`, `[go]`, `[java]`).
const BUNDLED_LANGUAGES: &[&str] = &["python", "js", "ts", "go", "java"];

/// Languages that decide whether semgrep applies in a full scan: all but the data formats
/// (`json`, `yaml`), which alone hold no first-party code.
fn applies_for(language: &SemgrepLanguage) -> bool {
    !matches!(language.id, "json" | "yaml")
}

impl SemgrepLanguage {
    /// semgrep's `Guess_lang.matches_lang` (`src/targeting/Guess_lang.ml`) without its excluded
    /// suffixes (see [`SemgrepLanguage`]): one of the language's suffixes, or — for a
    /// language with `#!` commands — no extension, some execute permission, and a first line
    /// `#!CMD` or `#!/usr/bin/env CMD` naming one of them. `dockerfile` also takes the names
    /// `Dockerfile` and `dockerfile` (`inspect_file_p`).
    fn matches(&self, repo: &RepoIndex, path: &Path) -> bool {
        let name = name_of(path);
        if self.named(name) {
            return true;
        }
        !self.shebangs.is_empty()
            && extension(name).is_empty()
            && shebang_command(repo, path).is_some_and(|command| self.shebangs.contains(&command.as_str()))
    }
}

impl SemgrepLanguage {
    /// By name alone: a suffix of the language, or a Dockerfile's name.
    fn named(&self, name: &str) -> bool {
        (self.id == "dockerfile" && matches!(name, "Dockerfile" | "dockerfile"))
            || self.suffixes.iter().any(|suffix| name.ends_with(suffix))
    }
}

/// The command an extensionless executable regular file's `#!` line names (`#!/usr/bin/python3`
/// → `python3`, `#!/usr/bin/env node` → `node`), as semgrep's `uses_shebang_command_name` reads it.
fn shebang_command(repo: &RepoIndex, path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::symlink_metadata(repo.root().join(path)).ok()?;
    if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
        return None;
    }
    let head = repo.head_of(path, 512)?;
    let line = head.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split([' ', '\t']).filter(|word| !word.is_empty());
    let command = words.next()?;
    let command = match command {
        "/usr/bin/env" => words.next()?,
        path => path.rsplit('/').next().unwrap_or(path),
    };
    Some(command.to_owned())
}

/// The table's `excluded_exts` (`js`: `.min.js`, `ts`: `.d.ts`): osemgrep (`semgrep scan
/// --experimental`) reads no file so named, in a scan of `.` or named on its command line, and
/// reports nothing about it; pysemgrep reads it.
const OSEMGREP_SKIPPED_SUFFIXES: &[&str] = &[".min.js", ".d.ts"];

/// True when osemgrep leaves the root-relative `path` out where pysemgrep reads it.
pub(crate) fn osemgrep_skips(path: &Path) -> bool {
    let name = name_of(path);
    OSEMGREP_SKIPPED_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// True when semgrep, running rules of `bundled_only` (scangate's bundled rules) or any rules,
/// reads the root-relative `path`: a regular file (semgrep follows no symlink, and refuses one
/// given by name) of one of the rules' languages. Registry and local rules may be of any
/// language, `generic` and `regex` included, which take every file: every regular file is read.
pub(crate) fn semgrep_reads(repo: &RepoIndex, bundled_only: bool, path: &Path) -> bool {
    let regular = std::fs::symlink_metadata(repo.root().join(path)).is_ok_and(|m| m.is_file());
    regular
        && (!bundled_only
            || SEMGREP_LANGUAGES
                .iter()
                .filter(|language| BUNDLED_LANGUAGES.contains(&language.id))
                .any(|language| language.matches(repo, path)))
}

/// True when a file named as `path` is one of the rules' languages by its name alone (bundled
/// rules: theirs; any other rules: every language semgrep analyses), whatever it holds: a symlink
/// so named leads semgrep's users — an import, an interpreter — to code semgrep does not follow.
pub(crate) fn semgrep_language_named(bundled_only: bool, path: &Path) -> bool {
    SEMGREP_LANGUAGES
        .iter()
        .filter(|language| !bundled_only || BUNDLED_LANGUAGES.contains(&language.id))
        .any(|language| language.named(name_of(path)))
}

/// True when semgrep applies to a repository holding `path`: a file of a language it analyses
/// (besides JSON and YAML), by name or by `#!` line.
pub(crate) fn semgrep_applies(repo: &RepoIndex, path: &Path) -> bool {
    SEMGREP_LANGUAGES
        .iter()
        .filter(|language| applies_for(language))
        .any(|language| language.matches(repo, path))
}

// ---------------------------------------------------------------------------------------------
// trivy 0.74.0 (`trivy fs --scanners vuln,misconfig`: the analyzers `pkg/fanal/analyzer/const.go`
// registers, less those `pkg/commands/artifact/run.go` disables for `fs` — individual packages,
// SBOM files, licenses, executables, the RPM archive — with the default misconfiguration
// scanners of `pkg/flag/misconf_flags.go`, every config type but the generic YAML and JSON)

/// Lockfile and manifest names of trivy's language analyzers (`pkg/fanal/types/const.go`, each
/// analyzer's `Required` under `pkg/fanal/analyzer/language/`).
const TRIVY_DEPENDENCY_NAMES: &[&str] = &[
    "conan.lock",
    "environment.yml",
    "environment.yaml",
    "pubspec.lock",
    "packages.lock.json",
    "packages.config",
    "mix.lock",
    "go.mod",
    "go.sum",
    "pom.xml",
    "build.sbt.lock",
    "Manifest.toml",
    "Project.toml",
    "bun.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "package.json",
    "composer.lock",
    "composer.json",
    "requirements.txt",
    "Pipfile.lock",
    "poetry.lock",
    "pyproject.toml",
    "pylock.toml",
    "uv.lock",
    "Gemfile.lock",
    "Cargo.lock",
    "Cargo.toml",
    "Podfile.lock",
    "Package.resolved",
];

/// True for a lockfile or manifest a trivy language analyzer reads: the names above, and the
/// suffixes and patterns `dotnet/deps` (`.deps.json`), `dotnet/packagesprops` (`packages.props`,
/// any case), `java/gradle` (`gradle.lockfile`) and `python/pylock` (`pylock.NAME.toml`) match.
fn trivy_dependency_file(name: &str) -> bool {
    TRIVY_DEPENDENCY_NAMES.contains(&name)
        || name.ends_with(".deps.json")
        || name.to_ascii_lowercase().ends_with("packages.props")
        || name.ends_with("gradle.lockfile")
        || name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|id| !id.is_empty() && !id.contains('.'))
}

/// trivy's Dockerfile analyzer (`pkg/fanal/analyzer/config/dockerfile/docker.go`, `Required`):
/// case-insensitively, the name is `Dockerfile` or `Containerfile` plus its own extension, if any
/// (`Dockerfile`, `dockerfile.prod`, `Containerfile.dev`), or its extension is `.dockerfile` or
/// `.containerfile` (`prod.Dockerfile`).
pub(crate) fn trivy_dockerfile(name: &str) -> bool {
    let ext = extension(name);
    let stem = &name[..name.len() - ext.len()];
    ["dockerfile", "containerfile"]
        .iter()
        .any(|file| stem.eq_ignore_ascii_case(file) || ext.get(1..).is_some_and(|e| e.eq_ignore_ascii_case(file)))
}

/// trivy's misconfiguration analyzers that decide by name alone whether a file holds
/// infrastructure: Terraform (`pkg/iac/detection/detect.go` `IsTerraformFile`: `.tf`, `.tf.json`,
/// `.tfvars`, `.tofu`, `.tofu.json`), Terraform plans (`terraformplan/snapshot`: `.tfplan`,
/// `tfplan`), Helm (`config/helm/helm.go`: `.tpl`, `.tar`, `.tgz`, `.tar.gz`, `Chart.yaml`,
/// `.helmignore`, any case) and Ansible's configuration (`config/ansible`: `ansible.cfg`).
fn trivy_infrastructure_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    trivy_dockerfile(name)
        || [
            ".tf",
            ".tf.json",
            ".tfvars",
            ".tofu",
            ".tofu.json",
            ".tfplan",
            ".tpl",
            ".tar",
            ".tgz",
            ".tar.gz",
        ]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
        || matches!(lower.as_str(), "tfplan" | "chart.yaml" | ".helmignore" | "ansible.cfg")
}

/// What trivy's misconfiguration analyzers tell apart by content only: every `.json`, `.yaml`
/// and `.yml` file (Kubernetes, CloudFormation, Azure ARM, Helm values, Terraform plan JSON,
/// Ansible playbooks).
fn trivy_structured_file(name: &str) -> bool {
    matches!(extension(name), ".json" | ".yaml" | ".yml")
}

/// Root-relative paths of trivy's OS analyzers (`pkg/fanal/analyzer/os/*`, `pkg/fanal/analyzer/pkg/*`,
/// `repo/apk`, `buildinfo`): an operating system's release files and package databases, which a
/// repository holding a root file system has. Every file below these directories counts.
const TRIVY_OS_DIRS: &[&str] = &[
    "etc",
    "lib/apk",
    "usr/lib",
    "usr/share/buildinfo",
    "usr/share/doc",
    "usr/share/rapidfort",
    "var/lib",
    "root/buildinfo",
    "aarch64-bottlerocket-linux-gnu",
    "x86_64-bottlerocket-linux-gnu",
];

fn trivy_os_file(path: &Path) -> bool {
    TRIVY_OS_DIRS.iter().any(|dir| path.starts_with(dir))
}

/// True when a repository holding `path` (root-relative) is one trivy scans: a file one of its
/// analyzers reads whatever else the repository holds.
pub(crate) fn trivy_applies(path: &Path) -> bool {
    let name = name_of(path);
    trivy_dependency_file(name) || trivy_infrastructure_file(name) || trivy_structured_file(name) || trivy_os_file(path)
}

/// True when a change to `path` can change trivy's findings: [`trivy_applies`], and what its
/// Ansible analyzer reads besides playbooks (`config/ansible/ansible.go`: inventories, files
/// without an extension or with `.ini`).
pub(crate) fn trivy_reads(path: &Path) -> bool {
    let name = name_of(path);
    trivy_applies(path) || matches!(extension(name), "" | ".ini")
}

// ---------------------------------------------------------------------------------------------
// osv-scanner 2.5.0 (`scan source`: the `lockfile` and `sbom` extractor presets of
// `internal/scalibrplugin/presets.go`, each extractor's `FileRequired` in osv-scalibr at the
// commit its go.mod pins, eb1ca153f805)

/// Lockfile and manifest names osv-scanner's extractors read (`extractor/filesystem/language/*`:
/// conanlock, mixlock, pubspec, gomod, gradlelockfile, pomxml, packagelockjson, pnpmlock,
/// yarnlock, bunlock, composerlock, pipfilelock, pdmlock, poetrylock, pylock, uvlock, renvlock,
/// gemfilelock, packageresolved, cargolock, nugetcpm, packagesconfig, packageslockjson, cabal,
/// stacklock; osv-scanner's own osvscannerjson), and the CycloneDX names of `sbom/cdx`.
const OSV_NAMES: &[&str] = &[
    "conan.lock",
    "mix.lock",
    "pubspec.lock",
    "go.mod",
    "buildscript-gradle.lockfile",
    "gradle.lockfile",
    "pom.xml",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "composer.lock",
    "Pipfile.lock",
    "pdm.lock",
    "poetry.lock",
    "pylock.toml",
    "uv.lock",
    "renv.lock",
    "Gemfile.lock",
    "gems.locked",
    "Package.resolved",
    "Cargo.lock",
    "Directory.Packages.props",
    "Directory.Build.props",
    "packages.config",
    "packages.lock.json",
    "cabal.project.freeze",
    "stack.yaml.lock",
    "osv-scanner-custom.json",
];

/// Root-relative OS package databases of `os/apk` and `os/dpkg` (enabled for source scans).
const OSV_OS_FILES: &[&str] = &[
    "lib/apk/db/installed",
    "var/lib/apk/db/installed",
    "usr/lib/apk/db/installed",
    "var/lib/dpkg/status",
    "usr/lib/opkg/status",
];

/// True when osv-scanner reads `path` (root-relative): the names above; `python/requirements`:
/// any `.txt` whose name holds `requirements` (`requirements-dev.txt`); `pylock.NAME.toml`;
/// `pomxml`: `.pom`; `csproj`: `.csproj`, `.vbproj`, `.fsproj`; `depsjson`: `.deps.json`;
/// `gradleverificationmetadataxml`: `gradle/verification-metadata.xml`; `sbom/spdx`: a name
/// ending in `.spdx` or holding `.spdx.` (any case); `sbom/cdx`: `.cdx.json`, `.cdx.xml`,
/// `bom.json`, `bom.xml` (any case); and the OS package databases.
pub(crate) fn osv_reads(path: &Path) -> bool {
    let name = name_of(path);
    let lower = name.to_ascii_lowercase();
    let in_dir = |dir: &str| {
        path.parent()
            .and_then(|parent| parent.file_name())
            .is_some_and(|parent| parent == dir)
    };
    OSV_NAMES.contains(&name)
        || (extension(name) == ".txt" && name.contains("requirements"))
        || (name.starts_with("pylock.") && name.ends_with(".toml"))
        || [".pom", ".csproj", ".vbproj", ".fsproj", ".deps.json"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        || (name == "verification-metadata.xml" && in_dir("gradle"))
        || lower.ends_with(".spdx")
        || lower.contains(".spdx.")
        || lower.ends_with(".cdx.json")
        || lower.ends_with(".cdx.xml")
        || matches!(lower.as_str(), "bom.json" | "bom.xml")
        || OSV_OS_FILES.iter().any(|file| path == Path::new(file))
        || path.starts_with("var/lib/dpkg/status.d")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with(files: &[(&str, &str, u32)]) -> (tempfile::TempDir, RepoIndex) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        for (file, contents, mode) in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(&path, contents).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).expect("chmod");
        }
        let index = RepoIndex::scan(dir.path(), &crate::Excludes::default()).expect("index");
        (dir, index)
    }

    #[test]
    fn semgrep_reads_stubs_and_executable_scripts_by_their_shebang() {
        let script = "#!/usr/bin/env python3\nimport os\n";
        let (_dir, repo) = repo_with(&[
            ("app/stub.pyi", "x: int\n", 0o644),
            ("bin/tool", script, 0o755),
            ("bin/plain", script, 0o644),
            ("bin/tool.txt", script, 0o755),
            ("bin/node-tool", "#!/usr/local/bin/node\n", 0o755),
            ("web/app.min.js", "x()\n", 0o644),
            ("web/types.d.ts", "x\n", 0o644),
        ]);
        let reads = |path: &str| semgrep_reads(&repo, true, Path::new(path));
        assert!(reads("app/stub.pyi"));
        assert!(reads("bin/tool"));
        assert!(reads("bin/node-tool"));
        assert!(!reads("bin/plain"), "not executable");
        assert!(!reads("bin/tool.txt"), "an extension semgrep does not know");
        assert!(
            reads("web/app.min.js") && reads("web/types.d.ts"),
            "pysemgrep reads what lang.json's excluded_exts name"
        );
        assert!(!reads("app/deleted.py"), "a file that is not there adds no finding");
        assert!(
            semgrep_reads(&repo, false, Path::new("bin/tool.txt")),
            "registry rules: any file"
        );
        assert!(semgrep_applies(&repo, Path::new("bin/tool")));
    }

    #[test]
    fn trivy_matches_dockerfiles_as_its_analyzer_does() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.dev",
            "prod.dockerfile",
            "prod.Dockerfile",
            "Containerfile",
            "Containerfile.dev",
            "CONTAINERFILE",
            "web.containerfile",
        ] {
            assert!(trivy_dockerfile(name), "{name}");
            assert!(trivy_reads(Path::new(name)) && trivy_applies(Path::new(name)), "{name}");
        }
        for name in ["Dockerfile.prod.dev", "mydockerfile", "Dockerfile-dev", "docker.md"] {
            assert!(!trivy_dockerfile(name), "{name}");
        }
    }

    #[test]
    fn trivy_and_osv_scanner_read_their_lockfiles() {
        for path in [
            "bun.lock",
            "web/pnpm-lock.yaml",
            "app/pylock.dev.toml",
            "x.deps.json",
            "Cargo.toml",
        ] {
            assert!(trivy_applies(Path::new(path)), "{path}");
        }
        assert!(trivy_reads(Path::new("inventory/hosts")), "an Ansible inventory");
        assert!(!trivy_applies(Path::new("inventory/hosts")));
        assert!(!trivy_reads(Path::new("README.md")));
        for path in [
            "bun.lock",
            "requirements-dev.txt",
            "deps/dev-requirements.txt",
            "gems.locked",
            "app.csproj",
            "sbom.spdx.json",
            "bom.json",
            "gradle/verification-metadata.xml",
            "var/lib/dpkg/status",
        ] {
            assert!(osv_reads(Path::new(path)), "{path}");
        }
        for path in [
            "requirements.md",
            "notes.txt",
            "package.json",
            "verification-metadata.xml",
        ] {
            assert!(!osv_reads(Path::new(path)), "{path}");
        }
    }
}

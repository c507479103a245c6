//! `--evidence FILE` and `--dsomm-evidence FILE`: gathers what the evidence records from the run
//! — the CI environment and commit, the hashes of the policy layers and of each scanner's rules
//! and configuration, where the vulnerability data came from — and writes the documents that
//! `scangate_reports::evidence` renders.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use anyhow::Context;
use scangate_gate::{Assessment, Counts, Policy, PolicySources, Verdict, DSOMM_COMMIT};
use scangate_invocation::ScanResult;
use scangate_normalizer::{sha256_hex, Finding};
use scangate_reports::evidence::{
    activity_records, team_evidence_yaml, Artifacts, CountsRecord, Evidence, FileHash, RunRecord, ScannerRecord,
    SuppressionRecord,
};
use scangate_reports::utc_timestamp;
use scangate_runner::{RawOutput, ScanOptions, Status};

/// Where the evidence goes, and the team the DSOMM entries name.
pub struct EvidenceTargets<'a> {
    pub evidence: Option<&'a Path>,
    pub dsomm: Option<&'a Path>,
    pub team: Option<&'a str>,
}

/// What the evidence is made of.
pub struct EvidenceInput<'a> {
    pub root: &'a Path,
    pub options: &'a ScanOptions,
    pub execution: &'a ScanResult,
    pub findings: &'a [Finding],
    pub sources: &'a PolicySources,
    pub gated: &'a Policy,
    pub verdict: &'a Verdict,
    pub assessment: &'a Assessment,
    pub artifacts: Artifacts,
    pub started: SystemTime,
}

impl EvidenceTargets<'_> {
    /// True when either document was asked for: only then is the evidence gathered.
    pub fn requested(&self) -> bool {
        self.evidence.is_some() || self.dsomm.is_some()
    }
}

/// Writes the documents `targets` asks for.
pub fn write_evidence(targets: &EvidenceTargets<'_>, input: EvidenceInput<'_>) -> anyhow::Result<()> {
    let run = run_record(&input);
    let evidence = Evidence {
        format: "scangate-evidence/1",
        activities: activity_records(
            input.assessment,
            input.gated,
            input.verdict,
            input.verdict.counts,
            &input.artifacts,
        ),
        scanners: input
            .execution
            .outputs()
            .iter()
            .map(|raw| scanner_record(raw, input.options))
            .collect(),
        counts: CountsRecord {
            before_suppressions: counts_before_suppressions(input.findings, input.verdict),
            after_suppressions: input.verdict.counts,
        },
        suppressions: suppression_records(input.findings, input.verdict),
        sbom: input.artifacts.sbom.clone(),
        run,
    };
    if let Some(path) = targets.evidence {
        let mut file = crate::publish::create_output(path, "evidence")?;
        serde_json::to_writer_pretty(&mut file, &evidence)?;
        writeln!(file).with_context(|| format!("cannot write the evidence to {}", path.display()))?;
    }
    if let Some(path) = targets.dsomm {
        let team = targets
            .team
            .map_or_else(|| evidence.run.repository.clone(), str::to_owned);
        let date = &evidence.run.finished[..10];
        crate::publish::create_output(path, "DSOMM evidence")?
            .write_all(team_evidence_yaml(&evidence, &team, date).as_bytes())
            .with_context(|| format!("cannot write the DSOMM evidence to {}", path.display()))?;
    }
    Ok(())
}

/// The CI provider's run, the commit, the times, and the policy layers.
fn run_record(input: &EvidenceInput<'_>) -> RunRecord {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let (provider, run_id, run_url) = if var("GITHUB_ACTIONS").as_deref() == Some("true") {
        let run_id = var("GITHUB_RUN_ID");
        let url = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY"), &run_id) {
            (Some(server), Some(repository), Some(id)) => Some(format!("{server}/{repository}/actions/runs/{id}")),
            _ => None,
        };
        ("github-actions", run_id, url)
    } else if var("GITLAB_CI").as_deref() == Some("true") {
        ("gitlab-ci", var("CI_JOB_ID"), var("CI_JOB_URL"))
    } else {
        ("local", None, None)
    };
    let revision = crate::publish::Revision::of(input.root);
    RunRecord {
        ci_provider: provider.to_owned(),
        ci_run_id: run_id,
        ci_run_url: run_url,
        repository: revision.repository,
        commit: revision.commit,
        started: format!("{}Z", utc_timestamp(input.started)),
        finished: format!("{}Z", utc_timestamp(SystemTime::now())),
        level: input.verdict.level_label.clone(),
        verdict: input.verdict.result.as_str().to_owned(),
        policy_layers: policy_layers(input.sources, input.gated),
        dsomm_catalogue_commit: DSOMM_COMMIT,
    }
}

/// sha256 of the preset the gate ran at, the `--policy` file and the repository's `scangate.toml`.
fn policy_layers(sources: &PolicySources, gated: &Policy) -> Vec<FileHash> {
    let preset = FileHash {
        file: format!("gates/level-{}.toml", gated.level),
        sha256: sha256_hex(scangate_gate::preset_text(gated.level).as_bytes()),
    };
    let files = [&sources.policy_file, &sources.repo_config].into_iter().flatten();
    std::iter::once(preset)
        .chain(files.map(|file| FileHash {
            file: file.path.display().to_string(),
            sha256: sha256_hex(file.text.as_bytes()),
        }))
        .collect()
}

fn scanner_record(raw: &RawOutput, options: &ScanOptions) -> ScannerRecord {
    let trigger = raw
        .target
        .as_ref()
        .map_or("did not run", |target| target.trigger.as_str());
    let mode = match (&raw.limited, &raw.reason) {
        (Some(limited), _) => format!("{trigger}; {}", limited.note()),
        (None, Some(reason)) if raw.status != Status::Ok => format!("{trigger}; {reason}"),
        _ => trigger.to_owned(),
    };
    ScannerRecord {
        name: raw.tool.to_owned(),
        version: raw.version.clone(),
        status: raw.status.as_str().to_owned(),
        mode,
        argv: raw.argv.clone(),
        config_hashes: config_hashes(raw),
        vulnerability_database: vulnerability_database(raw, options),
    }
}

/// The flags after which scanners take the path of the report they write.
const OUTPUT_FLAGS: [&str; 3] = ["--output", "--output-file", "--report-path"];

/// sha256 of every rules or configuration file the argv names (not the report it writes);
/// a directory of rules hashes each file in it.
fn config_hashes(raw: &RawOutput) -> Vec<FileHash> {
    let mut hashes = Vec::new();
    for (flag, word) in raw.argv.iter().zip(raw.argv.iter().skip(1)) {
        let path = Path::new(word);
        if !path.is_absolute() || OUTPUT_FLAGS.contains(&flag.as_str()) {
            continue;
        }
        hashes.extend(files_in(path).into_iter().filter_map(|file| {
            let bytes = std::fs::read(&file).ok()?;
            Some(FileHash {
                file: shown_path(&file),
                sha256: sha256_hex(&bytes),
            })
        }));
    }
    hashes
}

/// `path` when it is a file; the files below it, sorted, when it is a directory.
fn files_in(path: &Path) -> Vec<std::path::PathBuf> {
    let Ok(metadata) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if metadata.is_file() {
        return vec![path.to_path_buf()];
    }
    if !metadata.is_dir() {
        return Vec::new();
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map(|dir| dir.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries.iter().flat_map(|entry| files_in(entry)).collect()
}

/// A scratch file (removed after the run) by its name; anything else as it is.
fn shown_path(path: &Path) -> String {
    match path.strip_prefix(std::env::temp_dir()) {
        Ok(inside) => format!(
            "(scratch)/{}",
            inside.components().skip(1).collect::<std::path::PathBuf>().display()
        ),
        Err(_) => path.display().to_string(),
    }
}

/// Where a dependency scanner's advisories came from, and how current they are.
fn vulnerability_database(raw: &RawOutput, options: &ScanOptions) -> Option<String> {
    match raw.tool {
        "trivy" => Some(match (&options.trivy_cache_dir, &raw.limited) {
            (Some(dir), _) => trivy_database(dir),
            (None, Some(limited)) => format!("none: {}", limited.note()),
            (None, None) => "trivy's database, downloaded at run time".to_owned(),
        }),
        "osv-scanner" => Some(match &options.osv_offline_db {
            Some(dir) => format!(
                "offline OSV database {}, newest file modified {}",
                dir.display(),
                newest_modification(dir)
                    .map_or_else(|| "unknown".to_owned(), |time| format!("{}Z", utc_timestamp(time)))
            ),
            None => "osv.dev, queried at run time".to_owned(),
        }),
        "npm-audit" => Some(format!(
            "npm advisories from {}, queried at run time",
            scangate_normalizer::redact_url_credentials(
                options.npm_registry.as_deref().unwrap_or("https://registry.npmjs.org/")
            )
        )),
        _ => None,
    }
}

/// trivy's database in `dir`: its `db/metadata.json` `UpdatedAt`.
fn trivy_database(dir: &Path) -> String {
    let updated = std::fs::read(dir.join("db/metadata.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|metadata| metadata["UpdatedAt"].as_str().map(str::to_owned));
    match updated {
        Some(updated) => format!("trivy database in {}, updated {updated}", dir.display()),
        None => format!("trivy database in {} (no metadata.json)", dir.display()),
    }
}

fn newest_modification(dir: &Path) -> Option<SystemTime> {
    files_in(dir)
        .iter()
        .filter_map(|file| std::fs::metadata(file).and_then(|m| m.modified()).ok())
        .max()
}

/// Every finding by severity (after severity overrides), suppressed or not.
fn counts_before_suppressions(findings: &[Finding], verdict: &Verdict) -> Counts {
    findings
        .iter()
        .map(|finding| {
            verdict
                .overridden
                .get(&finding.fingerprint)
                .copied()
                .unwrap_or(finding.severity)
        })
        .collect()
}

/// Each suppression the run met, once per entry, with the findings it covers.
fn suppression_records(findings: &[Finding], verdict: &Verdict) -> Vec<SuppressionRecord> {
    let mut covered: BTreeMap<SuppressionRecord, u64> = BTreeMap::new();
    for record in findings.iter().filter_map(|finding| suppression_of(finding, verdict)) {
        *covered.entry(record).or_default() += 1;
    }
    covered
        .into_iter()
        .map(|(record, findings)| SuppressionRecord { findings, ..record })
        .collect()
}

/// The suppression that applied to `finding`, or that the gate refused; `findings` left 0.
fn suppression_of(finding: &Finding, verdict: &Verdict) -> Option<SuppressionRecord> {
    let fingerprint = &finding.fingerprint;
    if let Some(applied) = verdict.suppressions.get(fingerprint) {
        return Some(SuppressionRecord {
            origin: applied.location.to_string(),
            kind: "policy".to_owned(),
            status: applied.status.as_str().to_owned(),
            reason: applied.reason.clone(),
            owner: applied.owner.clone(),
            expires: applied.expires.map(|date| date.to_string()),
            refused: None,
            findings: 0,
        });
    }
    let refused = verdict.refused.get(fingerprint);
    let Some(native) = finding.native_suppression.as_ref() else {
        return refused.map(|refusal| SuppressionRecord {
            origin: refusal.origin.clone(),
            kind: refusal.kind.clone(),
            status: "refused".to_owned(),
            reason: None,
            owner: None,
            expires: None,
            refused: Some(refusal.describe()),
            findings: 0,
        });
    };
    Some(SuppressionRecord {
        origin: native.origin.as_ref().map_or_else(String::new, ToString::to_string),
        kind: native.kind.clone(),
        status: if refused.is_some() { "refused" } else { "native" }.to_owned(),
        reason: native.justification.clone(),
        owner: None,
        expires: None,
        refused: refused.map(|refusal| refusal.describe()),
        findings: 0,
    })
}

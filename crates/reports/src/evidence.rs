//! Evidence an auditor accepts: `--evidence FILE` (JSON) records, per DSOMM activity the run
//! touches, what the run shows of it and why, with the scanners, counts, suppressions and the
//! run they come from; `--dsomm-evidence FILE` gives the activities the run enforces or evidences
//! as entries of the DSOMM web application's `team-evidence.yaml`.
//!
//! The claims are never stronger than the run: `enforced` only when the gate judged the run by
//! an unrelaxed policy that cites the activity and the assessment finds it evidenced; the
//! assessment's `partial` and `not_evidenced` pass through unchanged.
//!
//! # DSOMM's evidence format
//! From devsecopsmaturitymodel/DevSecOps-MaturityModel at 698e879b5684a55bf0e814b415463cbab22595f4,
//! `src/app/model/evidence-store.ts` (`EvidenceEntry`, `EvidenceData`) and
//! `src/assets/YAML/team-evidence.yaml`: a top-level `evidence` map from activity uuid to a list of
//! entries `{id, teams[], title, evidenceRecorded, reviewer?, description, attachment?[{type,
//! externalLink}]}`; `evidenceRecorded` is an ISO date *string* (the app parses YAML 1.1, where an
//! unquoted date would become a timestamp), `id` a stable uuid. Every scalar here is written
//! double-quoted with JSON's escapes, which YAML reads the same way.

use std::collections::BTreeSet;

use serde::Serialize;

use scangate_gate::{ActivityClaim, Assessment, Catalogue, Claim, Counts, Policy, Verdict};

/// What the run shows of an activity; `enforced` is `evidenced` plus a gate that would have
/// stopped the pipeline otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceClaim {
    /// The gate enforces it, unrelaxed, and the run meets it.
    Enforced,
    /// The run shows it.
    Evidenced,
    /// The run shows part of it.
    Partial,
    /// The run does not show it.
    NotEvidenced,
}

impl From<Claim> for EvidenceClaim {
    fn from(claim: Claim) -> EvidenceClaim {
        match claim {
            Claim::Evidenced => EvidenceClaim::Evidenced,
            Claim::Partial => EvidenceClaim::Partial,
            Claim::NotEvidenced => EvidenceClaim::NotEvidenced,
        }
    }
}

/// One DSOMM activity and what the run shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityRecord {
    pub uuid: String,
    pub name: String,
    pub dsomm_level: u8,
    pub sub_dimension: String,
    pub claim: EvidenceClaim,
    pub reason: String,
}

/// One scanner invocation as the evidence records it.
#[derive(Debug, Clone, Serialize)]
pub struct ScannerRecord {
    pub name: String,
    pub version: Option<String>,
    pub status: String,
    /// What it read: the trigger, and what limited it (`misconfiguration only: …`).
    pub mode: String,
    /// The argv, credentials redacted.
    pub argv: Vec<String>,
    /// sha256 of each rules or configuration file in the argv (scratch paths shown by name).
    pub config_hashes: Vec<FileHash>,
    /// Where its vulnerability data came from and how old it is, for dependency scanners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerability_database: Option<String>,
}

/// A file and its sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileHash {
    pub file: String,
    pub sha256: String,
}

/// One suppression the run met: applied or refused, with the findings it covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SuppressionRecord {
    /// Where it is written (`scangate.toml:12`, `app.py:3`, `.trivyignore:2`).
    pub origin: String,
    /// `policy`, or the tool-native mechanism (`nosec`, `nosemgrep`, `gitleaksignore`, ...).
    pub kind: String,
    /// `false_positive`, `accepted_risk`, `native`, or `refused` (it did not apply).
    pub status: String,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<String>,
    /// Why the gate refused it, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    pub findings: u64,
}

/// Where and when the run happened, and what it was judged by.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// `github-actions`, `gitlab-ci` or `local`.
    pub ci_provider: String,
    pub ci_run_id: Option<String>,
    pub ci_run_url: Option<String>,
    pub repository: String,
    pub commit: Option<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    /// The level the gate judged by, as every report names it (`level 2, relaxed by …`).
    pub level: String,
    pub verdict: String,
    /// sha256 of every policy layer: the preset, `--policy`, the repository's `scangate.toml`.
    pub policy_layers: Vec<FileHash>,
    /// The DevSecOps-MaturityModel-data commit the activity catalogue was recorded from.
    pub dsomm_catalogue_commit: &'static str,
}

/// Findings per severity before and after suppressions.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CountsRecord {
    pub before_suppressions: Counts,
    pub after_suppressions: Counts,
}

/// The whole `--evidence` document.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// `scangate-evidence/1`.
    pub format: &'static str,
    pub run: RunRecord,
    pub activities: Vec<ActivityRecord>,
    pub scanners: Vec<ScannerRecord>,
    pub counts: CountsRecord,
    pub suppressions: Vec<SuppressionRecord>,
    /// The SBOM the run wrote (`--sbom`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom: Option<SbomRecord>,
}

/// An SBOM the run wrote: where, which format, a hash an auditor can check it by, and its size
/// (the summary JSON's `sbom` too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SbomRecord {
    pub path: String,
    /// `CycloneDX 1.7`.
    pub format: String,
    /// sha256 of the file's bytes, hex.
    pub sha256: String,
    pub components: usize,
}

/// What the run produced besides the verdict that evidences more activities.
#[derive(Debug, Clone, Default)]
pub struct Artifacts {
    /// `--sbom` ("SBOM of components").
    pub sbom: Option<SbomRecord>,
    /// `--html`: its path ("Simple visualization of defects").
    pub html: Option<String>,
}

/// "Number of vulnerabilities/severity": every run counts them per severity.
const SEVERITY_COUNTS: &str = "bc548cba-cb82-4f76-bd4b-325d9d256279";
/// "SBOM of components".
const SBOM: &str = "2858ac12-0179-40d9-9acf-1b839c030473";
/// "Simple visualization of defects".
const VISUALIZATION: &str = "55f4c916-3a34-474d-ad96-9a9f7a4f6a83";

/// Every activity the run touches: the assessment's, upgraded to `enforced` where the gate
/// enforces them, and those the run's artifacts evidence.
pub fn activity_records(
    assessment: &Assessment,
    gated: &Policy,
    verdict: &Verdict,
    counts: Counts,
    artifacts: &Artifacts,
) -> Vec<ActivityRecord> {
    let enforced: BTreeSet<&str> = gated
        .activities
        .values()
        .flatten()
        .map(|activity| activity.id.as_str())
        .collect();
    let mut records: Vec<ActivityRecord> = assessment
        .activities
        .iter()
        .map(|claim| record_of(claim, enforced.contains(claim.id.as_str()), gated, verdict))
        .collect();
    let counted = format!(
        "counted per severity: {} critical, {} high, {} medium, {} low, {} info",
        counts.critical, counts.high, counts.medium, counts.low, counts.info
    );
    records.extend(artifact_record(SEVERITY_COUNTS, counted));
    if let Some(sbom) = &artifacts.sbom {
        records.extend(artifact_record(
            SBOM,
            format!(
                "CycloneDX SBOM {} (sha256 {}, {} components)",
                sbom.path, sbom.sha256, sbom.components
            ),
        ));
    }
    if let Some(path) = &artifacts.html {
        records.extend(artifact_record(
            VISUALIZATION,
            format!("HTML report {path}: findings per tool and severity"),
        ));
    }
    records.sort_by(|a, b| (a.dsomm_level, &a.name).cmp(&(b.dsomm_level, &b.name)));
    records
}

fn record_of(claim: &ActivityClaim, cited: bool, gated: &Policy, verdict: &Verdict) -> ActivityRecord {
    let gate_holds = cited && claim.claim == Claim::Evidenced && verdict.result != scangate_gate::Outcome::Error;
    let (evidence_claim, reason) = match () {
        _ if gate_holds && gated.relaxations.is_empty() => (
            EvidenceClaim::Enforced,
            format!("enforced by the gate at level {}: {}", gated.level, claim.reason),
        ),
        _ if gate_holds => (
            EvidenceClaim::Evidenced,
            format!(
                "{}; not enforced: the gate ran at {}",
                claim.reason,
                gated.level_label()
            ),
        ),
        _ => (claim.claim.into(), claim.reason.clone()),
    };
    ActivityRecord {
        uuid: claim.id.clone(),
        name: claim.name.clone(),
        dsomm_level: claim.dsomm_level,
        sub_dimension: claim.sub_dimension.clone(),
        claim: evidence_claim,
        reason,
    }
}

/// An activity the run's data evidences by existing; `None` if the catalogue lacks it.
fn artifact_record(uuid: &str, reason: String) -> Option<ActivityRecord> {
    let known = Catalogue::get().activity(uuid)?;
    Some(ActivityRecord {
        uuid: known.uuid.clone(),
        name: known.name.clone(),
        dsomm_level: known.level,
        sub_dimension: known.sub_dimension.clone(),
        claim: EvidenceClaim::Evidenced,
        reason,
    })
}

/// The evidence as DSOMM team evidence: one entry per activity claimed `enforced` or
/// `evidenced`, for `team`, recorded on `date` (`YYYY-MM-DD`). Entry ids are uuids derived from
/// the activity, team and run, so loading the same run twice replaces rather than duplicates.
pub fn team_evidence_yaml(evidence: &Evidence, team: &str, date: &str) -> String {
    let mut yaml = String::from("# scangate: DSOMM team evidence (load into the DSOMM application)\nevidence:\n");
    let shown = evidence
        .activities
        .iter()
        .filter(|a| matches!(a.claim, EvidenceClaim::Enforced | EvidenceClaim::Evidenced));
    for activity in shown {
        let run = &evidence.run;
        let commit = run.commit.as_deref().unwrap_or("");
        let id = crate::name_based_uuid(&format!(
            "scangate/dsomm/{}/{team}/{commit}/{}",
            activity.uuid, run.started
        ));
        let title = format!("scangate: {} ({})", activity.name, activity.claim_word());
        let description = format!(
            "{}. Verdict {} at {} on commit {}; scanners: {}. DSOMM catalogue {}.",
            activity.reason,
            run.verdict,
            run.level,
            run.commit.as_deref().unwrap_or("unknown"),
            scanner_list(&evidence.scanners),
            run.dsomm_catalogue_commit
        );
        yaml.push_str(&format!("  {}:\n", quoted(&activity.uuid)));
        yaml.push_str(&format!("    - id: {}\n", quoted(&id)));
        yaml.push_str(&format!("      teams:\n        - {}\n", quoted(team)));
        yaml.push_str(&format!("      title: {}\n", quoted(&title)));
        yaml.push_str(&format!("      evidenceRecorded: {}\n", quoted(date)));
        yaml.push_str(&format!("      description: {}\n", quoted(&description)));
        if let Some(url) = &run.ci_run_url {
            yaml.push_str(&format!(
                "      attachment:\n        - type: \"link\"\n          externalLink: {}\n",
                quoted(url)
            ));
        }
    }
    yaml
}

impl ActivityRecord {
    fn claim_word(&self) -> &'static str {
        match self.claim {
            EvidenceClaim::Enforced => "enforced",
            EvidenceClaim::Evidenced => "evidenced",
            EvidenceClaim::Partial => "partial",
            EvidenceClaim::NotEvidenced => "not evidenced",
        }
    }
}

fn scanner_list(scanners: &[ScannerRecord]) -> String {
    let ran: Vec<String> = scanners
        .iter()
        .filter(|s| s.status == "ok" || s.status == "partial")
        .map(|s| {
            let partial = if s.status == "partial" { " (partial)" } else { "" };
            format!("{} {}", s.name, s.version.as_deref().unwrap_or(""))
                .trim()
                .to_owned()
                + partial
        })
        .collect();
    if ran.is_empty() {
        "none".to_owned()
    } else {
        ran.join(", ")
    }
}

/// A YAML double-quoted scalar: JSON's string syntax, which YAML 1.1 and 1.2 read alike.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_cannot_break_out_of_their_line() {
        assert_eq!(quoted("a\"b\nc: d"), r#""a\"b\nc: d""#);
    }
}

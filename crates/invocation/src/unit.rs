//! One scanner invocation's life: run the planned argv, judge how it ended, parse what it wrote,
//! and turn a tool's own error reports into a failed status. What comes out is final: nothing
//! downstream changes a status or a finding's meaning, it only scrubs what it shows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use scangate_normalizer::{parse_with, Context, Parsed};
use scangate_runner::{PlannedRun, RawOutput, Status};

use crate::cache::{Cache, Entry};
use crate::key::Key;

/// What parsing an invocation's output needs besides the output itself.
#[derive(Debug, Clone)]
pub struct Parsing {
    /// The scanned root (absolute): findings name paths from it.
    pub root: PathBuf,
    /// The semgrep rule-id prefixes the bundled rules carry, stripped from rule ids.
    pub semgrep_prefixes: Vec<String>,
    /// Today (UTC, `YYYY-MM-DD`), for findings that carry an age.
    pub today: String,
}

/// One scanner invocation, judged and parsed.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// How it ran: its status is final (an output that cannot be trusted is an `error`).
    pub(crate) record: RawOutput,
    /// What it reported, when it ran and its output could be parsed. An invocation whose scanner
    /// reported errors of its own is an `error` and keeps what it did report.
    pub(crate) parsed: Option<Parsed>,
    /// Where its result is kept, when the result cache is on and it can be keyed.
    pub(crate) cached_as: Option<CachedAs>,
}

/// An invocation's place in the result cache.
#[derive(Debug, Clone)]
pub(crate) struct CachedAs {
    pub key: Key,
    /// True when the scanner asks the network: its answer expires.
    pub networked: bool,
}

impl Invocation {
    /// A scanner that did not run (skipped, unchanged).
    pub(crate) fn not_run(record: RawOutput) -> Invocation {
        Invocation {
            record,
            parsed: None,
            cached_as: None,
        }
    }

    /// What `cache` holds under `key` for `planned`, with its secret values read back from under
    /// `root`; `None` for a miss (no whole, current entry, or a value that cannot be read back).
    pub(crate) fn from_cache(cache: &Cache, planned: &PlannedRun, key: &Key, root: &Path) -> Option<Invocation> {
        let entry = cache.read(key, planned.tool.name())?;
        let mut record = planned.record();
        record.status = Status::Ok;
        record.version = entry.version.clone();
        record.exit_code = entry.exit_code;
        record.cached = true;
        let Some(parsed) = entry.parsed(root, key) else {
            tracing::debug!(
                tool = record.tool,
                "a cached result's secret values cannot be read back; a miss"
            );
            return None;
        };
        Some(Invocation {
            record,
            parsed: Some(parsed),
            cached_as: None,
        })
    }

    /// What the result cache keeps of a fresh, clean run: never an entry of a run that failed,
    /// reported errors, or gave up on files for time (`partial`: another run may get further).
    pub(crate) fn entry(&self) -> Option<(&CachedAs, Entry)> {
        let cached_as = self.cached_as.as_ref()?;
        let parsed = self.parsed.as_ref()?;
        let clean = self.record.status == Status::Ok && parsed.tool_errors.is_empty();
        let record = &self.record;
        let entry = Entry::now(
            &cached_as.key,
            record.tool,
            record.version.clone(),
            record.exit_code,
            cached_as.networked,
            parsed,
        );
        clean.then_some((cached_as, entry))
    }

    /// How it ran; its status is final.
    pub fn record(&self) -> &RawOutput {
        &self.record
    }

    /// The findings it reported, before cross-tool dedup; `None` when it reported none it could
    /// be trusted for.
    pub fn reported(&self) -> Option<usize> {
        self.parsed.as_ref().map(|parsed| parsed.findings.len())
    }
}

/// The result cache's answer for `planned` when it has one; else runs `planned`, then judges
/// and parses what it wrote.
pub(crate) async fn run(
    planned: PlannedRun,
    parsing: &Parsing,
    timeout: Option<Duration>,
    cache: Option<(&Cache, CachedAs)>,
) -> Invocation {
    let Some((cache, cached_as)) = cache else {
        return conclude(scangate_runner::run(planned, timeout).await, parsing);
    };
    if let Some(hit) = Invocation::from_cache(cache, &planned, &cached_as.key, &parsing.root) {
        tracing::debug!(tool = hit.record.tool, key = cached_as.key.as_str(), "result cache hit");
        return hit;
    }
    let mut invocation = conclude(scangate_runner::run(planned, timeout).await, parsing);
    invocation.cached_as = Some(cached_as);
    invocation
}

/// The invocation `record` ended as: an `ok` record's output parsed, or the reason it cannot be
/// trusted as its error. Nothing is logged here: the run's secrets are not known yet.
pub(crate) fn conclude(mut record: RawOutput, parsing: &Parsing) -> Invocation {
    if record.status != Status::Ok {
        return Invocation::not_run(record);
    }
    match parse_output(&record, parsing) {
        Ok(parsed) => {
            if !parsed.tool_errors.is_empty() {
                mark_error(
                    &mut record,
                    format!("reported errors: {}", parsed.tool_errors.join("; ")),
                );
            } else if !parsed.timed_out.is_empty() {
                record.status = Status::Partial;
                record.reason = Some(timed_out_reason(&parsed.timed_out));
            }
            Invocation {
                record,
                parsed: Some(parsed),
                cached_as: None,
            }
        }
        Err(reason) => {
            mark_error(&mut record, reason);
            Invocation::not_run(record)
        }
    }
}

/// Parses one output; `Err` says why it cannot be trusted.
fn parse_output(raw: &RawOutput, parsing: &Parsing) -> Result<Parsed, String> {
    // Every judge rejects a run without output; an `ok` run without a file would be a clean
    // result nobody produced.
    let path = raw.output.as_ref().ok_or("left no output file")?;
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read its output {}: {error}", path.display()))?;
    let context = Context {
        root: &parsing.root,
        target_dir: raw.target.as_ref().map(|target| target.dir.as_path()),
        rule_prefixes: &parsing.semgrep_prefixes,
        today: Some(&parsing.today),
    };
    parse_with(raw.tool, &bytes, &context).map_err(|error| error.to_string())
}

/// `gave up on 2 files for time: big.py, gen.js`, naming at most three.
fn timed_out_reason(paths: &[String]) -> String {
    const NAMED: usize = 3;
    let files = match paths.len() {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    let more = match paths.len() > NAMED {
        true => format!(" and {} more", paths.len() - NAMED),
        false => String::new(),
    };
    let named: Vec<&str> = paths.iter().take(NAMED).map(String::as_str).collect();
    format!("gave up on {files} for time: {}{more}", named.join(", "))
}

fn mark_error(raw: &mut RawOutput, reason: String) {
    raw.status = Status::Error;
    raw.reason = Some(reason);
}

/// A record of `tool` that ended `status` after running in the root, for tests.
#[cfg(test)]
pub(crate) fn record_for_test(tool: &'static str, status: Status) -> RawOutput {
    RawOutput {
        tool,
        categories: &[],
        limited: None,
        target: Some(scangate_runner::Target {
            dir: PathBuf::new(),
            trigger: "test".into(),
        }),
        argv: vec![tool.into()],
        version: Some("1".into()),
        exit_code: Some(0),
        duration: Duration::ZERO,
        output: None,
        stderr_tail: String::new(),
        status,
        reason: None,
        applies: true,
        ignored_configs: Vec::new(),
        gaps: Vec::new(),
        cached: false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn ok_record(tool: &'static str, output: &Path) -> RawOutput {
        RawOutput {
            output: Some(output.to_path_buf()),
            ..record_for_test(tool, Status::Ok)
        }
    }

    fn parsing(root: &Path) -> Parsing {
        Parsing {
            root: root.to_path_buf(),
            semgrep_prefixes: Vec::new(),
            today: "2026-12-07".into(),
        }
    }

    #[test]
    fn an_output_that_does_not_parse_is_an_error_naming_why() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("gosec-0.json");
        std::fs::write(&output, b"{ not json").unwrap();
        let invocation = conclude(ok_record("gosec", &output), &parsing(dir.path()));
        assert_eq!(invocation.record.status, Status::Error);
        assert!(invocation.parsed.is_none());
        assert!(invocation.record.reason.is_some());
        assert_eq!(invocation.reported(), None);
    }

    #[test]
    fn a_scanner_that_reports_errors_of_its_own_fails_and_keeps_its_findings() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("gosec-0.json");
        let report = r#"{"Golang errors": {"main.go": [{"line": 1, "column": 1, "error": "cannot parse"}]},
            "Issues": [], "Stats": {"files": 1, "lines": 1, "nosec": 0, "found": 0}}"#;
        std::fs::write(&output, report).unwrap();
        let invocation = conclude(ok_record("gosec", &output), &parsing(dir.path()));
        assert_eq!(invocation.record.status, Status::Error);
        let reason = invocation.record.reason.as_deref().unwrap();
        assert!(reason.starts_with("reported errors: "), "{reason}");
        assert_eq!(invocation.reported(), Some(0));
    }

    #[test]
    fn a_scanner_that_gave_up_on_files_for_time_is_partial_and_keeps_its_findings() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("semgrep-0.json");
        let timeout =
            |path: &str| format!(r#"{{"code":2,"level":"warn","type":"Timeout","message":"Timeout","path":"{path}"}}"#);
        let errors: Vec<String> = ["a.py", "b.py", "c.py", "d.py"].map(timeout).into();
        let report = format!(
            r#"{{"results":[],"errors":[{}],"paths":{{"scanned":["a.py","b.py","c.py","d.py","e.py"]}}}}"#,
            errors.join(",")
        );
        std::fs::write(&output, report).unwrap();
        let invocation = conclude(ok_record("semgrep", &output), &parsing(dir.path()));
        assert_eq!(invocation.record.status, Status::Partial);
        assert_eq!(
            invocation.record.reason.as_deref(),
            Some("gave up on 4 files for time: a.py, b.py, c.py and 1 more")
        );
        assert_eq!(invocation.reported(), Some(0));
    }

    #[test]
    fn a_record_that_did_not_end_ok_is_not_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let mut record = ok_record("gosec", &dir.path().join("absent.json"));
        record.status = Status::Timeout;
        let invocation = conclude(record, &parsing(dir.path()));
        assert_eq!(invocation.record.status, Status::Timeout);
        assert!(invocation.parsed.is_none());
    }
}

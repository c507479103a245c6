//! The result cache (`--cache-dir`): a rescan of unchanged input runs no scanner and reports the
//! same findings; a changed file re-runs only the invocations that read it; a corrupt entry is a
//! miss; concurrent scans share a cache; no secret value reaches it; a pull-request scan reads it
//! and never writes it; a directory the repository tracks is refused.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::support::{
    assert_exit, commit_all, commit_on_main, example_copy, git_ok, random_token, require_all_scanners, require_scanner,
    OfflineServices, Repo, ScanReports as Scan, Scangate,
};

/// `scangate scan ROOT --cache-dir CACHE EXTRA…` with the cache on (the harness turns it off).
fn scan_cached(root: &Path, cache: &Path, extra: &[OsString]) -> Scan {
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--cache-dir".into(), cache.into()];
    args.extend(extra.iter().cloned());
    let mut scan = Scan::run_with_env(args, out.path(), &[("SCANGATE_NO_CACHE", "false")]);
    scan.sarif = normalized_sarif(&scan.sarif);
    scan
}

/// Each run's results, in an order of their own: a scanner's order (gitleaks') and so the rule
/// indexes can differ between two runs of the same scan.
fn normalized_sarif(sarif: &Value) -> Value {
    let runs = sarif["runs"].as_array().cloned().unwrap_or_default();
    let results: Vec<Value> = runs
        .iter()
        .map(|run| {
            let mut results: Vec<Value> = run["results"].as_array().cloned().unwrap_or_default();
            for result in &mut results {
                result.as_object_mut().map(|result| result.remove("ruleIndex"));
            }
            results.sort_by_key(Value::to_string);
            serde_json::json!({"tool": run["tool"]["driver"]["name"], "results": results})
        })
        .collect();
    Value::Array(results)
}

/// The results of `tool`'s run in a [`normalized_sarif`] log.
fn results_of_tool(tool: &str, scan: &Scan) -> Vec<Value> {
    let runs = scan.sarif.as_array().unwrap();
    let run = runs.iter().find(|run| run["tool"] == tool);
    run.map_or_else(Vec::new, |run| run["results"].as_array().unwrap().clone())
}

/// `tool`'s summary entries' `cached` flags, in order.
fn cached_flags(summary: &Value, tool: &str) -> Vec<bool> {
    let tools = summary["tools"].as_array().expect("tools");
    tools
        .iter()
        .filter(|entry| entry["name"] == tool && entry["status"] != "skipped")
        .map(|entry| entry["cached"].as_bool().expect("cached is a boolean"))
        .collect()
}

/// The names of the scanners that ran (not cached, not skipped).
fn ran(summary: &Value) -> Vec<String> {
    let tools = summary["tools"].as_array().expect("tools");
    let mut names: Vec<String> = tools
        .iter()
        .filter(|entry| entry["status"] == "ok" && entry["cached"] == false)
        .map(|entry| entry["name"].as_str().unwrap().to_owned())
        .collect();
    names.dedup();
    names
}

fn entries(cache: &Path) -> Vec<(String, Vec<u8>)> {
    let mut entries: Vec<(String, Vec<u8>)> = std::fs::read_dir(cache)
        .map(|dir| {
            dir.map(|entry| entry.unwrap().path())
                .filter(|path| path.is_file())
                .map(|path| {
                    (
                        path.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read(&path).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}

/// The example with every scanner: the warm rescan runs none and reports the same findings,
/// verdict and exit code as the cold scan and as a scan without the cache; one changed Python
/// file re-runs only the scanners that read it.
#[test]
fn a_warm_rescan_runs_no_scanner_and_reports_what_the_cold_scan_did() {
    if !require_all_scanners() {
        return;
    }
    let repo = example_copy();
    let services = OfflineServices::start();
    let cache = tempfile::tempdir().unwrap();
    let flags = services.scan_flags();
    let cold = scan_cached(repo.path(), cache.path(), &flags);
    assert!(!entries(cache.path()).is_empty(), "the cold scan wrote entries");
    let warm = scan_cached(repo.path(), cache.path(), &flags);
    let mut uncached = flags.clone();
    uncached.push("--no-cache".into());
    let without = scan_cached(repo.path(), cache.path(), &uncached);
    for (name, scan) in [("warm", &warm), ("without the cache", &without)] {
        assert_eq!(scan.output.status.code(), cold.output.status.code(), "{name}");
        assert_eq!(scan.sarif, cold.sarif, "{name}: the same results");
        assert_eq!(scan.summary["verdict"], cold.summary["verdict"], "{name}");
        assert_eq!(scan.summary["counts"], cold.summary["counts"], "{name}");
    }
    assert_ne!(cold.output.status.code(), Some(2), "{:#}", cold.summary);
    for tool in ["semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"] {
        assert!(
            cached_flags(&cold.summary, tool).iter().all(|cached| !cached),
            "{tool} ran cold"
        );
        let warm_flags = cached_flags(&warm.summary, tool);
        assert!(
            !warm_flags.is_empty() && warm_flags.iter().all(|&cached| cached),
            "{tool} warm: {warm_flags:?}"
        );
        assert!(
            cached_flags(&without.summary, tool).iter().all(|cached| !cached),
            "{tool} --no-cache"
        );
    }
    // A new Python file: semgrep reads it (and gitleaks, which reads every file); the rest
    // of the scanners are answered from the cache.
    repo.write("tools/extra.py", "def add(a, b):\n    return a + b\n");
    let changed = scan_cached(repo.path(), cache.path(), &flags);
    let mut reran = ran(&changed.summary);
    reran.retain(|tool| tool != "gitleaks");
    assert_eq!(reran, ["semgrep"], "{:#}", changed.summary["tools"]);
}

/// A repository holding a secret and a semgrep finding on the line that holds it.
fn repo_with_a_secret(token: &str) -> Repo {
    let repo = Repo::new();
    repo.write(
        "app.py",
        format!("import subprocess\n\nTOKEN = \"{token}\"\n\n\ndef rotate(log):\n    subprocess.call(\"gzip \" + log, shell=True)\n"),
    );
    repo
}

fn secret_ready() -> bool {
    ["gitleaks", "semgrep"].into_iter().all(require_scanner)
}

/// Flags of the scans with gitleaks and semgrep only.
fn gitleaks_and_semgrep() -> Vec<OsString> {
    ["--tools", "gitleaks,semgrep", "--offline"]
        .map(OsString::from)
        .to_vec()
}

/// gitleaks' findings carry the secret values every output is scrubbed of: no entry holds the
/// value, and the warm rescan, gitleaks' result from the cache, still scrubs it everywhere.
#[test]
fn no_secret_value_reaches_the_cache_and_a_rescan_still_scrubs_it() {
    if !secret_ready() {
        return;
    }
    let token = format!(
        "ghp_{}",
        random_token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 36)
    );
    let repo = repo_with_a_secret(&token);
    let cache = tempfile::tempdir().unwrap();
    let tools = gitleaks_and_semgrep();
    // A directory (gitleaks reads the files), then a git repository (gitleaks reads the history:
    // the value is read back from the commit).
    for history in [false, true] {
        if history {
            commit_on_main(repo.path(), "base");
        }
        let cold = scan_cached(repo.path(), cache.path(), &tools);
        let warm = scan_cached(repo.path(), cache.path(), &tools);
        assert_exit(&cold.output, 1);
        assert_exit(&warm.output, 1);
        assert_eq!(warm.sarif, cold.sarif, "history: {history}");
        // gitleaks' result is kept with its value as a salted digest, read back on the hit: the
        // other scanners' text is scrubbed of it as on the cold scan.
        assert_eq!(cached_flags(&cold.summary, "gitleaks"), [false], "history: {history}");
        assert_eq!(cached_flags(&warm.summary, "gitleaks"), [true], "history: {history}");
        for (name, bytes) in entries(cache.path()) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&token), "entry {name} holds the secret");
        }
        let shown = serde_json::to_string(&warm.sarif).unwrap() + &warm.summary.to_string();
        assert!(!shown.contains(&token), "the warm scan's reports hold the secret");
    }
}

/// Truncated, corrupted and emptied entries are misses: the scanners run again and the results
/// are the same.
#[test]
fn corrupt_entries_are_misses_never_results() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    let cache = tempfile::tempdir().unwrap();
    let tools = gitleaks_and_semgrep();
    let cold = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&cold.output, 1);
    let written = entries(cache.path());
    assert_eq!(written.len(), 2, "gitleaks (no findings) and semgrep");
    for (name, bytes) in &written {
        let text = String::from_utf8_lossy(bytes);
        let damaged: Vec<u8> = match text.contains(r#""tool":"semgrep""#) {
            // A finding's severity edited, the header left as it was.
            true => text.replace(r#""high""#, r#""low""#).into_bytes(),
            false => bytes[..bytes.len() / 2].to_vec(),
        };
        assert_ne!(&damaged, bytes);
        std::fs::write(cache.path().join(name), damaged).unwrap();
    }
    let rescan = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&rescan.output, 1);
    assert_eq!(rescan.sarif, cold.sarif);
    assert_eq!(cached_flags(&rescan.summary, "semgrep"), [false]);
    assert_eq!(cached_flags(&rescan.summary, "gitleaks"), [false]);
    // The rescan rewrote them whole: the next scan hits.
    let warm = scan_cached(repo.path(), cache.path(), &tools);
    assert_eq!(cached_flags(&warm.summary, "semgrep"), [true]);
    assert_eq!(warm.sarif, cold.sarif);
}

/// Two scans at once on one cache: both report what one scan does, and what they leave is whole.
#[test]
fn concurrent_scans_share_a_cache() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    let cache = tempfile::tempdir().unwrap();
    let tools = gitleaks_and_semgrep();
    let scans: Vec<Scan> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| scan_cached(repo.path(), cache.path(), &tools)))
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    for scan in &scans {
        assert_exit(&scan.output, 1);
        assert_eq!(scan.sarif, scans[0].sarif);
    }
    let names: Vec<String> = entries(cache.path()).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names.len(), 2, "one entry per invocation, no temporary left: {names:?}");
    let warm = scan_cached(repo.path(), cache.path(), &tools);
    assert_eq!(cached_flags(&warm.summary, "semgrep"), [true]);
    assert_eq!(warm.sarif, scans[0].sarif);
}

/// A pull-request scan reads the cache and never writes it: the entries a default-branch scan
/// reads are, byte for byte, what they were before the pull request's scan.
#[test]
fn a_pull_request_scan_cannot_change_what_a_default_branch_scan_reads() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    commit_on_main(repo.path(), "base");
    let cache = tempfile::tempdir().unwrap();
    let tools = gitleaks_and_semgrep();
    let default_branch = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&default_branch.output, 1);
    let before = entries(cache.path());
    assert!(!before.is_empty());
    // The change moves the finding's file and adds a clean one.
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    repo.write("lib.py", "def add(a, b):\n    return a + b\n");
    commit_all(repo.path(), "change");
    let mut pr_flags = tools.clone();
    pr_flags.extend(["--base", "main"].map(OsString::from));
    let pr = scan_cached(repo.path(), cache.path(), &pr_flags);
    assert_ne!(pr.output.status.code(), Some(2), "{:#}", pr.summary);
    assert_eq!(
        entries(cache.path()),
        before,
        "the pull request's scan wrote to the cache"
    );
    git_ok(repo.path(), &["checkout", "-q", "main"]);
    let again = scan_cached(repo.path(), cache.path(), &tools);
    assert_eq!(again.sarif, default_branch.sarif);
    assert_eq!(cached_flags(&again.summary, "semgrep"), [true]);
}

/// A cache directory with files git tracks is refused before any scanner runs (a change could
/// commit entries there); an untracked one inside the repository is left out of the scan.
#[test]
fn a_tracked_cache_directory_is_refused_and_an_untracked_one_is_not_scanned() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    repo.write(".scan-cache/planted", "{}\n");
    commit_on_main(repo.path(), "base");
    let tracked = repo.path().join(".scan-cache");
    let output = Scangate::new([
        OsString::from("scan"),
        repo.path().into(),
        "--tools".into(),
        "gitleaks,semgrep".into(),
        "--cache-dir".into(),
        tracked.clone().into(),
    ])
    .env("SCANGATE_NO_CACHE", "false")
    .run();
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds files the repository tracks"), "{stderr}");
    // A tracked symlink to a directory elsewhere is the repository's too.
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), repo.path().join(".linked-cache")).unwrap();
    commit_all(repo.path(), "a link");
    let linked = Scangate::new([
        OsString::from("scan"),
        repo.path().into(),
        "--tools".into(),
        "gitleaks,semgrep".into(),
        "--cache-dir".into(),
        repo.path().join(".linked-cache").into(),
    ])
    .env("SCANGATE_NO_CACHE", "false")
    .run();
    assert_exit(&linked, 2);
    let stderr = String::from_utf8_lossy(&linked.stderr);
    assert!(stderr.contains("holds files the repository tracks"), "{stderr}");
    let untracked = repo.path().join(".untracked-cache");
    let tools = gitleaks_and_semgrep();
    let cold = scan_cached(repo.path(), &untracked, &tools);
    let warm = scan_cached(repo.path(), &untracked, &tools);
    assert_exit(&cold.output, 1);
    assert_eq!(
        cached_flags(&warm.summary, "semgrep"),
        [true],
        "the entries are not inputs"
    );
    assert_eq!(warm.sarif, cold.sarif);
}

/// A pull-request scan's report is complete for the scanners the change gave nothing to read:
/// their findings come from the cache of the last full scan, pre-existing; without a cache entry
/// they are not computed, and the report says so.
#[test]
fn a_pull_request_report_holds_the_cached_findings_of_scanners_the_change_does_not_touch() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM alpine:3.19\nRUN echo hello\n")
        .write("app.py", "def one():\n    return 1\n");
    commit_on_main(repo.path(), "base");
    let cache = tempfile::tempdir().unwrap();
    let mut tools: Vec<OsString> = ["--tools", "gitleaks,semgrep,trivy", "--offline"]
        .map(OsString::from)
        .to_vec();
    let main = scan_cached(repo.path(), cache.path(), &tools);
    assert_ne!(main.output.status.code(), Some(2), "{:#}", main.summary);
    assert!(
        !results_of_tool("trivy", &main).is_empty(),
        "the Dockerfile has trivy findings"
    );
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    repo.write("lib.py", "def two():\n    return 2\n");
    commit_all(repo.path(), "change");
    tools.extend(["--base", "main"].map(OsString::from));
    let pr = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&pr.output, 0);
    assert_eq!(cached_flags(&pr.summary, "trivy"), [true], "{:#}", pr.summary["tools"]);
    let results = results_of_tool("trivy", &pr);
    assert_eq!(results.len(), results_of_tool("trivy", &main).len());
    assert!(
        results.iter().all(|result| result["baselineState"] == "unchanged"),
        "{results:#?}"
    );
    let warnings = pr.summary["warnings"].to_string();
    assert!(warnings.contains("trivy answered from the result cache"), "{warnings}");
    tools.push("--no-cache".into());
    let uncached = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&uncached.output, 0);
    assert!(results_of_tool("trivy", &uncached).is_empty());
    let trivy = crate::support::tool_entry(&uncached.summary, "trivy");
    assert_eq!(trivy["status"], "unchanged", "{trivy}");
    let warnings = uncached.summary["warnings"].to_string();
    assert!(warnings.contains("trivy did not run"), "{warnings}");
}

/// A pull-request scan runs semgrep on the changed files only; the findings in the files the
/// change does not touch come from the cache of the merge base's full scan (semgrep's findings
/// depend on their file alone), pre-existing, so the report holds every finding. Without an
/// entry (no cache), they are not in the report.
#[test]
fn a_pull_request_report_holds_the_base_s_cached_findings_in_untouched_files() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    repo.write("lib.py", "def one():\n    return 1\n");
    commit_on_main(repo.path(), "base");
    let cache = tempfile::tempdir().unwrap();
    let mut tools = gitleaks_and_semgrep();
    let main = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&main.output, 1);
    assert_eq!(results_of_tool("semgrep", &main).len(), 1, "app.py's finding");
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    repo.write("lib.py", "def one():\n    return 1\n\n\ndef two():\n    return 2\n");
    commit_all(repo.path(), "change");
    tools.extend(["--base", "main"].map(OsString::from));
    let pr = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&pr.output, 0);
    let results = results_of_tool("semgrep", &pr);
    assert_eq!(results.len(), 1, "{:#}", pr.summary);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app.py"
    );
    assert_eq!(results[0]["baselineState"], "unchanged");
    assert_eq!(
        cached_flags(&pr.summary, "semgrep"),
        [false, true],
        "{:#}",
        pr.summary["tools"]
    );
    tools.push("--no-cache".into());
    let uncached = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&uncached.output, 0);
    assert!(results_of_tool("semgrep", &uncached).is_empty());
}

/// A Go file whose `Run` runs a command taken from the environment (gosec's G204), in `package`.
fn go_exec(package: &str) -> String {
    format!(
        "package {package}\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc Run() error {{\n\treturn exec.Command(\"sh\", \"-c\", os.Getenv(\"CMD\")).Run()\n}}\n"
    )
}

/// The files gosec's results in a [`normalized_sarif`] log lie in, sorted, with their
/// `baselineState`.
fn gosec_results(scan: &Scan) -> Vec<(String, String)> {
    let mut results: Vec<(String, String)> = results_of_tool("gosec", scan)
        .iter()
        .map(|result| {
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            (
                uri.as_str().unwrap_or_default().to_owned(),
                result["baselineState"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    results.sort();
    results
}

/// gosec's findings depend on their package, a directory: a pull-request scan runs it on the
/// changed packages only, and the cache of the merge base's full scan completes the others,
/// pre-existing. When the change makes gosec scan its whole module (go.mod changed), no finding is
/// added twice.
#[test]
fn a_pull_request_report_holds_the_base_s_gosec_findings_in_untouched_packages() {
    if !["gitleaks", "gosec"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.22\n")
        .write("svc/tasks/tasks.go", go_exec("tasks"))
        .write("svc/other/other.go", go_exec("other"));
    commit_on_main(repo.path(), "base");
    let cache = tempfile::tempdir().unwrap();
    let mut flags: Vec<OsString> = ["--tools", "gitleaks,gosec", "--offline"].map(OsString::from).to_vec();
    let main = scan_cached(repo.path(), cache.path(), &flags);
    assert_ne!(main.output.status.code(), Some(2), "{:#}", main.summary);
    let full = gosec_results(&main);
    let files: Vec<&str> = full.iter().map(|(file, _)| file.as_str()).collect();
    assert!(
        files.contains(&"svc/other/other.go") && files.contains(&"svc/tasks/tasks.go"),
        "findings in each package: {full:?}"
    );
    let both = |state: &str| -> Vec<(String, String)> {
        full.iter().map(|(file, _)| (file.clone(), state.to_owned())).collect()
    };

    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    repo.write("svc/tasks/tasks.go", go_exec("tasks") + "\nfunc Noop() {}\n");
    commit_all(repo.path(), "change a package");
    flags.extend(["--base", "main"].map(OsString::from));
    let pr = scan_cached(repo.path(), cache.path(), &flags);
    assert_exit(&pr.output, 0);
    assert_eq!(gosec_results(&pr), both("unchanged"), "{:#}", pr.summary);
    assert_eq!(
        cached_flags(&pr.summary, "gosec"),
        [false, true],
        "{:#}",
        pr.summary["tools"]
    );
    let mut uncached_flags = flags.clone();
    uncached_flags.push("--no-cache".into());
    let uncached = scan_cached(repo.path(), cache.path(), &uncached_flags);
    assert_exit(&uncached.output, 0);
    assert_eq!(
        gosec_results(&uncached),
        both("unchanged")
            .into_iter()
            .filter(|(file, _)| file == "svc/tasks/tasks.go")
            .collect::<Vec<_>>(),
        "without the cache, only the changed package"
    );

    repo.write(
        "svc/go.mod",
        "module example.com/svc\n\ngo 1.22\n\n// the whole module\n",
    );
    commit_all(repo.path(), "change go.mod");
    let whole = scan_cached(repo.path(), cache.path(), &flags);
    assert_exit(&whole.output, 0);
    assert_eq!(gosec_results(&whole), both("unchanged"), "{:#}", whole.summary);
}

/// A change that removes a finding fixes it: the summary lists what the merge base's full scan
/// (from the cache) had in the changed files and the change's scan no longer reports, and the
/// terminal counts it. The SARIF log leaves it out (code scanning would take it as present), and
/// it changes no verdict. Without the cache's entry nothing is listed.
#[test]
fn a_pull_request_summary_lists_the_findings_the_change_fixed() {
    if !secret_ready() {
        return;
    }
    let repo = crate::support::repo_with_a_high_finding();
    let also_high = "import subprocess\n\n\ndef pack(dir):\n    subprocess.call(\"tar czf \" + dir, shell=True)\n";
    repo.write("kept.py", also_high);
    commit_on_main(repo.path(), "base");
    let cache = tempfile::tempdir().unwrap();
    let mut tools = gitleaks_and_semgrep();
    let main = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&main.output, 1);
    assert_eq!(results_of_tool("semgrep", &main).len(), 2, "app.py's and kept.py's");
    assert!(main.summary.get("fixed").is_none(), "not a pull request");

    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    repo.write(
        "app.py",
        "import subprocess\n\n\ndef rotate(log):\n    subprocess.call([\"gzip\", log])\n",
    );
    commit_all(repo.path(), "fix app.py");
    tools.extend(["--base", "main"].map(OsString::from));
    let pr = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&pr.output, 0);
    crate::support::assert_summary_schema(&pr.summary);
    let fixed = pr.summary["fixed"].as_array().expect("fixed in pull-request mode");
    assert_eq!(fixed.len(), 1, "{fixed:#?}");
    assert_eq!(fixed[0]["path"], "app.py");
    assert_eq!(fixed[0]["tools"], serde_json::json!(["semgrep"]));
    assert_eq!(fixed[0]["severity"], "high");
    assert_eq!(fixed[0]["line"], 5);
    let results = results_of_tool("semgrep", &pr);
    assert_eq!(results.len(), 1, "only kept.py's, pre-existing: {results:#?}");
    assert_eq!(results[0]["baselineState"], "unchanged");
    let stdout = String::from_utf8_lossy(&pr.output.stdout);
    assert!(stdout.contains("; 1 fixed by the change"), "{stdout}");

    tools.push("--no-cache".into());
    let uncached = scan_cached(repo.path(), cache.path(), &tools);
    assert_exit(&uncached.output, 0);
    assert_eq!(uncached.summary["fixed"], serde_json::json!([]));
}

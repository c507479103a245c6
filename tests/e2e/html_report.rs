//! Issue 10 §5: `--html FILE` on `scan` and `assess`, rendered by headless Chromium (Debian's
//! package, installed by `scripts/install-test-tools`). A git repository with real gitleaks and
//! semgrep findings — a committed token, file names and matched strings that hold markup — is
//! scanned; Chromium screenshots the page and dumps its DOM after the page's script ran. The
//! DOM's rows per severity are the summary's counts, its ladder is `assess`'s five verdicts, no
//! secret value shows, the hostile strings opened no element, and the URL fragment filters and
//! sorts the table.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::secret_scrubbing::{harvest_secrets, VALUE_RULE};
use crate::support::{
    assert_exit, commit_all, git, git_ok, random_token, read_summary, require_scanner, require_test_tool, Repo,
    Scangate, ALNUM,
};

/// A high semgrep rule, beside the medium one that quotes the string it matched.
const SHELL_RULE: &str = r#"rules:
  - id: shell-true
    languages: [python]
    severity: ERROR
    message: "a shell runs $CMD"
    pattern: subprocess.run($CMD, shell=True)
"#;

const SCRIPT_TAG: &str = "<script>alert(1)</script>";
const IMG_TAG: &str = "\"><img src=x onerror=alert(1)>";

/// The repository: a GitHub token committed in `app/settings.py`; a file named after an `<img>`
/// tag holding a `</script>` string and a shell call (one more, ignored by `nosemgrep`); a file
/// whose path is a `<script>` element.
fn hostile_repo() -> (Repo, String) {
    let repo = Repo::new();
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("app/settings.py", format!("api_token = \"{token}\"\n"))
        .write(
            format!("app/{IMG_TAG}.py"),
            format!(
                "import subprocess\n\nlabel = \"</script>{SCRIPT_TAG}<!--\"\nsubprocess.run(label, shell=True)\n\
                 subprocess.run(label + \"x\", shell=True)  # nosemgrep\n"
            ),
        )
        .write(format!("{SCRIPT_TAG}.py"), format!("title = '{IMG_TAG}'\n"));
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "hostile names");
    (repo, token)
}

/// `scangate <command>` on `repo` with gitleaks and semgrep, the summary and the HTML report
/// written to `out`; returns the exit code, the summary and the report's path.
fn run(command: &str, repo: &Path, out: &Path) -> (i32, serde_json::Value, std::path::PathBuf) {
    let mut rules: Vec<OsString> = Vec::new();
    for (name, rule) in [("value.yml", VALUE_RULE), ("shell.yml", SHELL_RULE)] {
        std::fs::write(out.join(name), rule).unwrap();
        rules.extend(["--semgrep-config".into(), out.join(name).into()]);
    }
    let summary = out.join(format!("{command}.json"));
    let html = out.join(format!("{command}/report.html"));
    let mut args: Vec<OsString> = vec![command.into(), repo.into(), "--tools".into(), "gitleaks,semgrep".into()];
    args.extend(rules);
    args.extend([
        "--sarif".into(),
        out.join(format!("{command}.sarif")).into(),
        "--summary-json".into(),
        summary.clone().into(),
        "--html".into(),
        html.clone().into(),
    ]);
    let output = Scangate::new(args).run();
    let code = output.status.code().unwrap_or(-1);
    // No report: fail with scangate's output.
    if !html.is_file() {
        assert_exit(&output, 0);
    }
    (code, read_summary(&summary), html)
}

/// Headless Chromium with a private profile, bounded in time; returns stdout.
fn chromium(args: &[OsString]) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let mut user_data = OsString::from("--user-data-dir=");
    user_data.push(profile.path());
    let output = Command::new("timeout")
        .args(["120", "chromium", "--headless", "--no-sandbox", "--disable-gpu"])
        .args(["--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"])
        .arg(user_data)
        .args(args)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The DOM of `page` (with `fragment`) after its script ran.
fn dump_dom(page: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", page.display());
    String::from_utf8(chromium(&["--dump-dom".into(), url.into()])).expect("the DOM is UTF-8")
}

/// One start tag of a DOM as Chromium serializes it: text is escaped, attribute values are
/// double-quoted, and only `<script>` and `<style>` hold raw text.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Tag {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Every start tag of `dom`, in document order.
fn start_tags(dom: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = dom;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
                .unwrap_or(rest.len());
            let attribute = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(quoted) = rest.strip_prefix("=\"") {
                let close = quoted.find('"').expect("a closed attribute value");
                value = quoted[..close].to_string();
                rest = &quoted[close + 1..];
            }
            attributes.push((attribute, value));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = &rest[rest.find(&close).expect("raw text ends")..];
        }
        tags.push(Tag { name, attributes });
    }
    tags
}

/// The table's rows: (severity, standing, hidden).
fn rows(tags: &[Tag]) -> Vec<(String, String, bool)> {
    tags.iter()
        .filter(|tag| tag.name == "tr" && tag.get("data-severity").is_some())
        .map(|tag| {
            (
                tag.get("data-severity").unwrap().to_string(),
                tag.get("data-standing").unwrap().to_string(),
                tag.get("hidden").is_some(),
            )
        })
        .collect()
}

fn visible(rows: &[(String, String, bool)], severity: &str, standing: &str) -> u64 {
    rows.iter()
        .filter(|(sev, st, hidden)| !hidden && sev == severity && st == standing)
        .count() as u64
}

/// The text of the element with `id` (its first text node).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    &dom[start..start + dom[start..].find('<').unwrap()]
}

#[test]
fn html_report_renders_counts_the_ladder_and_nothing_hostile_in_chromium() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep") && require_test_tool("chromium")) {
        return;
    }
    let (repo, token) = hostile_repo();
    let secrets = harvest_secrets(repo.path());
    assert!(secrets.contains(&token), "gitleaks does not find the token");
    let out = tempfile::tempdir().unwrap();

    let (code, summary, page) = run("scan", repo.path(), out.path());
    assert_eq!(code, 1, "{summary:#}");
    let html = std::fs::read_to_string(&page).unwrap();
    let dom = dump_dom(&page, "");
    assert_eq!(text_of(&dom, "conclusion"), "scangate FAIL at DSOMM level 1");
    assert!(html.contains("<title>scangate: FAIL at DSOMM level 1</title>"));
    // The header names what was scanned: the directory (outside CI) and its HEAD.
    let head = git(repo.path(), &["rev-parse", "HEAD"]);
    let directory = repo.path().file_name().unwrap().to_str().unwrap();
    assert_eq!(
        text_of(&dom, "scanned"),
        format!(
            "repository {directory} at commit {}",
            String::from_utf8_lossy(&head.stdout).trim()
        )
    );
    // The scanners table says what each scanner covered: these two, everything.
    assert_eq!(
        html.matches("<td class=\"coverage\">complete</td>").count(),
        2,
        "{html}"
    );
    for text in [&html, &dom] {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "the report holds {}…", &secret[..8]);
        }
    }

    // Counts: every counted row is in the DOM, none hidden, per severity as the summary counts.
    let tags = start_tags(&dom);
    let all = rows(&tags);
    for severity in ["critical", "high", "medium", "low", "info"] {
        assert_eq!(
            visible(&all, severity, "new"),
            summary["counts"][severity].as_u64().unwrap(),
            "{severity}: {summary:#}"
        );
    }
    let suppressed = all.iter().filter(|(_, standing, _)| standing == "suppressed").count() as u64;
    assert_eq!(suppressed, summary["suppressed"].as_u64().unwrap(), "{summary:#}");
    assert!(suppressed >= 1 && summary["counts"]["critical"].as_u64().unwrap() >= 1);
    assert!(summary["counts"]["high"].as_u64().unwrap() >= 1);
    assert!(summary["counts"]["medium"].as_u64().unwrap() >= 2);
    assert_eq!(text_of(&dom, "shown"), all.len().to_string());

    // The hostile strings are text: one script element (the page's own), no image, no handler.
    let scripts = tags.iter().filter(|tag| tag.name == "script").count();
    assert_eq!(scripts, 1, "{dom}");
    assert!(!tags.iter().any(|tag| tag.name == "img"), "{dom}");
    for tag in &tags {
        assert!(
            !tag.attributes.iter().any(|(name, _)| name.starts_with("on")),
            "{tag:?}"
        );
    }
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;.py"), "{dom}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;.py"), "{dom}");
    assert!(
        dom.contains("assigned: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--"),
        "{dom}"
    );

    // The fragment filters: only high rows are shown, and the count says so.
    let high = rows(&start_tags(&dump_dom(&page, "#severity=high")));
    let high_rows = all.iter().filter(|(severity, _, _)| severity == "high").count();
    assert_eq!(high.iter().filter(|(_, _, hidden)| !hidden).count(), high_rows);
    assert!(high.iter().all(|(severity, _, hidden)| *hidden || severity == "high"));
    let medium_new = dump_dom(&page, "#severity=medium&standing=new");
    let medium = rows(&start_tags(&medium_new));
    assert_eq!(
        medium.iter().filter(|(_, _, hidden)| !hidden).count() as u64,
        summary["counts"]["medium"].as_u64().unwrap()
    );
    assert_eq!(text_of(&medium_new, "shown"), summary["counts"]["medium"].to_string());
    // ... and sorts: by standing, suppressed rows last, or first in descending order.
    for (order, last) in [("asc", "suppressed"), ("desc", "new")] {
        let sorted = rows(&start_tags(&dump_dom(&page, &format!("#sort=standing&order={order}"))));
        assert_eq!(sorted.len(), all.len());
        assert_eq!(sorted.last().unwrap().1, last, "{order}: {sorted:?}");
        let standings: Vec<&str> = sorted.iter().map(|(_, standing, _)| standing.as_str()).collect();
        let mut expected = standings.clone();
        expected.sort_unstable();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(standings, expected);
    }

    // A screenshot renders.
    let png = out.path().join("scan.png");
    let mut screenshot = OsString::from("--screenshot=");
    screenshot.push(&png);
    chromium(&[
        screenshot,
        "--window-size=1280,2000".into(),
        format!("file://{}", page.display()).into(),
    ]);
    let bytes = std::fs::read(&png).expect("a screenshot is written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let dimension = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((dimension(16), dimension(20)), (1280, 2000));
    assert!(bytes.len() > 30_000, "a near-empty screenshot: {} bytes", bytes.len());

    // assess: the ladder shows the five levels with the summary's verdicts.
    let (code, summary, page) = run("assess", repo.path(), out.path());
    assert_eq!(code, 0, "{summary:#}");
    let dom = dump_dom(&page, "");
    let tags = start_tags(&dom);
    let rungs: Vec<(&str, &str)> = tags
        .iter()
        .filter(|tag| tag.name == "li" && tag.get("class").is_some_and(|c| c.starts_with("rung ")))
        .map(|tag| (tag.get("data-level").unwrap(), tag.get("data-verdict").unwrap()))
        .collect();
    let expected: Vec<(String, String)> = summary["assessment"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["level"].to_string(), row["verdict"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(rungs.len(), 5, "{dom}");
    let rungs: Vec<(String, String)> = rungs.iter().map(|(l, v)| (l.to_string(), v.to_string())).collect();
    assert_eq!(rungs, expected);
    // The page says what `assess` concluded (it exited 0), not the policy level's verdict.
    let met = summary["assessment"]["highest_met"].as_u64().unwrap();
    let concluded = match met {
        0 => "assess: no DSOMM level met".to_owned(),
        met => format!("assess: DSOMM level {met} met"),
    };
    assert_eq!(text_of(&dom, "conclusion"), format!("scangate {concluded}"));
    let ladder = tags.iter().find(|tag| tag.get("id") == Some("ladder")).unwrap();
    assert_eq!(
        ladder.get("data-highest-met").unwrap(),
        summary["assessment"]["highest_met"].to_string()
    );
    for severity in ["critical", "high", "medium"] {
        assert_eq!(
            visible(&rows(&tags), severity, "new"),
            summary["counts"][severity].as_u64().unwrap()
        );
    }
    for secret in &secrets {
        assert!(!dom.contains(secret.as_str()));
    }
}

//! Repositories whose paths hold spaces and non-ASCII names scan like any other.

use crate::support::{assert_exit, read_summary, require_scanner, tool_entry, Repo, Scangate};

#[test]
fn spaces_and_non_ascii_names_scan_with_the_real_scanners() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let parent = Repo::new();
    let root = parent.path().join("my répo with spaces");
    let repo_files = [
        (
            "src dir/ünïcode app.py",
            "import subprocess\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n",
        ),
        ("déploy/Dockerfile", "FROM alpine:3.19\nRUN apk add --no-cache curl\n"),
    ];
    for (path, contents) in repo_files {
        parent.write(root.join(path), contents);
    }
    let summary_path = parent.path().join("summary.json");
    let output = Scangate::new([
        "scan".as_ref(),
        root.as_os_str(),
        "--offline".as_ref(),
        "--no-gate".as_ref(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
    ])
    .run();
    assert_exit(&output, 0);
    let summary = read_summary(&summary_path);
    for tool in ["gitleaks", "semgrep", "trivy"] {
        assert_eq!(tool_entry(&summary, tool)["status"], "ok", "{tool}: {summary:#}");
    }
    assert_eq!(tool_entry(&summary, "semgrep")["trigger"], "src dir/ünïcode app.py");
    assert_eq!(tool_entry(&summary, "trivy")["trigger"], "déploy/Dockerfile");
}

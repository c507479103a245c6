//! Issue 11 §5: scangate's bundled semgrep rules. Their own `semgrep --test` cases pass; an
//! offline scan finds each covered class in Python, JavaScript/TypeScript, Go and Java and says
//! how many rules it ran; without `--offline` the registry's p/default runs, and a registry that
//! fails is an error that names `--offline` and `--semgrep-config`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{
    assert_exit, checkout, installed_or_on_path, read_summary, require_scanner, tool_entry, Repo, Scangate,
};

/// The rule ids in rules/semgrep/*.yaml, read from the files.
fn bundled_rule_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(checkout().join("rules/semgrep")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            ids.extend(
                text.lines()
                    .filter_map(|line| line.strip_prefix("  - id: "))
                    .map(str::to_owned),
            );
        }
    }
    ids
}

#[test]
fn every_bundled_rule_passes_its_semgrep_test_cases() {
    if !require_scanner("semgrep") {
        return;
    }
    let output = Command::new(installed_or_on_path("semgrep"))
        .args(["--test", "--json", "--metrics=off", "--disable-version-check"])
        .arg(checkout().join("rules/semgrep"))
        .env("SEMGREP_SEND_METRICS", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "semgrep --test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    for key in ["config_missing_tests", "config_with_errors"] {
        assert_eq!(report[key], serde_json::json!([]), "{key}: {report:#}");
    }
    let configs = report["results"].as_object().unwrap();
    let languages: BTreeSet<&str> = configs
        .keys()
        .filter_map(|config| config.rsplit('/').next()?.strip_suffix(".yaml"))
        .collect();
    assert_eq!(languages, BTreeSet::from(["go", "java", "javascript", "python"]));
    let mut tested = BTreeSet::new();
    for (config, result) in configs {
        for (rule, check) in result["checks"].as_object().unwrap() {
            assert_eq!(check["passed"], true, "{config} {rule}: {check:#}");
            let expected: usize = check["matches"]
                .as_object()
                .unwrap()
                .values()
                .map(|file| file["expected_lines"].as_array().unwrap().len())
                .sum();
            assert!(expected > 0, "{rule} has no `ruleid:` case");
            tested.insert(rule.clone());
        }
    }
    // Every rule the files hold has test cases: none escapes `semgrep --test`.
    assert_eq!(tested, bundled_rule_ids());
}

/// One snippet per covered class and language. `expect: RULE SEVERITY` ends each line a finding
/// is expected on (the severity as scangate normalizes it).
const SNIPPETS: &[(&str, &str)] = &[
    (
        "src/app.py",
        r#"import hashlib
import pickle
import subprocess

import requests
from Crypto.Cipher import DES
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/report")
def report(cursor):
    user = request.args.get("user")
    cursor.execute("SELECT * FROM reports WHERE owner = '" + user + "'")  # expect: python-sql-string-formatting high
    subprocess.run("make-report " + user, shell=True)  # expect: python-subprocess-shell-true high
    eval(request.args["formula"])  # expect: python-eval-injection medium
    log = open("/var/reports/" + user)  # expect: python-path-traversal medium
    requests.get(request.args["callback"], timeout=5)  # expect: python-ssrf medium
    hashlib.md5(request.args["password"].encode())  # expect: python-weak-hash medium
    DES.new(b"8bytekey", DES.MODE_ECB)  # expect: python-weak-cipher medium
    pickle.loads(request.data)  # expect: python-unsafe-deserialization medium
    requests.post("https://audit.example.com", json={}, verify=False)  # expect: python-tls-verification-disabled high
    return render_template_string("<p>" + user + "</p>", log=log)  # expect: python-xss medium


app.run(debug=True)  # expect: python-flask-debug low
"#,
    ),
    ("src/settings.py", "DEBUG = True  # expect: python-django-debug low\n"),
    (
        "src/server.js",
        r#"const childProcess = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const https = require("https");
const serialize = require("node-serialize");
const errorhandler = require("errorhandler");
const express = require("express");

const app = express();

app.get("/files/:name", (req, res) => {
  const name = req.params.name;
  db.query("SELECT * FROM files WHERE name = '" + name + "'"); // expect: js-sql-injection high
  childProcess.exec("file " + name); // expect: js-child-process-exec high
  eval(req.query.filter); // expect: js-eval medium
  const body = fs.readFileSync("/srv/files/" + name); // expect: js-path-traversal medium
  https.get(req.query.mirror); // expect: js-ssrf medium
  crypto.createHash("md5").update(req.query.password); // expect: js-weak-hash medium
  crypto.createCipheriv("des-ede3-cbc", key, iv); // expect: js-weak-cipher medium
  serialize.unserialize(req.cookies.state); // expect: js-insecure-deserialization high
  new https.Agent({ rejectUnauthorized: false }); // expect: js-tls-verification-disabled high
  res.send("<h1>" + name + "</h1>"); // expect: js-express-xss medium
});

app.use(errorhandler()); // expect: js-express-debug-errors low
"#,
    ),
    (
        "src/widget.ts",
        r#"export function show(element: HTMLElement): void {
  const comment = decodeURIComponent(location.hash.slice(1));
  element.innerHTML = "<p>" + comment + "</p>"; // expect: js-dom-xss-sink medium
}
"#,
    ),
    (
        "src/main.go",
        r#"package main

import ( // expect: go-pprof-exposed medium
	"crypto/md5"
	"crypto/rc4"
	"crypto/tls"
	"database/sql"
	"encoding/gob"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"text/template"
)

var db *sql.DB

func handle(w http.ResponseWriter, r *http.Request) {
	name := r.FormValue("name")
	db.Query("SELECT * FROM items WHERE name = '" + name + "'") // expect: go-sql-string-concatenation high
	exec.Command("sh", "-c", "lookup "+name).Run()              // expect: go-exec-shell-command high
	template.New("t").Parse(r.FormValue("layout"))              // expect: go-template-injection high
	os.Open("/srv/items/" + name)                               // expect: go-path-traversal medium
	http.Get(r.URL.Query().Get("feed"))                         // expect: go-ssrf medium
	md5.Sum([]byte(r.FormValue("password")))                     // expect: go-weak-hash medium
	rc4.NewCipher([]byte(name))                                 // expect: go-weak-cipher medium
	gob.NewDecoder(r.Body)                                      // expect: go-gob-untrusted-input medium
	_ = &tls.Config{InsecureSkipVerify: true}                   // expect: go-tls-insecure-skip-verify high
	fmt.Fprintf(w, "<p>%s</p>", name)                           // expect: go-xss medium
}
"#,
    ),
    (
        "src/App.java",
        r#"package app;

import java.io.File;
import java.io.ObjectInputStream;
import java.net.URL;
import java.security.MessageDigest;
import java.sql.Statement;
import javax.crypto.Cipher;
import javax.net.ssl.HttpsURLConnection;
import javax.script.ScriptEngine;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;

public class App {
    void handle(HttpServletRequest request, HttpServletResponse response, Statement statement,
            ScriptEngine engine, HttpsURLConnection connection) throws Exception {
        String id = request.getParameter("id");
        statement.executeQuery("SELECT * FROM orders WHERE id = '" + id + "'"); // expect: java-sql-injection high
        Runtime.getRuntime().exec("print-order " + id); // expect: java-command-injection high
        engine.eval(request.getParameter("rule")); // expect: java-code-injection medium
        new File("/srv/orders/" + id); // expect: java-path-traversal medium
        new URL(request.getParameter("webhook")); // expect: java-ssrf medium
        MessageDigest.getInstance("SHA1"); // expect: java-weak-hash medium
        Cipher.getInstance("RC4"); // expect: java-weak-cipher medium
        new ObjectInputStream(request.getInputStream()).readObject(); // expect: java-insecure-deserialization high
        connection.setHostnameVerifier((host, session) -> true); // expect: java-tls-verification-disabled high
        response.getWriter().println("<p>" + id + "</p>"); // expect: java-servlet-xss medium
    }
}

@EnableWebSecurity(debug = true) // expect: java-spring-security-debug low
class SecurityConfig {}
"#,
    ),
];

/// (rule, path, line, severity), from the snippets' `expect:` marks or from the SARIF log.
type Row = (String, String, u64, String);

fn expected_rows() -> BTreeSet<Row> {
    let mut rows = BTreeSet::new();
    for (path, text) in SNIPPETS {
        for (index, line) in text.lines().enumerate() {
            if let Some((_, mark)) = line.split_once("expect: ") {
                let (rule, severity) = mark.split_once(' ').unwrap();
                rows.insert((rule.into(), (*path).into(), index as u64 + 1, severity.into()));
            }
        }
    }
    rows
}

fn sarif_rows(sarif: &Value) -> BTreeSet<Row> {
    let mut rows = BTreeSet::new();
    for run in sarif["runs"].as_array().unwrap() {
        for result in run["results"].as_array().unwrap() {
            let location = &result["locations"][0]["physicalLocation"];
            rows.insert((
                result["ruleId"].as_str().unwrap().into(),
                location["artifactLocation"]["uri"].as_str().unwrap().into(),
                location["region"]["startLine"].as_u64().unwrap(),
                result["properties"]["severity"].as_str().unwrap().into(),
            ));
        }
    }
    rows
}

/// `scangate scan REPO --sarif … --summary-json … EXTRA…` without the harness's
/// `SCANGATE_SEMGREP_CONFIG`, so the defaults under test apply.
fn scan(repo: &Repo, extra: &[&str], env: &[(&str, &str)]) -> (Output, Value, Value) {
    let out = tempfile::tempdir().unwrap();
    let (sarif, summary) = (out.path().join("scan.sarif"), out.path().join("summary.json"));
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into()];
    args.extend([
        "--sarif".into(),
        sarif.clone().into(),
        "--summary-json".into(),
        summary.clone().into(),
    ]);
    args.extend(extra.iter().map(OsString::from));
    let mut command = Scangate::new(args).env_remove("SCANGATE_SEMGREP_CONFIG");
    for (key, value) in env {
        command = command.env(key, value);
    }
    let output = command.run();
    let sarif = std::fs::read(&sarif).map_or(Value::Null, |bytes| serde_json::from_slice(&bytes).unwrap());
    (output, sarif, read_summary(&summary))
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn offline_scan_finds_every_covered_class_in_each_language_with_the_bundled_rules() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    for (path, text) in SNIPPETS {
        repo.write(path, text);
    }
    let (output, sarif, summary) = scan(&repo, &["--offline", "--tools", "gitleaks,semgrep"], &[]);
    // High findings fail the level-1 gate.
    assert_exit(&output, 1);
    assert_eq!(summary["verdict"], "fail", "{summary:#}");
    assert_eq!(tool_entry(&summary, "semgrep")["status"], "ok", "{summary:#}");
    let expected = expected_rows();
    assert!(expected.iter().all(|(rule, ..)| bundled_rule_ids().contains(rule)));
    assert_eq!(sarif_rows(&sarif), expected);
    let rules = bundled_rule_ids().len();
    let label = format!("bundled rules ({rules} rules), offline");
    assert!(
        stdout_lines(&output).contains(&format!("SAST: {label}")),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        summary["sast_rules"],
        serde_json::json!({"label": label, "sources": [{"kind": "bundled", "rules": rules}]})
    );
    // One --config per language file.
    let argv = tool_entry(&summary, "semgrep")["argv"].as_array().unwrap().clone();
    let configs: Vec<&str> = argv
        .windows(2)
        .filter(|pair| pair[0] == "--config")
        .map(|pair| pair[1].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        configs,
        [
            "scangate-semgrep-python.json",
            "scangate-semgrep-javascript.json",
            "scangate-semgrep-go.json",
            "scangate-semgrep-java.json"
        ]
    );
}

/// A semgrep registry on 127.0.0.1 that has nothing: every request gets 404, and its request
/// line is kept. semgrep 1.185 gives up on a 404 at once, where an unreachable registry costs
/// ~100 s of retries before the same exit.
struct EmptyRegistry {
    url: String,
    requests: std::sync::mpsc::Receiver<String>,
}

impl EmptyRegistry {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (sender, requests) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request_line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut request_line);
                // A connection that sends nothing (scangate checking the registry answers) is
                // no request.
                if !request_line.is_empty() {
                    let _ = sender.send(request_line.trim_end().to_owned());
                }
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        EmptyRegistry { url, requests }
    }
}

/// An unreachable registry (nothing listens on its port; no network at all is the same) is an
/// error at once, before semgrep starts and retries for minutes, naming the flags that fix it.
#[test]
fn an_unreachable_registry_fails_at_once_naming_the_fix() {
    if !require_scanner("semgrep") {
        return;
    }
    let repo = Repo::new();
    repo.write("app.py", "import os\n\nos.system(\"rm \" + name)\n");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let env = [("SEMGREP_URL", url.as_str())];
    let (output, _, summary) = scan(&repo, &["--tools", "semgrep", "--no-gate"], &env);
    assert_exit(&output, 2);
    let semgrep = tool_entry(&summary, "semgrep");
    assert_eq!(semgrep["status"], "error", "{summary:#}");
    let reason = semgrep["reason"].as_str().unwrap();
    for needed in [
        "cannot reach 127.0.0.1:",
        "--offline",
        "--semgrep-config",
        "--skip semgrep",
    ] {
        assert!(reason.contains(needed), "{needed} not in: {reason}");
    }
    assert!(semgrep["exit_code"].is_null(), "semgrep never started: {semgrep}");
}

#[test]
fn without_offline_semgrep_runs_p_default_and_a_registry_failure_names_offline_and_semgrep_config() {
    if !require_scanner("semgrep") {
        return;
    }
    let repo = Repo::new();
    repo.write("app.py", "import os\n\nos.system(\"rm \" + name)\n");
    let registry = EmptyRegistry::start();
    let env = [("SEMGREP_URL", registry.url.as_str())];
    let started = std::time::Instant::now();
    let (output, _, summary) = scan(&repo, &["--tools", "semgrep", "--no-gate"], &env);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_exit(&output, 2);
    assert_eq!(registry.requests.try_recv().unwrap(), "GET /c/p/default HTTP/1.1");
    let semgrep = tool_entry(&summary, "semgrep");
    assert_eq!(semgrep["status"], "error", "{summary:#}");
    let reason = semgrep["reason"].as_str().unwrap();
    for needed in ["HTTP 404", "p/default", "semgrep.dev", "--offline", "--semgrep-config"] {
        assert!(reason.contains(needed), "{needed} not in: {reason}");
    }
    let label = "p/default (semgrep registry, needs network)";
    assert_eq!(summary["sast_rules"]["label"], label);
    assert!(stdout_lines(&output).contains(&format!("SAST: {label}")));

    // `--semgrep-config bundled` needs no registry, with or without --offline.
    let (output, sarif, summary) = scan(
        &repo,
        &["--tools", "semgrep", "--no-gate", "--semgrep-config", "bundled"],
        &env,
    );
    assert_exit(&output, 0);
    assert!(
        registry.requests.try_recv().is_err(),
        "the bundled rules asked the registry"
    );
    let rules = bundled_rule_ids().len();
    assert_eq!(summary["sast_rules"]["label"], format!("bundled rules ({rules} rules)"));
    assert_eq!(
        sarif_rows(&sarif),
        BTreeSet::from([("python-os-system".into(), "app.py".into(), 3, "medium".into())])
    );

    // --offline with a registry ruleset: refused before semgrep starts, naming the way out.
    let (output, _, summary) = scan(
        &repo,
        &["--tools", "semgrep", "--offline", "--semgrep-config", "p/ci"],
        &env,
    );
    assert_exit(&output, 2);
    assert!(registry.requests.try_recv().is_err(), "--offline asked the registry");
    let reason = tool_entry(&summary, "semgrep")["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains("--offline") && reason.contains("--semgrep-config bundled"),
        "{reason}"
    );
}

/// Issue 25 §5: without `--osv-offline-db`, osv-scanner asks api.osv.dev. Where that cannot be
/// reached (this machine has no route to it), scangate says so before osv-scanner starts and
/// retries for about 20 s, naming the flags that fix it; where it can, osv-scanner runs.
#[test]
fn an_unreachable_osv_api_fails_at_once_naming_the_fix() {
    if !require_scanner("osv-scanner") {
        return;
    }
    let repo = Repo::new();
    repo.write("requirements.txt", "requests==2.31.0\n");
    let started = std::time::Instant::now();
    let (output, _, summary) = scan(&repo, &["--tools", "osv-scanner", "--no-gate"], &[]);
    let osv = tool_entry(&summary, "osv-scanner");
    let reachable = std::net::ToSocketAddrs::to_socket_addrs("api.osv.dev:443").is_ok_and(|mut addresses| {
        addresses
            .any(|address| std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(5)).is_ok())
    });
    if reachable {
        assert_ne!(osv["exit_code"], serde_json::Value::Null, "osv-scanner ran: {osv}");
        return;
    }
    assert_exit(&output, 2);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(osv["status"], "error", "{summary:#}");
    assert!(osv["exit_code"].is_null(), "osv-scanner never started: {osv}");
    let reason = osv["reason"].as_str().unwrap();
    for needed in ["cannot reach api.osv.dev:443", "--osv-offline-db", "--skip osv-scanner"] {
        assert!(reason.contains(needed), "{needed} not in: {reason}");
    }
}

/// The bundled rules run on osemgrep (`--experimental`, no Python start-up), unless the scan
/// reads a `*.min.js` or `*.d.ts` file, which osemgrep never reads: then pysemgrep runs, without
/// its rule-schema check (`--x-rule-validation=none`: the rules' tests check them). Either way
/// the findings are the same. Any other rules run on pysemgrep with the check, and a rule semgrep
/// cannot use fails the run.
#[test]
fn bundled_rules_run_on_osemgrep_unless_a_file_only_pysemgrep_reads_is_in_scope() {
    if !["semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let exec = "const cp = require(\"child_process\");\nfunction thumbnail(file) { cp.exec(\"convert \" + file); }\n";
    let repo = Repo::new();
    repo.write("app.js", exec);
    let rules = tempfile::tempdir().unwrap();
    let broken = rules.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "rules:\n  - id: broken\n    languages: [js]\n    severity: ERROR\n    message: x\n    patern: cp.exec(...)\n",
    )
    .unwrap();
    let broken = broken.to_str().expect("a UTF-8 temp path");
    let argv = |config: &str| -> String {
        let plan = Scangate::new(["plan".into(), repo.path().as_os_str().to_owned()])
            .env("SCANGATE_SEMGREP_CONFIG", config)
            .run();
        assert_exit(&plan, 0);
        let printed = String::from_utf8_lossy(&plan.stdout).into_owned();
        printed
            .lines()
            .find(|line| line.contains("argv:") && line.contains("semgrep"))
            .unwrap_or_else(|| panic!("no semgrep argv in {printed}"))
            .to_owned()
    };
    let bundled_scan = |expected: &[&str]| {
        let (output, sarif, summary) = scan(
            &repo,
            &["--tools", "semgrep", "--semgrep-config", "bundled", "--no-gate"],
            &[],
        );
        assert_exit(&output, 0);
        assert_eq!(tool_entry(&summary, "semgrep")["status"], "ok", "{summary:#}");
        let found: Vec<(String, String, u64)> = sarif_rows(&sarif)
            .into_iter()
            .map(|(rule, path, line, _)| (rule, path, line))
            .collect();
        let expected: Vec<(String, String, u64)> = expected
            .iter()
            .map(|path| ("js-child-process-exec".to_owned(), (*path).to_owned(), 2))
            .collect();
        assert_eq!(found, expected);
        let app = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|result| result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.js")
            .expect("app.js's finding")
            .clone();
        ((app["partialFingerprints"].clone(), app["locations"].clone()), summary)
    };

    let osemgrep = argv("bundled");
    assert!(osemgrep.contains("--experimental"), "{osemgrep}");
    assert!(!osemgrep.contains("--x-rule-validation"), "{osemgrep}");
    let (on_osemgrep, _) = bundled_scan(&["app.js"]);

    for only_pysemgrep_reads in ["static/app.min.js", "types/index.d.ts"] {
        repo.write(only_pysemgrep_reads, exec);
        let pysemgrep = argv("bundled");
        assert!(!pysemgrep.contains("--experimental"), "{pysemgrep}");
        assert!(pysemgrep.contains("--x-rule-validation=none"), "{pysemgrep}");
        // A minified bundle's findings are one coverage note (issue 26 §2), a `.d.ts` file's
        // are reported.
        let (on_pysemgrep, summary) = match only_pysemgrep_reads.ends_with(".min.js") {
            true => bundled_scan(&["app.js"]),
            false => bundled_scan(&["app.js", only_pysemgrep_reads]),
        };
        let note = format!("{only_pysemgrep_reads}: minified bundle; 1 semgrep finding not reported");
        let warnings = summary["warnings"].to_string();
        assert_eq!(
            warnings.contains(&note),
            only_pysemgrep_reads.ends_with(".min.js"),
            "{warnings}"
        );
        assert_eq!(
            on_pysemgrep, on_osemgrep,
            "app.js's finding is the same on either engine"
        );
        std::fs::remove_file(repo.path().join(only_pysemgrep_reads)).unwrap();
    }

    let local = argv(broken);
    assert!(
        !local.contains("--experimental") && !local.contains("--x-rule-validation"),
        "{local}"
    );
    let (output, _, summary) = scan(
        &repo,
        &["--tools", "semgrep", "--semgrep-config", broken, "--no-gate"],
        &[],
    );
    assert_exit(&output, 2);
    assert_eq!(tool_entry(&summary, "semgrep")["status"], "error", "{summary:#}");
}

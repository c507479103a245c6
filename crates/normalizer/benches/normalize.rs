//! Normalizes a generated ≥100 MB semgrep JSON output to SARIF and prints throughput and peak
//! memory (VmHWM). `cargo bench -p scangate-normalizer`. Targets: ≥100 MB/s, peak < 3× input.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use scangate_normalizer::{parse, write_sarif, SarifOptions, ToolRun};

const TARGET_BYTES: u64 = 110 * 1024 * 1024;

/// Writes a semgrep report with as many results as it takes to pass `TARGET_BYTES`, streaming so
/// the generator's memory does not count against the peak.
fn generate(path: &Path) -> (u64, usize) {
    let file = std::fs::File::create(path).expect("create input");
    let mut out = std::io::BufWriter::new(file);
    let mut written: u64 = 0;
    let mut count = 0usize;
    let put = |out: &mut std::io::BufWriter<std::fs::File>, text: &str| {
        out.write_all(text.as_bytes()).expect("write");
        text.len() as u64
    };
    written += put(&mut out, "{\"version\":\"1.185.0\",\"results\":[");
    let severities = ["ERROR", "WARNING", "INFO", "CRITICAL"];
    while written < TARGET_BYTES {
        if count > 0 {
            written += put(&mut out, ",");
        }
        let line = count % 5000 + 1;
        let result = format!(
            r#"{{"check_id":"tmp.scratch.rule-{rule}","path":"src/pkg{dir}/file{file}.py","start":{{"line":{line},"col":5,"offset":{off}}},"end":{{"line":{line},"col":40,"offset":{end}}},"extra":{{"message":"Detected subprocess call with user controlled data in call number {count}. A malicious actor could leverage this to perform command injection; use shlex.quote().","metadata":{{"cwe":["CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"],"owasp":["A03:2021 - Injection"],"confidence":"MEDIUM","likelihood":"HIGH","impact":"HIGH","category":"security","references":["https://docs.python.org/3/library/subprocess.html"],"source":"https://semgrep.dev/r/rule-{rule}"}},"severity":"{sev}","fingerprint":"requires login","lines":"requires login","validation_state":"NO_VALIDATOR","engine_kind":"OSS"}}}}"#,
            rule = count % 40,
            dir = count % 97,
            file = count % 13,
            off = line * 40,
            end = line * 40 + 35,
            sev = severities[count % severities.len()],
        );
        written += put(&mut out, &result);
        count += 1;
    }
    written += put(&mut out, "],\"errors\":[],\"paths\":{\"scanned\":[]}}");
    out.flush().expect("flush");
    (written, count)
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("semgrep.json");
    let (size, count) = generate(&input);
    let baseline = peak_rss_bytes().unwrap_or(0);
    let root = dir.path().join("repo");

    let start = Instant::now();
    let bytes = std::fs::read(&input).expect("read input");
    let parsed = parse("semgrep", &bytes, &root).expect("parse");
    let parse_done = start.elapsed();
    drop(bytes); // the caller keeps the raw output no longer than the parse
    assert_eq!(parsed.findings.len(), count, "no finding lost");
    let runs = vec![ToolRun::new("semgrep", parsed)];
    let output = std::fs::File::create(dir.path().join("out.sarif")).expect("create output");
    let notes = write_sarif(
        output,
        &runs,
        &SarifOptions {
            max_results_per_run: usize::MAX,
            ..SarifOptions::new(&root)
        },
    )
    .expect("write sarif");
    let total = start.elapsed();
    let sarif_size = std::fs::metadata(dir.path().join("out.sarif"))
        .map(|m| m.len())
        .unwrap_or(0);
    let peak = peak_rss_bytes().unwrap_or(0);

    let mb = size as f64 / 1_048_576.0;
    println!("input: {mb:.1} MiB semgrep JSON, {count} results");
    println!(
        "parse: {:.2} s ({:.0} MiB/s)",
        parse_done.as_secs_f64(),
        mb / parse_done.as_secs_f64()
    );
    println!(
        "parse + SARIF: {:.2} s ({:.0} MiB/s); SARIF {:.1} MiB",
        total.as_secs_f64(),
        mb / total.as_secs_f64(),
        sarif_size as f64 / 1_048_576.0
    );
    println!(
        "peak RSS (VmHWM): {:.1} MiB = {:.2}x input (before the run: {:.1} MiB)",
        peak as f64 / 1_048_576.0,
        peak as f64 / size as f64,
        baseline as f64 / 1_048_576.0
    );
    for note in notes {
        println!("note: {note}");
    }
}

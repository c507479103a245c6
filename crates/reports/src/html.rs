//! The HTML report (`--html FILE`): one self-contained page for people — the verdict with its
//! reasons and warnings, the DSOMM assessment as a ladder, the counted findings per tool and
//! severity as an inline SVG chart, a sortable and filterable table of every finding (new,
//! pre-existing or suppressed), the suppressions with owner and days to expiry, the scanners with
//! version and duration, and what the run shows of each DSOMM activity.
//!
//! Nothing is fetched: style, script and chart are inline, and the page's Content-Security-Policy
//! allows only its own style and script (by hash): no other script, image, font, frame or
//! connection. Every text that comes from the scanned repository or a scanner (paths, rule ids,
//! messages, reasons, owners, origins) is HTML-escaped, in text and in attribute values alike;
//! the script reads only the table's `data-` attributes and the URL fragment
//! (`#severity=high&standing=new&tool=semgrep&q=text&sort=location&order=desc`) and changes only
//! the rows' order and `hidden` attribute and the shown count.

use std::collections::BTreeMap;
use std::fmt::Write;

use base64::Engine;
use scangate_gate::{Assessment, Date, LevelAssessment, Verdict};
use scangate_normalizer::{Finding, Severity, ToolRun};
use sha2::{Digest, Sha256};

use super::{
    heading, is_web_link, path_of, severity_index, severity_order, start_line, truncate_chars, ReportContext,
    ToolStatus,
};

/// How many blocking reasons each rung of the ladder shows.
const FIRST_REASONS: usize = 2;

/// How much of a finding's message the table shows.
const MESSAGE_CHARS: usize = 400;

/// Suppressions expiring within this many days are marked.
const EXPIRES_SOON_DAYS: i64 = 14;

/// What the page shows besides the [`ReportContext`].
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// Every finding of the run, one run per tool, with the gate's verdict applied (severity
    /// overrides, and `pre_existing` with a baseline or in pull-request mode).
    pub runs: &'a [ToolRun],
    /// The gate's verdict: the counts, and which findings it suppressed and how.
    pub verdict: &'a Verdict,
    /// All five levels, when the run was assessed (not in pre-commit mode).
    pub assessment: Option<&'a Assessment>,
    /// True for `scangate assess`'s page: what it concluded is the highest level met, which the
    /// title and heading say (its exit code says neither pass nor fail).
    pub assess: bool,
    /// The day of the scan: suppressions' days to expiry count from it.
    pub today: Date,
    /// The scanned repository's name.
    pub repository: &'a str,
    /// The scanned commit, when known.
    pub commit: Option<&'a str>,
    /// Pull-request mode: the commit the change is judged against.
    pub base: Option<&'a str>,
}

/// Whether a finding counts toward the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Counted: not suppressed, not in the baseline.
    New,
    /// In the baseline, or outside the change in pull-request mode: not counted.
    PreExisting,
    /// Suppressed by the policy or a tool-native ignore: not counted.
    Suppressed,
}

impl Standing {
    const ALL: [Standing; 3] = [Standing::New, Standing::PreExisting, Standing::Suppressed];

    fn as_str(self) -> &'static str {
        match self {
            Standing::New => "new",
            Standing::PreExisting => "pre-existing",
            Standing::Suppressed => "suppressed",
        }
    }
}

/// One table row.
struct Row<'a> {
    finding: &'a Finding,
    standing: Standing,
}

/// The page.
pub fn page(context: &ReportContext<'_>, run: &Run<'_>) -> String {
    let rows = rows(run);
    let mut body = String::new();
    verdict_section(&mut body, context, run);
    ladder_section(&mut body, run.assessment);
    chart_section(&mut body, context, &rows);
    findings_section(&mut body, context, run, &rows);
    suppressions_section(&mut body, context, run, &rows);
    scanners_section(&mut body, context);
    activities_section(&mut body, run.assessment);
    let _ = writeln!(
        body,
        "<footer>scangate {} · {}</footer>",
        env!("CARGO_PKG_VERSION"),
        run.today
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; \
         script-src '{}'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>scangate: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        csp_hash(STYLE),
        csp_hash(SCRIPT),
        escape(&conclusion(context, run)),
    )
}

/// What the command concluded, for the page's title and heading: `assess`, the highest level
/// the run meets (its exit code does not say pass or fail); `scan`, the verdict at its level.
fn conclusion(context: &ReportContext<'_>, run: &Run<'_>) -> String {
    match run.assessment.filter(|_| run.assess) {
        Some(assessment) if assessment.highest_met == 0 => "assess: no DSOMM level met".to_owned(),
        Some(assessment) => format!("assess: DSOMM level {} met", assessment.highest_met),
        None => {
            let word = match context.verdict {
                "pass" => "PASS",
                "fail" => "FAIL",
                "error" => "ERROR",
                _ => "NOT GATED",
            };
            format!("{word} at DSOMM {}", context.level_label)
        }
    }
}

/// `repository web at commit 3f2a…`, and in pull-request mode `, the change since 9c1b…`.
fn scanned(run: &Run<'_>) -> String {
    let commit = run
        .commit
        .map(|commit| format!(" at commit {commit}"))
        .unwrap_or_default();
    let base = run
        .base
        .map(|base| format!(", the change since {base}"))
        .unwrap_or_default();
    format!("repository {}{commit}{base}", run.repository)
}

/// Every finding with its standing, most severe first.
fn rows<'a>(run: &Run<'a>) -> Vec<Row<'a>> {
    let mut rows: Vec<Row<'a>> = run
        .runs
        .iter()
        .flat_map(|tool_run| {
            tool_run.findings.iter().map(move |finding| {
                let standing = if run.verdict.is_suppressed(finding) {
                    Standing::Suppressed
                } else if tool_run
                    .pre_existing
                    .as_ref()
                    .is_some_and(|known| known.contains(&finding.fingerprint))
                {
                    Standing::PreExisting
                } else {
                    Standing::New
                };
                Row { finding, standing }
            })
        })
        .collect();
    rows.sort_by(|a, b| severity_order(a.finding, b.finding));
    rows
}

fn verdict_section(out: &mut String, context: &ReportContext<'_>, run: &Run<'_>) {
    let _ = writeln!(
        out,
        "<header id=\"verdict\" class=\"verdict verdict-{0}\" data-verdict=\"{0}\">\n<h1 id=\"conclusion\">scangate {2}</h1>\n\
         <p id=\"scanned\" class=\"scanned\">{3}</p>\n<p class=\"level\">DSOMM {1}</p>\n<ul class=\"counts\">",
        escape(context.verdict),
        escape(context.level_label),
        escape(&conclusion(context, run)),
        escape(&scanned(run)),
    );
    let counts = &run.verdict.counts;
    for severity in Severity::ALL {
        let _ = writeln!(
            out,
            "<li class=\"sev-{severity}\" data-severity=\"{severity}\"><b>{}</b> {severity}</li>",
            counts.get(severity)
        );
    }
    let _ = writeln!(
        out,
        "<li data-standing=\"suppressed\"><b>{}</b> suppressed</li>\n</ul>",
        run.verdict.suppressed
    );
    if !context.violations.is_empty() {
        out.push_str("<h2>Why</h2>\n<ul class=\"violations\">\n");
        for violation in context.violations {
            let _ = writeln!(out, "<li>{}</li>", escape(violation));
        }
        out.push_str("</ul>\n");
    }
    if !context.warnings.is_empty() {
        out.push_str("<h2>Warnings</h2>\n<ul class=\"warnings\">\n");
        for warning in context.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(warning));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</header>\n");
}

fn ladder_section(out: &mut String, assessment: Option<&Assessment>) {
    out.push_str("<section id=\"assessment\">\n<h2>DSOMM assessment</h2>\n");
    let Some(assessment) = assessment else {
        out.push_str("<p>Not assessed: pre-commit mode checks the staged changes only.</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<p id=\"headline\" class=\"headline\">{}</p>\n<ol id=\"ladder\" class=\"ladder\" data-highest-met=\"{}\">",
        escape(&assessment.headline(FIRST_REASONS)),
        assessment.highest_met
    );
    for (row, below) in assessment.rungs() {
        let met = row.level.get() == assessment.highest_met;
        rung(out, "li", &format!("level {}", row.level), row, below, met);
    }
    out.push_str("</ol>\n");
    if let Some(policy) = &assessment.policy {
        let name = format!("pipeline policy ({})", policy.label);
        rung(out, "div", &name, policy, None, false);
    }
    out.push_str("</section>\n");
}

/// What the run shows of each DSOMM activity the presets cite.
fn activities_section(out: &mut String, assessment: Option<&Assessment>) {
    let Some(assessment) = assessment else {
        return;
    };
    let _ = writeln!(
        out,
        "<section id=\"activities-section\">\n<h2>DSOMM activities</h2>\n<table id=\"activities\">\n\
         <caption>each activity the presets cite, and what this run shows of it (catalogue: \
         DevSecOps-MaturityModel-data {})</caption>\n\
         <thead><tr><th>activity</th><th>DSOMM level</th><th>claim</th><th>why</th></tr></thead>\n<tbody>",
        escape(assessment.catalogue_commit)
    );
    for activity in &assessment.activities {
        let _ = writeln!(
            out,
            "<tr data-claim=\"{0}\"><td><code>{1}</code> {2}</td><td>{3}</td><td class=\"claim-{0}\">{0}</td><td>{4}</td></tr>",
            activity.claim.as_str(),
            escape(activity.id.get(..8).unwrap_or(&activity.id)),
            escape(&activity.name),
            activity.dsomm_level,
            escape(&activity.reason)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// One level's verdict and its first blocking reasons.
/// One rung: its verdict and its first blocking reasons. A reason the rung `below` already
/// shows is not repeated: the rung says it also fails for that level's reasons.
fn rung(out: &mut String, tag: &str, name: &str, row: &LevelAssessment, below: Option<&LevelAssessment>, met: bool) {
    let verdict = row.verdict.as_str();
    let _ = write!(
        out,
        "<{tag} class=\"rung rung-{verdict}\" data-level=\"{}\" data-verdict=\"{verdict}\"><span class=\"rung-name\">{}</span>\
         <span class=\"badge\">{verdict}</span>",
        row.level,
        escape(name)
    );
    if met {
        out.push_str("<span class=\"met\">highest level met</span>");
    }
    let reasons = row.reasons_beyond(below);
    if !row.violations.is_empty() {
        out.push_str("<ul class=\"reasons\">");
        if let Some(level) = reasons.below {
            let _ = write!(
                out,
                "<li class=\"as-below\">what blocks level {level} ({})</li>",
                reasons.repeated
            );
        }
        for violation in reasons.own.iter().take(FIRST_REASONS) {
            let _ = write!(out, "<li>{}</li>", escape(&violation.message));
        }
        let more = reasons.own.len().saturating_sub(FIRST_REASONS);
        if more > 0 {
            let _ = write!(out, "<li class=\"more\">… and {more} more</li>");
        }
        out.push_str("</ul>");
    }
    let _ = writeln!(out, "</{tag}>");
}

/// Counted findings per tool and severity, as horizontal stacked bars; a finding several tools
/// reported counts once, under its first tool.
fn chart_section(out: &mut String, context: &ReportContext<'_>, rows: &[Row<'_>]) {
    const LABEL: f64 = 120.0;
    const BAR: f64 = 520.0;
    const ROW: usize = 30;
    let mut tools: Vec<&str> = Vec::new();
    // The scanners that ran (or failed), and any tool only the findings name.
    let names = context
        .tools
        .iter()
        .filter(|tool| !tool.not_run())
        .map(|tool| tool.name)
        .chain(rows.iter().flat_map(|row| row.finding.tools.iter().map(String::as_str)));
    for name in names {
        if !tools.contains(&name) {
            tools.push(name);
        }
    }
    // Each finding once, under the tool whose run holds it (its first): the bars add up to the
    // counted findings, as every other report's counts do; the table lists all of its tools.
    let mut counts: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.standing == Standing::New) {
        if let Some(tool) = row.finding.tools.first() {
            counts.entry(tool.as_str()).or_default()[severity_index(row.finding.severity)] += 1;
        }
    }
    let most = counts.values().map(|c| c.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let height = ROW * tools.len() + 40;
    let _ = writeln!(
        out,
        "<section id=\"per-tool\">\n<h2>Counted findings per tool and severity</h2>\n\
         <svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"{height}\" \
         viewBox=\"0 0 720 {height}\" role=\"img\" aria-label=\"counted findings per tool and severity\">"
    );
    for (index, tool) in tools.iter().enumerate() {
        let y = index * ROW;
        let tool_counts = counts.get(tool).copied().unwrap_or_default();
        let _ = write!(
            out,
            "<g class=\"chart-row\" data-tool=\"{0}\"><text class=\"label\" x=\"0\" y=\"{1}\">{0}</text>",
            escape(tool),
            y + 19
        );
        let mut x = LABEL;
        for severity in Severity::ALL {
            let count = tool_counts[severity_index(severity)];
            if count == 0 {
                continue;
            }
            let width = count as f64 * BAR / most as f64;
            let _ = write!(
                out,
                "<rect class=\"bar sev-{severity}\" data-severity=\"{severity}\" data-count=\"{count}\" x=\"{x:.1}\" \
                 y=\"{}\" width=\"{width:.1}\" height=\"18\"><title>{}: {count} {severity}</title></rect>",
                y + 6,
                escape(tool)
            );
            x += width;
        }
        let total: u64 = tool_counts.iter().sum();
        let _ = writeln!(
            out,
            "<text class=\"total\" x=\"{:.1}\" y=\"{}\">{total}</text></g>",
            x + 6.0,
            y + 19
        );
    }
    let legend_y = ROW * tools.len() + 10;
    for (index, severity) in Severity::ALL.into_iter().enumerate() {
        let x = LABEL + index as f64 * 100.0;
        let _ = write!(
            out,
            "<rect class=\"bar sev-{severity}\" x=\"{x:.1}\" y=\"{legend_y}\" width=\"14\" height=\"14\"></rect>\
             <text class=\"legend\" x=\"{:.1}\" y=\"{}\">{severity}</text>",
            x + 20.0,
            legend_y + 12
        );
    }
    out.push_str("\n</svg>\n</section>\n");
}

fn findings_section(out: &mut String, context: &ReportContext<'_>, run: &Run<'_>, rows: &[Row<'_>]) {
    let _ = writeln!(
        out,
        "<section id=\"findings-section\">\n<h2>Findings (<span id=\"shown\">{0}</span> of {0} shown)</h2>\n\
         <p class=\"hint\">new: counts toward the gate; pre-existing: in the baseline or outside the change; \
         suppressed: by the policy or an ignore in the repository. Click a column to sort.</p>\n<div class=\"filters\">",
        rows.len()
    );
    filter(
        out,
        "severity",
        "f-severity",
        Severity::ALL.iter().map(|severity| severity.as_str()),
    );
    filter(out, "standing", "f-standing", Standing::ALL.iter().map(|s| s.as_str()));
    let mut tools: Vec<&str> = rows
        .iter()
        .flat_map(|row| row.finding.tools.iter().map(String::as_str))
        .collect();
    tools.sort_unstable();
    tools.dedup();
    filter(out, "tool", "f-tool", tools.into_iter());
    out.push_str(
        "<label>search <input id=\"f-text\" type=\"search\" placeholder=\"rule, file, message\"></label>\n</div>\n\
         <table id=\"findings\">\n<thead><tr><th data-column=\"severity\">severity</th><th data-column=\"tools\">tool(s)</th>\
         <th data-column=\"rule\">rule</th><th data-column=\"location\">file:line</th>\
         <th data-column=\"standing\">standing</th></tr></thead>\n<tbody>\n",
    );
    for row in rows {
        finding_row(out, context, run, row);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn filter<'a>(out: &mut String, label: &str, id: &str, values: impl Iterator<Item = &'a str>) {
    let _ = write!(
        out,
        "<label>{label} <select id=\"{id}\"><option value=\"\">all</option>"
    );
    for value in values {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", escape(value));
    }
    out.push_str("</select></label>\n");
}

fn finding_row(out: &mut String, context: &ReportContext<'_>, run: &Run<'_>, row: &Row<'_>) {
    let finding = row.finding;
    let severity = finding.severity;
    let path = path_of(finding);
    let line = start_line(finding);
    let location = match line {
        _ if path.is_empty() => "-".to_string(),
        Some(line) => format!("{path}:{line}"),
        None => path.to_string(),
    };
    let location_cell = match context.source.as_ref().filter(|_| !path.is_empty()) {
        Some(source) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(&source.url(path, line)),
            escape(&location)
        ),
        None => escape(&location),
    };
    let mut rule = format!("<code>{}</code>", escape(&heading(finding)));
    if let Some(uri) = finding.help_uri.as_deref().filter(|uri| is_web_link(uri)) {
        let _ = write!(
            rule,
            " <a class=\"help\" href=\"{}\" rel=\"noopener noreferrer\">help</a>",
            escape(uri)
        );
    }
    if !finding.message.is_empty() && finding.message != finding.title {
        let _ = write!(
            rule,
            "<div class=\"msg\">{}</div>",
            escape(truncate_chars(&finding.message, MESSAGE_CHARS))
        );
    }
    let standing = row.standing.as_str();
    let by = suppressed_by(run.verdict, finding)
        .map(|(origin, _)| format!("<div class=\"by\">by {}</div>", escape(&origin)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<tr data-severity=\"{severity}\" data-standing=\"{standing}\" data-tools=\"{}\">\
         <td data-key=\"{}\"><span class=\"sev sev-{severity}\">{severity}</span></td><td>{}</td><td>{rule}</td>\
         <td data-key=\"{}\">{location_cell}</td><td class=\"standing-{standing}\">{standing}{by}</td></tr>",
        escape(&finding.tools.join(",")),
        severity_index(severity),
        escape(&finding.tools.join(", ")),
        escape(&location),
    );
}

/// One suppression as the page lists it.
#[derive(Default)]
struct Entry<'a> {
    kind: &'a str,
    reason: Option<&'a str>,
    owner: Option<&'a str>,
    expires: Option<Date>,
    findings: u64,
}

/// Where the gate's suppression of `finding` is written, and the entry: a policy
/// `[[suppress]]` entry, or the tool-native ignore the gate honored.
fn suppressed_by<'a>(verdict: &'a Verdict, finding: &'a Finding) -> Option<(String, Entry<'a>)> {
    if let Some(applied) = verdict.suppressions.get(&finding.fingerprint) {
        let entry = Entry {
            kind: applied.status.as_str(),
            reason: applied.reason.as_deref(),
            owner: applied.owner.as_deref(),
            expires: applied.expires,
            findings: 0,
        };
        return Some((applied.location.to_string(), entry));
    }
    let native = finding
        .native_suppression
        .as_ref()
        .filter(|_| verdict.is_suppressed(finding))?;
    let origin = native
        .origin
        .as_ref()
        .map_or_else(|| native.kind.clone(), ToString::to_string);
    let entry = Entry {
        kind: &native.kind,
        reason: native.justification.as_deref(),
        ..Entry::default()
    };
    Some((origin, entry))
}

fn suppressions_section(out: &mut String, context: &ReportContext<'_>, run: &Run<'_>, rows: &[Row<'_>]) {
    out.push_str("<section id=\"suppressions\">\n<h2>Suppressions</h2>\n");
    for refused in context.refused_suppressions {
        let _ = writeln!(out, "<p class=\"refused\">refused: {}</p>", escape(refused));
    }
    let mut entries: BTreeMap<String, Entry<'_>> = BTreeMap::new();
    for row in rows {
        if let Some((origin, entry)) = suppressed_by(run.verdict, row.finding) {
            entries.entry(origin).or_insert(entry).findings += 1;
        }
    }
    if entries.is_empty() {
        out.push_str("<p>No finding is suppressed.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table id=\"suppression-table\">\n<thead><tr><th>where</th><th>kind</th><th>reason</th><th>owner</th>\
         <th>expires</th><th>days to expiry</th><th>findings</th></tr></thead>\n<tbody>\n",
    );
    let dash = || "-".to_string();
    for (origin, entry) in &entries {
        let days = entry
            .expires
            .map(|expires| expires.days_since_epoch() - run.today.days_since_epoch());
        let class = match days {
            Some(days) if days < 0 => " class=\"expired\"",
            Some(days) if days <= EXPIRES_SOON_DAYS => " class=\"soon\"",
            _ => "",
        };
        let days_text = match days {
            None => dash(),
            Some(days) if days < 0 => format!("expired {} days ago", -days),
            Some(days) => days.to_string(),
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td data-days=\"{}\">{days_text}</td><td>{}</td></tr>",
            escape(origin),
            escape(entry.kind),
            entry.reason.map_or_else(dash, escape),
            entry.owner.map_or_else(dash, escape),
            entry.expires.map_or_else(dash, |date| date.to_string()),
            days.map_or_else(String::new, |days| days.to_string()),
            entry.findings
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn scanners_section(out: &mut String, context: &ReportContext<'_>) {
    out.push_str(
        "<section id=\"scanners\">\n<h2>Scanners</h2>\n<table id=\"scanner-table\">\n\
         <thead><tr><th>scanner</th><th>status</th><th>version</th><th>duration</th><th>coverage</th></tr></thead>\n<tbody>\n",
    );
    for tool in context.tools {
        let _ = writeln!(
            out,
            "<tr data-status=\"{0}\"><td>{1}</td><td class=\"status-{0}\">{0}</td><td>{2}</td><td>{3:.1} s</td>\
             <td class=\"coverage\">{4}</td></tr>",
            escape(tool.status),
            escape(tool.name),
            escape(tool.version.unwrap_or("-")),
            tool.duration_ms as f64 / 1000.0,
            escape(&coverage(tool)),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// What a scanner did not cover, for its row: its scope note or reason, and the files it could
/// not analyse (their findings may be missing); `complete` when nothing is known to be missing.
fn coverage(tool: &ToolStatus<'_>) -> String {
    let files = match tool.file_errors {
        0 => None,
        1 => Some("1 file it could not analyse (parse error or timeout): its findings may be missing".to_owned()),
        n => Some(format!(
            "{n} files it could not analyse (parse errors or timeouts): their findings may be missing"
        )),
    };
    let parts: Vec<String> = tool.coverage.map(str::to_owned).into_iter().chain(files).collect();
    match parts.is_empty() {
        true if tool.status == "ok" => "complete".to_owned(),
        true => "-".to_owned(),
        false => parts.join("; "),
    }
}

/// Escapes text for an HTML text node or a quoted attribute value: no character of it can end
/// the text or the attribute, or open a tag, a comment or an entity.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The CSP source that allows exactly `text` as an inline style or script.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 32px;color:#1f2328;background:#fff}
h1{margin:0 0 4px;font-size:28px}h2{font-size:18px;margin:24px 0 8px}
section{margin-top:8px}
.verdict{padding:16px 20px;border-radius:8px;margin-top:16px;border-left:8px solid #6b7280;background:#f3f4f6}
.verdict-pass{border-color:#15803d;background:#ecfdf3}.verdict-fail{border-color:#b91c1c;background:#fef2f2}
.verdict-error{border-color:#c2410c;background:#fff7ed}
.verdict .level{margin:0 0 8px;font-weight:600}
.counts{list-style:none;padding:0;margin:0;display:flex;gap:16px;flex-wrap:wrap}
.counts b{font-size:18px}
.violations,.warnings{margin:0;padding-left:20px}.warnings{color:#9a3412}
.headline{font-weight:600}
.ladder{list-style:none;padding:0;margin:0;display:flex;flex-direction:column-reverse;gap:6px;max-width:900px}
.rung{display:block;padding:6px 12px;border-radius:6px;border:1px solid #d0d7de;background:#f6f8fa}
.rung-pass{background:#ecfdf3;border-color:#86efac}.rung-fail{background:#fef2f2;border-color:#fca5a5}
.rung-error{background:#fff7ed;border-color:#fdba74}
div.rung{margin-top:10px;max-width:876px;border-style:dashed}
.rung-name{font-weight:700;margin-right:10px}
.badge{display:inline-block;padding:0 8px;border-radius:10px;background:#1f2328;color:#fff;font-size:12px;text-transform:uppercase}
.rung-pass .badge{background:#15803d}.rung-fail .badge{background:#b91c1c}.rung-error .badge{background:#c2410c}
.met{margin-left:10px;font-size:12px;font-weight:700;color:#15803d}
.reasons{margin:2px 0 0;padding-left:20px;font-size:12px;color:#424a53}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f6f8fa}
#findings thead th{cursor:pointer;user-select:none}
#findings th[aria-sort=ascending]::after{content:" \25B2"}#findings th[aria-sort=descending]::after{content:" \25BC"}
caption{text-align:left;font-weight:600;padding:4px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.msg{color:#57606a;font-size:12px;word-break:break-word}
.by{color:#57606a;font-size:12px}
.hint{color:#57606a;font-size:12px;margin:0 0 6px}
.filters{display:flex;gap:16px;flex-wrap:wrap}
.sev{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font-size:12px;font-weight:600}
.sev-critical{background:#7f1d1d}.sev-high{background:#dc2626}.sev-medium{background:#d97706}.sev-low{background:#2563eb}.sev-info{background:#6b7280}
.counts .sev-critical,.counts .sev-high,.counts .sev-medium,.counts .sev-low,.counts .sev-info{background:none;color:inherit}
.counts li::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;background:#d0d7de}
.counts li.sev-critical::before{background:#7f1d1d}.counts li.sev-high::before{background:#dc2626}.counts li.sev-medium::before{background:#d97706}
.counts li.sev-low::before{background:#2563eb}.counts li.sev-info::before{background:#6b7280}
.bar.sev-critical{fill:#7f1d1d}.bar.sev-high{fill:#dc2626}.bar.sev-medium{fill:#d97706}.bar.sev-low{fill:#2563eb}.bar.sev-info{fill:#6b7280}
svg text{font-size:13px;fill:#1f2328}
.standing-suppressed,.standing-pre-existing{color:#57606a}
.claim-evidenced{color:#15803d}.claim-partial{color:#c2410c}.claim-not_evidenced{color:#b91c1c}
.status-ok{color:#15803d}.status-error,.status-timeout,.status-missing{color:#b91c1c;font-weight:600}
tr.expired td{color:#b91c1c}tr.soon td{color:#c2410c}
.refused{color:#b91c1c;font-weight:600}
footer{margin-top:24px;color:#57606a;font-size:12px}
"#;

const SCRIPT: &str = r##"
"use strict";
(function () {
  var table = document.getElementById("findings");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var position = new Map();
  rows.forEach(function (row, index) { position.set(row, index); });
  var columns = ["severity", "tools", "rule", "location", "standing"];
  var names = ["severity", "standing", "tool", "q"];
  var filters = {
    severity: document.getElementById("f-severity"),
    standing: document.getElementById("f-standing"),
    tool: document.getElementById("f-tool"),
    q: document.getElementById("f-text")
  };
  var collator = new Intl.Collator(undefined, { numeric: true });
  var state = { sort: "", order: "asc" };
  function matches(row) {
    var q = filters.q.value.trim().toLowerCase();
    return (!filters.severity.value || row.dataset.severity === filters.severity.value) &&
      (!filters.standing.value || row.dataset.standing === filters.standing.value) &&
      (!filters.tool.value || row.dataset.tools.split(",").indexOf(filters.tool.value) >= 0) &&
      (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
  }
  function key(row, column) {
    var cell = row.cells[column];
    return cell.hasAttribute("data-key") ? cell.getAttribute("data-key") : cell.textContent;
  }
  function render() {
    var ordered = rows.slice();
    var column = columns.indexOf(state.sort);
    if (column >= 0) {
      var sign = state.order === "desc" ? -1 : 1;
      ordered.sort(function (a, b) {
        return sign * collator.compare(key(a, column), key(b, column)) || position.get(a) - position.get(b);
      });
    }
    var shown = 0;
    ordered.forEach(function (row) {
      row.hidden = !matches(row);
      if (!row.hidden) { shown += 1; }
      body.appendChild(row);
    });
    document.getElementById("shown").textContent = String(shown);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.setAttribute("aria-sort", index === column ? (state.order === "desc" ? "descending" : "ascending") : "none");
    });
  }
  function save() {
    var params = new URLSearchParams();
    names.forEach(function (name) { if (filters[name].value) { params.set(name, filters[name].value); } });
    if (state.sort) { params.set("sort", state.sort); params.set("order", state.order); }
    try { history.replaceState(null, "", "#" + params.toString()); } catch (e) { /* a file: URL may refuse */ }
  }
  function load() {
    var params = new URLSearchParams(location.hash.slice(1));
    names.forEach(function (name) { filters[name].value = params.get(name) || ""; });
    state.sort = columns.indexOf(params.get("sort")) >= 0 ? params.get("sort") : "";
    state.order = params.get("order") === "desc" ? "desc" : "asc";
    render();
  }
  names.forEach(function (name) {
    filters[name].addEventListener("input", function () { render(); save(); });
  });
  table.tHead.addEventListener("click", function (event) {
    var th = event.target.closest("th");
    if (!th) { return; }
    state.order = state.sort === th.dataset.column && state.order === "asc" ? "desc" : "asc";
    state.sort = th.dataset.column;
    render();
    save();
  });
  window.addEventListener("hashchange", load);
  load();
})();
"##;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};
    use std::time::SystemTime;

    use scangate_gate::{
        Activity, AppliedSuppression, Code, Counts, Effect, Level, Origin, Outcome, SuppressionStatus, Violation,
    };
    use scangate_normalizer::{Kind, NativeSuppression, SuppressionOrigin};

    use super::*;
    use crate::test_support::{finding, sample, NO_ORIGINS};
    use crate::ToolStatus;

    const HOSTILE: [&str; 3] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "</script><!-- '",
    ];

    fn verdict(findings: &[Finding]) -> Verdict {
        Verdict {
            result: Outcome::Fail,
            level: Level::MIN,
            level_label: "level 1".into(),
            relaxed_by: Vec::new(),
            counts: Counts {
                high: 1,
                ..Counts::default()
            },
            suppressed: 1,
            new: None,
            violations: Vec::new(),
            warnings: Vec::new(),
            suppressions: BTreeMap::from([(
                findings[0].fingerprint.clone(),
                AppliedSuppression {
                    status: SuppressionStatus::AcceptedRisk,
                    reason: Some(HOSTILE.concat()),
                    owner: Some(HOSTILE[1].into()),
                    expires: Date::parse("2025-06-11"),
                    origin: Origin {
                        file: "policy.toml".into(),
                        line: 3,
                        column: 1,
                    },
                    location: SuppressionOrigin::at("policy.toml", 3),
                },
            )]),
            overridden: BTreeMap::new(),
            refused: BTreeMap::new(),
            suppressed_by_origin: BTreeMap::new(),
        }
    }

    fn assessment() -> Assessment {
        let row = |level: u8, verdict: Outcome, messages: &[&str]| LevelAssessment {
            level: Level::new(level).unwrap(),
            label: format!("level {level}"),
            verdict,
            violations: messages
                .iter()
                .map(|message| Violation {
                    code: Code::ThresholdExceeded,
                    effect: Effect::Fail,
                    message: format!("{message} (level {level})"),
                    reason: message.to_string(),
                    level: Level::new(level).unwrap(),
                    activities: vec![Activity {
                        id: "44f2c8a9-0000".into(),
                        name: "x".into(),
                    }],
                    origin: None,
                })
                .collect(),
        };
        let levels = vec![
            row(1, Outcome::Pass, &[]),
            row(2, Outcome::Pass, &[]),
            row(3, Outcome::Fail, &[HOSTILE[0], "second", "third"]),
            row(4, Outcome::Fail, &[HOSTILE[1]]),
            row(5, Outcome::Error, &[HOSTILE[1], "second", HOSTILE[2]]),
        ];
        Assessment {
            next: Some(levels[2].clone()),
            levels,
            policy: None,
            highest_met: 2,
            activities: Vec::new(),
            catalogue_commit: "a03f081c",
        }
    }

    /// A page of the sample findings plus hostile ones: one suppressed by the policy, one by an
    /// ignore comment, one pre-existing.
    fn hostile_page() -> String {
        let mut findings = vec![finding(
            "semgrep",
            HOSTILE[0],
            Severity::Medium,
            Kind::Code,
            &format!("{}/{}.py", HOSTILE[0], HOSTILE[1]),
            7,
        )];
        findings[0].message = HOSTILE.concat();
        findings[0].help_uri = Some("javascript:alert(1)".into());
        let mut ignored = finding("gosec", "G204", Severity::High, Kind::Code, HOSTILE[2], 2);
        ignored.native_suppression = Some(NativeSuppression {
            kind: "nosec".into(),
            justification: Some(HOSTILE[1].into()),
            origin: Some(SuppressionOrigin::at(HOSTILE[2], 2)),
        });
        findings.push(ignored);
        findings.extend(sample());
        let runs = [ToolRun {
            tool: "semgrep".into(),
            pre_existing: Some(HashSet::from([findings[2].fingerprint.clone()])),
            findings: findings.clone(),
            ..ToolRun::default()
        }];
        let verdict = verdict(&findings);
        let assessment = assessment();
        let tools = [ToolStatus {
            name: "semgrep",
            status: "ok",
            version: Some(HOSTILE[1]),
            duration_ms: 1500,
            coverage: None,
            file_errors: 0,
        }];
        let violations = vec![HOSTILE.concat()];
        let refused = vec![HOSTILE[0].to_string()];
        let warnings = vec![HOSTILE[1].to_string()];
        let context = ReportContext {
            verdict: "fail",
            level_label: "level 1",
            violations: &violations,
            warnings: &warnings,
            refused_suppressions: &refused,
            suppressed_by_origin: &NO_ORIGINS,
            tools: &tools,
            source: None,
            commit: Some(HOSTILE[0].into()),
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
        };
        page(
            &context,
            &Run {
                runs: &runs,
                verdict: &verdict,
                assessment: Some(&assessment),
                assess: false,
                today: Date::parse("2025-06-01").unwrap(),
                repository: HOSTILE[2],
                commit: Some(HOSTILE[0]),
                base: Some(HOSTILE[1]),
            },
        )
    }

    /// The scanners table says what each scanner did not cover: its scope note or reason, and
    /// the files it could not analyse.
    #[test]
    fn a_scanner_row_says_what_it_did_not_cover() {
        let tool = |status, coverage, file_errors| ToolStatus {
            name: "semgrep",
            status,
            version: None,
            duration_ms: 0,
            coverage,
            file_errors,
        };
        assert_eq!(coverage(&tool("ok", None, 0)), "complete");
        assert_eq!(coverage(&tool("skipped", None, 0)), "-");
        let trivy = "misconfiguration only: no vulnerability database offline";
        assert_eq!(coverage(&tool("ok", Some(trivy), 0)), trivy);
        assert_eq!(
            coverage(&tool("ok", None, 2)),
            "2 files it could not analyse (parse errors or timeouts): their findings may be missing"
        );
    }

    /// A vulnerability two tools reported is one finding: one bar segment, under the tool whose
    /// run holds it, so the chart adds up to the counted findings.
    #[test]
    fn the_chart_counts_a_finding_several_tools_reported_once() {
        let mut merged = finding(
            "osv-scanner",
            "GHSA-1",
            Severity::High,
            Kind::Dependency,
            "package-lock.json",
            1,
        );
        merged.tools.push("npm-audit".into());
        let own = finding(
            "npm-audit",
            "GHSA-2",
            Severity::Medium,
            Kind::Dependency,
            "package-lock.json",
            1,
        );
        // The test verdict suppresses the first finding.
        let suppressed = finding("gosec", "G204", Severity::Low, Kind::Code, "main.go", 1);
        let findings = vec![suppressed, merged, own];
        let runs = [ToolRun {
            tool: "osv-scanner".into(),
            findings: findings.clone(),
            ..ToolRun::default()
        }];
        let verdict = verdict(&findings);
        let context = ReportContext {
            verdict: "fail",
            level_label: "level 1",
            violations: &[],
            warnings: &[],
            refused_suppressions: &[],
            suppressed_by_origin: &NO_ORIGINS,
            tools: &[],
            source: None,
            commit: None,
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
        };
        let run = Run {
            runs: &runs,
            verdict: &verdict,
            assessment: None,
            assess: false,
            today: Date::parse("2025-06-01").unwrap(),
            repository: "web",
            commit: Some("3f2a"),
            base: None,
        };
        let html = page(&context, &run);
        assert!(
            html.contains("<p id=\"scanned\" class=\"scanned\">repository web at commit 3f2a</p>"),
            "{html}"
        );
        assert!(html.contains("<title>osv-scanner: 1 high</title>"), "{html}");
        assert!(html.contains("<title>npm-audit: 1 medium</title>"), "{html}");
        assert!(!html.contains("npm-audit: 1 high"), "counted once, under osv-scanner");
    }

    #[test]
    fn hostile_text_opens_no_tag_and_ends_no_attribute() {
        let html = hostile_page();
        let lower = html.to_lowercase();
        assert_eq!(lower.matches("<script").count(), 1, "{html}");
        assert_eq!(lower.matches("</script").count(), 1, "{html}");
        assert!(!lower.contains("<img"), "{html}");
        assert!(!lower.contains("<!--"), "{html}");
        assert!(!lower.contains("javascript:"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    }

    #[test]
    fn the_policy_allows_only_the_pages_own_style_and_script() {
        let html = hostile_page();
        let policy = format!(
            "default-src 'none'; style-src '{}'; script-src '{}';",
            csp_hash(STYLE),
            csp_hash(SCRIPT)
        );
        assert!(html.contains(&policy), "{html}");
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        for fetch in ["src=\"http", "href=\"//", "url(", "@import"] {
            assert!(!html.contains(fetch), "{fetch}");
        }
    }

    #[test]
    fn rows_carry_their_standing_and_the_ladder_its_levels() {
        let html = hostile_page();
        let rows = |standing: &str| html.matches(&format!("data-standing=\"{standing}\"")).count();
        assert_eq!(rows("suppressed"), 2 + 1, "two rows and the header count: {html}");
        assert_eq!(rows("pre-existing"), 1);
        assert_eq!(rows("new"), sample().len() + 2 - 3);
        let rungs: Vec<&str> = html
            .match_indices("<li class=\"rung ")
            .map(|(at, _)| &html[at..at + 60])
            .collect();
        assert_eq!(rungs.len(), 5, "{rungs:?}");
        assert!(html.contains("data-highest-met=\"2\""));
        assert!(html.contains("<span class=\"met\">highest level met</span>"));
        assert!(html.contains("… and 1 more"));
        // A reason the level below shows is not repeated: level 5 shows its own two.
        let level_5 = html
            .split("data-level=\"5\"")
            .nth(1)
            .unwrap()
            .split("</li>\n")
            .next()
            .unwrap();
        assert!(
            level_5.contains("<li class=\"as-below\">what blocks level 4 (1)</li><li>second (level 5)</li>"),
            "{level_5}"
        );
        assert_eq!(level_5.matches("&quot;&gt;&lt;img").count(), 0, "{level_5}");
        assert!(level_5.contains("&lt;/script&gt;"), "{level_5}");
        // The suppression table: the policy entry expires in 10 days, the ignore comment never.
        assert!(
            html.contains("<td>2025-06-11</td><td data-days=\"10\">10</td>"),
            "{html}"
        );
        assert!(html.contains("<td>nosec</td>"), "{html}");
        assert!(html.contains("<td>1.5 s</td>"));
        assert!(
            html.contains("<ul class=\"warnings\">\n<li>&quot;&gt;&lt;img"),
            "{html}"
        );
    }

    #[test]
    fn the_chart_counts_new_findings_per_tool_and_severity() {
        let html = hostile_page();
        // Of the sample, trivy reported the lodash advisory (with osv-scanner) and the Dockerfile.
        let trivy = html
            .split("<g class=\"chart-row\" data-tool=\"trivy\">")
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .expect("a trivy row");
        assert!(trivy.contains("data-severity=\"high\" data-count=\"1\""), "{trivy}");
        assert!(trivy.contains("data-severity=\"medium\" data-count=\"1\""), "{trivy}");
        assert!(trivy.contains(">2</text>"), "{trivy}");
        assert!(html.contains("data-tool=\"osv-scanner\""));
    }
}

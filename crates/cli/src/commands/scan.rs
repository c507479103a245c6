//! `scangate scan`: run the applicable scanners concurrently, normalize what they report into
//! one SARIF log, gate it by DSOMM level, and write the summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use scangate_gate::{
    assess, evaluate_change, Assessment, AssessmentInput, Baseline, Change, Date, Outcome, Policy, PolicySources,
    Required, Verdict, REPO_CONFIG,
};
use scangate_invocation::{Observer, Parsing, ScanResult};
use scangate_normalizer::{sha256_hex, url_credentials, write_sarif, SarifOptions, ScannerRecord, ToolRun};
use scangate_normalizer::{Finding, Severity};
use scangate_reports::evidence::{Artifacts, SbomRecord};
use scangate_reports::html;
use scangate_runner::{IgnoredConfig, Limited, RawOutput, Sbom, SbomError, ScanOptions, Status};

use crate::args::{Format, PolicyArgs, ScanArgs, ScannerArgs};
use crate::base_scan::{base_findings, BaseFindings};
use crate::colour::{ColorChoice, Paint, Stream};
use crate::evidence::{write_evidence, EvidenceInput, EvidenceTargets};
use crate::exit::ExitStatus;
use crate::gating::{
    apply_verdict, mark_pre_existing, policy_at_merge_base, policy_sources, read_baseline, resolve_sources,
    tool_outcomes,
};
use crate::git;
use crate::minified::Collapsed;
use crate::options::{scan_options, semgrep_rule_prefixes};
use crate::progress::Progress;
use crate::publish::{counting_findings, publish, publish_html, Revision, Targets};
use crate::summary::{
    print_human, print_level_met, ExcludedSummary, FixedFinding, Inert, SastRules, Summary, ToolSummary, NOT_GATED,
};

/// Where the SARIF log goes unless `--sarif` says otherwise.
const DEFAULT_SARIF: &str = "scangate.sarif";

/// What stdout carries: the tables (the default), nothing but annotations (`--quiet`), or one
/// machine-readable document and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stdout {
    Tables,
    Quiet,
    SummaryJson,
    Sarif,
}

impl Stdout {
    /// Refuses two documents on stdout before any scanner runs.
    fn of(args: &ScanArgs) -> anyhow::Result<Stdout> {
        let sarif = args.sarif.as_deref() == Some(Path::new("-"));
        Ok(match (args.format == Some(Format::Json), sarif) {
            (true, true) => anyhow::bail!("--format json and --sarif - both write to stdout; send one to a file"),
            (true, false) => Stdout::SummaryJson,
            (false, true) => Stdout::Sarif,
            _ if args.quiet => Stdout::Quiet,
            _ => Stdout::Tables,
        })
    }
}

pub async fn run(args: ScanArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let started = std::time::SystemTime::now();
    let stdout = Stdout::of(&args)?;
    let targets = Targets {
        rdjson: args.rdjson.clone(),
        annotations: matches!(stdout, Stdout::Tables | Stdout::Quiet),
        ..Targets::resolve(args.format == Some(Format::Github), args.gitlab_dir.clone())
    };
    let inert = Inert::for_github(targets.github);
    let request = ScanRequest {
        path: &args.path,
        scanners: &args.scanners,
        policy: &args.policy,
        baseline: args.verdict.baseline.as_deref(),
        raw_dir: args.raw_dir.as_deref(),
        sbom: args.sbom.as_deref(),
        inert,
        progress: (!args.quiet).then(|| Paint::for_stream(color, Stream::Stderr)),
    };
    let scanned = Scanned::run(&request).await?;
    let gated = match () {
        _ if args.no_gate => ungated(&scanned.policy),
        _ if args.scanners.staged => without_required_scanners(scanned.policy.clone()),
        _ => scanned.policy.clone(),
    };
    let verdict = scanned.evaluate(&gated);
    // Pre-commit mode runs two scanners on the staged files: no level could be met by that.
    let assessment = (!args.scanners.staged).then(|| scanned.assess(None));
    // A pre-commit hook leaves no file in the repository unless asked to.
    let sarif_path = args
        .sarif
        .clone()
        .or_else(|| (!args.scanners.staged).then(|| DEFAULT_SARIF.into()));
    let runs = scanned.shown_runs(&verdict);
    let mut summary = scanned.report(&runs, &verdict, sarif_path.as_deref())?;
    summary.level_met = assessment.as_ref().map(|assessment| assessment.highest_met);
    if args.no_gate && verdict.result != Outcome::Error {
        summary.verdict = NOT_GATED;
    }
    if let Some(path) = &args.verdict.summary_json {
        summary.write(path)?;
    }
    match stdout {
        Stdout::Tables => {
            let paint = Paint::for_stream(color, Stream::Stdout);
            print_human(&summary, &runs, &verdict, args.max_findings, inert, paint)?;
            if let Some(assessment) = &assessment {
                print_level_met(assessment, inert)?;
            }
        }
        Stdout::SummaryJson => summary.write_to(std::io::stdout().lock())?,
        Stdout::Quiet | Stdout::Sarif => {}
    }
    publish(&targets, &counting_findings(&runs, &verdict), &summary, started)?;
    if let Some(path) = &args.html {
        // Asked of git only for the page that shows it.
        let revision = Revision::of(scanned.result.root());
        let run = scanned.html_run(&runs, &verdict, assessment.as_ref(), false, &revision);
        publish_html(path, &run, &summary, started)?;
    }
    let evidence_targets = EvidenceTargets {
        evidence: args.evidence.as_deref(),
        dsomm: args.dsomm_evidence.as_deref(),
        team: args.team.as_deref(),
    };
    if evidence_targets.requested() {
        // A pre-commit run has no assessment of its own; the evidence still needs its claims.
        let assessment = assessment.unwrap_or_else(|| scanned.assess(None));
        let artifacts = Artifacts {
            sbom: summary.sbom.clone(),
            html: args.html.as_ref().map(|path| path.display().to_string()),
        };
        write_evidence(
            &evidence_targets,
            EvidenceInput {
                root: scanned.result.root(),
                options: &scanned.options,
                execution: &scanned.result,
                findings: &scanned.findings,
                sources: &scanned.sources,
                gated: &gated,
                verdict: &verdict,
                assessment: &assessment,
                artifacts,
                started,
            },
        )?;
    }
    Ok(ExitStatus::of_verdict(verdict.result, args.verdict.dry_run))
}

/// What a scan runs with: `scan` and `assess` share every flag that changes the scanners' runs.
pub(super) struct ScanRequest<'a> {
    pub path: &'a Path,
    pub scanners: &'a ScannerArgs,
    pub policy: &'a PolicyArgs,
    pub baseline: Option<&'a Path>,
    pub raw_dir: Option<&'a Path>,
    /// `--sbom FILE`: trivy writes it beside the scan.
    pub sbom: Option<&'a Path>,
    pub inert: Inert,
    /// The progress display on stderr, in its colours, when it may be drawn (not `--quiet`; and
    /// only ever on a terminal).
    pub progress: Option<Paint>,
}

/// The scanners' run, normalized, with what the gate judges it by.
pub(super) struct Scanned {
    /// The policy files as read, for the assessment's preset rows.
    pub sources: PolicySources,
    /// The effective policy (preset < `--policy` < the repository's scangate.toml < `--level`).
    pub policy: Policy,
    pub change: Option<Change>,
    /// PR mode: what the scanners found on the base's version of the change's inputs.
    pub base: Option<BaseFindings>,
    /// `--baseline`, and in PR mode the findings the change did not introduce.
    pub baseline: Option<Baseline>,
    /// The scanners' run, assembled.
    pub result: ScanResult,
    /// The scan's findings, less those [`Scanned::collapsed`] leaves out.
    pub findings: Vec<Finding>,
    /// Code findings in minified bundles, left out of the findings and the shown runs.
    pub collapsed: Collapsed,
    pub ignored_configs: Vec<IgnoredConfig>,
    /// PR mode: the `--policy` file the change edits or adds, and which version applies.
    pub policy_note: Option<String>,
    pub today: Date,
    /// What the scanners ran with.
    pub options: ScanOptions,
    /// Where `--sbom` goes, and what trivy made of it.
    pub sbom: Option<(PathBuf, Result<Sbom, SbomError>)>,
}

impl Scanned {
    /// Checks the policy and baseline, runs the scanners once, and normalizes what they report.
    pub async fn run(request: &ScanRequest<'_>) -> anyhow::Result<Scanned> {
        let path = request.path;
        let mut options = scan_options(request.scanners, path)?;
        let cache = crate::result_cache::open(request.scanners, path, request.raw_dir.is_some(), &mut options)?;
        let change = options
            .base_ref
            .as_deref()
            .zip(options.changed.as_deref())
            .map(|(base, changed)| git::change_since(path, base, changed))
            .transpose()?;
        // The policy and baseline are checked before any scanner starts: a typo should not cost a
        // scan. The policy comes before the plan too, which leaves out its `[third_party] exclude`
        // paths. A root that is no directory gets the plan's error below, naming it.
        let root = path.canonicalize().ok().filter(|root| root.is_dir());
        let mut sources = policy_sources(request.policy, root.as_deref())?;
        let policy_note = match (&root, options.base_ref.as_deref()) {
            (Some(root), Some(base)) if change.is_some() => policy_at_merge_base(root, base, &mut sources)?,
            _ => None,
        };
        if let Some(note) = &policy_note {
            tracing::warn!("{note}");
        }
        let policy = resolve_sources(&sources)?;
        let baseline = read_baseline(request.baseline)?;
        options.policy_exclude = policy.third_party.exclude_globs();
        let plan = scangate_runner::plan(path, &options).with_context(|| format!("cannot scan {}", path.display()))?;
        announce_level(&policy, request.policy.level, request.inert);
        announce_proposed_vendored(&policy, request.inert);
        let root = plan.repo.root().to_path_buf();
        let sbom = async {
            match request.sbom {
                Some(path) => Some((path.to_path_buf(), scangate_runner::sbom(&root, &options).await)),
                None => None,
            }
        };
        let today = Date::today_utc();
        let semgrep_prefixes = semgrep_rule_prefixes(&options);
        let parsing = Parsing {
            root: root.clone(),
            semgrep_prefixes,
            today: today.to_string(),
        };
        let progress = request.progress.and_then(Progress::start);
        let observer: &dyn Observer = match &progress {
            Some(progress) => progress,
            None => &(),
        };
        let (execution, sbom) = tokio::join!(
            scangate_invocation::execute(plan, &options, &parsing, cache.as_ref(), observer),
            sbom
        );
        // The display ends with the scanners: what follows is printed below its last lines.
        drop(progress);
        let mut execution = execution;
        if let Some(cache) = cache.as_ref().filter(|_| options.changed.is_some()) {
            complete_from_cache(&mut execution, path, &options, cache).await?;
        }
        let given_secrets = options.npm_registry.as_deref().map(url_credentials).unwrap_or_default();
        let result = execution.assemble(given_secrets);
        crate::redact::learn(std::sync::Arc::clone(result.secrets()));
        let ignored_configs = ignored_repository_configs(&result, request.inert);
        if let Some(dir) = request.raw_dir {
            keep_raw_outputs(&result, dir)?;
        }
        let all: Vec<Finding> = result.findings().cloned().collect();
        let collapsed = Collapsed::of(&root, &policy, change.as_ref(), &all);
        let findings: Vec<Finding> = all.into_iter().filter(|finding| !collapsed.hides(finding)).collect();
        let base = match (&change, options.base_ref.as_deref()) {
            (Some(change), Some(base)) => {
                base_findings(path, base, change, &findings, &options, &parsing, cache.as_ref()).await?
            }
            _ => None,
        };
        let baseline = match &change {
            Some(change) => Some(pre_existing(&findings, change, baseline.as_ref(), base.as_ref())),
            None => baseline,
        };
        Ok(Scanned {
            sources,
            policy,
            change,
            base,
            baseline,
            result,
            findings,
            collapsed,
            ignored_configs,
            policy_note,
            today,
            sbom,
            options,
        })
    }

    /// The gate's verdict under `policy`.
    pub fn evaluate(&self, policy: &Policy) -> Verdict {
        evaluate_change(
            policy,
            &self.findings,
            &tool_outcomes(&self.result),
            self.baseline.as_ref(),
            self.today,
            self.change.as_ref(),
        )
    }

    /// The same findings against all five presets, and `policy` as a row of its own.
    pub fn assess(&self, policy: Option<&Policy>) -> Assessment {
        let tools = tool_outcomes(&self.result);
        assess(&AssessmentInput {
            sources: &self.sources,
            policy,
            findings: &self.findings,
            tools: &tools,
            baseline: self.baseline.as_ref(),
            today: self.today,
            change: self.change.as_ref(),
        })
    }

    /// What the HTML report shows of the run: the runs as [`Scanned::report`] shows them;
    /// `assess` for `scangate assess`'s page.
    pub fn html_run<'a>(
        &'a self,
        runs: &'a [ToolRun],
        verdict: &'a Verdict,
        assessment: Option<&'a Assessment>,
        assess: bool,
        revision: &'a Revision,
    ) -> html::Run<'a> {
        html::Run {
            runs,
            verdict,
            assessment,
            assess,
            today: self.today,
            repository: &revision.repository,
            commit: revision.commit.as_deref(),
            base: self.options.base_ref.as_deref(),
        }
    }

    /// The runs as the reports show them: the scan's result with the verdict beside it (its
    /// severity overrides and suppressions), the pre-existing marks, and paths from the report
    /// root. The result itself is left as it is.
    pub fn shown_runs(&self, verdict: &Verdict) -> Vec<ToolRun> {
        let mut runs = self.result.runs().to_vec();
        for run in &mut runs {
            run.findings.retain(|finding| !self.collapsed.hides(finding));
        }
        apply_verdict(&mut runs, verdict);
        if let Some(baseline) = &self.baseline {
            mark_pre_existing(&mut runs, baseline);
        }
        rebase_onto_report_root(&mut runs, &self.result);
        runs
    }

    /// Writes the SARIF log of `runs` ([`Scanned::shown_runs`]) to `sarif` (when given), and
    /// returns the summary.
    pub fn report(&self, runs: &[ToolRun], verdict: &Verdict, sarif: Option<&Path>) -> anyhow::Result<Summary> {
        let change_only = change_only_note(&self.result, &self.options);
        let notes = match sarif {
            Some(path) => write_sarif_file(path, runs, &self.result, change_only.as_deref())?,
            None => Vec::new(),
        };
        let mut summary = Summary::new(
            verdict,
            self.result.wall().as_millis() as u64,
            tool_summaries(&self.result),
            &notes,
        );
        summary.ignored_repository_configs = self.ignored_configs.clone();
        summary.warnings.extend(self.policy_note.iter().cloned());
        summary.warnings.extend(change_only);
        summary.warnings.extend(coverage_gaps(&self.result));
        summary.warnings.extend(self.collapsed.notes().iter().cloned());
        summary
            .warnings
            .extend(self.base.iter().flat_map(BaseFindings::warnings));
        summary.excluded = ExcludedSummary::list(self.result.excluded());
        summary.excluded_findings = self.result.excluded_findings();
        let semgrep_ran = self
            .result
            .outputs()
            .iter()
            .any(|raw| raw.tool == "semgrep" && raw.target.is_some());
        summary.sast_rules = semgrep_ran.then(|| SastRules::of(&self.options));
        summary.sbom = self.write_sbom()?;
        summary.fixed = self.change.is_some().then(|| fixed_findings(&self.result));
        Ok(summary)
    }

    /// Writes the SBOM `--sbom` asked for, scrubbed like every output; trivy's failure to make
    /// one is an error, never a missing file unseen.
    fn write_sbom(&self) -> anyhow::Result<Option<SbomRecord>> {
        let Some((path, made)) = &self.sbom else {
            return Ok(None);
        };
        let sbom = made
            .as_ref()
            .map_err(|error| anyhow::anyhow!("cannot write the SBOM to {}: {error}", path.display()))?;
        let bytes = self.result.secrets().scrub_bytes(&sbom.bytes);
        crate::publish::create_output(path, "SBOM")?
            .write_all(&bytes)
            .with_context(|| format!("cannot write the SBOM to {}", path.display()))?;
        Ok(Some(SbomRecord {
            path: path.display().to_string(),
            format: format!("CycloneDX {}", sbom.spec_version),
            sha256: sha256_hex(&bytes),
            components: sbom.components,
        }))
    }
}

/// Pull-request mode: the scanners the change gave nothing to read did not run; what the cache
/// holds of their full scan (their inputs are unchanged) takes their place. The scanners that ran
/// on the change and whose findings depend only on their file or directory
/// ([`scangate_runner::Tool::finding_scope`]) read only what the change touches: what the cache
/// holds of the merge base's full scan completes them elsewhere. The reports carry those findings too, as pre-existing.
async fn complete_from_cache(
    execution: &mut scangate_invocation::Execution,
    root: &Path,
    options: &ScanOptions,
    cache: &scangate_invocation::Cache,
) -> anyhow::Result<()> {
    let (Some(changed), Some(base)) = (&options.changed, &options.base_ref) else {
        return Ok(());
    };
    let tools_that = |wanted: fn(&RawOutput) -> bool| -> Vec<&'static str> {
        let mut tools: Vec<&'static str> = execution
            .records()
            .filter(|raw| wanted(raw))
            .map(|raw| raw.tool)
            .collect();
        tools.dedup();
        tools
    };
    let unchanged = tools_that(|raw| raw.status == Status::Unchanged);
    let with_local_findings = tools_that(|raw| {
        let local = scangate_runner::tool_named(raw.tool)
            .is_some_and(|tool| tool.finding_scope() != scangate_runner::FindingScope::Repository);
        raw.status == Status::Ok && !raw.cached && local
    });
    let full = ScanOptions {
        changed: None,
        base_ref: None,
        ..options.clone()
    };
    if unchanged.is_empty() && with_local_findings.is_empty() {
        return Ok(());
    }
    let plan = scangate_runner::plan(root, &full).context("cannot plan the full scan the cache may hold")?;
    if !unchanged.is_empty() {
        let complement = scangate_invocation::cached_complement(&plan, &full, cache, &unchanged, None).await;
        execution.complete_with(complement);
    }
    if with_local_findings.is_empty() {
        return Ok(());
    }
    // Without a merge base (a shallow clone) there is nothing to look up: the report stays
    // partial, and says so.
    let version = git::merge_base(root, base).and_then(|merge_base| git::other_version(root, &merge_base, changed));
    match version {
        Ok(version) => {
            let complement =
                scangate_invocation::cached_complement(&plan, &full, cache, &with_local_findings, Some(&version)).await;
            execution.add_untouched_from_base(complement, changed);
        }
        Err(error) => tracing::info!(%error, "the merge base's full scan cannot be looked up in the result cache"),
    }
    Ok(())
}

/// Says when the repository's scangate.toml raised the level above the command line's, which
/// settings of the policy file relax the preset, and which repository settings were ignored.
#[allow(clippy::print_stderr)]
fn announce_level(policy: &Policy, cli_level: u8, inert: Inert) {
    if policy.level.get() != cli_level {
        eprintln!(
            "scangate: running at DSOMM level {} (command line asked for {cli_level})",
            policy.level
        );
    }
    for relaxation in &policy.relaxations {
        eprintln!(
            "scangate: warning: {}: relaxes the level-{} preset: {}",
            inert.text(&relaxation.origin.to_string()),
            policy.level,
            relaxation.setting
        );
    }
    for ignored in &policy.ignored {
        let (origin, message) = (inert.text(&ignored.origin.to_string()), inert.text(&ignored.message));
        eprintln!("scangate: warning: {origin}: {message}");
    }
}

/// The `[third_party] vendored` globs the repository's own `scangate.toml` proposes: untrusted, so
/// every run says what they are and where, before any finding is hidden by them.
#[allow(clippy::print_stderr)]
fn announce_proposed_vendored(policy: &Policy, inert: Inert) {
    for proposed in &policy.third_party.proposed {
        let origin = format!("{REPO_CONFIG}:{}", proposed.origin.line);
        eprintln!(
            "scangate: notice: {}: the repository proposes {} as vendored third-party code: its code findings \
             are not counted (in pull-request mode, not on files the change adds or modifies)",
            inert.text(&origin),
            inert.text(&proposed.glob)
        );
    }
}

/// The repository files scanners were kept from reading, once each, announced on stderr.
#[allow(clippy::print_stderr)]
fn ignored_repository_configs(result: &ScanResult, inert: Inert) -> Vec<IgnoredConfig> {
    let mut ignored: Vec<IgnoredConfig> = result
        .outputs()
        .iter()
        .flat_map(|raw| raw.ignored_configs.iter().cloned())
        .collect();
    ignored.sort_by(|a, b| (&a.file, a.tool).cmp(&(&b.file, b.tool)));
    ignored.dedup();
    for config in &ignored {
        eprintln!(
            "scangate: warning: {} (repository file, untrusted) not read by {}: {}",
            inert.text(&config.file),
            config.tool,
            config.reason
        );
    }
    ignored
}

/// PR mode: findings outside the changed files and commits are pre-existing, and so are those the
/// base's version of the changed files already had ([`BaseFindings`]) and whatever an explicit
/// baseline holds. Dependency findings sit on their lockfile: those of the base's lockfile are
/// pre-existing too.
fn pre_existing(
    findings: &[Finding],
    change: &Change,
    baseline: Option<&Baseline>,
    base: Option<&BaseFindings>,
) -> Baseline {
    let old = findings.iter().filter(|finding| {
        !change.introduced(finding)
            || baseline.is_some_and(|b| b.contains(&finding.fingerprint))
            || base.is_some_and(|base| base.holds(finding))
    });
    Baseline::from_fingerprints(old.map(|finding| finding.fingerprint.as_str()))
}

/// Pre-commit mode checks only secrets and code in the staged files: the level's thresholds
/// apply, its required scanner categories cannot.
fn without_required_scanners(mut policy: Policy) -> Policy {
    policy.required = Required::default();
    policy
}

/// `--no-gate`: the policy without thresholds or required categories (a CI shard runs only some
/// scanners), so only a scanner that failed changes the outcome; suppressions still apply.
fn ungated(policy: &Policy) -> Policy {
    let mut ungated = without_required_scanners(policy.clone());
    for severity in Severity::ALL {
        ungated.thresholds.get_mut(severity).max = None;
    }
    ungated.suppression_rules.expired_fails = false;
    ungated
}

/// Copies the scanners' own outputs (they live in a scratch directory removed after the run),
/// scrubbed of the run's secrets (gitleaks' report holds them) and private to the user: 0600
/// files, in a directory created 0700.
fn keep_raw_outputs(result: &ScanResult, dir: &Path) -> anyhow::Result<()> {
    for output in result.outputs().iter().filter_map(|raw| raw.output.as_deref()) {
        let Some(name) = output.file_name() else {
            continue;
        };
        let bytes =
            std::fs::read(output).with_context(|| format!("cannot read the raw output {}", output.display()))?;
        scangate_runner::keep_private(dir, name, &result.secrets().scrub_bytes(&bytes))
            .with_context(|| format!("cannot copy a raw output to {}", dir.display()))?;
    }
    Ok(())
}

/// Pull-request mode scans the change, not the repository: the summary says so, and which
/// scanners the change gave nothing to read.
fn change_only_note(result: &ScanResult, options: &ScanOptions) -> Option<String> {
    options.changed.as_ref()?;
    let unchanged: Vec<&str> = result
        .outputs()
        .iter()
        .filter(|raw| raw.status == Status::Unchanged)
        .map(|raw| raw.tool)
        .collect();
    let not_run = if unchanged.is_empty() {
        String::new()
    } else {
        format!(
            "; {} did not run (unchanged: the change touches no file they read)",
            unchanged.join(", ")
        )
    };
    let from_cache: Vec<&str> = result
        .outputs()
        .iter()
        .filter(|raw| raw.cached && raw.status == Status::Ok)
        .map(|raw| raw.tool)
        .collect();
    let not_run = match from_cache.is_empty() {
        true => not_run,
        false => format!(
            "{not_run}; {} answered from the result cache (all of their findings, pre-existing where the change \
             touches nothing they read)",
            from_cache.join(", ")
        ),
    };
    Some(format!(
        "pull-request mode: semgrep read only the changed files, gosec only their packages, gitleaks \
         the change's commits, the others ran only if the change touches a file they read{not_run}; \
         findings outside the change were not computed"
    ))
}

/// What the scanners could not see ([`scangate_runner::Tool::gaps`], each run's own: it vouched for
/// none of its categories) and what none of them read (submodules).
fn coverage_gaps(result: &ScanResult) -> Vec<String> {
    let gaps = result
        .outputs()
        .iter()
        .flat_map(|raw| raw.gaps.iter().map(move |gap| format!("{}: {gap}", raw.tool)));
    gaps.chain(result.unscanned().iter().cloned()).collect()
}

/// Findings name paths from the scanned root, which the gate, the change under review and the
/// fingerprints agree on; the reports name them from the repository's root
/// (`ScanResult::report_root`), where GitHub, GitLab and reviewdog resolve them: a scan of
/// `services/api` reports `services/api/main.go`.
fn rebase_onto_report_root(runs: &mut [ToolRun], result: &ScanResult) {
    let Some(prefix) = report_prefix(result) else {
        return;
    };
    let rebase = |path: &mut String| *path = format!("{prefix}/{path}");
    for finding in runs.iter_mut().flat_map(|run| run.findings.iter_mut()) {
        if let Some(location) = &mut finding.location {
            rebase(&mut location.path);
        }
        let origin = finding
            .native_suppression
            .as_mut()
            .and_then(|native| native.origin.as_mut());
        // A relative origin is a repository file (`.trivyignore`, a `nosemgrep` comment's file).
        if let Some(origin) = origin.filter(|origin| !origin.path.starts_with('/')) {
            rebase(&mut origin.path);
        }
    }
}

/// The scanned root's path from the report root (`svc` when `svc/` of a work tree was scanned);
/// `None` when they are the same.
fn report_prefix(result: &ScanResult) -> Option<String> {
    let prefix = result.root().strip_prefix(result.report_root()).ok()?;
    (!prefix.as_os_str().is_empty()).then(|| prefix.to_string_lossy().replace('\\', "/"))
}

/// Pull-request mode: what the change fixed ([`ScanResult::fixed`]), paths from the report root.
fn fixed_findings(result: &ScanResult) -> Vec<FixedFinding> {
    let prefix = report_prefix(result);
    let path = |path: &str| match &prefix {
        Some(prefix) => format!("{prefix}/{path}"),
        None => path.to_owned(),
    };
    result
        .fixed()
        .iter()
        .map(|finding| FixedFinding {
            tools: finding.tools.clone(),
            rule_id: finding.rule_id.clone(),
            severity: finding.severity,
            path: finding
                .location
                .as_ref()
                .map(|location| path(&location.path))
                .unwrap_or_default(),
            line: finding.location.as_ref().and_then(|location| location.start_line),
        })
        .collect()
}

/// Writes the SARIF log, with the record of every scanner that `scangate gate` needs to judge
/// the log as a part of a sharded scan; returns what was dropped to fit GitHub's limits.
fn write_sarif_file(
    path: &Path,
    runs: &[ToolRun],
    result: &ScanResult,
    partial: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let file: Box<dyn Write> = match path == Path::new("-") {
        true => Box::new(std::io::stdout().lock()),
        false => Box::new(crate::publish::create_output(path, "SARIF log")?),
    };
    let scanners: Vec<ScannerRecord> = result.outputs().iter().map(scanner_record).collect();
    let options = SarifOptions {
        scanners: &scanners,
        partial,
        ..SarifOptions::new(result.report_root())
    };
    let notes = write_sarif(file, runs, &options)
        .with_context(|| format!("cannot write the SARIF log to {}", path.display()))?;
    for note in &notes {
        tracing::warn!("{note}");
    }
    Ok(notes)
}

fn scanner_record(raw: &RawOutput) -> ScannerRecord {
    ScannerRecord {
        name: raw.tool.to_string(),
        status: raw.status.as_str().to_string(),
        applies: raw.applies,
        reason: raw.reason.clone(),
        categories: matches!(raw.limited, Some(Limited::Categories(..)))
            .then(|| raw.categories.iter().map(|c| c.as_str().to_string()).collect()),
        scope: raw.limited.map(|limited| limited.note().to_string()),
    }
}

fn tool_summaries(result: &ScanResult) -> Vec<ToolSummary> {
    let outputs = result.outputs().iter().enumerate();
    outputs
        .map(|(index, raw)| ToolSummary::from_raw(raw, result.reported(index), result.file_errors(index)))
        .collect()
}

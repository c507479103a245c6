//! The DSOMM catalogue snapshot, and every citation of it: the presets' `[[activity]]` tables,
//! the activities their comments name, and the ones the code names.

mod common;

use std::path::{Path, PathBuf};

use common::{resolve, today};
use scangate_gate::{
    Catalogue, Level, Policy, PolicySources, SourceFile, ACTIVITY_KEYS, DSOMM_COMMIT, SCANGATE_POLICY_KEYS,
};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn catalogue_loads_and_records_the_commit_the_code_names() {
    let catalogue = Catalogue::get();
    assert_eq!(catalogue.source.commit, DSOMM_COMMIT);
    assert_eq!(
        catalogue.source.repository,
        "https://github.com/devsecopsmaturitymodel/DevSecOps-MaturityModel-data"
    );
    assert_eq!(catalogue.source.path, "generated/model.yaml");
    // The snapshot's own header names the same commit.
    let text = std::fs::read_to_string(checkout().join("gates/dsomm-activities.toml")).unwrap();
    assert!(text.lines().take(5).any(|line| line.contains(DSOMM_COMMIT)), "header");
    // DSOMM 4.3.1 has 194 activities, each with a distinct uuid and a level 1 to 5.
    assert_eq!(catalogue.activities.len(), 194);
    let mut uuids: Vec<&str> = catalogue.activities.iter().map(|a| a.uuid.as_str()).collect();
    uuids.sort_unstable();
    uuids.dedup();
    assert_eq!(uuids.len(), catalogue.activities.len());
    assert!(catalogue.activities.iter().all(|a| (1..=5).contains(&a.level)));
    let secrets = catalogue.activity("c6e3c812-56e2-41b0-ae01-b7afc41a004c").unwrap();
    assert_eq!(secrets.name, "Test for stored secrets in code");
    assert_eq!(secrets.level, 1);
    assert_eq!(secrets.dimension, "Test and Verification");
    assert_eq!(secrets.sub_dimension, "Static depth for infrastructure");
}

#[test]
fn every_activity_a_preset_enforces_exists_with_its_name_at_or_below_the_level() {
    let catalogue = Catalogue::get();
    for n in 1..=5 {
        let preset = Policy::preset(Level::new(n).unwrap());
        for (key, activities) in &preset.activities {
            for activity in activities {
                let known = catalogue
                    .activity(&activity.id)
                    .unwrap_or_else(|| panic!("level {n}: {key} cites {} which DSOMM does not have", activity.id));
                assert_eq!(activity.name, known.name, "level {n}: {key} cites {}", activity.id);
                assert!(
                    known.level <= n,
                    "level {n}: {key} cites {} \"{}\", a DSOMM level-{} activity",
                    activity.id,
                    known.name,
                    known.level
                );
            }
        }
    }
}

#[test]
fn scangate_policy_is_never_credited_to_dsomm() {
    for n in 1..=5 {
        let preset = Policy::preset(Level::new(n).unwrap());
        for key in SCANGATE_POLICY_KEYS {
            assert!(ACTIVITY_KEYS.contains(key), "{key}");
            assert!(preset.activities_for(key).is_empty(), "level {n}: {key} cites DSOMM");
        }
    }
    // "Every entry needs a reason" is part of "Simple false positive treatment" (level 1).
    let level3 = Policy::preset(Level::new(3).unwrap());
    let reason: Vec<&str> = level3
        .activities_for("suppression_rules.require_reason")
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(reason, ["c1acc8af-312e-4503-a817-a26220c993a0"]);
}

/// Every activity the text names: full uuids anywhere, and 8-hex-digit short ids followed by a
/// quoted name (`297be001 "Usage of multiple analyzers"`), each with the name given after it.
fn citations(text: &str) -> Vec<(String, Option<String>)> {
    let full = regex::Regex::new(
        r#"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b(?: \\?"([^"\\\n]+)\\?")?"#,
    )
    .unwrap();
    let short = regex::Regex::new(r#"\b([0-9a-f]{8}) \\?"([^"\\\n]+)\\?""#).unwrap();
    let mut found: Vec<(String, Option<String>)> = full
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c.get(2).map(|m| m.as_str().to_string())))
        .collect();
    found.extend(
        short
            .captures_iter(text)
            .map(|c| (c[1].to_string(), Some(c[2].to_string()))),
    );
    found
}

fn check_citations(file: &Path) -> usize {
    let catalogue = Catalogue::get();
    let text = std::fs::read_to_string(file).unwrap();
    let mut checked = 0;
    for (id, name) in citations(&text) {
        let known: Vec<_> = catalogue
            .activities
            .iter()
            .filter(|a| a.uuid.starts_with(&id))
            .collect();
        // Short ids of other things (commit hashes) are not followed by a DSOMM-style name.
        if known.is_empty() && id.len() == 8 && name.as_deref().is_some_and(|n| !n.contains(' ')) {
            continue;
        }
        assert_eq!(known.len(), 1, "{}: {id} is not one DSOMM activity", file.display());
        let known = known[0];
        if let Some(name) = name {
            assert!(
                name.starts_with(&known.name) || known.name.starts_with(name.trim_end_matches(" ...")),
                "{}: {id} is \"{}\" in DSOMM, cited as \"{name}\"",
                file.display(),
                known.name
            );
        }
        // A preset's comment may point ahead ("from level 4: 297be001 …"): what a preset
        // enforces is checked against its level by the test above.
        checked += 1;
    }
    checked
}

#[test]
fn every_activity_the_presets_and_the_code_name_exists_with_that_name() {
    let mut checked = 0;
    for n in 1..=5 {
        checked += check_citations(&checkout().join(format!("gates/level-{n}.toml")));
    }
    let mut sources = Vec::new();
    for dir in ["crates", "tests/e2e"] {
        collect_rust_files(&checkout().join(dir), &mut sources);
    }
    let docs = [
        "README.md",
        "DEVELOPERS.md",
        "docs/levels.md",
        "docs/usage.md",
        "docs/scanning.md",
        "docs/ci.md",
    ];
    sources.extend(docs.map(|f| checkout().join(f)));
    // This file cites unknown ids on purpose.
    for file in sources.iter().filter(|file| !file.ends_with("gate/tests/catalogue.rs")) {
        checked += check_citations(file);
    }
    assert!(checked > 50, "only {checked} citations found: is the pattern right?");
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target" && n != "fixtures") {
                collect_rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn a_policy_citing_an_unknown_or_misnamed_activity_gets_a_warning_naming_it() {
    let text = r#"
extends = "level-2"

[[activity]]
id = "00000000-1111-2222-3333-444444444444"
name = "Our own activity"
enforces = ["thresholds.max_high"]

[[activity]]
id = "44f2c8a9-4aaa-4c72-942d-63f78b89f385"
name = "Fix the bad stuff"
enforces = ["thresholds.max_critical"]
"#;
    let policy = resolve(2, Some(text), None).unwrap();
    let warnings: Vec<String> = policy.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].contains("00000000-1111-2222-3333-444444444444")
            && warnings[0].contains("not in the DSOMM catalogue")
            && warnings[0].contains(DSOMM_COMMIT),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("44f2c8a9-4aaa-4c72-942d-63f78b89f385")
            && warnings[1].contains("\"Treatment of defects with high or critical severity\""),
        "{}",
        warnings[1]
    );
    // The repository's scangate.toml may not change what the reports cite: its tables are
    // ignored, each named, and the preset's citation stays.
    let sources = PolicySources {
        repo_config: Some(SourceFile::new("repo/scangate.toml", text)),
        cli_level: Level::new(2),
        ..PolicySources::default()
    };
    let policy = Policy::resolve(&sources, today()).unwrap();
    let ignored: Vec<&str> = policy.ignored.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(ignored.len(), 2, "{ignored:#?}");
    assert!(
        ignored[0].contains("00000000-1111-2222-3333-444444444444"),
        "{}",
        ignored[0]
    );
    assert!(ignored[1].contains("would change which DSOMM activities the reports cite"));
    let cited = policy.activities_for("thresholds.max_high");
    assert_eq!(cited.len(), 1);
    assert_eq!(cited[0].name, "Treatment of defects with high or critical severity");
}

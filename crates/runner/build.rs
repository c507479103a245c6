//! Writes scangate's bundled semgrep rules (`rules/semgrep/*.yaml`) as JSON into `OUT_DIR`, their
//! YAML anchors and aliases expanded: the rules share their taint sources through aliases
//! (`pattern-sources: *go-request`), and osemgrep's YAML reader refuses an alias. A file that is
//! not valid YAML fails the build.

use std::path::{Path, PathBuf};

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/semgrep");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("semgrep-rules");
    std::fs::create_dir_all(&out).expect("create OUT_DIR/semgrep-rules");
    println!("cargo::rerun-if-changed={}", rules.display());
    let entries = std::fs::read_dir(&rules).unwrap_or_else(|error| panic!("{}: {error}", rules.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("yaml") {
            continue;
        }
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let rules: serde_json::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let json = serde_json::to_string(&rules).expect("JSON values serialize");
        let name = path.with_extension("json");
        let name = name.file_name().expect("a file name");
        std::fs::write(out.join(name), json).unwrap_or_else(|error| panic!("write {name:?}: {error}"));
    }
}

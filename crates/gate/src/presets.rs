//! The DSOMM level presets, `gates/level-1.toml` … `level-5.toml`, embedded in the binary so a
//! scan needs no files besides the repository.

use crate::diag::SourceFile;
use crate::model::Level;

const PRESETS: [&str; 5] = [
    include_str!("../../../gates/level-1.toml"),
    include_str!("../../../gates/level-2.toml"),
    include_str!("../../../gates/level-3.toml"),
    include_str!("../../../gates/level-4.toml"),
    include_str!("../../../gates/level-5.toml"),
];

/// The preset text of a level.
pub fn preset_text(level: Level) -> &'static str {
    PRESETS[usize::from(level.get() - 1)]
}

/// The preset of a level, named as it lives in the source tree.
pub(crate) fn preset_file(level: Level) -> SourceFile {
    SourceFile::new(preset_path(level), preset_text(level))
}

pub(crate) fn preset_path(level: Level) -> String {
    format!("gates/level-{level}.toml")
}

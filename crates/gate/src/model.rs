//! Small shared types: the DSOMM level, activities and where a setting came from; scanner
//! categories are the normalizer's [`Category`], the one type runner, gate and reports share.

use std::fmt;
use std::path::PathBuf;

pub use scangate_normalizer::Category;
use serde::Serialize;

/// A DSOMM maturity level, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    /// The lowest level; the default when nothing asks for more.
    pub const MIN: Level = Level(1);
    /// The highest level.
    pub const MAX: Level = Level(5);

    /// The level, or `None` outside 1..=5.
    pub fn new(level: u8) -> Option<Level> {
        (1..=5).contains(&level).then_some(Level(level))
    }

    /// 1..=5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Parses a preset name `level-N`.
    pub fn from_preset_name(name: &str) -> Option<Level> {
        Level::new(name.strip_prefix("level-")?.parse().ok()?)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A DSOMM activity, named by its v4.3 uuid (names drift between versions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Activity {
    /// The full uuid.
    pub id: String,
    /// Its name in DSOMM v4.3.
    pub name: String,
}

impl Activity {
    /// The first 8 hex digits, as messages quote it.
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\"", self.short_id(), self.name)
    }
}

/// A position in a policy file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Origin {
    /// The file as the user named it (presets: `gates/level-N.toml`).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

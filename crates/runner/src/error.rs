use std::path::PathBuf;

/// Why the runner could not plan or start a scan at all. A single scanner failing is not an
/// `Error`: it is a [`crate::Status`] on that scanner's [`crate::RawOutput`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path to scan does not exist or cannot be read.
    #[error("cannot read the repository at {path}")]
    UnreadableRoot {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path to scan is not a directory.
    #[error("{path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A tool named in `--tools` or `--skip` does not exist.
    #[error("unknown tool `{name}`{}; known tools: {known}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownTool {
        /// The name given.
        name: String,
        /// The known name closest to it, when one is close.
        suggestion: Option<String>,
        /// The canonical names.
        known: String,
    },
    /// An `--exclude` glob that does not parse.
    #[error("--exclude {glob:?} is not a valid glob")]
    BadExclude {
        /// The glob given.
        glob: String,
        /// What is wrong with it.
        #[source]
        source: globset::Error,
    },
    /// The scratch directory for scanner outputs could not be created.
    #[error("cannot create a scratch directory for scanner outputs")]
    Scratch(#[source] std::io::Error),
    /// The environment's `GIT_CONFIG_COUNT` is not a count, so scangate cannot add its own git
    /// settings after the user's (git itself refuses such an environment).
    #[error("GIT_CONFIG_COUNT={value:?} in the environment is not a number")]
    GitConfigCount {
        /// The value found.
        value: String,
    },
}

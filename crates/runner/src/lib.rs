/*!
Plans and runs scangate's scanners.

The runner knows, for each of the six scanners, when it applies to a repository, the exact argv
that runs it, and what its exit codes mean. [`plan`] says what a scan will run; [`run`] runs one
planned invocation on tokio, kills its whole process tree when it overstays its timeout or is
dropped (on Linux, descendants that left the scanner's process group included), and hands back
its [`RawOutput`]: the machine-readable output file and a [`Status`]. It never parses findings,
nor schedules a whole plan: `scangate-invocation` does both.

```no_run
# async fn demo() -> Result<(), scangate_runner::Error> {
use scangate_runner::{plan, run, ScanOptions};
let options = ScanOptions::default();
let plan = plan(std::path::Path::new("."), &options)?;
for planned in plan.runs {
    let raw = run(planned, options.timeout).await;
    println!("{} {:?}", raw.tool, raw.status);
}
# Ok(()) }
```
*/
#![deny(missing_docs)]

mod defused;
mod error;
mod execute;
mod git;
mod install;
mod locate;
mod options;
mod plan;
mod process;
mod repo;
mod sbom;
mod scratch;
mod tool;
mod tools;

pub use error::Error;
pub use execute::{not_run, run, RawOutput, Status};
pub use git::{git_command, git_env, DIFF_FLAGS};
pub use install::{install, InstallError, InstallProgress};
pub use locate::{pins, resolve, tools_dir, version_of, Pin, ToolsDir};
pub use options::ScanOptions;
pub use plan::{jobs_at_once, plan, NotRun, Plan, PlannedRun};
pub use process::{adopt_orphans, end_orphans, running_scanners};
pub use repo::{Excludes, Exclusion, ExclusionReason, RepoIndex};
pub use sbom::{sbom, Sbom, SbomError};
pub use scratch::{keep_private, Scratch};
pub use tool::{Category, FindingScope, IgnoredConfig, Limited, Scope, Target, Tool};
pub use tools::{semgrep_rule_sources, tool_named, RuleSource, SEMGREP_BUNDLED, TOOLS};

/*!
The life of one scanner invocation, and the scan's result assembled from them.

The runner plans a scan and runs one planned argv; the normalizer parses one scanner's output.
This crate puts them together, one invocation at a time: a unit runs a planned invocation,
judges how it ended, parses what it wrote and turns the scanner's own error reports into a failed
status, giving an [`Invocation`] whose status is final. [`execute`] runs a plan's invocations
concurrently (`--jobs`), telling an [`Observer`] as each starts and ends. [`Execution::assemble`]
then makes the scan's [`ScanResult`]: every record and finding scrubbed of the secrets the run
learned, the same vulnerability merged across tools, one run per tool.

```no_run
# async fn demo() -> Result<(), scangate_runner::Error> {
use scangate_invocation::{execute, Parsing};
use scangate_runner::{plan, ScanOptions};
let options = ScanOptions::default();
let root = std::path::Path::new(".");
let plan = plan(root, &options)?;
let parsing = Parsing { root: plan.repo.root().to_path_buf(), semgrep_prefixes: Vec::new(), today: "2026-12-07".into() };
let result = execute(plan, &options, &parsing, None, &()).await.assemble(Vec::new());
for finding in result.findings() {
    println!("{} {}", finding.rule_id, finding.severity);
}
# Ok(()) }
```
*/
#![deny(missing_docs)]

mod assemble;
mod cache;
mod execute;
mod key;
mod recovery;
mod unit;

pub use assemble::ScanResult;
pub use cache::{Cache, CacheError};
pub use execute::{cached_complement, execute, Execution, Observer};
pub use key::OtherVersion;
pub use unit::{Invocation, Parsing};

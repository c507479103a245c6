//! One file per subcommand.

mod assess;
mod doctor;
mod gate;
mod install;
mod plan;
mod scan;

use crate::args::{Cli, Command};
use crate::exit::ExitStatus;
use crate::signals::unless_interrupted;

/// Runs the chosen subcommand on a tokio runtime.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Scan(args) => unless_interrupted(scan::run(args, cli.color)).await,
            Command::Assess(args) => unless_interrupted(assess::run(args, cli.color)).await,
            Command::Plan(args) => plan::run(args),
            Command::Gate(args) => gate::run(args, cli.color),
            Command::Doctor => doctor::run().await,
            Command::Install(args) => install::run(args).await,
        }
    })
}

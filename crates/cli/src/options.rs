//! Turns parsed arguments into the runner's options, once, before anything runs.

use std::time::Duration;

use scangate_runner::ScanOptions;

use crate::args::ScannerArgs;

impl From<&ScannerArgs> for ScanOptions {
    fn from(args: &ScannerArgs) -> Self {
        ScanOptions {
            only: args.tools.clone(),
            skip: args.skip.clone(),
            jobs: args.jobs.map(|n| n as usize),
            timeout: args.timeout.map(Duration::from_secs),
            semgrep_config: args.semgrep_config.iter().map(Into::into).collect(),
            npm_registry: args.npm_registry.clone(),
            osv_offline_db: args.osv_offline_db.clone(),
            trivy_cache_dir: args.trivy_cache_dir.clone(),
            offline: args.offline,
        }
    }
}

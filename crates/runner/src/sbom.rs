//! `--sbom`: a CycloneDX JSON SBOM of the repository's dependencies, written by trivy. An SBOM
//! needs no vulnerability database, so it works offline; it runs beside the scan, with the same
//! protections as a scanner (its own process group, the scan's timeout, git settings that run
//! nothing the repository configures, no `trivy.yaml` from the repository).

use std::path::Path;
use std::process::Stdio;

use crate::process::{self, Ending, Spawn};
use crate::{locate, scratch, ScanOptions};

/// An SBOM trivy wrote and scangate checked.
#[derive(Debug, Clone)]
pub struct Sbom {
    /// The CycloneDX JSON document, as trivy wrote it.
    pub bytes: Vec<u8>,
    /// `specVersion` (`1.6`, `1.7`).
    pub spec_version: String,
    /// How many components it lists.
    pub components: usize,
}

/// Why no SBOM could be made: the run ends in an error, never with a missing file unseen.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// trivy is not installed.
    #[error("trivy, which writes the SBOM, is not installed (`scangate install trivy` installs it)")]
    Missing,
    /// The scratch directory or trivy's process could not be set up.
    #[error("cannot run trivy for the SBOM: {0}")]
    Io(#[from] std::io::Error),
    /// The repository's git environment cannot be made safe.
    #[error(transparent)]
    Environment(#[from] crate::Error),
    /// trivy overstayed the scan's timeout.
    #[error("trivy timed out writing the SBOM")]
    Timeout,
    /// trivy failed.
    #[error("trivy exited with {code} writing the SBOM: {stderr}")]
    Failed {
        /// Its exit code (-1 when a signal ended it).
        code: i32,
        /// The end of its stderr.
        stderr: String,
    },
    /// What trivy wrote is not a CycloneDX document.
    #[error("trivy's SBOM is not a CycloneDX JSON document: {0}")]
    NotCycloneDx(String),
}

/// Runs trivy on `root` for a CycloneDX SBOM.
pub async fn sbom(root: &Path, options: &ScanOptions) -> Result<Sbom, SbomError> {
    let program = locate::resolve("trivy").ok_or(SbomError::Missing)?;
    let dir = scratch::scratch_dir("scangate-sbom-")?;
    let config = dir.path().join("trivy.yaml");
    scratch::write_private(&config, crate::tools::TRIVY_EMPTY_CONFIG.as_bytes())?;
    let output = dir.path().join("sbom.cdx.json");
    let args = crate::tools::trivy_sbom_args(&config, &output, options);
    let env = crate::git_env(root)?;
    let finished = process::run(Spawn {
        program: &program,
        args: &args,
        cwd: root,
        env: &env,
        stdout: Stdio::null(),
        timeout: options.timeout,
    })
    .await?;
    match finished.ending {
        Ending::TimedOut => Err(SbomError::Timeout),
        Ending::Exited(status) if !status.success() => Err(SbomError::Failed {
            code: status.code().unwrap_or(-1),
            stderr: finished.stderr_tail.trim().to_owned(),
        }),
        Ending::Exited(_) => checked(std::fs::read(&output)?),
    }
}

/// The shape every CycloneDX JSON document has.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CycloneDx {
    bom_format: String,
    spec_version: String,
    #[serde(default)]
    components: Vec<serde::de::IgnoredAny>,
}

fn checked(bytes: Vec<u8>) -> Result<Sbom, SbomError> {
    let document: CycloneDx =
        serde_json::from_slice(&bytes).map_err(|error| SbomError::NotCycloneDx(error.to_string()))?;
    if document.bom_format != "CycloneDX" {
        return Err(SbomError::NotCycloneDx(format!(
            "bomFormat is {:?}",
            document.bom_format
        )));
    }
    Ok(Sbom {
        spec_version: document.spec_version,
        components: document.components.len(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_cyclonedx_document_is_an_sbom() {
        let sbom = checked(br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{},{}]}"#.to_vec()).unwrap();
        assert_eq!((sbom.spec_version.as_str(), sbom.components), ("1.6", 2));
        assert_eq!(
            checked(br#"{"bomFormat":"CycloneDX","specVersion":"1.7"}"#.to_vec())
                .unwrap()
                .components,
            0
        );
        for other in [
            &br#"{}"#[..],
            br#"[]"#,
            br#"{"bomFormat":"SPDX","specVersion":"2.3"}"#,
            b"",
        ] {
            assert!(matches!(checked(other.to_vec()), Err(SbomError::NotCycloneDx(_))));
        }
    }
}

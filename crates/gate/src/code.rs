//! Stable, kebab-case codes for everything the gate reports, as cargo-deny does for its checks:
//! scripts and dashboards key on the code, people read the message.

use std::fmt;

use serde::Serialize;

/// What a code does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// The gate fails (exit 1).
    Fail,
    /// The result cannot be trusted (exit 2).
    Error,
    /// Reported; changes nothing.
    Warn,
}

/// Every violation and warning code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// More counted findings of a severity than the policy allows.
    ThresholdExceeded,
    /// A suppression entry has expired at a level where that fails the gate.
    ExpiredSuppression,
    /// No scanner of a required category ran successfully.
    RequiredCategoryMissing,
    /// Fewer than two scanners of a required category succeeded where two apply.
    MultipleAnalyzersMissing,
    /// A scanner the policy requires did not run successfully.
    RequiredScannerFailed,
    /// A scanner that applies was skipped at a level that requires all applicable scanners.
    ApplicableScannerSkipped,
    /// A scanner that applies failed and is not optional.
    ScannerFailed,
    /// The policy could not be loaded.
    InvalidPolicy,
    /// An optional scanner failed: its findings are missing.
    OptionalScannerFailed,
    /// A suppression entry matched no finding.
    UnusedSuppression,
    /// A suppression entry has expired and no longer applies.
    ExpiredSuppressionIgnored,
    /// The repo config tried to loosen the policy; that setting was ignored.
    RepoConfigIgnored,
    /// A repo-config severity override would have lowered a severity; it was skipped.
    SeverityOverrideIgnored,
    /// A warning from loading the policy.
    PolicyWarning,
    /// A suppression the change under review adds was not applied (pull-request mode).
    SuppressionAddedByChange,
    /// A tool-native suppression without a reason was not applied at a level that requires one.
    SuppressionWithoutReason,
    /// A level asks for multiple analyzers, and a required category has only one scanner that
    /// applies: "Usage of multiple analyzers" is not evidenced there.
    MultipleAnalyzersNotEvidenced,
    /// A scanner gave up on some files for time: its findings there may be missing.
    ScannerPartial,
    /// Pull-request mode: a scanner gave up for time on a file the change touches, so part of
    /// the change escaped it.
    ChangeNotAnalysed,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 19] = [
        Code::ThresholdExceeded,
        Code::ExpiredSuppression,
        Code::RequiredCategoryMissing,
        Code::MultipleAnalyzersMissing,
        Code::RequiredScannerFailed,
        Code::ApplicableScannerSkipped,
        Code::ScannerFailed,
        Code::InvalidPolicy,
        Code::OptionalScannerFailed,
        Code::UnusedSuppression,
        Code::ExpiredSuppressionIgnored,
        Code::RepoConfigIgnored,
        Code::SeverityOverrideIgnored,
        Code::PolicyWarning,
        Code::SuppressionAddedByChange,
        Code::SuppressionWithoutReason,
        Code::MultipleAnalyzersNotEvidenced,
        Code::ScannerPartial,
        Code::ChangeNotAnalysed,
    ];

    /// The kebab-case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ThresholdExceeded => "threshold-exceeded",
            Code::ExpiredSuppression => "expired-suppression",
            Code::RequiredCategoryMissing => "required-category-missing",
            Code::MultipleAnalyzersMissing => "multiple-analyzers-missing",
            Code::RequiredScannerFailed => "required-scanner-failed",
            Code::ApplicableScannerSkipped => "applicable-scanner-skipped",
            Code::ScannerFailed => "scanner-failed",
            Code::InvalidPolicy => "invalid-policy",
            Code::OptionalScannerFailed => "optional-scanner-failed",
            Code::UnusedSuppression => "unused-suppression",
            Code::ExpiredSuppressionIgnored => "expired-suppression-ignored",
            Code::RepoConfigIgnored => "repo-config-ignored",
            Code::SeverityOverrideIgnored => "severity-override-ignored",
            Code::PolicyWarning => "policy-warning",
            Code::SuppressionAddedByChange => "suppression-added-by-change",
            Code::SuppressionWithoutReason => "suppression-without-reason",
            Code::MultipleAnalyzersNotEvidenced => "multiple-analyzers-not-evidenced",
            Code::ScannerPartial => "scanner-partial",
            Code::ChangeNotAnalysed => "change-not-analysed",
        }
    }

    /// One sentence on what it means.
    pub fn description(self) -> &'static str {
        match self {
            Code::ThresholdExceeded => "more counted findings of a severity than the policy allows",
            Code::ExpiredSuppression => "a suppression entry has expired, and the level fails on expired entries",
            Code::RequiredCategoryMissing => "no scanner of a category the level requires ran successfully",
            Code::MultipleAnalyzersMissing => {
                "fewer than two scanners of a required category succeeded where two apply"
            }
            Code::RequiredScannerFailed => "a scanner the policy requires did not run successfully",
            Code::ApplicableScannerSkipped => "a scanner that applies was skipped, and the level requires all of them",
            Code::ScannerFailed => "a scanner that applies failed and is not marked optional",
            Code::InvalidPolicy => "the policy files could not be loaded",
            Code::OptionalScannerFailed => "an optional scanner failed: its findings are missing from this result",
            Code::UnusedSuppression => "a suppression entry matched no finding",
            Code::ExpiredSuppressionIgnored => "a suppression entry has expired and no longer applies",
            Code::RepoConfigIgnored => "the repository's config tried to loosen the policy; the setting was ignored",
            Code::SeverityOverrideIgnored => "a repository severity override would have lowered a severity",
            Code::PolicyWarning => "the policy loaded with a warning",
            Code::SuppressionAddedByChange => {
                "a suppression the change under review adds was not applied: it needs review"
            }
            Code::SuppressionWithoutReason => "a suppression without a reason was not applied at this level",
            Code::MultipleAnalyzersNotEvidenced => {
                "only one scanner of a required category applies: multiple analyzers are not evidenced there"
            }
            Code::ScannerPartial => "a scanner gave up on some files for time: its findings there may be missing",
            Code::ChangeNotAnalysed => "a scanner gave up for time on a file the change under review touches",
        }
    }

    /// Fail, error, or warning.
    pub fn effect(self) -> Effect {
        match self {
            Code::ThresholdExceeded | Code::ExpiredSuppression => Effect::Fail,
            Code::RequiredCategoryMissing
            | Code::MultipleAnalyzersMissing
            | Code::RequiredScannerFailed
            | Code::ApplicableScannerSkipped
            | Code::ScannerFailed
            | Code::InvalidPolicy
            | Code::ChangeNotAnalysed => Effect::Error,
            Code::OptionalScannerFailed
            | Code::UnusedSuppression
            | Code::ExpiredSuppressionIgnored
            | Code::RepoConfigIgnored
            | Code::SeverityOverrideIgnored
            | Code::PolicyWarning
            | Code::SuppressionAddedByChange
            | Code::SuppressionWithoutReason
            | Code::MultipleAnalyzersNotEvidenced
            | Code::ScannerPartial => Effect::Warn,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Code;

    #[test]
    fn codes_unique() {
        let names: BTreeSet<_> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len(), "duplicate code name");
        let descriptions: BTreeSet<_> = Code::ALL.iter().map(|code| code.description()).collect();
        assert_eq!(descriptions.len(), Code::ALL.len(), "duplicate description");
        let variants: BTreeSet<_> = Code::ALL.iter().collect();
        assert_eq!(variants.len(), Code::ALL.len(), "a code is listed twice in ALL");
    }

    #[test]
    fn codes_are_kebab_case_and_serialize_as_named() {
        for code in Code::ALL {
            let name = code.as_str();
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{name}");
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{name}\""));
        }
    }
}

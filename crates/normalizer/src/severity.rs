//! The one severity scale (DESIGN §3): CVSS buckets and SARIF `security-severity`.

use crate::Severity;

/// The bucket of a CVSS score: ≥9.0 critical, ≥7.0 high, ≥4.0 medium, >0 low; `None` for 0 or
/// anything that is not a score.
pub fn severity_from_score(score: f64) -> Option<Severity> {
    if !score.is_finite() || score <= 0.0 {
        return None;
    }
    Some(match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        _ => Severity::Low,
    })
}

/// SARIF `security-severity` for a finding: the real score clamped into its label's bucket
/// (critical [9.1,10], high [7.0,8.9], medium [4.0,6.9], low [0.1,3.9]) or the bucket's default
/// 9.5 / 8.0 / 5.5 / 2.0; `None` for info. The label picks the bucket, the score only moves inside.
pub fn security_severity(severity: Severity, score: Option<f64>) -> Option<f64> {
    let (low, high, default) = match severity {
        Severity::Critical => (9.1, 10.0, 9.5),
        Severity::High => (7.0, 8.9, 8.0),
        Severity::Medium => (4.0, 6.9, 5.5),
        Severity::Low => (0.1, 3.9, 2.0),
        Severity::Info => return None,
    };
    Some(match score {
        Some(s) if s.is_finite() && s > 0.0 => s.clamp(low, high),
        _ => default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(severity_from_score(9.0), Some(Severity::Critical));
        assert_eq!(severity_from_score(8.99), Some(Severity::High));
        assert_eq!(severity_from_score(7.0), Some(Severity::High));
        assert_eq!(severity_from_score(4.0), Some(Severity::Medium));
        assert_eq!(severity_from_score(0.1), Some(Severity::Low));
        assert_eq!(severity_from_score(0.0), None);
    }

    #[test]
    fn scores_clamp_into_the_label_bucket() {
        assert_eq!(security_severity(Severity::Critical, Some(9.0)), Some(9.1));
        assert_eq!(security_severity(Severity::High, Some(9.8)), Some(8.9));
        assert_eq!(security_severity(Severity::Medium, Some(6.1)), Some(6.1));
        assert_eq!(security_severity(Severity::Low, None), Some(2.0));
        assert_eq!(security_severity(Severity::Critical, None), Some(9.5));
        assert_eq!(security_severity(Severity::Info, Some(5.0)), None);
    }
}

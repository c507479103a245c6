//! SARIF 2.1.0: writing scangate's log ([`write`]) and reading any SARIF log back ([`read`]).

pub(crate) mod read;
pub(crate) mod write;

/// `partialFingerprints` key of scangate's fingerprint.
pub(crate) const FINGERPRINT_KEY: &str = "scangate/v1";
/// Property of an in-source suppression naming its mechanism (`nosec`, `trivyignore`, ...).
pub(crate) const SUPPRESSION_KIND_KEY: &str = "scangate/kind";
/// The base id every artifact uri is relative to.
pub(crate) const SRCROOT: &str = "%SRCROOT%";
/// Log-level property holding [`ScannerRecord`]s (the reader spells it out for serde).
pub(crate) const SCANNERS_KEY: &str = "scangate/scanners";

/// One scanner of the scan that wrote a log — ran, failed, or did not run — as the log-level
/// property `scangate/scanners` records it. The runs alone cannot say which scanners applied
/// and did not run, so a gate over the logs of a sharded scan could not tell a deleted or
/// failed shard from a clean one; with these records it judges the scanners as one full scan
/// would.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScannerRecord {
    /// Canonical tool name.
    pub name: String,
    /// `ok`, `skipped`, `missing`, `error` or `timeout`.
    pub status: String,
    /// True when the scanner applies to the scanned repository (even if it did not run).
    pub applies: bool,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// The categories the run covered when fewer than the scanner's (trivy offline without a
    /// vulnerability database: `["infrastructure"]`); absent when it covered all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// What a limited run left out (`misconfiguration only: …`, `partial: …`). With `categories`
    /// absent, the run covered each of its categories in part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Percent-encodes a path for a SARIF uri: `/` and RFC 3986 unreserved and sub-delimiter
/// characters stay, everything else (spaces, `%`, `#`, `?`, non-ASCII bytes) becomes `%XX`.
pub(crate) fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The inverse of [`encode_uri_path`] (any `%XX`).
pub(crate) fn decode_uri_path(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let Some(value) = std::str::from_utf8(&bytes[index + 1..index + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(value);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_spaces_and_non_ascii() {
        assert_eq!(encode_uri_path("my dir/café.py"), "my%20dir/caf%C3%A9.py");
        assert_eq!(encode_uri_path("a/b-c_d.go"), "a/b-c_d.go");
        assert_eq!(decode_uri_path("my%20dir/caf%C3%A9.py"), "my dir/café.py");
        assert_eq!(decode_uri_path("100%"), "100%");
    }
}

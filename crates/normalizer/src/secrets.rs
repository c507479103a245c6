//! Secret values a run learned, and scrubbing them out of every string scangate writes.
//!
//! gitleaks' report tells the values it found (scangate reads it in memory, from a 0600 file in a
//! 0700 scratch directory that is removed after the run); credentials in a URL scangate was given
//! (`--npm-registry https://user:token@host/`) are secrets too. Other scanners quote source text
//! freely — trivy a Dockerfile `RUN` line, a semgrep rule its `$VALUE`, semgrep's parse errors the
//! offending line — so every string that reaches a report, a log or the terminal goes through
//! [`Secrets::scrub`]: each value, its JSON-escaped form and its base64 forms (standard and
//! URL-safe, at each of the three alignments a value can start at inside an encoded text) become
//! [`REDACTED`], and so does the userinfo or a token-like query value of any URL in the text.
//!
//! A credential gitleaks does not detect is quoted just the same (trivy quotes a whole
//! `RUN curl -u admin:PASSWORD …` line), so credential shapes are redacted wherever they show
//! ([`redact_credentials`]): URL userinfo, `-u user:pass` / `--user user:pass`, `Authorization:`
//! header values, `password`/`pass`/`pwd`/`token`/`secret`/`api_key`… assignments (`=`, `:`, `:=`, `=>`,
//! Dockerfile `ENV KEY value`) and `--password VALUE` options. A value that names a variable
//! (`$PASS`, `${{ secrets.X }}`, `%PASS%`, `<password>`) is left as it is. The values of such
//! shapes in a finding or in the source lines it points to are learned as secrets too
//! ([`credentials_in`]), so a bare occurrence elsewhere (a semgrep message interpolating `$VAR`) is
//! scrubbed as well; an assignment's value only when it looks like one (see [`looks_secret`]).

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What a secret value becomes.
pub const REDACTED: &str = "REDACTED";

/// Base64 forms shorter than this are not scrubbed: a few base64 characters occur by chance in
/// any text (and in every hex fingerprint), while the value itself is always scrubbed.
const MIN_BASE64_FORM: usize = 8;

/// A literal value taken from a URL's credentials is scrubbed everywhere only from this length
/// on, so a one-letter password does not blank every such letter; the URL itself is always
/// redacted where it shows.
const MIN_URL_SECRET: usize = 6;

/// Query parameter names whose values are credentials.
const TOKEN_PARAMETERS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "key",
    "auth",
    "sig",
    "signature",
    "credential",
    "session",
];

/// Secret values as a parser found them; `Debug` shows only how many, so no `{:?}` leaks them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretValues(pub Vec<String>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValues({} values)", self.0.len())
    }
}

/// The secret values of one run, and a matcher for every form they can show in; `Debug` shows
/// only how many.
#[derive(Default)]
pub struct Secrets {
    values: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.values.len())
    }
}

impl Secrets {
    /// The secrets among `values` (empty strings and gitleaks' own `REDACTED` are none).
    pub fn new(values: impl IntoIterator<Item = String>) -> Secrets {
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|value| !value.is_empty() && value != REDACTED)
            .collect();
        values.sort();
        values.dedup();
        let mut forms: Vec<String> = values.iter().flat_map(|value| forms_of(value)).collect();
        forms.sort();
        forms.dedup();
        let matcher = (!forms.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&forms)
                .expect("literal patterns always build")
        });
        Secrets { values, matcher }
    }

    /// How many distinct values are known.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no value is known (URLs in text are still redacted).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every known value (in every form) and every URL credential redacted.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let literal = match &self.matcher {
            Some(matcher) if matcher.is_match(text) => {
                Cow::Owned(matcher.replace_all(text, &vec![REDACTED; matcher.patterns_len()]))
            }
            _ => Cow::Borrowed(text),
        };
        match redact_credentials(&literal) {
            Cow::Borrowed(_) => literal,
            Cow::Owned(redacted) => Cow::Owned(redacted),
        }
    }

    /// Scrubs `text` in place; true when it changed.
    pub fn scrub_string(&self, text: &mut String) -> bool {
        let scrubbed = match self.scrub(text) {
            Cow::Owned(scrubbed) => scrubbed,
            Cow::Borrowed(_) => return false,
        };
        *text = scrubbed;
        true
    }

    /// A scanner's raw output with every known value replaced, for the copies kept under
    /// `--raw-dir`; bytes that are not UTF-8 are scrubbed as their lossy reading.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.scrub(&String::from_utf8_lossy(bytes)).into_owned().into_bytes()
    }

    /// Scrubs every string inside `value` (a finding, a run, a record): it goes through its JSON
    /// form, so a field added later is covered without being listed here.
    pub fn scrub_serde<T: Serialize + DeserializeOwned>(&self, value: &mut T) {
        // Most values hold nothing to scrub: one look at their JSON text decides.
        let Ok(text) = serde_json::to_string(&*value) else {
            return;
        };
        if matches!(self.scrub(&text), Cow::Borrowed(_)) {
            return;
        }
        let Ok(mut tree) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        if self.scrub_json(&mut tree) {
            if let Ok(scrubbed) = serde_json::from_value(tree) {
                *value = scrubbed;
            }
        }
    }

    /// Scrubs the strings of a JSON tree (keys included); true when one changed.
    fn scrub_json(&self, tree: &mut serde_json::Value) -> bool {
        match tree {
            serde_json::Value::String(text) => self.scrub_string(text),
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| self.scrub_json(item) | changed),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                let mut changed = false;
                for (key, mut item) in entries {
                    changed |= self.scrub_json(&mut item);
                    let mut key = key;
                    changed |= self.scrub_string(&mut key);
                    map.insert(key, item);
                }
                changed
            }
            _ => false,
        }
    }
}

/// Every form `value` can show in: itself, JSON-escaped (raw reports), and base64-encoded.
fn forms_of(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    let escaped = serde_json::to_string(value).expect("a string serializes");
    forms.push(escaped[1..escaped.len() - 1].to_owned());
    forms.extend(base64_forms(value.as_bytes()));
    forms.retain(|form| !form.is_empty());
    forms
}

/// The base64 characters that encode `value` wherever it sits in an encoded text: a value
/// starting at offset `k` (mod 3) has its bytes from `(3 - k) % 3` on in whole 3-byte groups, and
/// those encode the same characters every time. Standard and URL-safe alphabets.
fn base64_forms(value: &[u8]) -> Vec<String> {
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let mut forms = Vec::new();
    for skip in 0..3.min(value.len()) {
        let rest = &value[skip..];
        let whole = &rest[..rest.len() / 3 * 3];
        for engine in &engines {
            let form = engine.encode(whole);
            if form.len() >= MIN_BASE64_FORM {
                forms.push(form);
            }
        }
    }
    forms
}

/// The credentials in the URLs of `text` (userinfo, token-like query values), as values to
/// scrub wherever else they show; short ones are left to the URL redaction.
pub fn url_credentials(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for url in urls_in(text) {
        let parts = UrlParts::of(&text[url.clone()]);
        if let Some(userinfo) = parts.userinfo {
            let password = userinfo.split_once(':').map_or(userinfo, |(_, password)| password);
            found.push(password.to_owned());
        }
        found.extend(parts.token_values().map(str::to_owned));
    }
    found.retain(|value| value.len() >= MIN_URL_SECRET);
    found
}

/// The credentials `text` shows in any shape ([`url_credentials`], and the values of
/// [`redact_credentials`]' shapes), as values to scrub wherever else they show. Short values are
/// left to the shape redaction, and so are assignment values that do not look secret.
pub fn credentials_in(text: &str) -> Vec<String> {
    let mut found = url_credentials(text);
    for shape in shapes() {
        for captures in shape.regex.captures_iter(text) {
            let Some(value) = captures.name("value").map(|m| m.as_str()) else {
                continue;
            };
            if !names_a_variable(value) && value.len() >= MIN_URL_SECRET && (!shape.assignment || looks_secret(value)) {
                found.push(value.to_owned());
            }
        }
    }
    found
}

/// `text` with every credential shape redacted: URL userinfo and token query values
/// ([`redact_url_credentials`]), `-u`/`--user` credentials, `Authorization:` header values,
/// credential assignments and `--password`-like options.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    let urls = redact_url_credentials(text);
    let mut ranges: Vec<std::ops::Range<usize>> = shapes()
        .iter()
        .flat_map(|shape| shape.regex.captures_iter(&urls).filter_map(|c| c.name("redact")))
        .filter(|m| !names_a_variable(m.as_str()) && !m.as_str().starts_with(REDACTED))
        .map(|m| m.range())
        .collect();
    if ranges.is_empty() {
        return urls;
    }
    ranges.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    let mut out = String::with_capacity(urls.len());
    let mut copied = 0;
    for range in ranges {
        if range.start < copied {
            continue;
        }
        out.push_str(&urls[copied..range.start]);
        out.push_str(REDACTED);
        copied = range.end;
    }
    out.push_str(&urls[copied..]);
    Cow::Owned(out)
}

/// One credential shape: `redact` is what is replaced, `value` what is learned.
struct Shape {
    regex: regex::Regex,
    /// A `key = value` assignment: its value is learned only when it [`looks_secret`].
    assignment: bool,
}

/// A credential value: up to whitespace, a quote, a backslash (of a JSON-escaped quote) or a
/// separator.
const VALUE: &str = r#"[^\s'"`\\,;]+"#;

/// Names that hold credentials in an assignment or an option (`pass` covers `password`,
/// `passwd`, `passphrase` and `smtp_pass`).
const CREDENTIAL_KEY: &str = r"[A-Za-z0-9_.-]*(?i:pass|pwd|secret|token|api[_-]?key|auth[_-]?key|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*";

fn shapes() -> &'static [Shape] {
    static SHAPES: std::sync::OnceLock<Vec<Shape>> = std::sync::OnceLock::new();
    SHAPES.get_or_init(|| {
        let quote = r#"\\?['"]?"#;
        let shape = |pattern: String, assignment: bool| Shape {
            regex: regex::Regex::new(&pattern).expect("credential shapes compile"),
            assignment,
        };
        vec![
            // curl and friends: -u user:pass, -uuser:pass, --user user:pass, --user=user:pass
            shape(
                format!(
                    r#"(?:^|[\s'"=])(?:-u[ \t]*|--user[ \t=]+){quote}(?P<redact>[^\s'"`\\:]+:(?P<value>{VALUE}))"#
                ),
                false,
            ),
            // Authorization: Basic …, Proxy-Authorization: Bearer …
            shape(
                format!(
                    r#"(?i:authorization){quote}[ \t]*[:=][ \t]*{quote}(?:(?i:basic|bearer|token|digest|negotiate)[ \t]+)?(?P<redact>(?P<value>{VALUE}))"#
                ),
                false,
            ),
            // password = "…", "api_key": "…", TOKEN=…, secret: …, pass := …, key => …
            shape(
                format!(
                    r#"{CREDENTIAL_KEY}{quote}[ \t]*(?::=|=>|=|:)[ \t]*{quote}(?P<redact>(?P<value>{VALUE}))"#
                ),
                true,
            ),
            // Dockerfile ENV KEY value, ARG KEY value; --password value
            shape(
                format!(
                    r#"(?:(?i:\b(?:ENV|ARG))[ \t]+|--){CREDENTIAL_KEY}[ \t]+{quote}(?P<redact>(?P<value>{VALUE}))"#
                ),
                true,
            ),
        ]
    })
}

/// `$PASS`, `${PASS}`, `${{ secrets.PASS }}`, `%PASS%`, `<password>`, `{{ .Values.pass }}`: a
/// reference to a credential, not one; nor is what JSON puts after a key (`"Secrets": [`,
/// `"token": null`), so a raw report stays JSON.
fn names_a_variable(value: &str) -> bool {
    let literal = value.trim_end_matches(['}', ']', ')']);
    value.starts_with(['$', '%', '<', '{', '[', '('])
        || matches!(literal, "true" | "false" | "null")
        || literal.parse::<f64>().is_ok()
}

/// An assignment's value that looks like a credential rather than a word (`secretName: default`):
/// at least 8 characters of at least two kinds (lower case, upper case, digits, others), or 16
/// characters of any kind.
fn looks_secret(value: &str) -> bool {
    let kinds = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    value.len() >= 16 || (value.len() >= 8 && kinds.iter().filter(|kind| **kind).count() >= 2)
}

/// `text` with the userinfo of every URL (`https://user:token@host/` → `https://REDACTED@host/`)
/// and every token-like query value (`?token=…`, `&api_key=…`) redacted.
pub fn redact_url_credentials(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for url in urls_in(text) {
        let parts = UrlParts::of(&text[url.clone()]);
        let mut secrets: Vec<std::ops::Range<usize>> = parts.userinfo_range().into_iter().collect();
        secrets.extend(parts.token_ranges());
        for secret in secrets {
            out.push_str(&text[copied..url.start + secret.start]);
            out.push_str(REDACTED);
            copied = url.start + secret.end;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Byte ranges of the URLs in `text`: a scheme, `://`, and everything up to whitespace, a quote
/// or a bracket.
fn urls_in(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    text.match_indices("://").filter_map(|(at, _)| {
        let scheme_start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .map_or(0, |i| i + 1);
        if scheme_start == at || !text.as_bytes()[scheme_start].is_ascii_alphabetic() {
            return None;
        }
        let rest = &text[at + 3..];
        let len = rest
            .find(|c: char| c.is_whitespace() || "\"'`<>()[]{}\\".contains(c))
            .unwrap_or(rest.len());
        Some(scheme_start..at + 3 + len)
    })
}

/// The pieces of one URL that can hold credentials, as offsets into it.
struct UrlParts<'a> {
    url: &'a str,
    userinfo: Option<&'a str>,
    authority_start: usize,
    query: Option<std::ops::Range<usize>>,
}

impl<'a> UrlParts<'a> {
    fn of(url: &'a str) -> UrlParts<'a> {
        let authority_start = url.find("://").map_or(0, |at| at + 3);
        let after = &url[authority_start..];
        let authority_len = after.find(['/', '?', '#']).unwrap_or(after.len());
        let userinfo = after[..authority_len].rfind('@').map(|at| &after[..at]);
        let query = url.find('?').map(|at| {
            let end = url[at..].find('#').map_or(url.len(), |hash| at + hash);
            at + 1..end
        });
        UrlParts {
            url,
            userinfo: userinfo.filter(|info| !info.is_empty()),
            authority_start,
            query,
        }
    }

    fn userinfo_range(&self) -> Option<std::ops::Range<usize>> {
        self.userinfo
            .map(|info| self.authority_start..self.authority_start + info.len())
    }

    /// Ranges of the values of token-like query parameters.
    fn token_ranges(&self) -> Vec<std::ops::Range<usize>> {
        let Some(query) = self.query.clone() else {
            return Vec::new();
        };
        let mut ranges = Vec::new();
        let mut at = query.start;
        for pair in self.url[query.clone()].split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                if !value.is_empty() && is_token_parameter(name) {
                    let value_start = at + name.len() + 1;
                    ranges.push(value_start..value_start + value.len());
                }
            }
            at += pair.len() + 1;
        }
        ranges
    }

    fn token_values(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.token_ranges().into_iter().map(|range| &self.url[range])
    }
}

/// `token`, `access_token`, `X-Api-Key`, `_authToken`…: a name that holds a credential word.
fn is_token_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TOKEN_PARAMETERS.iter().any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> String {
        format!("ghp_{}", "aB3".repeat(12))
    }

    #[test]
    fn a_value_and_its_forms_are_scrubbed() {
        let value = secret();
        let secrets = Secrets::new([value.clone(), String::new(), REDACTED.to_owned()]);
        assert_eq!(secrets.len(), 1);
        let quoted = format!("RUN curl -H 'Authorization: token {value}' https://example.com");
        assert_eq!(
            secrets.scrub(&quoted),
            "RUN curl -H 'Authorization: token REDACTED' https://example.com"
        );
        for prefix in ["", "a", "ab"] {
            let text = format!("{prefix}token={value}\n");
            for engine in [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::URL_SAFE,
            ] {
                let encoded = engine.encode(text.as_bytes());
                let scrubbed = secrets.scrub(&encoded);
                assert!(scrubbed.contains(REDACTED), "{prefix:?}: {encoded} stayed {scrubbed}");
                let core = base64_forms(value.as_bytes());
                assert!(core.iter().all(|form| !scrubbed.contains(form.as_str())));
            }
        }
        assert_eq!(secrets.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn a_json_escaped_value_is_scrubbed_in_raw_bytes() {
        let value = "pa\"ss\\word-123456".to_owned();
        let secrets = Secrets::new([value]);
        let raw = br#"[{"Secret":"pa\"ss\\word-123456","Match":"x = \"pa\"ss\\word-123456\""}]"#;
        let scrubbed = String::from_utf8(secrets.scrub_bytes(raw)).unwrap();
        assert_eq!(scrubbed, r#"[{"Secret":"REDACTED","Match":"x = \"REDACTED\""}]"#);
        let _: serde_json::Value = serde_json::from_str(&scrubbed).unwrap();
    }

    #[test]
    fn url_credentials_are_redacted_and_learned() {
        let text = "npm error request to https://alice:s3cr3t-token@registry.example/-/npm/v1/security/advisories/bulk?access_token=abcdef123456&page=2 failed";
        assert_eq!(
            redact_url_credentials(text),
            "npm error request to https://REDACTED@registry.example/-/npm/v1/security/advisories/bulk?access_token=REDACTED&page=2 failed"
        );
        assert_eq!(url_credentials(text), ["s3cr3t-token", "abcdef123456"]);
        assert_eq!(url_credentials("http://ghp_tokenonly123@host/"), ["ghp_tokenonly123"]);
        assert_eq!(
            redact_url_credentials("see https://example.com/a?b=c, git@host:x"),
            "see https://example.com/a?b=c, git@host:x"
        );
        assert_eq!(url_credentials("http://u:p@host/"), Vec::<String>::new());
        assert_eq!(redact_url_credentials("http://u:p@host/"), "http://REDACTED@host/");
    }

    #[test]
    fn credential_shapes_are_redacted_and_learned() {
        let cases = [
            (
                "'--no-install-recommends' flag is missed: 'apt-get install -y curl && curl -u admin:Adm1n-Pw-77 https://h/x'",
                "'--no-install-recommends' flag is missed: 'apt-get install -y curl && curl -u REDACTED https://h/x'",
            ),
            ("curl --user=deploy:Pa55word! -uops:Hunter22x", "curl --user=REDACTED -uREDACTED"),
            (
                "curl -H 'Authorization: Basic YWRtaW46cGFzcw==' -H \"authorization: Bearer eyJhbGciOi.x.y\"",
                "curl -H 'Authorization: Basic REDACTED' -H \"authorization: Bearer REDACTED\"",
            ),
            (
                "DB_PASSWORD=s3cr3t-Value api_key: \"AbCd1234EfGh\" token := tok-9f8e7d6c5b",
                "DB_PASSWORD=REDACTED api_key: \"REDACTED\" token := REDACTED",
            ),
            ("ENV DB_PASSWORD hunter2hunter2\nARG api_token x", "ENV DB_PASSWORD REDACTED\nARG api_token REDACTED"),
            ("mysqldump --password Zq8-Wx7-Yv6 db", "mysqldump --password REDACTED db"),
            ("smtp_pass = 'Qx7Lm2Zp9' DB_PWD=x1", "smtp_pass = 'REDACTED' DB_PWD=REDACTED"),
            // JSON text stays JSON: an escaped quote is not part of the value.
            (r#"{"m":"password = \"hunter2hunter2\""}"#, r#"{"m":"password = \"REDACTED\""}"#),
        ];
        for (text, redacted) in cases {
            assert_eq!(redact_credentials(text), redacted, "{text}");
        }
        // References to credentials, and prose without a value, stay.
        for text in [
            "curl -u \"$USER:$PASS\" https://h/",
            "Authorization: Bearer ${{ secrets.TOKEN }}",
            "password: <password>",
            "Hard-coded password found",
            "git@host:x",
            r#"{"Secrets":[{"RuleID":"x"}],"token":null,"secret_count":3}"#,
        ] {
            assert_eq!(redact_credentials(text), text);
        }
        assert_eq!(
            credentials_in("curl -u admin:Adm1n-Pw-77 && secretName: default && password=Zq8-Wx7-Yv6"),
            ["Adm1n-Pw-77", "Zq8-Wx7-Yv6"]
        );
        // A learned value is scrubbed where it shows bare, as a semgrep message interpolates it.
        let secrets = Secrets::new(credentials_in("db_password = \"Zq8-Wx7-Yv6\""));
        assert_eq!(
            secrets.scrub("Hardcoded credential 'Zq8-Wx7-Yv6'"),
            "Hardcoded credential 'REDACTED'"
        );
    }

    #[test]
    fn serde_values_are_scrubbed_in_every_field() {
        let value = secret();
        let secrets = Secrets::new([value.clone()]);
        let mut finding = crate::Finding::new("trivy", crate::Kind::Misconfiguration, "DS-0029", crate::Severity::High);
        finding.message = format!("'apt-get install' quoted: token {value}");
        finding.help = Some(format!("see http://user:pw12345678@host/?token={value}"));
        secrets.scrub_serde(&mut finding);
        let text = serde_json::to_string(&finding).unwrap();
        assert!(!text.contains(&value), "{text}");
        assert!(!text.contains("pw12345678"), "{text}");
        assert_eq!(finding.message, "'apt-get install' quoted: token REDACTED");
    }
}

/*!
trivy's inline ignore comments (`# trivy:ignore:DS-0002`, `#tfsec:ignore:*`, `// trivy:ignore:AVD-AWS-0086:exp:2026-01-01`),
read the way trivy 0.74's misconfiguration scanners read them (Dockerfile, Terraform,
CloudFormation, Helm), so that scangate can take them out of trivy's hands and judge them itself.

trivy drops the results such a comment covers without a trace (`--show-suppressed` does not show
them). So the runner lets trivy scan a copy of the repository in which every such comment is
defused ([`defuse_trivy`]: the `:` after `trivy`/`tfsec` becomes `_`, nothing else changes, line
numbers stay), and the trivy parser marks the findings a comment covers as suppressed, with the
comment's place ([`trivy_ignores`], [`TrivyIgnore::covers`]).

# Syntax (trivy `pkg/iac/ignore`)
A line is split at spaces; a word, without leading `#`, `/` and `*`, that starts `trivy:` or
`tfsec:` is a rule when its `:`-separated key/value pairs hold `ignore:ID` (`ID` may use `*`,
matched case-insensitively, and may carry `[attr=value]`). `exp:YYYY-MM-DD` makes it lapse on
that day (an unreadable date never applies). A rule covers the line it is on and the next one;
rules on consecutive lines, each starting its line, all cover the line after the last of them.

# What scangate applies
A rule covers a finding whose first line is the covered line, or lies in the block that starts
there (braces, a `\` continuation, or deeper-indented lines). A rule with any other condition
(`ws:`, `[attr=value]`) is not applied: its findings count. The text after the comment
(`# trivy:ignore:DS-0002 -- why`) is its reason.
*/

/// The prefixes trivy reads a rule after.
const PREFIXES: [&str; 2] = ["trivy:", "tfsec:"];

/// One rule of an inline ignore comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrivyIgnore {
    /// 1-based line the comment is written on: the suppression's origin.
    pub line: u64,
    /// The line whose block it covers (after trivy's shift of stacked comments).
    pub covered: u64,
    /// `trivy:ignore` or `tfsec:ignore`, as written.
    pub kind: String,
    /// The id pattern (`*`, `DS-0002`, `AVD-DS-*`).
    pub id: String,
    /// `exp:` as written, when given.
    pub expiry: Option<String>,
    /// True when the rule has a condition scangate does not evaluate (`ws:`, `[attr=value]`).
    pub conditional: bool,
    /// The text after the comment, if any.
    pub reason: Option<String>,
}

/// A rule as it is found on its line, before the shift.
struct Marked {
    rule: TrivyIgnore,
    starts_line: bool,
    /// Byte offset of the `:` after the prefix in the whole text.
    colon: usize,
}

/// Every rule in `text`, in order.
pub fn trivy_ignores(text: &[u8]) -> Vec<TrivyIgnore> {
    let mut marked = marked_rules(text);
    shift(&mut marked);
    marked.into_iter().map(|m| m.rule).collect()
}

/// `text` with every rule defused (`trivy_ignore:…`), or `None` when it holds none.
pub fn defuse_trivy(text: &[u8]) -> Option<Vec<u8>> {
    let marked = marked_rules(text);
    if marked.is_empty() {
        return None;
    }
    let mut out = text.to_vec();
    for rule in marked {
        out[rule.colon] = b'_';
    }
    Some(out)
}

/// True when `text` may hold a rule: a cheap test before [`defuse_trivy`].
pub fn may_hold_trivy_ignores(text: &[u8]) -> bool {
    PREFIXES
        .iter()
        .any(|prefix| text.windows(prefix.len()).any(|window| window == prefix.as_bytes()))
}

fn marked_rules(text: &[u8]) -> Vec<Marked> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for (index, line) in text.split(|b| *b == b'\n').enumerate() {
        let first_on_line = out.len();
        let mut offset = line_start;
        let mut words = 0;
        for raw in line.split(|b| *b == b' ') {
            let word_start = offset;
            offset += raw.len() + 1;
            let word = raw.trim_ascii();
            let lead = word.iter().take_while(|b| matches!(b, b'#' | b'/' | b'*')).count();
            let word = &word[lead..];
            if word.is_empty() {
                continue;
            }
            words += 1;
            let Some(prefix) = PREFIXES.iter().find(|p| word.starts_with(p.as_bytes())) else {
                continue;
            };
            let Some(mut rule) = parse_rule(&String::from_utf8_lossy(&word[prefix.len()..])) else {
                continue;
            };
            rule.line = index as u64 + 1;
            rule.covered = rule.line;
            rule.kind = format!("{prefix}ignore");
            rule.reason = reason_after(&line[offset.saturating_sub(line_start).min(line.len())..]);
            let skipped = raw.len() - raw.trim_ascii_start().len() + lead;
            let starts_line = words == 1 || out.get(first_on_line).is_some_and(|m: &Marked| m.starts_line);
            out.push(Marked {
                rule,
                starts_line,
                colon: word_start + skipped + prefix.len() - 1,
            });
        }
        line_start += line.len() + 1;
    }
    // Only the last rule of a line has the rest of the line as its reason.
    for pair in (1..out.len()).rev() {
        if out[pair].rule.line == out[pair - 1].rule.line {
            out[pair - 1].rule.reason = None;
        }
    }
    out
}

/// The key/value pairs after the prefix; `None` without an `ignore` id.
fn parse_rule(sections: &str) -> Option<TrivyIgnore> {
    let parts: Vec<&str> = sections.split(':').collect();
    let mut id = None;
    let mut expiry = None;
    let mut conditional = false;
    for pair in parts.chunks_exact(2) {
        match pair[0] {
            "ignore" => {
                let (pattern, condition) = pair[1].split_once('[').unwrap_or((pair[1], ""));
                id = Some(pattern.to_owned()).filter(|p| !p.is_empty()).or(id);
                conditional |= !condition.is_empty();
            }
            "exp" => expiry = Some(pair[1].to_owned()),
            _ => conditional = true,
        }
    }
    Some(TrivyIgnore {
        line: 0,
        covered: 0,
        kind: String::new(),
        id: id?,
        expiry,
        conditional,
        reason: None,
    })
}

fn reason_after(rest: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(rest);
    let reason = text
        .trim()
        .trim_start_matches(|c: char| c == '-' || c == ':' || c.is_whitespace())
        .trim_end_matches(|c: char| c.is_whitespace() || c == '*' || c == '/')
        .trim();
    (!reason.is_empty()).then(|| reason.to_owned())
}

/// trivy's shift: comments stacked on consecutive lines, each starting its line, all cover what
/// the last of them covers.
fn shift(rules: &mut [Marked]) {
    let mut current: Option<u64> = None;
    let mut offset = 0;
    for i in (1..rules.len()).rev() {
        if !rules[i - 1].starts_line {
            continue;
        }
        let target = *current.get_or_insert(rules[i].rule.covered);
        if rules[i - 1].rule.line + 1 + offset == rules[i].rule.line {
            rules[i - 1].rule.covered = target;
            offset += 1;
        } else {
            current = None;
            offset = 0;
        }
    }
}

impl TrivyIgnore {
    /// True when the rule hides a finding with these ids whose first line is `start`, in a file
    /// whose lines are `lines`, on `today` (`YYYY-MM-DD`; `None` counts as current).
    pub fn covers(&self, ids: &[&str], start: u64, lines: &[&str], today: Option<&str>) -> bool {
        let current = match (&self.expiry, today) {
            (None, _) => true,
            (Some(expiry), today) => is_date(expiry) && today.is_none_or(|today| today < expiry.as_str()),
        };
        current
            && !self.conditional
            && (self.id == "*" || ids.iter().any(|id| matches_pattern(id, &self.id)))
            && (start == self.covered || (self.covered + 1..=block_end(lines, self.covered + 1)).contains(&start))
    }
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// The last line of the block starting at the 1-based line `first`: to the brace that closes
/// the one opened there, over `\` continuations, or over the lines indented deeper.
fn block_end(lines: &[&str], first: u64) -> u64 {
    let Some(head) = lines.get(first as usize - 1) else {
        return first;
    };
    let rest = lines.iter().skip(first as usize).zip(first + 1..);
    if head.contains('{') {
        let mut depth = 0i64;
        for (line, number) in std::iter::once((head, first)).chain(rest) {
            depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
            if depth <= 0 {
                return number;
            }
        }
        return lines.len() as u64;
    }
    if head.trim_end().ends_with('\\') {
        let mut end = first;
        for (line, number) in rest {
            end = number;
            if !line.trim_end().ends_with('\\') {
                break;
            }
        }
        return end;
    }
    let indent = |line: &str| line.len() - line.trim_start().len();
    let own = indent(head);
    rest.take_while(|(line, _)| line.trim().is_empty() || indent(line) > own)
        .filter(|(line, _)| !line.trim().is_empty())
        .last()
        .map_or(first, |(_, number)| number)
}

/// trivy's id match: case-insensitive, `*` for any run of characters.
fn matches_pattern(input: &str, pattern: &str) -> bool {
    let (input, pattern) = (input.to_ascii_lowercase(), pattern.to_ascii_lowercase());
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = input.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignores(text: &str) -> Vec<(u64, u64, String)> {
        trivy_ignores(text.as_bytes())
            .into_iter()
            .map(|r| (r.line, r.covered, r.id))
            .collect()
    }

    #[test]
    fn rules_as_trivy_reads_them() {
        let text = "FROM alpine:3.19\n# trivy:ignore:DS-0002 -- the base image sets the user\nUSER root\n";
        let rules = trivy_ignores(text.as_bytes());
        assert_eq!(rules.len(), 1);
        assert_eq!((rules[0].line, rules[0].covered), (2, 2));
        assert_eq!(rules[0].kind, "trivy:ignore");
        assert_eq!(rules[0].reason.as_deref(), Some("the base image sets the user"));
        // Image references and words without an `ignore` id are no rules.
        assert!(ignores("FROM aquasec/trivy:0.50\nFROM trivy:latest\nx = \"tfsec:\"\n").is_empty());
        assert_eq!(ignores("//tfsec:ignore:aws-s3-*\n/* trivy:ignore:* */\n").len(), 2);
        let conditional = trivy_ignores(b"#trivy:ignore:*[versioning.enabled=false]\n#trivy:ws:dev:ignore:*\n");
        assert!(conditional.iter().all(|r| r.conditional), "{conditional:?}");
    }

    #[test]
    fn stacked_comments_cover_the_line_after_the_last() {
        assert_eq!(
            ignores("#trivy:ignore:A\n#trivy:ignore:B\nresource \"x\" \"y\" {\n}\n#trivy:ignore:C\n\nx\n"),
            [(1, 2, "A".into()), (2, 2, "B".into()), (5, 5, "C".into())]
        );
        // A comment after code on its line does not start the line: nothing stacks onto it.
        assert_eq!(
            ignores("a = 1 #trivy:ignore:A\n#trivy:ignore:B\n"),
            [(1, 1, "A".into()), (2, 2, "B".into())]
        );
    }

    #[test]
    fn a_rule_covers_the_block_below_it() {
        let tf = "#trivy:ignore:*\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  acl = \"public-read\"\n}\nresource \"aws_s3_bucket\" \"c\" {\n}\n";
        let lines: Vec<&str> = tf.lines().collect();
        let rule = &trivy_ignores(tf.as_bytes())[0];
        assert!(rule.covers(&["AVD-AWS-0086"], 2, &lines, None));
        assert!(rule.covers(&["AVD-AWS-0086"], 4, &lines, None));
        assert!(!rule.covers(&["AVD-AWS-0086"], 6, &lines, None));
        let docker = "# trivy:ignore:DS-0026\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER app\n";
        let lines: Vec<&str> = docker.lines().collect();
        let rule = &trivy_ignores(docker.as_bytes())[0];
        assert!(rule.covers(&["DS-0026", "AVD-DS-0026"], 2, &lines, None));
        assert!(rule.covers(&["DS-0026"], 3, &lines, None));
        assert!(!rule.covers(&["DS-0026"], 4, &lines, None));
        assert!(!rule.covers(&["DS-0002"], 2, &lines, None));
    }

    #[test]
    fn ids_expiry_and_defusing() {
        assert!(matches_pattern("AVD-DS-0002", "avd-ds-*"));
        assert!(matches_pattern("DS-0002", "*0002"));
        assert!(!matches_pattern("DS-0002", "DS-00"));
        let lines = ["#", "USER root"];
        let expiring = &trivy_ignores(b"#trivy:ignore:DS-0002:exp:2026-06-01\nUSER root\n")[0];
        assert!(expiring.covers(&["DS-0002"], 2, &lines, Some("2026-05-31")));
        assert!(!expiring.covers(&["DS-0002"], 2, &lines, Some("2026-06-01")));
        let unreadable = &trivy_ignores(b"#trivy:ignore:DS-0002:exp:soon\nUSER root\n")[0];
        assert!(!unreadable.covers(&["DS-0002"], 2, &lines, None));
        let text = b"FROM aquasec/trivy:0.50\n  # trivy:ignore:DS-0002 tfsec:ignore:*\nUSER root\n";
        let defused = defuse_trivy(text).unwrap();
        assert_eq!(
            String::from_utf8(defused).unwrap(),
            "FROM aquasec/trivy:0.50\n  # trivy_ignore:DS-0002 tfsec_ignore:*\nUSER root\n"
        );
        assert_eq!(defuse_trivy(b"FROM aquasec/trivy:0.50\n"), None);
        assert!(may_hold_trivy_ignores(text) && !may_hold_trivy_ignores(b"FROM alpine\n"));
    }
}

//! Why a tool's output could not be read.

/// The output is not what the tool writes. Never carries tool output text: serde's messages quote
/// the offending value, which may be a secret, so only a redacted message is kept.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// No parser has this name.
    #[error("no parser for tool `{0}`")]
    UnknownTool(String),
    /// The tool wrote nothing.
    #[error("{tool} wrote no output")]
    Empty {
        /// Canonical tool name.
        tool: &'static str,
    },
    /// The output is not the JSON shape the tool writes.
    #[error("{tool} output is not valid: {message} (line {line}, column {column})")]
    Json {
        /// Canonical tool name (or `sarif`).
        tool: &'static str,
        /// serde's message with quoted values removed.
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
}

impl ParseError {
    pub(crate) fn json(tool: &'static str, error: &serde_json::Error) -> Self {
        ParseError::Json {
            tool,
            message: redact_quotes(&error.to_string()),
            line: error.line(),
            column: error.column(),
        }
    }
}

/// Replaces every `"…"` and `` `…` `` span of a serde message with `"…"`: those spans quote input.
fn redact_quotes(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for ch in message.chars() {
        match open {
            Some(quote) if ch == quote => {
                out.push('…');
                out.push(ch);
                open = None;
            }
            Some(_) => {}
            None if ch == '"' || ch == '`' => {
                out.push(ch);
                open = Some(ch);
            }
            None => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_quoted_values() {
        let error = serde_json::from_str::<u64>("\"AKIASECRETVALUE\"").unwrap_err();
        let text = ParseError::json("gitleaks", &error).to_string();
        assert!(!text.contains("AKIASECRETVALUE"), "{text}");
        assert!(text.starts_with("gitleaks output is not valid: invalid type"), "{text}");
    }
}

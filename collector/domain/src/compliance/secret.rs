//! Secrets (the informante's password, the SMA password and token) and the
//! redaction that keeps them out of logs, API output and stored payloads.
//!
//! A [`Secret`] prints as [`REDACTED`] through `Debug` and `Display`, so a
//! settings struct can be logged whole; the clear text is reached only with
//! [`Secret::expose`], which the HTTP sender calls while it writes the body.
//! Every payload this module family stores in the ledger is built a second
//! time with [`REDACTED`] in place of the secret, and [`redact`] scrubs any
//! other text (a reply body, a transport error) that might echo one.

/// What replaces a secret in anything stored or shown (S1 uses the same mark).
pub const REDACTED: &str = "****";

/// A secret string: never printed, never compared in variable time by callers
/// that matter (it is not a key; equality is for tests and change detection).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a clear-text secret.
    #[must_use]
    pub fn new(clear: impl Into<String>) -> Secret {
        Secret(clear.into())
    }

    /// The clear text, for the one place that sends it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` with every occurrence of each secret, and of its JSON-escaped form,
/// replaced by [`REDACTED`]. Secrets shorter than 4 characters are still
/// replaced: a short password is no less secret.
#[must_use]
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.is_empty() {
            continue;
        }
        out = out.replace(secret.expose(), REDACTED);
        let escaped = json_escaped(secret.expose());
        if escaped != secret.expose() {
            out = out.replace(&escaped, REDACTED);
        }
    }
    out
}

/// The body of a JSON string literal for `s` (without the quotes).
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "**** ****");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redact_scrubs_plain_and_json_escaped_forms() {
        let s = Secret::new("p\"ss\\w");
        let body = r#"{"password":"p\"ss\\w","echo":"p"ss\w"}"#;
        let out = redact(body, &[&s]);
        assert_eq!(out, r#"{"password":"****","echo":"****"}"#);
        assert_eq!(redact("nothing here", &[&Secret::new("")]), "nothing here");
    }
}

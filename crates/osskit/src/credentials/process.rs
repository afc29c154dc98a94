//! [`ProcessCredentialsProvider`]: credentials printed by a command.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::{parse_expiration, Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// Default time a command may take.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Credentials printed on standard output by a command (the `External` profiles of the
/// Alibaba Cloud CLI, the OSS Go SDK v2's process provider). Both JSON forms are read:
///
/// ```json
/// {"mode": "StsToken", "access_key_id": "…", "access_key_secret": "…",
///  "sts_token": "…", "expiration": "2024-10-26T03:46:38Z"}
/// {"AccessKeyId": "…", "AccessKeySecret": "…", "SecurityToken": "…",
///  "Expiration": "2024-10-26T03:46:38Z"}
/// ```
///
/// The command line is split like a POSIX shell does words (single and double quotes,
/// backslash escapes) but no shell runs it. The command inherits the environment and
/// standard error; it must exit with status 0 within the timeout (60 s by default).
/// Credentials without expiry are kept for the life of the provider; expiring ones are
/// fetched again by the [`CredentialsCache`](super::CredentialsCache) before they expire.
///
/// ```
/// use osskit::credentials::ProcessCredentialsProvider;
/// let p = ProcessCredentialsProvider::new(r#"vault-cli read --format json "oss/prod keys""#).unwrap();
/// assert_eq!(p.args(), ["vault-cli", "read", "--format", "json", "oss/prod keys"]);
/// assert!(ProcessCredentialsProvider::new("unterminated 'quote").is_err());
/// ```
#[derive(Debug)]
pub struct ProcessCredentialsProvider {
    args: Vec<String>,
    timeout: Duration,
    kept: Mutex<Option<Credentials>>,
}

impl ProcessCredentialsProvider {
    /// Runs `command_line`; fails when it is empty or its quotes are not closed.
    pub fn new(command_line: &str) -> Result<Self> {
        let args = split_command(command_line).map_err(|why| {
            Error::client(format!("the credentials command {command_line:?} {why}"))
        })?;
        Ok(Self::from_args(args))
    }

    /// Runs `args[0]` with the other arguments.
    ///
    /// # Panics
    /// Never; an empty `args` fails at each call instead.
    pub fn from_args(args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        ProcessCredentialsProvider {
            args: args.into_iter().map(Into::into).collect(),
            timeout: DEFAULT_TIMEOUT,
            kept: Mutex::new(None),
        }
    }

    /// The time the command may take (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The program and its arguments.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    async fn fetch(&self) -> Result<Credentials> {
        if let Some(kept) = self.kept.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(kept);
        }
        let Some((program, rest)) = self.args.split_first() else {
            return Err(Error::credentials("the credentials command is empty"));
        };
        let what = format!("the credentials command {program:?}");
        let mut command = tokio::process::Command::new(program);
        command
            .args(rest)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        let output = match tokio::time::timeout(self.timeout, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => {
                return Err(Error::credentials(format!("{what} could not run: {e}")));
            }
            Err(_) => {
                return Err(Error::credentials(format!(
                    "{what} did not finish within {:?}",
                    self.timeout
                )));
            }
        };
        if !output.status.success() {
            return Err(Error::credentials(format!(
                "{what} failed ({})",
                output.status
            )));
        }
        let doc: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
            Error::credentials(format!("{what} did not print JSON credentials: {e}"))
        })?;
        let credentials = parse_output(&doc, &what)?;
        if credentials.expiration.is_none() {
            *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
        }
        Ok(credentials)
    }
}

impl CredentialsProvider for ProcessCredentialsProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Either JSON form of a command's credentials.
pub(crate) fn parse_output(doc: &Value, what: &str) -> Result<Credentials> {
    let field = |names: &[&str]| {
        names.iter().find_map(|n| {
            doc.get(*n)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        })
    };
    let (Some(id), Some(secret)) = (
        field(&["access_key_id", "AccessKeyId"]),
        field(&["access_key_secret", "AccessKeySecret"]),
    ) else {
        return Err(Error::credentials(format!(
            "{what} printed no access key id or secret"
        )));
    };
    let token = field(&["sts_token", "SecurityToken"]);
    if field(&["mode"]) == Some("StsToken") && token.is_none() {
        return Err(Error::credentials(format!(
            "{what} printed StsToken credentials without sts_token"
        )));
    }
    let mut credentials = match token {
        Some(token) => Credentials::with_token(id, secret, token),
        None => Credentials::new(id, secret),
    };
    if let Some(expiration) = field(&["expiration", "Expiration"]) {
        credentials = credentials.expires_at(parse_expiration(expiration, what)?);
    }
    Ok(credentials)
}

/// Splits a command line into words: whitespace separates, `'…'` is literal, `"…"` keeps
/// `\"`, `\\`, `\$` and `` \` `` escapes, a backslash outside quotes escapes the next
/// character, and a backslash before a newline joins the lines.
pub(crate) fn split_command(line: &str) -> std::result::Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("has an unclosed quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("has an unclosed quote"),
                        },
                        Some(c) => word.push(c),
                        None => return Err("has an unclosed quote"),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err("ends with a backslash"),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err("is empty");
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split_command("a b  c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split_command(r#"cmd --x "a b" 'c "d"' e\ f"#).unwrap(),
            ["cmd", "--x", "a b", "c \"d\"", "e f"]
        );
        assert_eq!(
            split_command("cmd \"q\\\"x\" \\\n next").unwrap(),
            ["cmd", "q\"x", "next"]
        );
        assert_eq!(split_command("cmd ''").unwrap(), ["cmd", ""]);
        assert!(split_command("   ").is_err());
        assert!(split_command("a \"b").is_err());
        assert!(split_command("a \\").is_err());
    }

    #[test]
    fn both_output_forms() {
        let cli: Value = serde_json::from_str(
            r#"{"mode":"StsToken","access_key_id":"a","access_key_secret":"s","sts_token":"t","expiration":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let c = parse_output(&cli, "cmd").unwrap();
        assert_eq!(c.security_token.as_deref(), Some("t"));
        assert!(c.expiration.is_some());
        let go: Value =
            serde_json::from_str(r#"{"AccessKeyId":"a","AccessKeySecret":"s"}"#).unwrap();
        let c = parse_output(&go, "cmd").unwrap();
        assert!(c.security_token.is_none() && c.expiration.is_none());
        let bad: Value = serde_json::from_str(
            r#"{"mode":"StsToken","access_key_id":"a","access_key_secret":"s"}"#,
        )
        .unwrap();
        assert!(parse_output(&bad, "cmd").is_err());
    }
}

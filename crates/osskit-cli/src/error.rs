//! Failures of a command: a one-line message and an exit status.

use std::fmt;

/// Exit status of usage and configuration errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of a failed operation.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status after Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    message: String,
    status: u8,
}

impl CliError {
    /// A usage or configuration error (exit status 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            status: EXIT_USAGE,
        }
    }

    /// An operation that failed (exit status 1).
    pub fn failed(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            status: EXIT_FAILURE,
        }
    }

    /// Stopped by Ctrl-C (exit status 130).
    pub fn interrupted() -> CliError {
        CliError {
            message: "interrupted (a copy resumes from its checkpoint when the same command is \
                      run again)"
                .to_string(),
            status: EXIT_INTERRUPTED,
        }
    }

    /// An SDK error while doing `what`. Server errors show their OSS code, HTTP status,
    /// message and request id.
    pub fn oss(what: impl fmt::Display, e: osskit::Error) -> CliError {
        let detail = match e.as_server() {
            Some(s) => {
                let code = if s.code.is_empty() { "-" } else { &s.code };
                let id = if s.request_id.is_empty() {
                    "-"
                } else {
                    &s.request_id
                };
                let mut text = format!("{code} (HTTP {})", s.status);
                if !s.message.is_empty() {
                    text.push_str(": ");
                    text.push_str(&s.message);
                }
                text.push_str(&format!(" [request id {id}]"));
                text
            }
            None => match e.request_id() {
                Some(id) if !id.is_empty() && !e.to_string().contains(id) => {
                    format!("{e} [request id {id}]")
                }
                _ => e.to_string(),
            },
        };
        let status = match e {
            osskit::Error::Client { .. } | osskit::Error::Credentials { .. } => EXIT_USAGE,
            _ => EXIT_FAILURE,
        };
        CliError {
            message: format!("{what}: {detail}"),
            status,
        }
    }

    /// Some of a batch failed (each was reported): `failed` of `total` `what`s.
    pub fn partial(failed: u64, total: u64, what: &str) -> CliError {
        CliError::failed(format!(
            "{failed} of {} failed",
            crate::format::count(total, what)
        ))
    }

    /// A local I/O error while doing `what`.
    pub fn io(what: impl fmt::Display, e: std::io::Error) -> CliError {
        CliError::failed(format!("{what}: {e}"))
    }

    /// The exit status.
    pub fn status(&self) -> u8 {
        self.status
    }
}

impl fmt::Display for CliError {
    /// The message on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line: String = self
            .message
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        f.write_str(&one_line)
    }
}

impl std::error::Error for CliError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_show_code_and_request_id() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-oss-request-id", "REQ123".parse().unwrap());
        let body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>\
                    <Message>The specified key does not exist.\nReally.</Message>\
                    <RequestId>REQ123</RequestId></Error>";
        let server = osskit::ServerError::from_response(404, headers, body.into());
        let e = CliError::oss(
            "cannot read oss://b/k",
            osskit::Error::Server(Box::new(server)),
        );
        let text = e.to_string();
        assert_eq!(e.status(), EXIT_FAILURE);
        assert!(
            text.starts_with("cannot read oss://b/k: NoSuchKey (HTTP 404)"),
            "{text}"
        );
        assert!(text.contains("[request id REQ123]"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn client_errors_are_usage_errors() {
        let e = CliError::oss("x", osskit::Error::client("bad bucket"));
        assert_eq!(e.status(), EXIT_USAGE);
        assert_eq!(CliError::interrupted().status(), 130);
    }
}

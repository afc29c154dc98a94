//! Asking before destructive work: recursive deletes, overwrites and recursive changes go
//! ahead with `-f/--force`, are asked about when a person is at a terminal, and are refused
//! otherwise (a script never deletes by accident).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

/// Goes ahead when `force`, else asks `question` on a terminal; refuses without one.
pub fn confirm(force: bool, question: &str) -> Result<(), CliError> {
    if force {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(CliError::usage(format!(
            "{question} Not without -f/--force: there is no terminal to ask (--dry-run shows \
             what would be done)"
        )));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("cannot read the answer", e))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::failed("stopped: not confirmed")),
    }
}

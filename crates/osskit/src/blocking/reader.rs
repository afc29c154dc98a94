//! The result of a blocking GetObject: the output's fields plus [`std::io::Read`].

use std::io::Read;
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::StreamExt;

use crate::blocking::driver::Driver;
use crate::mode::Blocking;
use crate::ops::download::GetObjectOutput;

/// A GetObject result whose body is read with [`std::io::Read`]. The output's fields
/// (`etag`, `content_length`, `server_crc`, `client_crc()`, …) are reachable through
/// `Deref`.
///
/// The body comes through a connection of the thread that sent the request: the reader
/// keeps that thread's runtime and connection pool alive, so it can be read after the
/// client and its session are dropped, and from another thread (which then drives that
/// runtime while it reads).
#[derive(Debug)]
pub struct GetObjectReader {
    output: GetObjectOutput,
    /// The driver that ran the request, whose runtime holds the connection.
    driver: Result<Arc<Driver>, crate::Error>,
    chunk: Bytes,
    finished: bool,
}

impl GetObjectReader {
    /// The output of a request just run by `mode` on this thread.
    pub(crate) fn new(output: GetObjectOutput, mode: Blocking) -> Self {
        GetObjectReader {
            output,
            // The request ran on this thread's driver, which therefore exists.
            driver: mode.driver(),
            chunk: Bytes::new(),
            finished: false,
        }
    }

    /// Reads the rest of the body into memory.
    pub fn bytes(mut self) -> crate::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_to_end(&mut out)?;
        Ok(out)
    }

    /// The async output (with its body stream). The body still comes through the
    /// connection of the blocking runtime that ran the request, which only moves while a
    /// blocking call drives it: read it with this reader rather than on an async runtime.
    pub fn into_inner(self) -> GetObjectOutput {
        self.output
    }
}

impl std::ops::Deref for GetObjectReader {
    type Target = GetObjectOutput;

    fn deref(&self) -> &GetObjectOutput {
        &self.output
    }
}

impl Read for GetObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.chunk.is_empty() {
            if self.finished {
                return Ok(0);
            }
            let driver =
                (self.driver.as_ref()).map_err(|e| std::io::Error::other(e.to_string()))?;
            let body = &mut self.output.body;
            match driver.block_on(body.next()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(crate::Error::Io(e))) => return Err(e),
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => self.finished = true,
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk.advance(n);
        Ok(n)
    }
}

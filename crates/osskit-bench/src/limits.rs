//! The physical limits measured in the same run: loopback TCP between two processes, disk
//! writes with fsync, memory copy, and the SDK's per-request protocol work.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::LoopbackSendArgs;

const COPY_BUF: usize = 1 << 20;

/// Loopback TCP throughput, MB/s: a child process (`oss-bench loopback-send`) writes `bytes`
/// over one connection, this process reads them (a plain socket copy, 1 MiB buffers).
pub fn loopback(exe: &Path, bytes: u64) -> Result<f64, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("loopback probe: cannot listen: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("loopback probe: {e}"))?;
    let mut child = Command::new(exe)
        .args([
            "loopback-send",
            "--addr",
            &addr.to_string(),
            "--bytes",
            &bytes.to_string(),
        ])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("loopback probe: cannot start {}: {e}", exe.display()))?;
    let (mut conn, _) = listener
        .accept()
        .map_err(|e| format!("loopback probe: accept: {e}"))?;
    let mut buf = vec![0u8; COPY_BUF];
    let start = Instant::now();
    let mut got = 0u64;
    loop {
        let n = conn
            .read(&mut buf)
            .map_err(|e| format!("loopback probe: read: {e}"))?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    let status = child
        .wait()
        .map_err(|e| format!("loopback probe: sender: {e}"))?;
    if !status.success() || got != bytes {
        return Err(format!(
            "loopback probe: received {got} of {bytes} bytes (sender {status})"
        ));
    }
    Ok(got as f64 / secs / 1e6)
}

/// The sending side of [`loopback`].
pub fn loopback_send(args: &LoopbackSendArgs) -> Result<(), String> {
    let mut conn =
        TcpStream::connect(args.addr).map_err(|e| format!("connect {}: {e}", args.addr))?;
    let buf = vec![0x5au8; COPY_BUF];
    let mut left = args.bytes;
    while left > 0 {
        let n = left.min(COPY_BUF as u64) as usize;
        conn.write_all(&buf[..n])
            .map_err(|e| format!("write to {}: {e}", args.addr))?;
        left -= n as u64;
    }
    Ok(())
}

/// Disk write speed with fsync, MB/s: `bytes` in 8 MiB writes to a new file in `dir`, then
/// `fsync`; the file is removed afterwards.
pub fn disk(dir: &Path, bytes: u64) -> Result<f64, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("disk probe: {}: {e}", dir.display()))?;
    let path = dir.join("disk-probe.bin");
    let block = crate::pattern::block();
    let start = Instant::now();
    let mut file = std::fs::File::create(&path)
        .map_err(|e| format!("disk probe: cannot create {}: {e}", path.display()))?;
    let mut left = bytes;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])
            .map_err(|e| format!("disk probe: write {}: {e}", path.display()))?;
        left -= n as u64;
    }
    file.sync_all()
        .map_err(|e| format!("disk probe: fsync {}: {e}", path.display()))?;
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    drop(file);
    let _ = std::fs::remove_file(&path);
    Ok(bytes as f64 / secs / 1e6)
}

/// Memory copy speed, GB/s: copies between two 256 MiB buffers, 8 times.
pub fn memcpy() -> f64 {
    const SIZE: usize = 256 << 20;
    const ROUNDS: usize = 8;
    let src = vec![0xa5u8; SIZE];
    let mut dst = vec![0u8; SIZE];
    dst.copy_from_slice(&src); // touch every page first
    let start = Instant::now();
    for _ in 0..ROUNDS {
        dst.copy_from_slice(std::hint::black_box(&src));
        std::hint::black_box(&mut dst);
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    (SIZE * ROUNDS) as f64 / secs / 1e9
}

/// The protocol work of one small request, µs: build the object URL, sign V4 (V1 in
/// `v1_us`), parse a `Last-Modified` date and a small XML response body.
pub fn sign_build_parse() -> Result<(f64, f64), String> {
    use osskit_proto::endpoint::Endpoint;
    use osskit_proto::sign::{sign_headers, Credentials, SignableRequest, SigningContext};
    use osskit_proto::xml::object::CopyObjectResult;

    let endpoint =
        Endpoint::parse("http://127.0.0.1:9000").map_err(|e| format!("endpoint: {e}"))?;
    let creds = Credentials::new("bench-access-key-id", "bench-access-key-secret");
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult>\
        <LastModified>2024-01-02T03:04:05.000Z</LastModified>\
        <ETag>\"5B3C1A2E053D763E1B002CC607C5A0FE\"</ETag></CopyObjectResult>";
    let measure = |v4: bool| -> Result<f64, String> {
        const N: u32 = 20_000;
        let start = Instant::now();
        for i in 0..N {
            let key = "dir/object-0001.bin";
            let addressing = endpoint.addressing(false, false, "bench-bucket");
            let url = endpoint.object_url(addressing, "bench-bucket", key, true);
            let headers = vec![
                (
                    "content-type".to_string(),
                    "application/octet-stream".to_string(),
                ),
                ("content-length".to_string(), "4096".to_string()),
                (
                    "host".to_string(),
                    endpoint.host_header(addressing, "bench-bucket"),
                ),
            ];
            let req = SignableRequest {
                method: "PUT",
                bucket: Some("bench-bucket"),
                key: Some(key),
                params: &[],
                headers: &headers,
            };
            let time = 1_700_000_000 + i64::from(i);
            let ctx = if v4 {
                SigningContext::v4(&creds, time, "cn-hangzhou")
            } else {
                SigningContext::v1(&creds, time)
            };
            let signed = sign_headers(&req, &ctx).map_err(|e| format!("sign: {e}"))?;
            let date = osskit_proto::date::http_to_unixtime("Tue, 02 Jan 2024 03:04:05 GMT")
                .map_err(|e| format!("date: {e}"))?;
            let parsed: CopyObjectResult =
                osskit_proto::xml::from_xml(body).map_err(|e| format!("xml: {e}"))?;
            std::hint::black_box((url, signed, date, parsed));
        }
        Ok(duration_us(start.elapsed()) / f64::from(N))
    };
    Ok((measure(true)?, measure(false)?))
}

fn duration_us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_probe_writes_and_removes_its_file() {
        let dir = tempfile_dir();
        let speed = disk(&dir, 9 << 20).unwrap();
        assert!(speed > 0.0);
        assert!(!dir.join("disk-probe.bin").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn protocol_work_is_measured() {
        let (v4, v1) = sign_build_parse().unwrap();
        assert!(v4 > 0.0 && v1 > 0.0);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("oss-bench-test-{}", std::process::id()))
    }
}

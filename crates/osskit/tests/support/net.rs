//! Network helpers of the proxy tests, on 127.0.0.1: a forward proxy (plain HTTP requests
//! in absolute form, and `CONNECT` tunnels), with optional Basic authentication, that
//! records what passes through it; and a TLS endpoint with a private CA in front of a
//! server.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The private CA that signed the TLS endpoint's certificate.
pub const CA_PEM: &[u8] = include_bytes!("../fixtures/tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("../fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("../fixtures/tls/server.key");

/// A running forward proxy.
pub struct Proxy {
    pub addr: SocketAddr,
    /// The request line of each connection's first request (`GET http://… HTTP/1.1`,
    /// `CONNECT host:port HTTP/1.1`), refused ones included.
    pub seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a proxy; with `auth`, requests must carry `Proxy-Authorization: Basic …` for
/// that user and password (else 407).
pub async fn start_proxy(auth: Option<(&str, &str)>) -> Proxy {
    start_proxy_with(auth, None).await
}

/// Which requests lose their answer: given the request line, true to forward the request
/// but close the client's connection once the server starts answering.
pub type DropAnswer = fn(&str) -> bool;

/// A proxy that forwards every request but drops the answers `drop_answer` picks (plain
/// HTTP only; each connection's first request is the one looked at).
pub async fn start_proxy_with(
    auth: Option<(&str, &str)>,
    drop_answer: Option<DropAnswer>,
) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let expected =
        auth.map(|(u, p)| base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")));
    let s = seen.clone();
    let task = tokio::spawn(async move {
        // Bounded: a test opens a handful of connections.
        for _ in 0..256 {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let (s, expected) = (s.clone(), expected.clone());
            tokio::spawn(async move {
                let _ = relay(conn, s, expected, drop_answer).await;
            });
        }
    });
    Proxy { addr, seen, task }
}

async fn relay(
    mut client: TcpStream,
    seen: Arc<Mutex<Vec<String>>>,
    expected_auth: Option<String>,
    drop_answer: Option<DropAnswer>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        let n = client.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let line = head.lines().next().unwrap_or_default().to_string();
    seen.lock().unwrap().push(line.clone());
    if let Some(expected) = expected_auth {
        let given = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("proxy-authorization")
                .then(|| v.trim().to_string())
        });
        let accepted = given
            .as_deref()
            .and_then(|v| v.split_once(' '))
            .is_some_and(|(scheme, credentials)| {
                scheme.eq_ignore_ascii_case("basic") && credentials.trim() == expected
            });
        if !accepted {
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    if method == "CONNECT" {
        let mut upstream = TcpStream::connect(resolve(target)).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        upstream.write_all(&buf[head_end..]).await?;
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    } else {
        let authority = target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        let mut upstream = TcpStream::connect(resolve(authority)).await?;
        upstream.write_all(&buf).await?;
        if drop_answer.is_some_and(|f| f(&line)) {
            // The rest of the request goes on; the answer is awaited, then both ends close.
            let (mut client_read, _client_write) = client.into_split();
            let (mut up_read, mut up_write) = upstream.into_split();
            let forward =
                tokio::spawn(async move { tokio::io::copy(&mut client_read, &mut up_write).await });
            let mut first = [0u8; 1];
            let _ = up_read.read(&mut first).await;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            forward.abort();
            return Ok(());
        }
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    }
    Ok(())
}

/// `localhost:PORT` → `127.0.0.1:PORT`.
fn resolve(authority: &str) -> String {
    authority.replace("localhost:", "127.0.0.1:")
}

/// A TLS endpoint for `localhost`/`127.0.0.1` (certificate signed by [`CA_PEM`]) that
/// forwards the decrypted bytes to `upstream`.
pub async fn start_tls_front(upstream: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_PEM)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        for _ in 0..256 {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(conn).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    (addr, task)
}

//! CORS in a real browser: headless Chromium, driven over WebDriver (chromedriver's JSON
//! protocol, spoken with reqwest), loads a page from one origin (a small HTTP server of this
//! test on 127.0.0.1) whose script fetches an object from the local OSS server (another
//! origin). The fetches succeed with a matching CORS rule and are blocked by the browser
//! without one.
//!
//! Chromium and chromedriver come from Debian's `chromium` and `chromium-driver` packages;
//! the test installs them with apt-get when they are missing, and is skipped, saying why,
//! only where they cannot be installed.

mod common;

use common::{new_bucket, server, Signer};
use osskit::proto::xml::cors::{CorsConfiguration, CorsRule};
use osskit::BucketAcl;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium and chromedriver, installed when missing; `Err` says why they cannot be had.
fn browser_available() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    eprintln!("installing chromium and chromium-driver with apt-get");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run apt-get: {e}"))
    };
    apt(&["update", "-qq"])?;
    let status = apt(&["install", "-y", "-qq", "chromium", "chromium-driver"])?;
    if status.success() && Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        Ok(())
    } else {
        Err(format!(
            "apt-get install chromium chromium-driver failed ({status})"
        ))
    }
}

/// Serves `page` to every request on 127.0.0.1 (the page's origin); returns its port.
async fn page_server(page: String) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    port
}

/// POSTs a JSON document to the WebDriver endpoint `url`; returns the JSON answer.
async fn post_json(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let resp = http
        .post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

/// A chromedriver process and one browser session, ended on drop.
struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        // The flags this sandbox needs: no sandbox as root, and no background traffic to
        // hosts that cannot be reached.
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let created = post_json(&http, &format!("{base}/session"), &caps).await;
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn command(&self, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        post_json(&self.http, &url, &body).await["value"].clone()
    }

    /// Opens `url` and waits (up to 30 s) until the page's script has written its outcome
    /// into `#result`; returns that text.
    async fn outcome(&self, url: &str) -> String {
        self.command("url", json!({"url": url})).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self
                .command(
                    "execute/sync",
                    json!({"script": "return document.getElementById('result').textContent", "args": []}),
                )
                .await;
            let text = text.as_str().unwrap_or_default().to_string();
            if !text.is_empty() || Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the browser; then chromedriver itself (started by this test, by its id).
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(self.http.delete(url).send()).ok()
            })
            .join()
        });
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A page whose script fetches `object_url` twice: a simple GET, and a GET with a custom
/// header (which needs a preflight), then writes both outcomes into `#result`.
fn page(object_url: &str) -> String {
    format!(
        r#"<!doctype html><html><body><div id="result"></div><script>
async function attempt(init) {{
  try {{
    const r = await fetch("{object_url}", init);
    return "ok:" + r.status + ":" + (await r.text());
  }} catch (e) {{
    return "blocked";
  }}
}}
(async () => {{
  const simple = await attempt({{cache: "no-store"}});
  const preflighted = await attempt({{cache: "no-store", headers: {{"X-Requested-By": "browser-test"}}}});
  document.getElementById("result").textContent = simple + " | " + preflighted;
}})();
</script></body></html>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_fetches_across_origins_only_with_a_matching_rule() {
    if let Err(why) = browser_available() {
        eprintln!("SKIPPED: headless Chromium is not available here: {why}");
        return;
    }
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "browser").await;
    bucket
        .put_object("greeting.txt", "hello browser")
        .await
        .unwrap();
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    let object_url = format!("{}/{}/greeting.txt", server.endpoint(), bucket.name());
    let page_port = page_server(page(&object_url)).await;
    let page_origin = format!("http://127.0.0.1:{page_port}");
    let page_url = format!("{page_origin}/index.html");
    let browser = Browser::start().await;

    // No CORS rules: the browser blocks both fetches.
    assert_eq!(browser.outcome(&page_url).await, "blocked | blocked");

    // A rule for another origin: still blocked.
    bucket
        .put_bucket_cors(CorsConfiguration::new(vec![CorsRule::new(
            ["http://elsewhere.example"],
            ["GET"],
        )
        .allowed_headers(["*"])]))
        .await
        .unwrap();
    assert_eq!(browser.outcome(&page_url).await, "blocked | blocked");

    // A rule for the page's origin without the custom header: the simple fetch passes, the
    // preflighted one is refused at its preflight.
    bucket
        .put_bucket_cors(CorsConfiguration::new(vec![CorsRule::new(
            [page_origin.as_str()],
            ["GET"],
        )]))
        .await
        .unwrap();
    assert_eq!(
        browser.outcome(&page_url).await,
        "ok:200:hello browser | blocked"
    );

    // The header allowed too (by a wildcard origin pattern): both pass.
    bucket
        .put_bucket_cors(CorsConfiguration::new(vec![CorsRule::new(
            ["http://127.0.0.1:*"],
            ["GET", "HEAD"],
        )
        .allowed_headers(["x-requested-*"])
        .max_age_seconds(1)]))
        .await
        .unwrap();
    assert_eq!(
        browser.outcome(&page_url).await,
        "ok:200:hello browser | ok:200:hello browser"
    );
}

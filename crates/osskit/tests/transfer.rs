//! Transfer managers against the local server: sizes around the thresholds, resuming after
//! cancellation, stale and corrupt checkpoints, progress and the blocking facade.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{new_bucket, Signer};
use osskit::Bucket;
use osskit_server::testing::TestServer;

const KIB: u64 = 1024;
const PART: u64 = 100 * KIB;
const THRESHOLD: u64 = 200 * KIB;

/// Deterministic bytes that differ with `seed`.
fn data(len: u64, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + u64::from(seed) * 7 + (i >> 10)) % 251) as u8)
        .collect()
}

/// Sizes around the thresholds: 0, 1, threshold - 1, threshold, parts + remainder.
fn sizes() -> [u64; 5] {
    [0, 1, THRESHOLD - 1, THRESHOLD, 3 * PART + 17]
}

/// One progress call: `(done, total)`.
type Call = (u64, Option<u64>);

/// Records progress calls; checks they only grow.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Call>>>);

impl Recorder {
    fn callback(&self) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
        let calls = self.0.clone();
        move |done, total| calls.lock().unwrap().push((done, total))
    }

    fn calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }

    /// The last value, after checking the values never go down.
    fn last(&self) -> u64 {
        let calls = self.calls();
        for w in calls.windows(2) {
            assert!(w[0].0 <= w[1].0, "progress went back: {calls:?}");
        }
        calls.last().map(|c| c.0).unwrap_or(0)
    }
}

async fn get(bucket: &Bucket, key: &str) -> Vec<u8> {
    bucket
        .get_object(key)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The checkpoint records in `dir` (a save cut short by a drop may still be finishing its
/// temporary file in the background).
fn checkpoint_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Temporary download files left beside `target`.
fn temp_files(target: &Path) -> Vec<PathBuf> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!(".{name}.download-"))
        })
        .collect()
}

#[tokio::test]
async fn upload_sizes_around_the_threshold() {
    let server = TestServer::start().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "tu").await;
        let dir = tempfile::tempdir().unwrap();
        let cps = dir.path().join("cp");
        for size in sizes() {
            let bytes = data(size, 1);
            let src = write_file(dir.path(), &format!("src-{size}"), &bytes);
            let key = format!("up/{size}.bin");
            let progress = Recorder::default();
            let out = bucket
                .resumable_upload(&key, &src)
                .multipart_threshold(THRESHOLD)
                .part_size(PART)
                .parallelism(3)
                .checkpoint_dir(&cps)
                .metadata("origin", "transfer-test")
                .progress(progress.callback())
                .await
                .unwrap();
            assert_eq!(out.size, size);
            assert_eq!(out.crc64, Some(osskit::utils::crc64(&bytes)), "size {size}");
            let expected_parts = if size < THRESHOLD {
                1
            } else {
                size.div_ceil(PART)
            };
            assert_eq!(u64::from(out.parts), expected_parts, "size {size}");
            assert_eq!(out.upload_id.is_some(), size >= THRESHOLD);
            assert_eq!(out.resumed_bytes, 0);
            assert_eq!(get(&bucket, &key).await, bytes, "size {size}");
            assert_eq!(progress.last(), size);
            assert!(progress.calls().iter().all(|c| c.1 == Some(size)));
            let head = bucket.head_object(&key).await.unwrap();
            assert_eq!(
                head.metadata.get("origin").map(String::as_str),
                Some("transfer-test")
            );
            assert!(checkpoint_files(&cps).is_empty(), "checkpoint left behind");
        }
    }
}

#[tokio::test]
async fn download_sizes_around_the_threshold() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "td").await;
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cp");
    for size in sizes() {
        let bytes = data(size, 2);
        let key = format!("down/{size}.bin");
        bucket.put_object(&key, bytes.clone()).await.unwrap();
        let target = dir.path().join(format!("got-{size}"));
        let progress = Recorder::default();
        let out = bucket
            .resumable_download(&key, &target)
            .multiget_threshold(THRESHOLD)
            .part_size(PART)
            .parallelism(3)
            .checkpoint_dir(&cps)
            .progress(progress.callback())
            .await
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), bytes, "size {size}");
        assert_eq!(out.size, size);
        let expected_parts = if size < THRESHOLD {
            1
        } else {
            size.div_ceil(PART)
        };
        assert_eq!(u64::from(out.parts), expected_parts, "size {size}");
        assert_eq!(out.crc64, Some(osskit::utils::crc64(&bytes)));
        assert_eq!(progress.last(), size);
        assert!(checkpoint_files(&cps).is_empty());
        assert!(temp_files(&target).is_empty());
    }
}

#[tokio::test]
async fn copy_sizes_around_the_threshold() {
    let server = TestServer::start().await;
    let source = new_bucket(&server, Signer::V1, "tcs").await;
    let bucket = new_bucket(&server, Signer::V1, "tcd").await;
    for size in sizes() {
        let bytes = data(size, 3);
        let key = format!("src/{size}.bin");
        source
            .put_object(&key, bytes.clone())
            .content_type("application/x-test")
            .metadata("m", "v")
            .await
            .unwrap();
        let progress = Recorder::default();
        let out = bucket
            .copy(source.name(), &key, format!("dst/{size}"))
            .multipart_threshold(THRESHOLD)
            .part_size(PART)
            .progress(progress.callback())
            .await
            .unwrap();
        assert_eq!(out.size, size);
        assert_eq!(out.crc64, Some(osskit::utils::crc64(&bytes)), "size {size}");
        let expected_parts = if size < THRESHOLD {
            1
        } else {
            size.div_ceil(PART)
        };
        assert_eq!(u64::from(out.parts), expected_parts);
        assert_eq!(get(&bucket, &format!("dst/{size}")).await, bytes);
        assert_eq!(progress.last(), size);
        let head = bucket.head_object(format!("dst/{size}")).await.unwrap();
        assert_eq!(head.content_type.as_deref(), Some("application/x-test"));
        assert_eq!(head.metadata.get("m").map(String::as_str), Some("v"));
    }
    let missing = bucket.copy(source.name(), "nope", "x").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
}

#[tokio::test]
async fn stream_sizes_around_the_part_size() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "ts").await;
    for size in [0, 1, PART - 1, PART, PART + 1, 3 * PART + 17] {
        let bytes = data(size, 4);
        // Uneven chunks, so that parts straddle them.
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(7 * KIB as usize + 3)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let progress = Recorder::default();
        let key = format!("stream/{size}");
        let out = bucket
            .upload_stream(&key, futures_util::stream::iter(chunks))
            .part_size(PART)
            .parallelism(2)
            .progress(progress.callback())
            .await
            .unwrap();
        assert_eq!(out.size, size);
        assert_eq!(out.crc64, Some(osskit::utils::crc64(&bytes)));
        let expected_parts = if size < PART { 1 } else { size.div_ceil(PART) };
        assert_eq!(u64::from(out.parts), expected_parts, "size {size}");
        assert_eq!(out.upload_id.is_some(), size >= PART);
        assert_eq!(get(&bucket, &key).await, bytes, "size {size}");
        assert_eq!(progress.last(), size);
        assert!(progress.calls().iter().all(|c| c.1.is_none()));
    }
    // A reader works the same way.
    let bytes = data(2 * PART + 5, 5);
    let out = bucket
        .upload_reader("reader", std::io::Cursor::new(bytes.clone()))
        .part_size(PART)
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    assert_eq!(get(&bucket, "reader").await, bytes);
    // A failing stream fails the upload (and aborts it).
    let chunks = vec![
        Ok(Bytes::from(data(PART + 1, 6))),
        Err(std::io::Error::other("the source broke")),
    ];
    let err = bucket
        .upload_stream("broken", futures_util::stream::iter(chunks))
        .part_size(PART)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the source broke"), "{err}");
    assert!(!bucket.object_exists("broken").await.unwrap());
}

/// Runs `fut`, dropping it once the progress seen through `counter` reaches `at` bytes.
async fn drop_after<F: std::future::IntoFuture>(fut: F, counter: Arc<AtomicU64>, at: u64) {
    let fut = fut.into_future();
    let watch = async {
        while counter.load(Ordering::SeqCst) < at {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    tokio::select! {
        _ = fut => panic!("the transfer finished before it was interrupted"),
        _ = watch => {}
    }
    // Dropping the transfer aborts its part tasks, but file writes already handed to blocking
    // threads (a part's bytes, a checkpoint save) still finish: let them settle before the
    // test inspects or edits the checkpoint.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

fn counting(counter: &Arc<AtomicU64>) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
    let c = counter.clone();
    move |done, _| {
        c.store(done, Ordering::SeqCst);
        // Slow enough for the interruption to land in the middle.
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

#[tokio::test]
async fn upload_resumes_after_being_dropped() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "tr").await;
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cp");
    let size = 12 * PART + 5;
    let bytes = data(size, 7);
    let src = write_file(dir.path(), "src", &bytes);
    let upload = |p: Recorder| {
        bucket
            .resumable_upload("resumed", &src)
            .multipart_threshold(THRESHOLD)
            .part_size(PART)
            .parallelism(2)
            .checkpoint_dir(&cps)
            .progress(p.callback())
    };

    let counter = Arc::new(AtomicU64::new(0));
    drop_after(
        bucket
            .resumable_upload("resumed", &src)
            .multipart_threshold(THRESHOLD)
            .part_size(PART)
            .parallelism(2)
            .checkpoint_dir(&cps)
            .progress(counting(&counter)),
        counter.clone(),
        6 * PART,
    )
    .await;
    assert_eq!(checkpoint_files(&cps).len(), 1, "the checkpoint stays");
    assert!(!bucket.object_exists("resumed").await.unwrap());

    let progress = Recorder::default();
    let out = upload(progress.clone()).await.unwrap();
    assert!(
        out.resumed_bytes >= 4 * PART,
        "resumed {}",
        out.resumed_bytes
    );
    assert!(out.resumed_bytes < size);
    // The bytes already stored are reported once, first; the rest as they are sent.
    assert_eq!(progress.calls()[0], (out.resumed_bytes, Some(size)));
    assert_eq!(progress.last(), size);
    assert_eq!(out.crc64, Some(osskit::utils::crc64(&bytes)));
    assert_eq!(get(&bucket, "resumed").await, bytes);
    assert!(checkpoint_files(&cps).is_empty());
}

#[tokio::test]
async fn upload_starts_over_when_the_checkpoint_is_stale() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "tst").await;
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cp");
    let size = 8 * PART;
    let src = write_file(dir.path(), "src", &data(size, 8));
    let interrupt = || async {
        let counter = Arc::new(AtomicU64::new(0));
        drop_after(
            bucket
                .resumable_upload("stale", &src)
                .multipart_threshold(THRESHOLD)
                .part_size(PART)
                .parallelism(1)
                .checkpoint_dir(&cps)
                .progress(counting(&counter)),
            counter.clone(),
            3 * PART,
        )
        .await;
        let files = checkpoint_files(&cps);
        assert_eq!(files.len(), 1);
        files[0].clone()
    };
    let finish = || {
        bucket
            .resumable_upload("stale", &src)
            .multipart_threshold(THRESHOLD)
            .part_size(PART)
            .checkpoint_dir(&cps)
    };

    // 1. The file changed (same size, other bytes, other mtime): start over.
    interrupt().await;
    let changed = data(size, 9);
    std::fs::write(&src, &changed).unwrap();
    let f = std::fs::File::options().write(true).open(&src).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(f);
    let out = finish().await.unwrap();
    assert_eq!(out.resumed_bytes, 0);
    assert_eq!(get(&bucket, "stale").await, changed);

    // 2. The upload behind the checkpoint no longer exists: start over.
    let cp = interrupt().await;
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cp).unwrap()).unwrap();
    record["upload_id"] = "0123456789ABCDEF0123456789ABCDEF".into();
    std::fs::write(&cp, record.to_string()).unwrap();
    let out = finish().await.unwrap();
    assert_eq!(out.resumed_bytes, 0);
    assert_ne!(
        out.upload_id.as_deref(),
        Some("0123456789ABCDEF0123456789ABCDEF")
    );
    assert_eq!(get(&bucket, "stale").await, changed);

    // 3. A corrupt checkpoint: start over.
    let cp = interrupt().await;
    std::fs::write(&cp, b"{\"magic\": \"oss-rs-transfer-checkpoint\", \"vers").unwrap();
    let out = finish().await.unwrap();
    assert_eq!(out.resumed_bytes, 0);
    assert_eq!(get(&bucket, "stale").await, changed);
    assert!(checkpoint_files(&cps).is_empty());

    // 4. Without a checkpoint nothing is written there.
    let out = bucket
        .resumable_upload("stale", &src)
        .multipart_threshold(THRESHOLD)
        .part_size(PART)
        .checkpoint_dir(&cps)
        .checkpoint(false)
        .await
        .unwrap();
    assert_eq!(out.parts, 8);
    assert!(checkpoint_files(&cps).is_empty());
}

#[tokio::test]
async fn download_resumes_after_being_dropped() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "tdr").await;
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cp");
    let size = 12 * PART + 5;
    let bytes = data(size, 10);
    bucket.put_object("obj", bytes.clone()).await.unwrap();
    let target = dir.path().join("out.bin");
    let download = || {
        bucket
            .resumable_download("obj", &target)
            .multiget_threshold(THRESHOLD)
            .part_size(PART)
            .parallelism(2)
            .checkpoint_dir(&cps)
    };

    let counter = Arc::new(AtomicU64::new(0));
    drop_after(
        download().progress(counting(&counter)),
        counter.clone(),
        6 * PART,
    )
    .await;
    assert_eq!(checkpoint_files(&cps).len(), 1);
    assert_eq!(temp_files(&target).len(), 1);
    assert!(
        !target.exists(),
        "no target before the download is complete"
    );

    let progress = Recorder::default();
    let out = download().progress(progress.callback()).await.unwrap();
    assert!(
        out.resumed_bytes >= 4 * PART,
        "resumed {}",
        out.resumed_bytes
    );
    assert!(out.resumed_bytes < size);
    assert_eq!(progress.calls()[0], (out.resumed_bytes, Some(size)));
    assert_eq!(progress.last(), size);
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    assert!(checkpoint_files(&cps).is_empty());
    assert!(temp_files(&target).is_empty());

    // The object changes between two runs: the download starts over.
    drop_after(
        download().progress(counting(&counter)),
        counter.clone(),
        6 * PART,
    )
    .await;
    let changed = data(size, 11);
    bucket.put_object("obj", changed.clone()).await.unwrap();
    let out = download().await.unwrap();
    assert_eq!(out.resumed_bytes, 0);
    assert_eq!(std::fs::read(&target).unwrap(), changed);
    assert!(
        temp_files(&target).is_empty(),
        "the stale temporary file is removed"
    );

    // A corrupt checkpoint: start over.
    counter.store(0, Ordering::SeqCst);
    drop_after(
        download().progress(counting(&counter)),
        counter.clone(),
        6 * PART,
    )
    .await;
    let cp = checkpoint_files(&cps).remove(0);
    std::fs::write(&cp, b"not json").unwrap();
    let out = download().await.unwrap();
    assert_eq!(out.resumed_bytes, 0);
    assert_eq!(std::fs::read(&target).unwrap(), changed);
    assert!(checkpoint_files(&cps).is_empty());
}

#[tokio::test]
async fn download_of_a_missing_object_leaves_nothing() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "tdm").await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("none");
    let err = bucket
        .resumable_download("missing", &target)
        .checkpoint_dir(dir.path().join("cp"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchKey"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn blocking_managers() {
    let (_rt, server) = common::server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V1.auth(),
        &server.endpoint(),
        &common::bucket_name("tblk"),
    )
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(3 * PART + 1, 12);
    let src = write_file(dir.path(), "src", &bytes);
    let up = bucket
        .resumable_upload("b", &src)
        .multipart_threshold(THRESHOLD)
        .part_size(PART)
        .checkpoint_dir(dir.path().join("cp"))
        .send()
        .unwrap();
    assert_eq!(up.parts, 4);
    let target = dir.path().join("out");
    let down = bucket
        .resumable_download("b", &target)
        .multiget_threshold(THRESHOLD)
        .part_size(PART)
        .checkpoint_dir(dir.path().join("cp"))
        .send()
        .unwrap();
    assert_eq!(down.parts, 4);
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    let copied = bucket
        .copy(bucket.name(), "b", "c")
        .multipart_threshold(THRESHOLD)
        .part_size(PART)
        .send()
        .unwrap();
    assert_eq!(copied.crc64, up.crc64);
    let streamed = bucket
        .upload_reader("s", std::io::Cursor::new(bytes.clone()))
        .part_size(PART)
        .send()
        .unwrap();
    assert_eq!(streamed.crc64, up.crc64);
}

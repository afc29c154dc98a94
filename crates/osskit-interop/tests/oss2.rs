//! The official Python SDK oss2 2.19.1 drives oss-server under V1, V4 and STS signing, and
//! objects written by each SDK are read back by the other.
//!
//! The Python interpreter comes from `OSS2_PYTHON` (set by `scripts/test.sh`, which creates a
//! venv with oss2 from PyPI) or, failing that, `target/oss2-venv/bin/python`.

use std::collections::BTreeMap;
use std::process::Command;

use osskit::{Auth, Bucket};
use osskit_interop::pattern;
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_STS_ACCESS_KEY_ID,
    TEST_STS_ACCESS_KEY_SECRET, TEST_STS_TOKEN,
};

/// Objects the Rust SDK writes for oss2 to read (mirrors EXPECTED_FROM_RUST in the script).
fn rust_objects() -> Vec<(&'static str, u64, usize)> {
    vec![
        ("rust/small.txt", 1, 11),
        ("rust/dir/with space+plus%41.bin", 2, 4096),
        ("rust/empty", 3, 0),
        ("rust/large.bin", 4, 3 * 1024 * 1024 + 17),
        ("rust/中文/文件.txt", 6, 1000),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_interoperate_through_the_server() {
    let server = TestServer::start().await;
    let endpoint = server.endpoint();
    let bucket = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        &endpoint,
        "interop-shared",
    )
    .unwrap();
    bucket.create_bucket().await.unwrap();

    // The Rust SDK writes first.
    for (key, seed, size) in rust_objects() {
        let mut put = bucket.put_object(key, pattern(seed, size));
        if key == "rust/small.txt" {
            put = put.metadata("origin", "rust");
        }
        put.await.unwrap();
    }
    let first = bucket
        .append_object("rust/appendable.log", 0, pattern(5, 100))
        .await
        .unwrap();
    bucket
        .append_object(
            "rust/appendable.log",
            first.next_position,
            pattern(5, 300)[100..].to_vec(),
        )
        .init_crc(first.crc64.unwrap())
        .await
        .unwrap();

    // A multipart object from the SDK's resumable upload, for oss2's resumable_download.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("resumable-source");
    std::fs::write(&source, pattern(7, 3 * 1024 * 1024 + 5)).unwrap();
    let up = bucket
        .resumable_upload("rust/resumable.bin", &source)
        .multipart_threshold(200 * 1024)
        .part_size(256 * 1024)
        .parallelism(3)
        .checkpoint_dir(dir.path().join("checkpoints"))
        .await
        .unwrap();
    assert!(up.parts > 1, "{up:?}");

    // An upload the SDK starts and leaves open: oss2 lists its parts and completes it.
    let open_parts: [(u32, u64, usize); 3] =
        [(1, 30, 200 * 1024), (2, 31, 150 * 1024), (4, 32, 1000)];
    let open_key = "rust/open-upload.bin";
    let upload_id = bucket
        .init_multipart_upload(open_key)
        .await
        .unwrap()
        .upload_id;
    for (number, seed, size) in open_parts {
        bucket
            .upload_part(open_key, upload_id.as_str(), number, pattern(seed, size))
            .await
            .unwrap();
    }

    // oss2 runs its scenarios (V1, V4, STS V1, STS V4), reads what Rust wrote, writes its own.

    let manifest_path = dir.path().join("manifest.json");
    let script = workspace_root().join("interop/oss2_scenarios.py");
    let output = Command::new(python())
        .arg(&script)
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("OSS_STS_ACCESS_KEY_ID", TEST_STS_ACCESS_KEY_ID)
        .env("OSS_STS_ACCESS_KEY_SECRET", TEST_STS_ACCESS_KEY_SECRET)
        .env("OSS_STS_TOKEN", TEST_STS_TOKEN)
        .env("INTEROP_BUCKET", "interop-shared")
        .env("INTEROP_OUT", &manifest_path)
        .env("INTEROP_UPLOAD_ID", &upload_id)
        .output()
        .expect("failed to run the oss2 scenarios");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 scenarios failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");

    // The Rust SDK reads what oss2 wrote.
    let manifest: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert!(manifest.len() >= 5, "{manifest:?}");
    for (key, spec) in &manifest {
        let expected: Vec<u8> = if let Some(parts) = spec.get("parts") {
            parts
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| pattern(p[0].as_u64().unwrap(), p[1].as_u64().unwrap() as usize))
                .collect()
        } else {
            pattern(
                spec["seed"].as_u64().unwrap(),
                spec["size"].as_u64().unwrap() as usize,
            )
        };
        let got = bucket.get_object(key.as_str()).await.unwrap();
        let server_crc = got.server_crc;
        if !key.ends_with("appended") {
            assert_eq!(
                got.metadata.get("origin").map(String::as_str),
                Some("oss2"),
                "{key}"
            );
        }
        let body = got.body.collect_bytes().await.unwrap();
        assert_eq!(body.len(), expected.len(), "{key}");
        assert!(body[..] == expected[..], "{key}: content differs");
        assert_eq!(server_crc, Some(osskit::utils::crc64(&expected)), "{key}");

        let file = dir.path().join("download");
        bucket
            .get_object_to_file(key.as_str(), &file)
            .await
            .unwrap();
        assert!(
            std::fs::read(&file).unwrap() == expected,
            "{key}: file differs"
        );

        // The same object through the resumable (parallel ranged) download.
        let file = dir.path().join("resumable-download");
        bucket
            .resumable_download(key.as_str(), &file)
            .multiget_threshold(200 * 1024)
            .part_size(256 * 1024)
            .checkpoint_dir(dir.path().join("checkpoints"))
            .await
            .unwrap();
        assert!(
            std::fs::read(&file).unwrap() == expected,
            "{key}: resumable download differs"
        );
    }
    assert!(manifest.contains_key("oss2/resumable.bin"), "{manifest:?}");

    // The upload the SDK started and oss2 completed.
    let completed = bucket.get_object(open_key).await.unwrap();
    assert_eq!(completed.object_type.as_deref(), Some("Multipart"));
    let expected: Vec<u8> = open_parts
        .iter()
        .flat_map(|&(_, seed, size)| pattern(seed, size))
        .collect();
    assert!(completed.body.collect_bytes().await.unwrap()[..] == expected[..]);
}

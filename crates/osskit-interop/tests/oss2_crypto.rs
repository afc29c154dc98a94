//! Client-side encryption across SDKs: objects the Rust SDK's `CryptoBucket` writes are read
//! by oss2 2.19.1's `CryptoBucket` (whole, in unaligned ranges, to a file), and objects oss2
//! writes (`RsaProvider` and `LocalRsaProvider`, with and without material descriptions,
//! single PUT, multipart and `resumable_upload`, and `AliKMSProvider` pointed at the
//! server's local KMS) are read by the Rust SDK. See `interop/oss2_crypto.py`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use osskit::credentials::StaticCredentialsProvider;
use osskit::crypto::{
    CryptoBucket, KeyProvider, KmsProvider, LocalRsaProvider, MaterialDescription,
    MultipartUploadCryptoContext, RsaProvider,
};
use osskit::{Auth, Bucket, PartInfo};
use osskit_interop::pattern;
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_KMS_KEY_ID,
};

fn vectors() -> PathBuf {
    workspace_root().join("crates/osskit/tests/data/crypto")
}

/// The provider a spec names, as the Python script builds it (see its docstring).
fn provider(spec: &str, key_dir: &Path, endpoint: &str) -> Arc<dyn KeyProvider> {
    let read = |f: &str| std::fs::read_to_string(vectors().join(f)).unwrap();
    let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "rsa" | "rsa-desc" => {
            let mut b = RsaProvider::builder()
                .public_key_pem(read("compact.public_key.pem"))
                .private_key_pem(read("compact.private_key.pem"));
            if kind == "rsa-desc" {
                b = b.material_description(MaterialDescription::new().with("desc", rest));
            }
            Arc::new(b.build().unwrap())
        }
        "local" => Arc::new(LocalRsaProvider::new(key_dir, rest).unwrap()),
        "local-pass" => {
            let (name, pass) = rest.split_once(':').unwrap();
            Arc::new(
                LocalRsaProvider::builder()
                    .dir(key_dir)
                    .key_name(name)
                    .passphrase(pass)
                    .build()
                    .unwrap(),
            )
        }
        "kms" => {
            let mut b = KmsProvider::builder(
                StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
                TEST_KMS_KEY_ID,
            )
            .endpoint(endpoint);
            if !rest.is_empty() {
                b = b.passphrase(rest);
            }
            Arc::new(b.build().unwrap())
        }
        other => panic!("unknown provider {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_encrypted_objects() {
    let server = TestServer::start().await;
    let endpoint = server.endpoint();
    let name = "interop-crypto";
    let bucket = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        &endpoint,
        name,
    )
    .unwrap();
    bucket.create_bucket().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_dir = dir.path().join("keys");
    let crypto = |spec: &str| {
        CryptoBucket::with_provider(bucket.clone(), provider(spec, &key_dir, &endpoint))
    };

    // The Rust SDK writes first: key -> (seed, size, provider).
    let mut from_rust: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut record = |key: &str, seed: u64, size: usize, spec: &str| {
        from_rust.insert(
            key.to_string(),
            serde_json::json!({"seed": seed, "size": size, "provider": spec}),
        );
    };
    // Key files made by the Rust SDK, read by oss2's LocalRsaProvider.
    LocalRsaProvider::builder()
        .dir(&key_dir)
        .key_name("rust")
        .build()
        .unwrap();
    LocalRsaProvider::builder()
        .dir(&key_dir)
        .key_name("rustpass")
        .passphrase("pw")
        .build()
        .unwrap();
    for (key, seed, size, spec) in [
        ("rust/rsa.bin", 1, 300 * 1024 + 5, "rsa"),
        ("rust/rsa-desc.bin", 2, 4097, "rsa-desc:rust"),
        ("rust/local.bin", 3, 70 * 1024 + 9, "local:rust"),
        ("rust/local-pass.bin", 4, 1000, "local-pass:rustpass:pw"),
        ("rust/kms.bin", 5, 20_000, "kms:pw"),
        ("rust/kms-plain-context.bin", 6, 333, "kms"),
    ] {
        crypto(spec)
            .put_object(key, pattern(seed, size))
            .await
            .unwrap();
        record(key, seed, size, spec);
    }
    // Multipart with an upload context.
    let (mp_size, part) = (2 * 102_400 + 77, 102_400usize);
    let data = pattern(7, mp_size);
    let ctx = MultipartUploadCryptoContext::new(mp_size as u64).with_part_size(part as u64);
    let c = crypto("rsa-desc:mp");
    let id = c
        .init_multipart_upload("rust/mp.bin", &ctx)
        .await
        .unwrap()
        .upload_id;
    let mut parts = Vec::new();
    for (i, chunk) in data.chunks(part).enumerate() {
        let out = c
            .upload_part("rust/mp.bin", &id, i as u32 + 1, chunk.to_vec(), &ctx)
            .await
            .unwrap();
        parts.push(PartInfo::from(&out));
    }
    c.complete_multipart_upload("rust/mp.bin", &id, parts)
        .await
        .unwrap();
    record("rust/mp.bin", 7, mp_size, "rsa-desc:mp");
    // The resumable upload (multipart, parallel parts).
    let src = dir.path().join("src");
    std::fs::write(&src, pattern(8, 5 * 100 * 1024 + 3)).unwrap();
    crypto("local:rust")
        .resumable_upload("rust/resumable.bin", &src)
        .multipart_threshold(200 * 1024)
        .part_size(100 * 1024)
        .parallelism(3)
        .checkpoint_dir(dir.path().join("cp"))
        .await
        .unwrap();
    record("rust/resumable.bin", 8, 5 * 100 * 1024 + 3, "local:rust");

    let from_rust_path = dir.path().join("from-rust.json");
    std::fs::write(&from_rust_path, serde_json::to_vec(&from_rust).unwrap()).unwrap();
    let manifest_path = dir.path().join("from-oss2.json");
    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_crypto.py"))
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("INTEROP_BUCKET", name)
        .env("INTEROP_VECTORS", vectors())
        .env("INTEROP_KEY_DIR", &key_dir)
        .env("INTEROP_KMS_KEY", TEST_KMS_KEY_ID)
        .env("INTEROP_FROM_RUST", &from_rust_path)
        .env("INTEROP_OUT", &manifest_path)
        .output()
        .expect("failed to run the oss2 crypto scenarios");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "oss2 crypto scenarios failed:\n{stdout}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");

    // The Rust SDK reads what oss2 wrote.
    let manifest: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest.len(), 9, "{manifest:?}");
    for (key, spec) in &manifest {
        let expected = pattern(
            spec["seed"].as_u64().unwrap(),
            spec["size"].as_u64().unwrap() as usize,
        );
        let c = crypto(spec["provider"].as_str().unwrap());
        let got = c.get_object(key.as_str()).await.unwrap();
        assert!(got.server_crc.is_some());
        let body = got.bytes().await.unwrap();
        assert!(body[..] == expected[..], "{key}: content differs");
        let raw = bucket
            .get_object(key.as_str())
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            expected.is_empty() || raw[..] != expected[..],
            "{key} is stored encrypted"
        );
        let n = expected.len() as u64;
        for (a, b) in [(1, 1), (15, 16), (17, 4000), (n / 3, n.saturating_sub(1))] {
            if n == 0 || a >= n {
                continue;
            }
            let b = b.min(n - 1);
            let part = c
                .get_object(key.as_str())
                .range((a, b))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(
                part[..] == expected[a as usize..=b as usize],
                "{key}: range {a}-{b} differs"
            );
        }
        let file = dir.path().join("download");
        c.get_object_to_file(key.as_str(), &file).await.unwrap();
        assert!(
            std::fs::read(&file).unwrap() == expected,
            "{key}: file differs"
        );
        let file = dir.path().join("resumable-download");
        c.resumable_download(key.as_str(), &file)
            .multiget_threshold(100 * 1024)
            .part_size(100 * 1024)
            .checkpoint_dir(dir.path().join("cp"))
            .await
            .unwrap();
        assert!(
            std::fs::read(&file).unwrap() == expected,
            "{key}: resumable download differs"
        );
    }
    let head = bucket.head_object("oss2/rsa-mp.bin").await.unwrap();
    assert_eq!(head.metadata["client-side-encryption-part-size"], "102400");
    assert_eq!(
        head.metadata["client-side-encryption-matdesc"],
        r#"{"desc": "mp"}"#
    );
}

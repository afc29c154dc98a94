//! The blocking facade mirrors the async API over the same core.

mod common;

use std::io::Read;

use common::{bucket_name, Signer, REGION};
use osskit::blocking::{Bucket, Service};
use osskit_server::testing::TestServer;

fn blocking_bucket(server: &TestServer, signer: Signer) -> Bucket {
    let b = Bucket::builder(signer.auth(), &server.endpoint(), &bucket_name("blk"))
        .region(REGION)
        .build()
        .unwrap();
    b.create_bucket().send().unwrap();
    b
}

#[test]
fn put_get_read_list_delete() {
    let (_rt, server) = common::server_on_own_runtime();
    for signer in [Signer::V1, Signer::V4, Signer::StsV4] {
        let b = blocking_bucket(&server, signer);
        let put = b.put_object("dir/a.txt", "blocking hello").send().unwrap();
        assert_eq!(put.crc64, Some(osskit::utils::crc64(b"blocking hello")));

        let mut got = b.get_object("dir/a.txt").send().unwrap();
        assert_eq!(got.content_length, Some(14));
        let mut text = String::new();
        got.read_to_string(&mut text).unwrap();
        assert_eq!(text, "blocking hello");
        assert_eq!(got.client_crc(), got.server_crc);

        let part = b
            .get_object("dir/a.txt")
            .range((9, 13))
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(part, b"hello");

        for i in 0..5 {
            b.put_object(format!("dir/{i}"), "x").send().unwrap();
        }
        let keys: Vec<String> = b
            .list_objects_v2()
            .prefix("dir/")
            .max_keys(2)
            .into_items()
            .map(|i| i.unwrap().key().to_string())
            .collect();
        assert_eq!(
            keys,
            ["dir/0", "dir/1", "dir/2", "dir/3", "dir/4", "dir/a.txt"]
        );
        let pages = b
            .list_objects()
            .prefix("dir/")
            .max_keys(4)
            .into_paginator()
            .count();
        assert_eq!(pages, 2);

        assert!(b.object_exists("dir/a.txt").send().unwrap());
        let e = b.get_object("missing").send().unwrap_err();
        assert_eq!(e.code(), Some("NoSuchKey"));
        let out = b
            .batch_delete_objects((0..5).map(|i| format!("dir/{i}")))
            .send()
            .unwrap();
        assert_eq!(out.deleted.len(), 5);
        b.delete_object("dir/a.txt").send().unwrap();
        b.delete_bucket().send().unwrap();
    }
}

#[test]
fn files_append_and_service() {
    let (_rt, server) = common::server_on_own_runtime();
    let b = blocking_bucket(&server, Signer::V1);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.txt");
    std::fs::write(&src, b"from a file").unwrap();
    b.put_object_from_file("f", &src).send().unwrap();
    let dst = dir.path().join("dst.txt");
    b.get_object_to_file("f", &dst).send().unwrap();
    assert_eq!(std::fs::read(&dst).unwrap(), b"from a file");

    let a = b.append_object("log", 0, "ab").send().unwrap();
    let a = b
        .append_object("log", a.next_position, "cd")
        .init_crc(a.crc64.unwrap())
        .send()
        .unwrap();
    assert_eq!(a.next_position, 4);

    let svc = Service::new(Signer::V1.auth(), &server.endpoint()).unwrap();
    let names: Vec<String> = svc
        .list_buckets()
        .into_paginator()
        .map(|b| b.unwrap().name)
        .collect();
    assert!(names.contains(&b.name().to_string()));
}

#[tokio::test]
async fn blocking_inside_a_runtime_panics_with_a_clear_message() {
    let b = Bucket::new(
        osskit::Auth::new("a", "b"),
        "http://127.0.0.1:9",
        "some-bucket",
    )
    .unwrap();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.delete_object("k").send()));
    let panic = result.unwrap_err();
    let msg = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("inside an async runtime"), "{msg}");
    // Dropping the client inside the runtime must not panic.
    drop(b);
}

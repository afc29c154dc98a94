//! Micro-benchmarks of the protocol's hot paths: signing a request (V1, V4), the whole
//! protocol work of a small request (URL + signature + response parsing), parsing a
//! 1000-entry ListObjects page, and CRC-64.
//!
//! Run with `cargo bench -p oss-proto --bench hot_paths`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use osskit_proto::endpoint::Endpoint;
use osskit_proto::sign::{sign_headers, Credentials, SignableRequest, SigningContext};
use osskit_proto::xml::bucket::Owner;
use osskit_proto::xml::list::{ListBucketResult, ListBucketV2Result, ObjectSummary};
use osskit_proto::xml::object::CopyObjectResult;

const BUCKET: &str = "bench-bucket";
const KEY: &str = "dir/object-0001.bin";
const TIME: i64 = 1_700_000_000;

fn put_headers() -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/octet-stream".into()),
        ("content-length".into(), "4096".into()),
        ("content-md5".into(), "1B2M2Y8AsgTpgAmY7PhCfg==".into()),
        ("x-oss-meta-author".into(), "bench".into()),
    ]
}

fn signing(c: &mut Criterion) {
    let creds = Credentials::new("bench-access-key-id", "bench-access-key-secret");
    let headers = put_headers();
    let req = SignableRequest {
        method: "PUT",
        bucket: Some(BUCKET),
        key: Some(KEY),
        params: &[],
        headers: &headers,
    };
    let mut group = c.benchmark_group("sign");
    group.bench_function("v1_put", |b| {
        let ctx = SigningContext::v1(&creds, TIME);
        b.iter(|| sign_headers(black_box(&req), black_box(&ctx)))
    });
    group.bench_function("v4_put", |b| {
        let ctx = SigningContext::v4(&creds, TIME, "cn-hangzhou");
        b.iter(|| sign_headers(black_box(&req), black_box(&ctx)))
    });
    group.finish();
}

const COPY_RESULT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult>\
    <LastModified>2024-01-02T03:04:05.000Z</LastModified>\
    <ETag>\"5B3C1A2E053D763E1B002CC607C5A0FE\"</ETag></CopyObjectResult>";

/// Everything the protocol does for one small request: the URL, the signature, and the
/// response's date header and XML body.
fn small_request(c: &mut Criterion) {
    let endpoint = Endpoint::parse("http://127.0.0.1:9000").expect("endpoint");
    let creds = Credentials::new("bench-access-key-id", "bench-access-key-secret");
    let mut group = c.benchmark_group("small_request");
    for v4 in [false, true] {
        let name = if v4 {
            "url_sign_v4_parse"
        } else {
            "url_sign_v1_parse"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let addressing = endpoint.addressing(false, false, BUCKET);
                let url = endpoint.object_url(addressing, BUCKET, KEY, true);
                let mut headers = put_headers();
                headers.push(("host".into(), endpoint.host_header(addressing, BUCKET)));
                let req = SignableRequest {
                    method: "PUT",
                    bucket: Some(BUCKET),
                    key: Some(KEY),
                    params: &[],
                    headers: &headers,
                };
                let ctx = if v4 {
                    SigningContext::v4(&creds, TIME, "cn-hangzhou")
                } else {
                    SigningContext::v1(&creds, TIME)
                };
                let signed = sign_headers(&req, &ctx).expect("sign");
                let date = osskit_proto::date::http_to_unixtime("Tue, 02 Jan 2024 03:04:05 GMT")
                    .expect("date");
                let body: CopyObjectResult =
                    osskit_proto::xml::from_xml(black_box(COPY_RESULT)).expect("xml");
                black_box((url, signed, date, body))
            })
        });
    }
    group.finish();
}

fn summaries(n: usize) -> Vec<ObjectSummary> {
    (0..n)
        .map(|i| ObjectSummary {
            key: format!("photos/2024/01/{i:06}-IMG.jpg"),
            last_modified: "2024-01-02T03:04:05.000Z".into(),
            etag: "\"5B3C1A2E053D763E1B002CC607C5A0FE\"".into(),
            object_type: "Normal".into(),
            size: 344_606 + i as u64,
            storage_class: "Standard".into(),
            owner: Some(Owner {
                id: "0022012****".into(),
                display_name: "user-example".into(),
            }),
            restore_info: None,
        })
        .collect()
}

fn list_parse(c: &mut Criterion) {
    let v1 = osskit_proto::xml::to_xml(&ListBucketResult {
        name: BUCKET.into(),
        prefix: "photos/".into(),
        max_keys: 1000,
        is_truncated: true,
        next_marker: Some("photos/2024/01/000999-IMG.jpg".into()),
        contents: summaries(1000),
        ..Default::default()
    });
    let v2 = osskit_proto::xml::to_xml(&ListBucketV2Result {
        name: BUCKET.into(),
        prefix: "photos/".into(),
        max_keys: 1000,
        key_count: 1000,
        is_truncated: true,
        next_continuation_token: Some("photos/2024/01/000999-IMG.jpg".into()),
        contents: summaries(1000),
        ..Default::default()
    });
    let mut group = c.benchmark_group("list_objects_parse");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("v1_1000_entries", |b| {
        b.iter(|| {
            let page: ListBucketResult = osskit_proto::xml::from_xml(black_box(&v1)).expect("v1");
            assert_eq!(page.contents.len(), 1000);
            page
        })
    });
    group.bench_function("v2_1000_entries", |b| {
        b.iter(|| {
            let page: ListBucketV2Result = osskit_proto::xml::from_xml(black_box(&v2)).expect("v2");
            assert_eq!(page.contents.len(), 1000);
            page
        })
    });
    group.finish();
}

fn crc64(c: &mut Criterion) {
    let mut group = c.benchmark_group("crc64");
    // 4 KiB and 1 MiB stay on one thread; 16 MiB is the parallel threshold; 64 MiB fits in a
    // large L3; 1 GiB streams from memory.
    for size in [4 << 10, 1 << 20, 16 << 20, 64 << 20, 1 << 30] {
        let data: Vec<u8> = (0..size as u64).map(|i| (i * 31 % 251) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.sample_size(if size >= 1 << 30 { 10 } else { 100 });
        group.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, data| {
            b.iter(|| osskit_proto::crc64::crc64(black_box(data)))
        });
    }
    group.finish();
}

/// MD5 (Content-MD5 and ETags of every upload): compare with and without the `md5-asm`
/// feature (`cargo bench -p osskit-proto --bench hot_paths --features md5-asm -- md5`).
fn md5(c: &mut Criterion) {
    let mut group = c.benchmark_group("md5");
    for size in [4 << 10, 1 << 20] {
        let data: Vec<u8> = (0..size as u64).map(|i| (i * 31 % 251) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, data| {
            b.iter(|| osskit_proto::digest::md5(black_box(data)))
        });
    }
    group.finish();
}

criterion_group!(benches, signing, small_request, list_parse, crc64, md5);
criterion_main!(benches);

//! XML bodies: round trips of every model, parsing of OSS documentation-shaped samples
//! (`tests/data/xml/`), `encoding-type=url` handling, and the `<Error>` body.

use std::fmt::Debug;

use osskit_proto::xml::bucket::*;
use osskit_proto::xml::error::ErrorBody;
use osskit_proto::xml::list::*;
use osskit_proto::xml::multipart::*;
use osskit_proto::xml::object::*;
use osskit_proto::xml::{self, from_xml, from_xml_bytes, to_xml};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Text that exercises escaping, non-ASCII and significant whitespace.
const TRICKY: [&str; 8] = [
    "a & b <c> \"q\" 's'",
    "中文/ünïcödé/😀.txt",
    " leading and trailing ",
    "   ",
    "line1\nline2\ttab",
    "]]> <![CDATA[ x ]]>",
    "&amp; stays &lt;literal&gt;",
    "100%25 + plus",
];

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/xml/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[track_caller]
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) -> String {
    let doc = to_xml(value);
    assert!(
        doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        "{doc}"
    );
    let back: T = from_xml(&doc).unwrap_or_else(|e| panic!("{e}\n{doc}"));
    assert_eq!(&back, value, "\n{doc}");
    let back_bytes: T = from_xml_bytes(doc.as_bytes()).unwrap();
    assert_eq!(&back_bytes, value);
    doc
}

fn owner(n: usize) -> Owner {
    Owner {
        id: format!("0022012{n}"),
        display_name: format!("user-{n} {}", TRICKY[n % TRICKY.len()]),
    }
}

fn object(n: usize) -> ObjectSummary {
    ObjectSummary {
        key: format!("{}-{n}", TRICKY[n % TRICKY.len()]),
        last_modified: "2012-02-24T08:42:32.000Z".into(),
        etag: format!("\"5B3C1A2E053D763E1B002CC607C5A0F{}\"", n % 10),
        object_type: ["Normal", "Appendable", "Multipart"][n % 3].into(),
        size: n as u64 * 1_000_003,
        storage_class: "Standard".into(),
        owner: n.is_multiple_of(2).then(|| owner(n)),
        restore_info: (n % 5 == 1).then(|| "ongoing-request=\"true\"".into()),
    }
}

fn prefix(n: usize) -> CommonPrefix {
    CommonPrefix {
        prefix: format!("dir {n}/{}/", TRICKY[n % TRICKY.len()]),
    }
}

fn list_v1(objects: usize, prefixes: usize) -> ListBucketResult {
    ListBucketResult {
        name: "examplebucket".into(),
        prefix: "dir/".into(),
        marker: "dir/a".into(),
        max_keys: 1000,
        delimiter: "/".into(),
        is_truncated: objects > 1,
        next_marker: (objects > 1).then(|| "dir/zz".into()),
        encoding_type: None,
        contents: (0..objects).map(object).collect(),
        common_prefixes: (0..prefixes).map(prefix).collect(),
    }
}

fn list_v2(objects: usize, prefixes: usize) -> ListBucketV2Result {
    ListBucketV2Result {
        name: "examplebucket".into(),
        prefix: "p".into(),
        max_keys: 100,
        delimiter: "/".into(),
        start_after: Some("p0".into()),
        continuation_token: (objects > 0).then(|| "token+/=".into()),
        key_count: (objects + prefixes) as u32,
        is_truncated: true,
        next_continuation_token: Some("next token".into()),
        encoding_type: None,
        contents: (0..objects).map(object).collect(),
        common_prefixes: (0..prefixes).map(prefix).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Round trips

#[test]
fn list_objects_round_trips() {
    for (objects, prefixes) in [(0, 0), (1, 0), (0, 1), (1, 1), (9, 4), (40, 17)] {
        round_trip(&list_v1(objects, prefixes));
        round_trip(&list_v2(objects, prefixes));
    }
    round_trip(&ListBucketResult::default());
    round_trip(&ListBucketV2Result::default());
    for n in 0..10 {
        round_trip(&object(n));
        round_trip(&prefix(n));
    }
}

#[test]
fn bucket_models_round_trip() {
    let bucket = |n: usize| BucketSummary {
        name: format!("bucket-{n}"),
        location: "oss-cn-hangzhou".into(),
        creation_date: "2014-02-07T18:12:43.000Z".into(),
        extranet_endpoint: "oss-cn-hangzhou.aliyuncs.com".into(),
        intranet_endpoint: "oss-cn-hangzhou-internal.aliyuncs.com".into(),
        storage_class: "IA".into(),
        region: n.is_multiple_of(2).then(|| "cn-hangzhou".into()),
        resource_group_id: n.is_multiple_of(3).then(|| "rg-1".into()),
    };
    for count in [0, 1, 2, 25] {
        let all = ListAllMyBucketsResult {
            prefix: (count > 1).then(|| "bucket-".into()),
            marker: (count > 1).then(|| TRICKY[0].into()),
            max_keys: (count > 1).then_some(100),
            is_truncated: (count > 0).then_some(count > 1),
            next_marker: (count > 1).then(|| "bucket-9".into()),
            owner: owner(count),
            buckets: Buckets {
                bucket: (0..count).map(bucket).collect(),
            },
        };
        round_trip(&all);
        round_trip(&all.buckets);
    }
    round_trip(&ListAllMyBucketsResult::default());
    round_trip(&bucket(0));
    round_trip(&bucket(1));
    round_trip(&owner(3));
    round_trip(&Owner::default());

    round_trip(&CreateBucketConfiguration::default());
    round_trip(&CreateBucketConfiguration {
        storage_class: Some("Archive".into()),
        data_redundancy_type: Some("ZRS".into()),
    });
    round_trip(&LocationConstraint {
        value: "oss-cn-hangzhou".into(),
    });
    round_trip(&LocationConstraint::default());
    round_trip(&AccessControlList {
        grant: "public-read-write".into(),
    });
    round_trip(&AccessControlPolicy {
        owner: owner(1),
        access_control_list: AccessControlList {
            grant: "private".into(),
        },
    });
    round_trip(&AccessControlPolicy::default());

    let info = BucketInfo {
        name: "oss-example".into(),
        access_monitor: Some("Enabled".into()),
        location: "oss-cn-hangzhou".into(),
        creation_date: "2013-07-31T10:56:21.000Z".into(),
        extranet_endpoint: "oss-cn-hangzhou.aliyuncs.com".into(),
        intranet_endpoint: "oss-cn-hangzhou-internal.aliyuncs.com".into(),
        storage_class: "Standard".into(),
        data_redundancy_type: Some("LRS".into()),
        transfer_acceleration: Some("Disabled".into()),
        cross_region_replication: Some("Disabled".into()),
        versioning: Some("Enabled".into()),
        owner: owner(2),
        access_control_list: AccessControlList {
            grant: "private".into(),
        },
        comment: Some(TRICKY[0].into()),
        resource_group_id: Some("rg-aek27tc".into()),
        server_side_encryption_rule: Some(
            osskit_proto::xml::encryption::ServerSideEncryptionRule::kms(Some("key".into())).apply,
        ),
    };
    round_trip(&BucketInfoResult {
        bucket: info.clone(),
    });
    round_trip(&info);
    round_trip(&BucketInfoResult::default());
}

#[test]
fn object_models_round_trip() {
    for count in [0, 1, 3, 1000] {
        let delete = Delete {
            quiet: count % 2 == 1,
            objects: (0..count)
                .map(|n| DeleteObject {
                    key: format!("{}{n}", TRICKY[n % TRICKY.len()]),
                    version_id: (n % 2 == 1).then(|| format!("CAEQ{n}")),
                })
                .collect(),
        };
        let doc = round_trip(&delete);
        assert_eq!(doc.contains("<Quiet>true</Quiet>"), count % 2 == 1);
        let result = DeleteResult {
            encoding_type: None,
            deleted: (0..count)
                .map(|n| DeletedObject {
                    key: format!("{}{n}", TRICKY[n % TRICKY.len()]),
                    version_id: (n % 3 == 0).then(|| "v".into()),
                    delete_marker: (n % 2 == 0).then_some(n % 4 == 0),
                    delete_marker_version_id: (n % 4 == 0).then(|| "dm".into()),
                })
                .collect(),
        };
        round_trip(&result);
    }
    round_trip(&DeleteObject {
        key: " k ".into(),
        version_id: None,
    });
    round_trip(&DeletedObject::default());
    round_trip(&CopyObjectResult {
        last_modified: "2019-04-09T03:45:32.000Z".into(),
        etag: "\"5B3C1A2E053D763E1B002CC607C5A0FE\"".into(),
    });
    round_trip(&CopyObjectResult::default());
}

#[test]
fn multipart_models_round_trip() {
    round_trip(&InitiateMultipartUploadResult {
        bucket: "b".into(),
        key: TRICKY[2].into(),
        upload_id: "0004B9894A22E5B1888A1E29F823****".into(),
        encoding_type: Some("url".into()),
    });
    round_trip(&InitiateMultipartUploadResult::default());
    for count in [0, 1, 2, 100] {
        let complete = CompleteMultipartUpload {
            parts: (1..=count)
                .map(|n| CompletePart {
                    part_number: n,
                    etag: format!("\"3349DC700140D7F86A07848427{n:06}\""),
                })
                .collect(),
        };
        round_trip(&complete);
        let parts = ListPartsResult {
            bucket: "b".into(),
            key: TRICKY[1].into(),
            upload_id: "id".into(),
            part_number_marker: 0,
            next_part_number_marker: count,
            max_parts: 1000,
            is_truncated: count == 2,
            parts: (1..=count)
                .map(|n| PartSummary {
                    part_number: n,
                    last_modified: "2012-02-23T07:01:34.000Z".into(),
                    etag: "\"E\"".into(),
                    size: u64::from(n) * 6_291_456,
                    hash_crc64ecma: (n % 2 == 1).then_some(u64::MAX - u64::from(n)),
                })
                .collect(),
        };
        round_trip(&parts);
        let uploads = ListMultipartUploadsResult {
            bucket: "b".into(),
            key_marker: "k".into(),
            upload_id_marker: "u".into(),
            next_key_marker: "nk".into(),
            next_upload_id_marker: "nu".into(),
            delimiter: "/".into(),
            prefix: "p/".into(),
            max_uploads: 1000,
            is_truncated: count > 1,
            encoding_type: None,
            uploads: (0..count as usize)
                .map(|n| UploadSummary {
                    key: format!("{}{n}", TRICKY[n % TRICKY.len()]),
                    upload_id: format!("id{n}"),
                    initiated: "2012-02-23T04:18:23.000Z".into(),
                })
                .collect(),
            common_prefixes: (0..count as usize / 2).map(prefix).collect(),
        };
        round_trip(&uploads);
    }
    round_trip(&CompleteMultipartUploadResult {
        encoding_type: None,
        location: "http://b.oss-cn-hangzhou.aliyuncs.com/multipart.data".into(),
        bucket: "b".into(),
        key: "multipart.data".into(),
        etag: "\"B864DB6A936D376F9F8D3ED3BBE540DD-3\"".into(),
    });
    round_trip(&CompleteMultipartUploadResult::default());
    round_trip(&CompletePart::default());
    round_trip(&PartSummary::default());
    round_trip(&UploadSummary::default());
    round_trip(&CopyPartResult {
        last_modified: "2014-07-17T06:27:54.000Z".into(),
        etag: "\"5B3C1A2E053D763E1B002CC607C5A0FE\"".into(),
    });
}

#[test]
fn every_tricky_string_survives_as_a_key() {
    for s in TRICKY
        .iter()
        .copied()
        .chain(["", "\u{7f}x", "a\r\nb", " ", "\t"])
    {
        let obj = ObjectSummary {
            key: s.into(),
            ..ObjectSummary::default()
        };
        round_trip(&obj);
    }
}

// ---------------------------------------------------------------------------------------
// Documentation-shaped samples

#[test]
fn parses_list_objects_v1_sample() {
    let page: ListBucketResult = from_xml(&fixture("list_objects_v1.xml")).unwrap();
    assert_eq!(page.name, "examplebucket");
    assert_eq!(page.prefix, "fun/");
    assert_eq!(page.marker, "");
    assert_eq!(page.max_keys, 100);
    assert_eq!(page.delimiter, "/");
    assert!(page.is_truncated);
    assert_eq!(page.next_marker.as_deref(), Some("fun/test.jpg"));
    assert_eq!(page.encoding_type, None);
    assert_eq!(page.contents.len(), 2);
    let first = &page.contents[0];
    assert_eq!(first.key, "fun/movie/001.avi");
    assert_eq!(first.last_modified, "2012-02-24T08:43:07.000Z");
    assert_eq!(first.etag, "\"5B3C1A2E053D763E1B002CC607C5A0FE\"");
    assert_eq!(first.object_type, "Normal");
    assert_eq!(first.size, 344_606);
    assert_eq!(first.storage_class, "Standard");
    assert_eq!(
        first.owner,
        Some(Owner {
            id: "0022012****".into(),
            display_name: "user-example".into()
        })
    );
    assert_eq!(first.restore_info, None);
    assert_eq!(page.contents[1].object_type, "Multipart");
    assert_eq!(
        page.contents[1].restore_info.as_deref(),
        Some("ongoing-request=\"true\"")
    );
    let prefixes: Vec<&str> = page
        .common_prefixes
        .iter()
        .map(|p| p.prefix.as_str())
        .collect();
    assert_eq!(prefixes, ["fun/movie/", "fun/music/"]);
}

#[test]
fn single_contents_and_namespace_parse() {
    let page: ListBucketResult = from_xml(&fixture("list_objects_v1_single.xml")).unwrap();
    assert!(!page.is_truncated);
    assert_eq!(page.next_marker, None);
    assert_eq!(page.contents.len(), 1);
    assert_eq!(page.contents[0].key, "only.txt");
    assert_eq!(page.contents[0].size, 0);
    assert_eq!(page.contents[0].owner, None);
    assert!(page.common_prefixes.is_empty());
}

#[test]
fn parses_and_decodes_list_objects_v2_sample() {
    let mut page: ListBucketV2Result = from_xml(&fixture("list_objects_v2_encoded.xml")).unwrap();
    assert_eq!(page.key_count, 2);
    assert_eq!(page.encoding_type.as_deref(), Some("url"));
    assert_eq!(
        page.contents[0].key,
        "a%20dir/sp%20ace%2Bplus%2541/%C3%A9.txt"
    );
    page.decode_url();
    assert_eq!(page.encoding_type, None);
    assert_eq!(page.prefix, "a dir/");
    assert_eq!(page.delimiter, "/");
    assert_eq!(page.start_after.as_deref(), Some("a dir/0+0"));
    assert_eq!(
        page.continuation_token.as_deref(),
        Some("ChR0ZXN0+tb2tlbg--")
    );
    assert_eq!(
        page.next_continuation_token.as_deref(),
        Some("a dir/sp ace+plus%41/é.txt")
    );
    assert_eq!(page.contents.len(), 1);
    assert_eq!(page.contents[0].key, "a dir/sp ace+plus%41/é.txt");
    assert_eq!(page.common_prefixes[0].prefix, "a dir/中文/");
    // Decoding is not applied twice.
    let once = page.clone();
    page.decode_url();
    assert_eq!(page, once);
}

#[test]
fn parses_list_buckets_samples() {
    let all: ListAllMyBucketsResult = from_xml(&fixture("list_buckets.xml")).unwrap();
    assert_eq!(all.prefix.as_deref(), Some("my"));
    assert_eq!(all.marker.as_deref(), Some("mybucket"));
    assert_eq!(all.max_keys, Some(10));
    assert_eq!(all.is_truncated, Some(true));
    assert_eq!(all.next_marker.as_deref(), Some("mybucket10"));
    assert_eq!(
        all.owner,
        Owner {
            id: "512**".into(),
            display_name: "51264".into()
        }
    );
    assert_eq!(all.buckets.bucket.len(), 2);
    let b = &all.buckets.bucket[0];
    assert_eq!(b.name, "app-base-oss");
    assert_eq!(b.location, "oss-cn-shanghai");
    assert_eq!(b.creation_date, "2014-02-07T18:12:43.000Z");
    assert_eq!(b.extranet_endpoint, "oss-cn-shanghai.aliyuncs.com");
    assert_eq!(b.intranet_endpoint, "oss-cn-shanghai-internal.aliyuncs.com");
    assert_eq!(b.storage_class, "Standard");
    assert_eq!(b.region.as_deref(), Some("cn-shanghai"));
    assert_eq!(b.resource_group_id.as_deref(), Some("rg-default-id"));
    assert_eq!(all.buckets.bucket[1].region, None);
    assert_eq!(all.buckets.bucket[1].storage_class, "IA");

    let single: ListAllMyBucketsResult = from_xml(&fixture("list_buckets_single.xml")).unwrap();
    assert_eq!(single.buckets.bucket.len(), 1);
    assert_eq!(single.buckets.bucket[0].name, "app-base-oss");
    assert_eq!(single.prefix, None);
    assert_eq!(single.is_truncated, None);

    let none: ListAllMyBucketsResult =
        from_xml("<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets/></ListAllMyBucketsResult>")
            .unwrap();
    assert!(none.buckets.bucket.is_empty());
}

#[test]
fn parses_bucket_info_and_acl_samples() {
    let info: BucketInfoResult = from_xml(&fixture("bucket_info.xml")).unwrap();
    let b = info.bucket;
    assert_eq!(b.name, "oss-example");
    assert_eq!(b.access_monitor.as_deref(), Some("Enabled"));
    assert_eq!(b.location, "oss-cn-hangzhou");
    assert_eq!(b.creation_date, "2013-07-31T10:56:21.000Z");
    assert_eq!(b.storage_class, "Standard");
    assert_eq!(b.transfer_acceleration.as_deref(), Some("Disabled"));
    assert_eq!(b.versioning, None);
    assert_eq!(b.data_redundancy_type, None);
    assert_eq!(b.owner.id, "27183473914****");
    assert_eq!(b.owner.display_name, "username");
    assert_eq!(b.access_control_list.grant, "private");
    assert_eq!(b.comment.as_deref(), Some("test"));

    let acl: AccessControlPolicy = from_xml(&fixture("acl.xml")).unwrap();
    assert_eq!(acl.owner.id, "0022012****");
    assert_eq!(acl.owner.display_name, "user_example");
    assert_eq!(acl.access_control_list.grant, "public-read");

    let loc: LocationConstraint = from_xml(&fixture("location.xml")).unwrap();
    assert_eq!(loc.value, "oss-cn-hangzhou");
}

#[test]
fn parses_object_samples() {
    let mut result: DeleteResult = from_xml(&fixture("delete_result.xml")).unwrap();
    assert_eq!(result.deleted.len(), 3);
    assert_eq!(result.deleted[1].delete_marker, Some(true));
    assert_eq!(result.deleted[2].delete_marker, Some(false));
    assert_eq!(result.deleted[0].delete_marker, None);
    assert_eq!(
        result.deleted[2].version_id.as_deref(),
        Some("CAEQNRiBgIDyz.6C0BYiIGQ2NWEwNmVhNTA3ZTQ3MzM5ODliYjM1ZTdjYjA4****")
    );
    assert!(result.deleted[1].delete_marker_version_id.is_some());
    result.decode_url();
    let keys: Vec<&str> = result.deleted.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["multipart.data", "test with+plus.jpg", "demo.jpg"]);

    let copy: CopyObjectResult = from_xml(&fixture("copy_object_result.xml")).unwrap();
    assert_eq!(copy.etag, "\"5B3C1A2E053D763E1B002CC607C5****\"");
    assert_eq!(copy.last_modified, "2019-04-09T03:45:32.000Z");

    let single: Delete =
        from_xml("<Delete><Quiet>false</Quiet><Object><Key> spaced key </Key></Object></Delete>")
            .unwrap();
    assert!(!single.quiet);
    assert_eq!(single.objects.len(), 1);
    assert_eq!(single.objects[0].key, " spaced key ");
}

#[test]
fn parses_multipart_samples() {
    let init: InitiateMultipartUploadResult = from_xml(&fixture("initiate_multipart.xml")).unwrap();
    assert_eq!(init.bucket, "oss-example");
    assert_eq!(init.key, "multipart.data");
    assert_eq!(init.upload_id, "0004B9894A22E5B1888A1E29F823****");
    assert_eq!(init.encoding_type, None);

    let parts: ListPartsResult = from_xml(&fixture("list_parts.xml")).unwrap();
    assert_eq!(parts.bucket, "multipart_upload");
    assert_eq!(parts.next_part_number_marker, 5);
    assert_eq!(parts.part_number_marker, 0);
    assert_eq!(parts.max_parts, 1000);
    assert!(!parts.is_truncated);
    let numbers: Vec<u32> = parts.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2, 5]);
    assert_eq!(
        parts.parts[0].hash_crc64ecma,
        Some(12_811_388_247_244_714_686)
    );
    assert_eq!(parts.parts[1].hash_crc64ecma, None);
    assert_eq!(parts.parts[2].size, 1024);

    let mut uploads: ListMultipartUploadsResult =
        from_xml(&fixture("list_multipart_uploads.xml")).unwrap();
    assert_eq!(uploads.uploads.len(), 3);
    assert_eq!(uploads.next_key_marker, "oss.avi");
    assert_eq!(uploads.max_uploads, 1000);
    assert!(uploads.common_prefixes.is_empty());
    uploads.decode_url();
    assert_eq!(uploads.uploads[1].key, "a b+c.data");
    assert_eq!(uploads.encoding_type, None);
}

#[test]
fn booleans_numbers_and_unknown_elements() {
    let doc = "<ListPartsResult>\n<Unknown><Deep>x</Deep></Unknown>\n<IsTruncated>true</IsTruncated>\n\
               <MaxParts>7</MaxParts><Part><PartNumber>10000</PartNumber><Size>18446744073709551615</Size>\
               <Extra/></Part></ListPartsResult>";
    let parts: ListPartsResult = from_xml(doc).unwrap();
    assert!(parts.is_truncated);
    assert_eq!(parts.max_parts, 7);
    assert_eq!(parts.parts[0].part_number, 10_000);
    assert_eq!(parts.parts[0].size, u64::MAX);

    for bad in [
        "<ListPartsResult><IsTruncated>yes</IsTruncated></ListPartsResult>",
        "<ListPartsResult><MaxParts>-1</MaxParts></ListPartsResult>",
        "<ListPartsResult><MaxParts>abc</MaxParts></ListPartsResult>",
        "<ListPartsResult><Part><PartNumber>1</PartNumber></ListPartsResult>",
        "not xml at all",
        "",
    ] {
        let err = from_xml::<ListPartsResult>(bad).expect_err(bad);
        assert!(err.to_string().starts_with("malformed XML"), "{err}");
    }
    // A required element missing is an error too.
    assert!(from_xml::<InitiateMultipartUploadResult>("<InitiateMultipartUploadResult/>").is_err());
    assert!(from_xml_bytes::<CopyObjectResult>(b"\xff\xfe").is_err());
}

// ---------------------------------------------------------------------------------------
// encoding-type=url

const AWKWARD_KEYS: [&str; 10] = [
    "sp ace+plus%41/é.txt",
    "100%",
    "a+b=c&d?e#f",
    "ctrl\u{1}\u{1f}\u{7f}",
    "tab\there\nnewline",
    "//double//slash//",
    "~_.-safe",
    "中文/日本語",
    " ",
    "%2F%zz%",
];

#[test]
fn url_encoding_round_trips_every_key_v1() {
    let mut page = list_v1(0, 0);
    page.prefix = "p re+fix%/".into();
    page.marker = "m a+r%".into();
    page.delimiter = "\u{1}".into();
    page.next_marker = Some("n e+x%".into());
    page.contents = AWKWARD_KEYS
        .iter()
        .map(|k| ObjectSummary {
            key: (*k).into(),
            ..Default::default()
        })
        .collect();
    page.common_prefixes = AWKWARD_KEYS
        .iter()
        .map(|k| CommonPrefix {
            prefix: format!("{k}/"),
        })
        .collect();
    let original = page.clone();

    page.encode_url();
    assert_eq!(page.encoding_type.as_deref(), Some("url"));
    assert_eq!(page.contents[0].key, "sp%20ace%2Bplus%2541/%C3%A9.txt");
    assert_eq!(page.contents[3].key, "ctrl%01%1F%7F");
    assert_eq!(page.delimiter, "%01");
    assert_eq!(page.marker, "m%20a%2Br%25");
    let encoded = page.clone();
    page.encode_url();
    assert_eq!(page, encoded, "encoding twice must not double-encode");

    let doc = to_xml(&page);
    for c in ['\u{1}', '\u{1f}', '\u{7f}', '\t', ' '] {
        let inside_keys = doc
            .split("<Key>")
            .skip(1)
            .any(|s| s.split("</Key>").next().unwrap().contains(c));
        assert!(!inside_keys, "{c:?} reached the XML");
    }
    let mut parsed: ListBucketResult = from_xml(&doc).unwrap();
    parsed.decode_url();
    let mut expected = original;
    expected.encoding_type = None;
    assert_eq!(parsed, expected);
}

#[test]
fn url_encoding_round_trips_every_key_v2_and_uploads() {
    let mut page = list_v2(0, 0);
    page.start_after = Some(AWKWARD_KEYS[0].into());
    page.continuation_token = Some(AWKWARD_KEYS[2].into());
    page.next_continuation_token = Some(AWKWARD_KEYS[9].into());
    page.contents = AWKWARD_KEYS
        .iter()
        .map(|k| ObjectSummary {
            key: (*k).into(),
            ..Default::default()
        })
        .collect();
    let original = page.clone();
    page.encode_url();
    assert_eq!(
        page.start_after.as_deref(),
        Some("sp%20ace%2Bplus%2541/%C3%A9.txt")
    );
    assert_eq!(
        page.next_continuation_token.as_deref(),
        Some("%252F%25zz%25")
    );
    let mut parsed: ListBucketV2Result = from_xml(&to_xml(&page)).unwrap();
    parsed.decode_url();
    let mut expected = original;
    expected.encoding_type = None;
    assert_eq!(parsed, expected);

    let mut uploads = ListMultipartUploadsResult {
        key_marker: AWKWARD_KEYS[0].into(),
        next_key_marker: AWKWARD_KEYS[1].into(),
        prefix: AWKWARD_KEYS[7].into(),
        delimiter: "/".into(),
        uploads: AWKWARD_KEYS
            .iter()
            .map(|k| UploadSummary {
                key: (*k).into(),
                upload_id: "u".into(),
                ..Default::default()
            })
            .collect(),
        common_prefixes: vec![CommonPrefix {
            prefix: AWKWARD_KEYS[4].into(),
        }],
        ..Default::default()
    };
    let original = uploads.clone();
    uploads.encode_url();
    let mut parsed: ListMultipartUploadsResult = from_xml(&to_xml(&uploads)).unwrap();
    parsed.decode_url();
    assert_eq!(parsed, original);

    for key in AWKWARD_KEYS {
        let mut init = InitiateMultipartUploadResult {
            key: key.into(),
            upload_id: "u".into(),
            ..Default::default()
        };
        init.encode_url();
        let mut back: InitiateMultipartUploadResult = from_xml(&to_xml(&init)).unwrap();
        back.decode_url();
        assert_eq!(back.key, key);

        let mut done = CompleteMultipartUploadResult {
            key: key.into(),
            ..Default::default()
        };
        done.encode_url();
        let mut back: CompleteMultipartUploadResult = from_xml(&to_xml(&done)).unwrap();
        back.decode_url();
        assert_eq!(back.key, key);

        let mut deleted = DeleteResult {
            encoding_type: None,
            deleted: vec![DeletedObject {
                key: key.into(),
                ..Default::default()
            }],
        };
        deleted.encode_url();
        let mut back: DeleteResult = from_xml(&to_xml(&deleted)).unwrap();
        back.decode_url();
        assert_eq!(back.deleted[0].key, key);
    }
}

#[test]
fn decode_without_encoding_type_changes_nothing() {
    let mut page = list_v1(3, 2);
    page.contents[0].key = "a%20b".into();
    let before = page.clone();
    page.decode_url();
    assert_eq!(page, before);
    page.encoding_type = Some("URL".into());
    page.decode_url();
    assert_eq!(page.contents[0].key, "a b");
}

// ---------------------------------------------------------------------------------------
// <Error>

#[test]
fn parses_error_sample() {
    let body = ErrorBody::parse(fixture("error.xml").as_bytes()).unwrap();
    assert_eq!(body.code, "NoSuchKey");
    assert_eq!(body.message, "The specified key does not exist.");
    assert_eq!(body.request_id, "5C3D9778CC1C2AEDF85BC3B4");
    assert_eq!(body.host_id, "examplebucket.oss-cn-hangzhou.aliyuncs.com");
    assert_eq!(body.ec.as_deref(), Some("0026-00000001"));
    assert_eq!(body.detail("Key"), Some("a & b.txt"));
    assert_eq!(
        body.detail("RecommendDoc"),
        Some("https://api.aliyun.com/troubleshoot?q=0026-00000001")
    );
    let tags: Vec<&str> = body.details.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        tags,
        [
            "Code",
            "Message",
            "RequestId",
            "HostId",
            "Key",
            "EC",
            "RecommendDoc"
        ]
    );
}

#[test]
fn error_with_control_character_reference_and_cdata() {
    let body = ErrorBody::parse(
        "<Error><Code>NoSuchKey</Code><Message>中文和控制字符&#12;</Message></Error>".as_bytes(),
    )
    .unwrap();
    assert_eq!(body.code, "NoSuchKey");
    assert_eq!(body.message, "中文和控制字符\u{c}");
    assert_eq!(body.ec, None);

    let body = ErrorBody::parse(
        b"<Error><Code><![CDATA[Access<Denied>]]></Code><StringToSign>GET\n\n\n&#x41;</StringToSign><Empty/></Error>",
    )
    .unwrap();
    assert_eq!(body.code, "Access<Denied>");
    assert_eq!(body.detail("StringToSign"), Some("GET\n\n\nA"));
    assert_eq!(body.detail("Empty"), Some(""));
}

#[test]
fn error_roots_and_fallbacks() {
    // Another root: no details, as oss2.
    assert_eq!(
        ErrorBody::parse(b"<NotError><Code>X</Code></NotError>"),
        None
    );
    assert_eq!(ErrorBody::parse(b""), None);
    assert_eq!(ErrorBody::parse(b"plain text"), None);
    assert_eq!(ErrorBody::parse(b"<Error/>"), Some(ErrorBody::default()));

    // Malformed, but <Error>…</Error> present: Code and Message are scanned for.
    let body = ErrorBody::parse(
        b"<Error><Code>InvalidArgument</Code><Message>bad & worse</Message><Oops></Error>",
    )
    .unwrap();
    assert_eq!(body.code, "InvalidArgument");
    assert_eq!(body.message, "bad & worse");
    assert_eq!(body.details.len(), 2);

    // Truncated (oss2 reads at most 4096 bytes) without the closing tag: nothing to go on.
    assert_eq!(
        ErrorBody::parse(b"<Error><Code>NoSuchKey</Code><Mess"),
        None
    );
    // Invalid UTF-8 is read lossily.
    let body = ErrorBody::parse(b"<Error><Code>A\xffB</Code></Error>").unwrap();
    assert_eq!(body.code, "A\u{fffd}B");
}

#[test]
fn error_body_writes_and_reads_back() {
    let body = ErrorBody::new(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
        "5C3D9778CC1C2AEDF85BC3B4",
        "b.oss-cn-hangzhou.aliyuncs.com",
    )
    .with_detail(
        "StringToSign",
        "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/b/a&b<c>",
    )
    .with_detail("Key", " spaced ")
    .with_detail("Ctrl", "x\u{c}y")
    .with_ec("0002-00000040");
    let doc = body.to_xml();
    assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>SignatureDoesNotMatch</Code>"), "{doc}");
    assert!(doc.contains("&amp;b&lt;c&gt;"), "{doc}");
    assert!(doc.contains("x&#12;y"), "{doc}");
    assert!(
        doc.trim_end().ends_with("<EC>0002-00000040</EC>\n</Error>"),
        "{doc}"
    );
    assert!(!doc.contains("xmlns"));
    let parsed = ErrorBody::parse(doc.as_bytes()).unwrap();
    assert_eq!(parsed.code, body.code);
    assert_eq!(parsed.message, body.message);
    assert_eq!(parsed.request_id, body.request_id);
    assert_eq!(parsed.host_id, body.host_id);
    assert_eq!(parsed.ec, body.ec);
    assert_eq!(parsed.detail("StringToSign"), body.detail("StringToSign"));
    assert_eq!(parsed.detail("Key"), Some(" spaced "));
    assert_eq!(parsed.detail("Ctrl"), Some("x\u{c}y"));
    // Writing what was parsed gives the same document (EC is not duplicated).
    assert_eq!(parsed.to_xml(), doc);
    assert_eq!(doc.matches("<EC>").count(), 1);

    // Fields set without `new` are still written.
    let bare = ErrorBody {
        code: "NoSuchBucket".into(),
        ..Default::default()
    };
    let parsed = ErrorBody::parse(bare.to_xml().as_bytes()).unwrap();
    assert_eq!(parsed.code, "NoSuchBucket");
    assert_eq!(parsed.detail("HostId"), Some(""));
}

#[test]
fn escape_text() {
    assert_eq!(xml::escape("plain"), "plain");
    assert_eq!(
        xml::escape("<a href='x'>&</a>"),
        "&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;"
    );
    assert_eq!(xml::escape("\u{0}\u{1}\t\n\r"), "&#0;&#1;\t\n\r");
}

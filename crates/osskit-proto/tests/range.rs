//! `Range` header interpretation, lenient (OSS default) and standard
//! (`x-oss-range-behavior: standard`), and oss2's `byte_range` tuples.

use osskit_proto::range::{resolve, ByteRange, RangeOutcome};
use RangeOutcome::{Full, Partial, Unsatisfiable};

fn p(start: u64, end: u64) -> RangeOutcome {
    Partial { start, end }
}

#[test]
fn table_for_a_thousand_byte_object() {
    // (header, lenient, standard)
    let cases = [
        ("bytes=0-499", p(0, 499), p(0, 499)),
        ("bytes=0-0", p(0, 0), p(0, 0)),
        ("bytes=999-999", p(999, 999), p(999, 999)),
        ("bytes=0-999", p(0, 999), p(0, 999)),
        ("bytes=500-", p(500, 999), p(500, 999)),
        ("bytes=0-", p(0, 999), p(0, 999)),
        ("bytes=-1", p(999, 999), p(999, 999)),
        ("bytes=-1000", p(0, 999), p(0, 999)),
        ("bytes=0-1000", Full, p(0, 999)),
        ("bytes=500-2000", Full, p(500, 999)),
        ("bytes=1000-2000", Full, Unsatisfiable),
        ("bytes=1000-", Full, Unsatisfiable),
        ("bytes=-2000", Full, p(0, 999)),
        ("bytes=-0", Full, Unsatisfiable),
        ("byte=0-499", Full, Unsatisfiable),
        ("items=0-499", Full, Unsatisfiable),
        ("0-499", Full, Unsatisfiable),
        ("bytes=5-1", Full, Unsatisfiable),
        ("bytes=-", Full, Unsatisfiable),
        ("bytes=", Full, Unsatisfiable),
        ("bytes=a-b", Full, Unsatisfiable),
        ("bytes=1-2-3", Full, Unsatisfiable),
        ("bytes=+1-2", Full, Unsatisfiable),
        ("bytes=99999999999999999999-", Full, Unsatisfiable),
        ("", Full, Unsatisfiable),
        ("bytes=0-499,500-999", p(0, 499), p(0, 499)),
        ("bytes=500-999, 0-1", p(500, 999), p(500, 999)),
        ("bytes=-10,0-1", p(990, 999), p(990, 999)),
        ("bytes=2000-3000,0-1", Full, Unsatisfiable),
        ("Bytes=1-2", p(1, 2), p(1, 2)),
        (" bytes = 1 - 2 ", p(1, 2), p(1, 2)),
    ];
    for (header, lenient, standard) in cases {
        assert_eq!(resolve(header, 1000, false), lenient, "lenient {header:?}");
        assert_eq!(resolve(header, 1000, true), standard, "standard {header:?}");
    }
}

#[test]
fn empty_object_has_no_satisfiable_range() {
    for header in [
        "bytes=0-0",
        "bytes=0-",
        "bytes=-1",
        "bytes=-0",
        "bytes=0-10",
        "byte=0-1",
    ] {
        assert_eq!(resolve(header, 0, false), Full, "{header}");
        assert_eq!(resolve(header, 0, true), Unsatisfiable, "{header}");
    }
}

#[test]
fn one_byte_object() {
    assert_eq!(resolve("bytes=0-0", 1, false), p(0, 0));
    assert_eq!(resolve("bytes=-5", 1, false), Full);
    assert_eq!(resolve("bytes=-5", 1, true), p(0, 0));
    assert_eq!(resolve("bytes=1-", 1, true), Unsatisfiable);
}

#[test]
fn byte_range_header_values() {
    assert_eq!(
        ByteRange::from((0, 99)).header_value().as_deref(),
        Some("bytes=0-99")
    );
    assert_eq!(
        ByteRange::from((None, Some(99))).header_value().as_deref(),
        Some("bytes=-99")
    );
    assert_eq!(
        ByteRange::from((Some(100), None)).header_value().as_deref(),
        Some("bytes=100-")
    );
    assert_eq!(ByteRange::from((None, None)).header_value(), None);
    assert_eq!(
        ByteRange::from(10..20).header_value().as_deref(),
        Some("bytes=10-19")
    );
    assert_eq!(
        ByteRange::from(10..).header_value().as_deref(),
        Some("bytes=10-")
    );
    // What the client sends, the server resolves to the same bytes.
    let header = ByteRange::from(10..20).header_value().unwrap();
    assert_eq!(resolve(&header, 100, false), p(10, 19));
}

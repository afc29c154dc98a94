//! The percent-encodings OSS clients use, byte for byte as oss2 does.
//!
//! ```
//! use oss_proto::encoding::*;
//! assert_eq!(quote("中文/a b+c~*.txt", ""), "%E4%B8%AD%E6%96%87%2Fa%20b%2Bc~%2A.txt");
//! assert_eq!(quote("dir/a b.txt", "/"), "dir/a%20b.txt");
//! assert_eq!(quote_plus("a b/c*"), "a+b%2Fc%2A");
//! assert_eq!(unquote("a%20b%2Bc+d"), "a b+c+d");
//! assert_eq!(unquote_plus("a%20b%2Bc+d"), "a b+c d");
//! assert_eq!(v4_uri_encode("/b/1234+-/1.txt", true), "/b/1234%2B-/1.txt");
//! ```

/// Python's `urllib.parse.quote(s, safe)`: every UTF-8 byte except `A-Za-z0-9_.-~` and the
/// characters in `safe` becomes `%XX` (upper-case hex).
pub fn quote(s: &str, safe: &str) -> String {
    let _ = (s, safe);
    todo!()
}

/// Python's `quote_plus(s, safe='')`: like `quote` but a space becomes `+`.
pub fn quote_plus(s: &str) -> String {
    let _ = s;
    todo!()
}

/// Percent-decoding (`%XX` → byte; `+` stays `+`). Invalid escapes are kept literally;
/// invalid UTF-8 is replaced lossily.
pub fn unquote(s: &str) -> String {
    let _ = s;
    todo!()
}

/// Form decoding: `+` → space, then percent-decoding.
pub fn unquote_plus(s: &str) -> String {
    let _ = s;
    todo!()
}

/// The V4 (and V2) URI encoding: keep `A-Za-z0-9_.-~` (and `/` when `keep_slash`), encode
/// every other byte as `%XX` upper-case.
pub fn v4_uri_encode(s: &str, keep_slash: bool) -> String {
    let _ = (s, keep_slash);
    todo!()
}

/// A query string as `requests` sends oss2's params: `quote_plus(k)=quote_plus(v)` joined
/// with `&`, in the given order; an empty value is sent as `k=`.
pub fn form_query(params: &[(String, String)]) -> String {
    let _ = params;
    todo!()
}

/// A query string as oss2 builds presigned URLs: `quote(k,'')=quote(v,'')`, or a bare
/// `quote(k,'')` when the value is empty.
pub fn presign_query(params: &[(String, String)]) -> String {
    let _ = params;
    todo!()
}

/// Parses a raw query string into decoded `(name, value)` pairs, in order; `+` is read as a
/// space (form decoding), a bare `name` gives an empty value.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    let _ = raw;
    todo!()
}

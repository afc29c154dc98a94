//! The percent-encodings OSS clients use, byte for byte as oss2 does.
//!
//! ```
//! use osskit_proto::encoding::*;
//! assert_eq!(quote("中文/a b+c~*.txt", ""), "%E4%B8%AD%E6%96%87%2Fa%20b%2Bc~%2A.txt");
//! assert_eq!(quote("dir/a b.txt", "/"), "dir/a%20b.txt");
//! assert_eq!(quote_plus("a b/c*"), "a+b%2Fc%2A");
//! assert_eq!(unquote("a%20b%2Bc+d"), "a b+c+d");
//! assert_eq!(unquote_plus("a%20b%2Bc+d"), "a b+c d");
//! assert_eq!(v4_uri_encode("/b/1234+-/1.txt", true), "/b/1234%2B-/1.txt");
//! ```

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// `UNRESERVED[b]` is true for the bytes every encoding here keeps: `A-Za-z0-9_.-~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-' || c == b'~';
        b += 1;
    }
    table
};

/// Appends `%XX` (upper-case hex) for `byte`.
#[inline]
fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
    out.push(char::from(HEX_UPPER[usize::from(byte & 0x0f)]));
}

/// Percent-encodes the UTF-8 bytes of `s`, keeping unreserved bytes and the ASCII bytes in
/// `keep`, and writing a space as `+` when `space_as_plus`.
fn encode_into(out: &mut String, s: &str, keep: &[bool; 128], space_as_plus: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let literal = UNRESERVED[usize::from(b)] || (b < 128 && keep[usize::from(b)]);
        if literal {
            continue;
        }
        // A non-empty literal run holds only ASCII bytes, so both its ends are char
        // boundaries (an empty run may sit inside an escaped multi-byte character).
        if start < i {
            out.push_str(&s[start..i]);
        }
        if space_as_plus && b == b' ' {
            out.push('+');
        } else {
            push_escaped(out, b);
        }
        start = i + 1;
    }
    if start < bytes.len() {
        out.push_str(&s[start..]);
    }
}

/// The ASCII characters of `safe` as a lookup table (non-ASCII characters are ignored, as
/// Python does).
fn safe_table(safe: &str) -> [bool; 128] {
    let mut keep = [false; 128];
    for b in safe.bytes() {
        if b < 128 {
            keep[usize::from(b)] = true;
        }
    }
    keep
}

const NOTHING_SAFE: [bool; 128] = [false; 128];

const SLASH_SAFE: [bool; 128] = {
    let mut keep = [false; 128];
    keep[b'/' as usize] = true;
    keep
};

/// Python's `urllib.parse.quote(s, safe)`: every UTF-8 byte except `A-Za-z0-9_.-~` and the
/// characters in `safe` becomes `%XX` (upper-case hex).
pub fn quote(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    let keep = match safe {
        "" => NOTHING_SAFE,
        "/" => SLASH_SAFE,
        other => safe_table(other),
    };
    encode_into(&mut out, s, &keep, false);
    out
}

/// Python's `quote_plus(s, safe='')`: like `quote` but a space becomes `+`.
pub fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    encode_into(&mut out, s, &NOTHING_SAFE, true);
    out
}

/// The value of an ASCII hex digit.
#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s`, reading `+` as a space when `plus_as_space`.
fn decode(s: &str, plus_as_space: bool) -> String {
    match decode_bytes(s, plus_as_space) {
        Ok(text) => text,
        Err(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Percent-decodes `s` into text, or gives back the decoded bytes when they are not UTF-8.
fn decode_bytes(s: &str, plus_as_space: bool) -> Result<String, Vec<u8>> {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_as_space && b == b'+'))
    {
        return Ok(s.to_string());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_as_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|e| e.into_bytes())
}

/// Percent-decoding (`%XX` → byte; `+` stays `+`). Invalid escapes are kept literally;
/// invalid UTF-8 is replaced lossily (see [`unquote_utf8`] to refuse it instead).
pub fn unquote(s: &str) -> String {
    decode(s, false)
}

/// Percent-decoding like [`unquote`], or `None` when the decoded bytes are not UTF-8.
///
/// ```
/// use osskit_proto::encoding::unquote_utf8;
/// assert_eq!(unquote_utf8("caf%C3%A9").as_deref(), Some("café"));
/// assert_eq!(unquote_utf8("bad%FF"), None);
/// ```
pub fn unquote_utf8(s: &str) -> Option<String> {
    decode_bytes(s, false).ok()
}

/// Form decoding: `+` → space, then percent-decoding.
pub fn unquote_plus(s: &str) -> String {
    decode(s, true)
}

/// The V4 (and V2) URI encoding: keep `A-Za-z0-9_.-~` (and `/` when `keep_slash`), encode
/// every other byte as `%XX` upper-case.
pub fn v4_uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    let keep = if keep_slash {
        &SLASH_SAFE
    } else {
        &NOTHING_SAFE
    };
    encode_into(&mut out, s, keep, false);
    out
}

/// A query string as `requests` sends oss2's params: `quote_plus(k)=quote_plus(v)` joined
/// with `&`, in the given order; an empty value is sent as `k=`.
pub fn form_query(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k, &NOTHING_SAFE, true);
        out.push('=');
        encode_into(&mut out, v, &NOTHING_SAFE, true);
    }
    out
}

/// A query string as oss2 builds presigned URLs: `quote(k,'')=quote(v,'')`, or a bare
/// `quote(k,'')` when the value is empty.
pub fn presign_query(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k, &NOTHING_SAFE, false);
        if !v.is_empty() {
            out.push('=');
            encode_into(&mut out, v, &NOTHING_SAFE, false);
        }
    }
    out
}

/// Parses a raw query string into decoded `(name, value)` pairs, in order; `+` is read as a
/// space (form decoding), a bare `name` gives an empty value. Empty segments (`a&&b`) are
/// skipped.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((k, v)) => (unquote_plus(k), unquote_plus(v)),
            None => (unquote_plus(segment), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn quote_keeps_only_unreserved_and_safe() {
        assert_eq!(quote("AZaz09_.-~", ""), "AZaz09_.-~");
        assert_eq!(quote(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}", ""), "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D");
        assert_eq!(quote("a/b c", "/"), "a/b%20c");
        assert_eq!(quote("a/b:c@d", "/:"), "a/b:c%40d");
        // Non-ASCII safe characters are ignored, as in Python.
        assert_eq!(quote("é", "é"), "%C3%A9");
        assert_eq!(quote("\u{0}\u{7f}\u{80}", ""), "%00%7F%C2%80");
        assert_eq!(quote("😀x中", ""), "%F0%9F%98%80x%E4%B8%AD");
        assert_eq!(quote("", ""), "");
    }

    #[test]
    fn quote_plus_turns_spaces_into_plus() {
        assert_eq!(quote_plus("a b+c/d"), "a+b%2Bc%2Fd");
        assert_eq!(quote_plus("  "), "++");
        assert_eq!(quote_plus("中 文"), "%E4%B8%AD+%E6%96%87");
    }

    #[test]
    fn unquote_decodes_and_keeps_invalid_escapes() {
        assert_eq!(unquote("%E4%b8%ad%E6%96%87"), "中文");
        assert_eq!(unquote("100%"), "100%");
        assert_eq!(unquote("%2"), "%2");
        assert_eq!(unquote("%zz%41"), "%zzA");
        assert_eq!(unquote("%FF"), "\u{FFFD}");
        assert_eq!(unquote("a+b"), "a+b");
        assert_eq!(unquote_plus("a+b%2B"), "a b+");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("é%20"), "é ");
    }

    #[test]
    fn v4_encoding() {
        assert_eq!(v4_uri_encode("/b/a b/c+d", true), "/b/a%20b/c%2Bd");
        assert_eq!(v4_uri_encode("/b/a b/c+d", false), "%2Fb%2Fa%20b%2Fc%2Bd");
        assert_eq!(v4_uri_encode("~*", false), "~%2A");
    }

    #[test]
    fn queries() {
        let params = pairs(&[("prefix", "dir/a b"), ("marker", ""), ("x*", "中")]);
        assert_eq!(
            form_query(&params),
            "prefix=dir%2Fa+b&marker=&x%2A=%E4%B8%AD"
        );
        assert_eq!(
            presign_query(&params),
            "prefix=dir%2Fa%20b&marker&x%2A=%E4%B8%AD"
        );
        assert_eq!(form_query(&[]), "");
        assert_eq!(parse_query(&form_query(&params)), params);
        assert_eq!(parse_query(&presign_query(&params)), params);
        assert_eq!(
            parse_query("a=1=2&&b&=v&c="),
            pairs(&[("a", "1=2"), ("b", ""), ("", "v"), ("c", "")])
        );
        assert_eq!(parse_query(""), vec![]);
    }
}

//! Custom domains (CNAME): ownership tokens (`CreateCnameToken`, `GetCnameToken`), attached
//! domains with their certificates (`PutCname`, `ListCname`, `DeleteCname`).
//!
//! OSS attaches a domain only once its owner has published the bucket's token in a TXT
//! record. The local server cannot look that up; instead the domains listed in
//! [`AccountSettings::verified_domains`](crate::account::AccountSettings) count as proven
//! and any other answers `NeedVerifyDomainOwnership`, as OSS does for a domain without the
//! record. Certificates are stored as given; their SHA-1 fingerprint and validity are read
//! from the certificate itself. A domain is attached to one bucket at a time, and requests
//! whose `Host` is an attached domain address its bucket, the whole path being the object
//! key (as OSS serves a bucket under its custom domain).

use super::blocking;
use super::config::{self, malformed};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use hyper::body::Incoming;
use osskit_proto::date::{http_date, unixtime_to_iso8601};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::cname::{
    self as model, BucketCnameConfiguration, CertificateConfiguration, CnameCertificate, CnameInfo,
    CnameToken, ListCnameResult,
};
use osskit_proto::xml::{self, Document};
use serde::{Deserialize, Serialize};

/// Name of the stored document (internal JSON).
const DOC: &str = "cname";

/// How long a token stays valid (72 hours, as OSS).
const TOKEN_LIFETIME_SECS: i64 = 72 * 3600;

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    tokens: Vec<TokenRecord>,
    domains: Vec<DomainRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TokenRecord {
    domain: String,
    token: String,
    expires_secs: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct DomainRecord {
    domain: String,
    modified_ms: i64,
    certificate: Option<CertRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CertRecord {
    cert_type: String,
    cert_id: String,
    created_secs: i64,
    fingerprint: String,
    valid_start_secs: Option<i64>,
    valid_end_secs: Option<i64>,
    certificate: Option<String>,
    private_key: Option<String>,
}

async fn load(state: &AppState, bucket: &str) -> Result<State, OssError> {
    let b = bucket.to_string();
    let doc = blocking(state, move |s| s.bucket_config(&b, DOC))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    Ok(doc
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

async fn save(state: &AppState, bucket: &str, cnames: &State) -> Result<(), OssError> {
    let doc = serde_json::to_vec(cnames).map_err(OssError::internal)?;
    let b = bucket.to_string();
    blocking(state, move |s| s.set_bucket_config(&b, DOC, Some(doc)))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

async fn read_request(
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<BucketCnameConfiguration, OssError> {
    let doc = config::read_document(ctx, op, body).await?;
    let request = BucketCnameConfiguration::from_document(&doc).map_err(malformed)?;
    model::validate_domain(&request.cname.domain)
        .map_err(|why| OssError::invalid_argument(why, "Domain", &request.cname.domain))?;
    Ok(request)
}

fn token_answer(bucket: &str, t: &TokenRecord) -> Reply {
    Reply::xml(xml::to_xml(&CnameToken::new(
        bucket,
        t.domain.clone(),
        t.token.clone(),
        http_date(t.expires_secs),
    )))
}

/// CreateCnameToken: a new token for the domain (replacing an earlier one), valid 72 hours.
pub async fn create_token(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let request = read_request(ctx, op, body).await?;
    let domain = crate::account::normalize_domain(&request.cname.domain);
    let _guard = state.account.edit_lock.lock().await;
    let mut cnames = load(state, bucket).await?;
    let token: u128 = rand::random();
    let record = TokenRecord {
        domain: domain.clone(),
        token: format!("{token:032x}"),
        expires_secs: now_millis() / 1000 + TOKEN_LIFETIME_SECS,
    };
    let reply = token_answer(bucket, &record);
    cnames.tokens.retain(|t| t.domain != domain);
    cnames.tokens.push(record);
    save(state, bucket, &cnames).await?;
    Ok(reply)
}

/// GetCnameToken: the domain's token, `NoSuchCnameToken` when none is valid.
pub async fn get_token(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let domain = crate::account::normalize_domain(ctx.param("cname").unwrap_or_default());
    let cnames = load(state, bucket).await?;
    let now = now_millis() / 1000;
    match cnames
        .tokens
        .iter()
        .find(|t| t.domain == domain && t.expires_secs > now)
    {
        Some(t) => Ok(token_answer(bucket, t)),
        None => Err(OssError::new(ErrorCode::NoSuchCnameToken).with_detail("Cname", &domain)),
    }
}

/// PutCname: attaches a domain whose ownership counts as proven, or changes the
/// certificate of an attached one.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let request = read_request(ctx, op, body).await?;
    let domain = crate::account::normalize_domain(&request.cname.domain);
    let _guard = state.account.edit_lock.lock().await;
    let mut cnames = load(state, &bucket).await?;
    let attached = cnames.domains.iter().position(|d| d.domain == domain);
    if attached.is_none() {
        if !state.account.settings.domain_verified(&domain) {
            return Err(
                OssError::new(ErrorCode::NeedVerifyDomainOwnership).with_detail("Cname", &domain)
            );
        }
        if let Some(other) = attached_elsewhere(state, &bucket, &domain).await? {
            return Err(OssError::invalid_argument(
                format!("The domain {domain} is already attached to the bucket {other}."),
                "Domain",
                &domain,
            ));
        }
    }
    let now = now_millis();
    let previous = attached.and_then(|i| cnames.domains[i].certificate.clone());
    let certificate = match &request.cname.certificate_configuration {
        None => previous,
        Some(c) => certificate(c, previous, now / 1000)?,
    };
    let record = DomainRecord {
        domain: domain.clone(),
        modified_ms: now,
        certificate,
    };
    match attached {
        Some(i) => cnames.domains[i] = record,
        None => cnames.domains.push(record),
    }
    save(state, &bucket, &cnames).await?;
    state.account.forget_cname_hosts();
    Ok(Reply::new(200))
}

/// The bucket other than `bucket` the domain is attached to.
async fn attached_elsewhere(
    state: &AppState,
    bucket: &str,
    domain: &str,
) -> Result<Option<String>, OssError> {
    let (b, d) = (bucket.to_string(), domain.to_string());
    blocking(state, move |s| {
        let mut marker = String::new();
        loop {
            let (page, more) = s.list_buckets("", &marker, 1000)?;
            for meta in &page {
                if meta.name == b {
                    continue;
                }
                let doc = s.bucket_config(&meta.name, DOC)?;
                let other: State = doc
                    .and_then(|d| serde_json::from_slice(&d).ok())
                    .unwrap_or_default();
                if other.domains.iter().any(|x| x.domain == d) {
                    return Ok(Some(meta.name.clone()));
                }
            }
            match page.last() {
                Some(last) if more => marker = last.name.clone(),
                _ => return Ok(None),
            }
        }
    })
    .await
    .map_err(|e| OssError::from_store(e, bucket, None))
}

/// The certificate after applying `c` to `previous`.
fn certificate(
    c: &CertificateConfiguration,
    previous: Option<CertRecord>,
    now_secs: i64,
) -> Result<Option<CertRecord>, OssError> {
    if c.delete_certificate == Some(true) {
        return Ok(None);
    }
    if let (Some(prev), Some(wanted)) = (&previous, &c.previous_cert_id) {
        if &prev.cert_id != wanted && c.force != Some(true) {
            return Err(OssError::invalid_argument(
                format!(
                    "PreviousCertId {wanted} is not the domain's certificate ({}); set Force to replace it.",
                    prev.cert_id
                ),
                "PreviousCertId",
                wanted,
            ));
        }
    }
    match (&c.certificate, &c.private_key, &c.cert_id) {
        (Some(pem), Some(key), id) => {
            let der = pem_body(pem, "CERTIFICATE").ok_or_else(|| {
                OssError::invalid_argument(
                    "The Certificate is not a PEM-encoded X.509 certificate.",
                    "Certificate",
                    "",
                )
            })?;
            let (start, end) = validity(&der).ok_or_else(|| {
                OssError::invalid_argument(
                    "The Certificate is not a valid X.509 certificate.",
                    "Certificate",
                    "",
                )
            })?;
            if !key.contains("PRIVATE KEY-----") {
                return Err(OssError::invalid_argument(
                    "The PrivateKey is not a PEM-encoded private key.",
                    "PrivateKey",
                    "",
                ));
            }
            Ok(Some(CertRecord {
                cert_type: "Upload".into(),
                cert_id: id
                    .clone()
                    .unwrap_or_else(|| format!("{:x}", rand::random::<u64>())),
                created_secs: now_secs,
                fingerprint: fingerprint(&der),
                valid_start_secs: Some(start),
                valid_end_secs: Some(end),
                certificate: Some(pem.clone()),
                private_key: Some(key.clone()),
            }))
        }
        (None, None, Some(id)) => Ok(Some(CertRecord {
            cert_type: "CAS".into(),
            cert_id: id.clone(),
            created_secs: now_secs,
            fingerprint: String::new(),
            valid_start_secs: None,
            valid_end_secs: None,
            certificate: None,
            private_key: None,
        })),
        (Some(_), None, _) | (None, Some(_), _) => Err(OssError::invalid_argument(
            "Certificate and PrivateKey must be given together.",
            "CertificateConfiguration",
            "",
        )),
        (None, None, None) => Ok(previous),
    }
}

/// ListCname: the attached domains.
pub async fn list(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let cnames = load(state, bucket).await?;
    let domains = cnames
        .domains
        .iter()
        .map(|d| {
            let info = CnameInfo::new(
                d.domain.clone(),
                unixtime_to_iso8601(d.modified_ms.div_euclid(1000)),
                "Enabled",
            );
            match &d.certificate {
                None => info,
                Some(c) => info.certificate(
                    CnameCertificate::new(c.cert_type.clone(), c.cert_id.clone())
                        .creation_date(http_date(c.created_secs))
                        .fingerprint(c.fingerprint.clone())
                        .validity(
                            c.valid_start_secs.map(http_date).unwrap_or_default(),
                            c.valid_end_secs.map(http_date).unwrap_or_default(),
                        ),
                ),
            }
        })
        .collect();
    let result = ListCnameResult::new(bucket, super::OWNER_ID, domains);
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// DeleteCname: detaches the domain (200 whether or not it was attached).
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let request = read_request(ctx, op, body).await?;
    let domain = crate::account::normalize_domain(&request.cname.domain);
    let _guard = state.account.edit_lock.lock().await;
    let mut cnames = load(state, bucket).await?;
    let before = cnames.domains.len();
    cnames.domains.retain(|d| d.domain != domain);
    if cnames.domains.len() != before {
        save(state, bucket, &cnames).await?;
        state.account.forget_cname_hosts();
    }
    Ok(Reply::new(200))
}

/// Every attached domain and its bucket, from the store.
fn attached_domains(
    store: &dyn crate::store::Store,
) -> Result<std::collections::HashMap<String, String>, crate::store::StoreError> {
    let mut hosts = std::collections::HashMap::new();
    let mut marker = String::new();
    loop {
        let (page, more) = store.list_buckets("", &marker, 1000)?;
        for meta in &page {
            let cnames: State = store
                .bucket_config(&meta.name, DOC)?
                .and_then(|d| serde_json::from_slice(&d).ok())
                .unwrap_or_default();
            for d in cnames.domains {
                hosts.insert(d.domain, meta.name.clone());
            }
        }
        match page.last() {
            Some(last) if more => marker = last.name.clone(),
            _ => return Ok(hosts),
        }
    }
}

/// Addresses a request whose `Host` is an attached domain to that domain's bucket (the whole
/// `raw_path` becomes the key). Hosts the server already knows (IP addresses, `localhost`,
/// base domains and their buckets) are left alone without looking anything up.
pub async fn readdress(state: &AppState, ctx: &mut RequestCtx, raw_path: &str) {
    let host = crate::dispatch::host_name(&ctx.host);
    if host.is_empty()
        || host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok()
        || state
            .base_domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    {
        return;
    }
    let known = state
        .account
        .cname_hosts
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|hosts| hosts.get(&host).cloned());
    let bucket = match known {
        Some(found) => found,
        None => {
            let hosts = match blocking(state, attached_domains).await {
                Ok(hosts) => hosts,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the attached domains");
                    return;
                }
            };
            let found = hosts.get(&host).cloned();
            *state
                .account
                .cname_hosts
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some(hosts);
            found
        }
    };
    if let Some(bucket) = bucket {
        let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
        ctx.bucket = Some(bucket);
        ctx.key = osskit_proto::encoding::unquote(path);
    }
}

/// The DER bytes of the first PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    crate::http::base64::decode(&b64)
}

/// SHA-1 of the DER certificate as colon-separated upper-case hex.
fn fingerprint(der: &[u8]) -> String {
    use sha1::Digest as _;
    let digest = sha1::Sha1::digest(der);
    digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// One DER element: tag, contents, and the bytes after it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The validity (`notBefore`, `notAfter`, Unix seconds) of a DER X.509 certificate.
fn validity(cert: &[u8]) -> Option<(i64, i64)> {
    let (0x30, certificate, _) = der(cert)? else {
        return None;
    };
    let (0x30, tbs, _) = der(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    // Optional [0] version.
    if rest.first() == Some(&0xa0) {
        rest = der(rest)?.2;
    }
    // serialNumber, signature, issuer, then validity.
    for _ in 0..3 {
        rest = der(rest)?.2;
    }
    let (0x30, validity, _) = der(rest)? else {
        return None;
    };
    let (t1, not_before, after) = der(validity)?;
    let (t2, not_after, _) = der(after)?;
    Some((asn1_time(t1, not_before)?, asn1_time(t2, not_after)?))
}

/// An ASN.1 UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn asn1_time(tag: u8, value: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let digits = |s: &str| -> Option<i64> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy = digits(&text[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (digits(&text[..4])?, &text[4..]),
        _ => return None,
    };
    let (month, day) = (digits(&rest[..2])?, digits(&rest[2..4])?);
    let (h, m, s) = (
        digits(&rest[4..6])?,
        digits(&rest[6..8])?,
        digits(&rest[8..10])?,
    );
    let date = osskit_proto::date::Date::new(i32::try_from(year).ok()?, month as u32, day as u32)?;
    Some(date.days_since_epoch() * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The self-signed certificate of oss2's CNAME test (Tornado's test certificate).
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIDWzCCAkOgAwIBAgIUV4spou0CenmvKqa7Hml/MC+JKiAwDQYJKoZIhvcNAQEL
BQAwPTELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExGTAXBgNVBAoM
EFRvcm5hZG8gV2ViIFRlc3QwHhcNMTgwOTI5MTM1NjQ1WhcNMjgwOTI2MTM1NjQ1
WjA9MQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTEZMBcGA1UECgwQ
VG9ybmFkbyBXZWIgVGVzdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEB
AKT0LdyI8tW5uwP3ahE8BFSz+j3SsKBDv/0cKvqxVVE6sLEST2s3HjArZvIIG5sb
iBkWDrqnZ6UKDvB4jlobLGAkepxDbrxHWxK53n0C28XXGLqJQ01TlTZ5rpjttMeg
5SKNjHbxpOvpUwwQS4br4WjZKKyTGiXpFkFUty+tYVU35/U2yyvreWHmzpHx/25t
H7O2RBARVwJYKOGPtlH62lQjpIWfVfklY4Ip8Hjl3B6rBxPyBULmVQw0qgoZn648
oa4oLjs0wnYBz01gVjNMDHej52SsB/ieH7W1TxFMzqOlcvHh41uFbQJPgcXsruSS
9Z4twzSWkUp2vk/C//4Sz38CAwEAAaNTMFEwHQYDVR0OBBYEFLf8fQ5+u8sDWAd3
r5ZjZ5MmDWJeMB8GA1UdIwQYMBaAFLf8fQ5+u8sDWAd3r5ZjZ5MmDWJeMA8GA1Ud
EwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBADkkm3pIb9IeqVNmQ2uhQOgw
UwyToTYUHNTb/Nm5lzBTBqC8gbXAS24RQ30AB/7G115Uxeo+YMKfITxm/CgR+vhF
F59/YrzwXj+G8bdbuVl/UbB6f9RSp+Zo93rUZAtPWr77gxLUrcwSRzzDwxFjC2nC
6eigbkvt1OQY775RwnFAt7HKPclE0Out+cGJIboJuO1f3r57ZdyFH0GzbZEff/7K
atGXohijWJjYvU4mk0KFHORZrcBpsv9cfkFbmgVmiRwxRJ1tLauHM3Ne+VfqYE5M
4rTStSyz3ASqVKJ2iFMQueNR/tUOuDlfRt+0nhJMuYSSkW+KTgnwyOGU9cv+mxA=
-----END CERTIFICATE-----";

    #[test]
    fn certificate_validity_and_fingerprint_are_read() {
        let der = pem_body(CERT, "CERTIFICATE").unwrap();
        let (start, end) = validity(&der).unwrap();
        assert_eq!(http_date(start), "Sat, 29 Sep 2018 13:56:45 GMT");
        assert_eq!(http_date(end), "Tue, 26 Sep 2028 13:56:45 GMT");
        let fp = fingerprint(&der);
        assert_eq!(fp.len(), 59);
        assert!(fp.chars().all(|c| c.is_ascii_hexdigit() || c == ':'));
        assert!(validity(b"not der").is_none());
        assert!(pem_body("no pem here", "CERTIFICATE").is_none());
    }

    #[test]
    fn asn1_times() {
        assert_eq!(asn1_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(asn1_time(0x18, b"20500101000000Z"), Some(2_524_608_000));
        assert_eq!(asn1_time(0x17, b"7001010000Z"), None);
    }
}

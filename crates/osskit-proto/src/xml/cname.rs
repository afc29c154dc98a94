//! Custom domains (CNAME): the ownership token of a domain (`CreateCnameToken`,
//! `GetCnameToken`), attaching and detaching domains with their certificates (`PutCname`,
//! `DeleteCname`) and listing them (`ListCname`).
//!
//! ```
//! use osskit_proto::xml::{cname::{BucketCnameConfiguration, CertificateConfiguration}, Document};
//! let put = BucketCnameConfiguration::new("www.example.com").certificate(
//!     CertificateConfiguration::new().cert_id("493-cn-hangzhou").force(true),
//! );
//! let doc = put.to_document().unwrap();
//! assert!(doc.contains("<Domain>www.example.com</Domain><CertificateConfiguration><CertId>493-cn-hangzhou</CertId>"));
//! // oss2 writes Python's `str(True)`.
//! let parsed = BucketCnameConfiguration::from_document(
//!     b"<BucketCnameConfiguration><Cname><Domain>a.example</Domain><CertificateConfiguration>\
//!       <Force>True</Force></CertificateConfiguration></Cname></BucketCnameConfiguration>",
//! ).unwrap();
//! assert_eq!(parsed.cname.certificate_configuration.unwrap().force, Some(true));
//! ```

use serde::{Deserialize, Serialize};

/// `<BucketCnameConfiguration>`: the request body of the token, put and delete calls.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketCnameConfiguration")]
#[non_exhaustive]
pub struct BucketCnameConfiguration {
    /// The domain.
    #[serde(rename = "Cname", default)]
    pub cname: Cname,
}

/// `<Cname>` of a request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cname {
    /// The domain name.
    #[serde(rename = "Domain", default)]
    pub domain: String,
    /// The certificate to attach, replace or delete.
    #[serde(
        rename = "CertificateConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate_configuration: Option<CertificateConfiguration>,
}

/// `<CertificateConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CertificateConfiguration {
    /// Certificate id (from Certificate Management Service).
    #[serde(rename = "CertId", default, skip_serializing_if = "Option::is_none")]
    pub cert_id: Option<String>,
    /// The certificate, PEM.
    #[serde(
        rename = "Certificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate: Option<String>,
    /// Its private key, PEM.
    #[serde(
        rename = "PrivateKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub private_key: Option<String>,
    /// The id of the certificate being replaced.
    #[serde(
        rename = "PreviousCertId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub previous_cert_id: Option<String>,
    /// Replace a certificate whatever its id.
    #[serde(
        rename = "Force",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub force: Option<bool>,
    /// Remove the domain's certificate.
    #[serde(
        rename = "DeleteCertificate",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_certificate: Option<bool>,
}

impl BucketCnameConfiguration {
    /// A request about `domain`.
    pub fn new(domain: impl Into<String>) -> Self {
        BucketCnameConfiguration {
            cname: Cname {
                domain: domain.into(),
                certificate_configuration: None,
            },
        }
    }

    /// Adds a certificate configuration.
    pub fn certificate(mut self, cert: CertificateConfiguration) -> Self {
        self.cname.certificate_configuration = Some(cert);
        self
    }
}

impl CertificateConfiguration {
    /// An empty certificate configuration.
    pub fn new() -> Self {
        CertificateConfiguration::default()
    }

    /// Sets the certificate id.
    pub fn cert_id(mut self, id: impl Into<String>) -> Self {
        self.cert_id = Some(id.into());
        self
    }

    /// Sets the certificate and its private key (PEM).
    pub fn certificate(mut self, cert: impl Into<String>, private_key: impl Into<String>) -> Self {
        self.certificate = Some(cert.into());
        self.private_key = Some(private_key.into());
        self
    }

    /// Sets the id of the certificate being replaced.
    pub fn previous_cert_id(mut self, id: impl Into<String>) -> Self {
        self.previous_cert_id = Some(id.into());
        self
    }

    /// Sets `Force`.
    pub fn force(mut self, force: bool) -> Self {
        self.force = Some(force);
        self
    }

    /// Sets `DeleteCertificate`.
    pub fn delete_certificate(mut self, delete: bool) -> Self {
        self.delete_certificate = Some(delete);
        self
    }
}

/// `<CnameToken>`: the token to publish in a TXT record to prove ownership of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CnameToken")]
#[non_exhaustive]
pub struct CnameToken {
    /// The bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// The domain.
    #[serde(rename = "Cname", default)]
    pub cname: String,
    /// The token.
    #[serde(rename = "Token", default)]
    pub token: String,
    /// When it expires (HTTP date).
    #[serde(rename = "ExpireTime", default)]
    pub expire_time: String,
}

/// `<ListCnameResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListCnameResult")]
#[non_exhaustive]
pub struct ListCnameResult {
    /// The bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// The owner's UID.
    #[serde(rename = "Owner", default)]
    pub owner: String,
    /// The domains.
    #[serde(rename = "Cname", default)]
    pub cnames: Vec<CnameInfo>,
}

/// `<Cname>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CnameInfo {
    /// The domain.
    #[serde(rename = "Domain", default)]
    pub domain: String,
    /// When it was attached or last changed (ISO 8601).
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Whether the CDN cache is purged on changes.
    #[serde(
        rename = "IsPurgeCdnCache",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_purge_cdn_cache: Option<bool>,
    /// The certificate, when one is attached.
    #[serde(
        rename = "Certificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate: Option<CnameCertificate>,
}

/// `<Certificate>` of a listed domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CnameCertificate {
    /// `CAS` (from Certificate Management Service) or `Upload`.
    #[serde(rename = "Type", default)]
    pub cert_type: String,
    /// Certificate id.
    #[serde(rename = "CertId", default)]
    pub cert_id: String,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// When it was attached (HTTP date).
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// SHA-1 fingerprint, colon-separated hex.
    #[serde(rename = "Fingerprint", default)]
    pub fingerprint: String,
    /// Start of validity (HTTP date).
    #[serde(rename = "ValidStartDate", default)]
    pub valid_start_date: String,
    /// End of validity (HTTP date).
    #[serde(rename = "ValidEndDate", default)]
    pub valid_end_date: String,
}

impl CnameToken {
    /// `bucket`'s token for `cname`, expiring at `expire_time` (HTTP date).
    pub fn new(
        bucket: impl Into<String>,
        cname: impl Into<String>,
        token: impl Into<String>,
        expire_time: impl Into<String>,
    ) -> Self {
        CnameToken {
            bucket: bucket.into(),
            cname: cname.into(),
            token: token.into(),
            expire_time: expire_time.into(),
        }
    }
}

impl ListCnameResult {
    /// The domains of `bucket`.
    pub fn new(
        bucket: impl Into<String>,
        owner: impl Into<String>,
        cnames: Vec<CnameInfo>,
    ) -> Self {
        ListCnameResult {
            bucket: bucket.into(),
            owner: owner.into(),
            cnames,
        }
    }
}

impl CnameInfo {
    /// A domain, attached or changed at `last_modified` (ISO 8601), in `status`.
    pub fn new(
        domain: impl Into<String>,
        last_modified: impl Into<String>,
        status: impl Into<String>,
    ) -> Self {
        CnameInfo {
            domain: domain.into(),
            last_modified: last_modified.into(),
            status: status.into(),
            is_purge_cdn_cache: None,
            certificate: None,
        }
    }

    /// Sets the certificate.
    pub fn certificate(mut self, certificate: CnameCertificate) -> Self {
        self.certificate = Some(certificate);
        self
    }
}

impl CnameCertificate {
    /// A certificate of `cert_type` (`CAS` or `Upload`) with id `cert_id`.
    pub fn new(cert_type: impl Into<String>, cert_id: impl Into<String>) -> Self {
        CnameCertificate {
            cert_type: cert_type.into(),
            cert_id: cert_id.into(),
            status: "Enabled".into(),
            ..CnameCertificate::default()
        }
    }

    /// Sets when it was attached (HTTP date).
    pub fn creation_date(mut self, date: impl Into<String>) -> Self {
        self.creation_date = date.into();
        self
    }

    /// Sets the fingerprint.
    pub fn fingerprint(mut self, fingerprint: impl Into<String>) -> Self {
        self.fingerprint = fingerprint.into();
        self
    }

    /// Sets the validity (HTTP dates).
    pub fn validity(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.valid_start_date = start.into();
        self.valid_end_date = end.into();
        self
    }
}

crate::xml_document!(
    BucketCnameConfiguration => "BucketCnameConfiguration",
    CnameToken => "CnameToken",
    ListCnameResult => "ListCnameResult",
);

/// Checks a domain name: 1 to 253 characters, dot-separated labels of letters, digits and
/// `-` (not at either end of a label), at least two labels.
pub fn validate_domain(domain: &str) -> Result<(), String> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = d.split('.').collect();
    let ok_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if d.is_empty() || d.len() > 253 || labels.len() < 2 || !labels.iter().all(ok_label) {
        return Err(format!("The domain {domain:?} is not a valid domain name."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn listings_parse_as_oss_writes_them() {
        let doc = b"<ListCnameResult><Bucket>b</Bucket><Owner>1</Owner><Cname><Domain>example.com</Domain>\
            <LastModified>2021-09-15T02:35:07.000Z</LastModified><Status>Enabled</Status><Certificate>\
            <Type>CAS</Type><CertId>493-cn-hangzhou</CertId><Status>Enabled</Status>\
            <CreationDate>Wed, 15 Sep 2021 02:35:06 GMT</CreationDate><Fingerprint>DE:01</Fingerprint>\
            <ValidStartDate>Wed, 12 Apr 2023 10:14:51 GMT</ValidStartDate>\
            <ValidEndDate>Mon, 4 May 2048 10:14:51 GMT</ValidEndDate></Certificate></Cname>\
            <Cname><Domain>example.org</Domain><LastModified>x</LastModified><Status>Enabled</Status></Cname>\
            </ListCnameResult>";
        let l = ListCnameResult::from_document(doc).unwrap();
        assert_eq!(l.cnames.len(), 2);
        assert_eq!(l.cnames[0].certificate.as_ref().unwrap().cert_type, "CAS");
        assert!(l.cnames[1].certificate.is_none());
    }

    #[test]
    fn domains_are_checked() {
        assert!(validate_domain("www.example.com").is_ok());
        assert!(validate_domain("example").is_err());
        assert!(validate_domain("-a.example").is_err());
        assert!(validate_domain("a..example").is_err());
        assert!(validate_domain("a b.example").is_err());
    }
}

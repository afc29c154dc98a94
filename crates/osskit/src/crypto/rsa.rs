//! RSA key providers: [`RsaProvider`] (RSAES-PKCS1-v1_5, a key pair given as PEM) and
//! [`LocalRsaProvider`] (RSAES-OAEP with SHA-1, key files in a directory, made on first use).
//!
//! Keys are read from PEM: PKCS#1 (`RSA PRIVATE KEY`, `RSA PUBLIC KEY`), PKCS#8
//! (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`), SubjectPublicKeyInfo (`PUBLIC KEY`), and the
//! OpenSSL encryption of PEM blocks (`Proc-Type: 4,ENCRYPTED` with DES-EDE3-CBC or AES-CBC),
//! which is what oss2 writes for a passphrase.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use futures_util::future::BoxFuture;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::{Oaep, Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use crate::crypto::envelope::{MaterialDescription, RSA_OAEP_SHA1, RSA_PKCS1};
use crate::crypto::provider::{KeyPart, KeyProvider};
use crate::error::{Error, Result};

/// The padding of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Padding {
    Pkcs1v15,
    OaepSha1,
}

/// The two halves of a key pair; either may be missing (encrypt-only or decrypt-only).
#[derive(Clone)]
struct Keys {
    public: Option<RsaPublicKey>,
    private: Option<Arc<RsaPrivateKey>>,
    padding: Padding,
    description: MaterialDescription,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKeys")
            .field("public", &self.public.is_some())
            .field("private", &self.private.is_some())
            .field("padding", &self.padding)
            .field("description", &self.description)
            .finish()
    }
}

impl Keys {
    fn wrap_alg(&self) -> &'static str {
        match self.padding {
            Padding::Pkcs1v15 => RSA_PKCS1,
            Padding::OaepSha1 => RSA_OAEP_SHA1,
        }
    }

    fn wrap(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let public = self.public.as_ref().ok_or_else(|| {
            Error::client("this RSA provider has no public key: it cannot encrypt new objects")
        })?;
        let mut rng = rand::rngs::OsRng;
        let out = match self.padding {
            Padding::Pkcs1v15 => public.encrypt(&mut rng, Pkcs1v15Encrypt, plain),
            Padding::OaepSha1 => public.encrypt(&mut rng, Oaep::new::<sha1::Sha1>(), plain),
        };
        out.map_err(|e| Error::client(format!("cannot wrap the data key with RSA: {e}")))
    }

    fn unwrap(&self, part: KeyPart, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let private = self.private.as_ref().ok_or_else(|| {
            Error::client("this RSA provider has no private key: it cannot decrypt objects")
        })?;
        let out = match self.padding {
            Padding::Pkcs1v15 => private.decrypt(Pkcs1v15Encrypt, wrapped),
            Padding::OaepSha1 => private.decrypt(Oaep::new::<sha1::Sha1>(), wrapped),
        };
        let what = match part {
            KeyPart::DataKey => "data key",
            _ => "IV",
        };
        out.map(Zeroizing::new).map_err(|e| {
            Error::client(format!(
                "cannot decrypt the {what} of the object with this RSA private key ({}): {e}; \
                 was it encrypted with another key pair?",
                self.wrap_alg()
            ))
        })
    }
}

fn boxed<'a, T: Send + 'a>(r: Result<T>) -> BoxFuture<'a, Result<T>> {
    Box::pin(std::future::ready(r))
}

/// RSAES-PKCS1-v1_5 key wrapping with a key pair you hold (oss2's `RsaProvider`, wrap
/// algorithm `RSA/NONE/PKCS1Padding`, also what the Go and C++ SDKs write).
///
/// ```
/// use osskit::crypto::{MaterialDescription, RsaProvider};
/// # let dir = tempfile::tempdir()?;
/// # let local = osskit::crypto::LocalRsaProvider::builder().dir(dir.path()).key_name("doc").bits(1024).build()?;
/// # let public_pem = std::fs::read_to_string(dir.path().join("doc.public_key.pem"))?;
/// # let private_pem = std::fs::read_to_string(dir.path().join("doc.private_key.pem"))?;
/// let provider = RsaProvider::builder()
///     .public_key_pem(&public_pem)
///     .private_key_pem(&private_pem)
///     .material_description(MaterialDescription::new().with("desc", "v1"))
///     .build()?;
/// assert_eq!(osskit::crypto::KeyProvider::wrap_algorithm(&provider), "RSA/NONE/PKCS1Padding");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RsaProvider {
    keys: Keys,
}

/// Settings of an [`RsaProvider`].
#[derive(Debug, Clone, Default)]
pub struct RsaProviderBuilder {
    public_pem: Option<String>,
    private_pem: Option<String>,
    passphrase: Option<String>,
    description: MaterialDescription,
}

impl RsaProviderBuilder {
    /// The public key (PEM), used to encrypt new objects.
    pub fn public_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.public_pem = Some(pem.into());
        self
    }

    /// The private key (PEM), used to decrypt objects.
    pub fn private_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.private_pem = Some(pem.into());
        self
    }

    /// The passphrase of encrypted PEM keys.
    pub fn passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// The material description of the objects this provider writes and reads.
    pub fn material_description(mut self, description: MaterialDescription) -> Self {
        self.description = description;
        self
    }

    /// Parses the keys.
    pub fn build(self) -> Result<RsaProvider> {
        let keys = parse_pair(
            self.public_pem.as_deref(),
            self.private_pem.as_deref(),
            self.passphrase.as_deref(),
            Padding::Pkcs1v15,
            self.description,
        )?;
        Ok(RsaProvider { keys })
    }
}

fn parse_pair(
    public: Option<&str>,
    private: Option<&str>,
    passphrase: Option<&str>,
    padding: Padding,
    description: MaterialDescription,
) -> Result<Keys> {
    if public.is_none() && private.is_none() {
        return Err(Error::client(
            "an RSA provider needs a public key, a private key or both",
        ));
    }
    let public = public
        .map(|pem| parse_public_key(pem, passphrase))
        .transpose()?;
    let private = private
        .map(|pem| parse_private_key(pem, passphrase))
        .transpose()?;
    if let (Some(p), Some(k)) = (&public, &private) {
        if *p != k.to_public_key() {
            return Err(Error::client(
                "the RSA public and private keys do not belong to the same key pair",
            ));
        }
    }
    Ok(Keys {
        public,
        private: private.map(Arc::new),
        padding,
        description,
    })
}

impl RsaProvider {
    /// A provider from a PEM key pair (unencrypted PEM, no material description).
    pub fn new(public_key_pem: &str, private_key_pem: &str) -> Result<RsaProvider> {
        RsaProvider::builder()
            .public_key_pem(public_key_pem)
            .private_key_pem(private_key_pem)
            .build()
    }

    /// A builder for keys with a passphrase, one half of a pair only, or a material
    /// description.
    pub fn builder() -> RsaProviderBuilder {
        RsaProviderBuilder::default()
    }
}

impl KeyProvider for RsaProvider {
    fn wrap_algorithm(&self) -> &str {
        self.keys.wrap_alg()
    }

    fn material_description(&self) -> &MaterialDescription {
        &self.keys.description
    }

    fn wrap<'a>(&'a self, _part: KeyPart, plain: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>>> {
        boxed(self.keys.wrap(plain))
    }

    fn unwrap<'a>(
        &'a self,
        part: KeyPart,
        wrapped: &'a [u8],
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>>> {
        boxed(self.keys.unwrap(part, wrapped))
    }
}

/// RSAES-OAEP (SHA-1, MGF1-SHA-1) key wrapping with a key pair kept in files (oss2's
/// `LocalRsaProvider`, wrap algorithm `RSA/NONE/OAEPWithSHA-1AndMGF1Padding`).
///
/// The keys are `<dir>/<name>.private_key.pem` and `<dir>/<name>.public_key.pem` (the
/// directory defaults to `~/.oss-local-rsa`, the name to empty). When both files are
/// missing a new 2048-bit pair is made and written, readable by the owner only (with a
/// passphrase, the private key is written as encrypted PKCS#8); when only one is there the
/// provider refuses to start rather than replace half of a pair. Losing these files loses
/// every object encrypted with them.
///
/// ```
/// use osskit::crypto::{KeyProvider, LocalRsaProvider};
/// let dir = tempfile::tempdir()?;
/// let made = LocalRsaProvider::builder().dir(dir.path()).key_name("app").bits(1024).build()?;
/// assert!(dir.path().join("app.private_key.pem").exists());
/// // A second provider reads the same files.
/// let again = LocalRsaProvider::new(dir.path(), "app")?;
/// assert_eq!(again.wrap_algorithm(), "RSA/NONE/OAEPWithSHA-1AndMGF1Padding");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LocalRsaProvider {
    keys: Keys,
}

/// Settings of a [`LocalRsaProvider`].
#[derive(Debug, Clone)]
pub struct LocalRsaProviderBuilder {
    dir: Option<PathBuf>,
    name: String,
    passphrase: Option<String>,
    description: MaterialDescription,
    bits: usize,
}

/// The default key directory: `~/.oss-local-rsa`.
pub fn default_local_rsa_dir() -> PathBuf {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".oss-local-rsa")
}

impl LocalRsaProviderBuilder {
    /// The key directory (default `~/.oss-local-rsa`).
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The prefix of the key file names (default empty).
    pub fn key_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The passphrase of the key files.
    pub fn passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// The material description of the objects this provider writes and reads.
    pub fn material_description(mut self, description: MaterialDescription) -> Self {
        self.description = description;
        self
    }

    /// Size of a newly made key pair (default 2048 bits, as oss2).
    pub fn bits(mut self, bits: usize) -> Self {
        self.bits = bits;
        self
    }

    /// Reads the key files, or makes and writes them when either is missing. This reads
    /// files (and may spend a second making a key pair): call it once, not per request.
    pub fn build(self) -> Result<LocalRsaProvider> {
        let dir = self.dir.unwrap_or_else(default_local_rsa_dir);
        let private_path = dir.join(format!("{}.private_key.pem", self.name));
        let public_path = dir.join(format!("{}.public_key.pem", self.name));
        let passphrase = self.passphrase.as_deref();
        match (private_path.exists(), public_path.exists()) {
            (true, true) => {}
            (false, false) => {
                make_key_files(&dir, &private_path, &public_path, passphrase, self.bits)?
            }
            // Never make a new pair over half of an existing one: objects encrypted under
            // it would be lost.
            (true, false) | (false, true) => {
                let (have, missing) = if private_path.exists() {
                    (&private_path, &public_path)
                } else {
                    (&public_path, &private_path)
                };
                return Err(Error::client(format!(
                    "the RSA key file {} exists but {} does not; restore it (a new key pair \
                     is only made when both are missing)",
                    have.display(),
                    missing.display()
                )));
            }
        }
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("cannot read the RSA key {}: {e}", p.display()),
                ))
            })
        };
        let keys = parse_pair(
            Some(&read(&public_path)?),
            Some(&read(&private_path)?),
            passphrase,
            Padding::OaepSha1,
            self.description,
        )?;
        Ok(LocalRsaProvider { keys })
    }
}

impl LocalRsaProvider {
    /// The provider of the key files `<dir>/<name>.*_key.pem` (made when missing).
    pub fn new(dir: impl Into<PathBuf>, key_name: &str) -> Result<LocalRsaProvider> {
        LocalRsaProvider::builder()
            .dir(dir)
            .key_name(key_name)
            .build()
    }

    /// A builder for the directory, name, passphrase and material description.
    pub fn builder() -> LocalRsaProviderBuilder {
        LocalRsaProviderBuilder {
            dir: None,
            name: String::new(),
            passphrase: None,
            description: MaterialDescription::new(),
            bits: 2048,
        }
    }
}

impl KeyProvider for LocalRsaProvider {
    fn wrap_algorithm(&self) -> &str {
        self.keys.wrap_alg()
    }

    fn material_description(&self) -> &MaterialDescription {
        &self.keys.description
    }

    fn wrap<'a>(&'a self, _part: KeyPart, plain: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>>> {
        boxed(self.keys.wrap(plain))
    }

    fn unwrap<'a>(
        &'a self,
        part: KeyPart,
        wrapped: &'a [u8],
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>>> {
        boxed(self.keys.unwrap(part, wrapped))
    }
}

fn io_err(e: std::io::Error, what: &str, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{what} {}: {e}", path.display()),
    ))
}

/// Makes a key pair and writes both files, owner-only, each under a temporary name first.
fn make_key_files(
    dir: &Path,
    private_path: &Path,
    public_path: &Path,
    passphrase: Option<&str>,
    bits: usize,
) -> Result<()> {
    tracing::warn!(target: "osskit", dir = %dir.display(),
        "the RSA key files do not exist; making a new key pair");
    create_private_dir(dir)?;
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits)
        .map_err(|e| Error::client(format!("cannot make an RSA key pair: {e}")))?;
    let private_pem: Zeroizing<String> = match passphrase {
        Some(pass) => {
            use rand::RngCore;
            let mut salt = [0u8; 16];
            let mut iv = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut salt);
            rand::rngs::OsRng.fill_bytes(&mut iv);
            let params =
                pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(100_000, &salt, &iv)
                    .map_err(|e| Error::client(format!("cannot protect the RSA key: {e}")))?;
            let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key)
                .map_err(|e| Error::client(format!("cannot encode the RSA key: {e}")))?;
            let info = pkcs8::PrivateKeyInfo::try_from(der.as_bytes())
                .map_err(|e| Error::client(format!("cannot encode the RSA key: {e}")))?;
            let encrypted = info
                .encrypt_with_params(params, pass.as_bytes())
                .map_err(|e| Error::client(format!("cannot encrypt the RSA key: {e}")))?;
            encrypted
                .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
                .map_err(|e| Error::client(format!("cannot encode the RSA key: {e}")))?
        }
        None => key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| Error::client(format!("cannot encode the RSA key: {e}")))?,
    };
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::client(format!("cannot encode the RSA key: {e}")))?;
    write_private_file(private_path, private_pem.as_bytes())?;
    write_private_file(public_path, public_pem.as_bytes())?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| io_err(e, "cannot create the key directory", dir))
}

/// Writes `data` to `path` readable by the owner only: a temporary file, synced, renamed.
fn write_private_file(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let suffix: u64 = rand::random();
    let temp = path.with_extension(format!("tmp-{suffix:016x}"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&temp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(|e| io_err(e, "cannot write the RSA key", path))
}

/// One PEM block: its label, its headers and its decoded contents.
struct PemBlock {
    label: String,
    headers: Vec<(String, String)>,
    der: Zeroizing<Vec<u8>>,
}

fn parse_pem(text: &str) -> Result<PemBlock> {
    let bad = |why: &str| Error::client(format!("the RSA key is not a valid PEM block: {why}"));
    let mut lines = text.lines().map(str::trim).skip_while(|l| l.is_empty());
    let first = lines.next().ok_or_else(|| bad("it is empty"))?;
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| bad("no -----BEGIN line"))?
        .to_string();
    let mut headers = Vec::new();
    let mut body = String::new();
    let mut ended = false;
    for line in lines {
        if line.starts_with("-----END ") {
            ended = true;
            break;
        }
        if body.is_empty() {
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
                continue;
            }
        }
        body.push_str(line);
    }
    if !ended {
        return Err(bad("no -----END line"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| bad(&format!("its contents are not base64 ({e})")))?;
    Ok(PemBlock {
        label,
        headers,
        der: Zeroizing::new(der),
    })
}

/// The contents of a PEM block, decrypted when it uses OpenSSL's PEM encryption.
fn block_der(block: &PemBlock, passphrase: Option<&str>) -> Result<Zeroizing<Vec<u8>>> {
    let header = |name: &str| {
        block
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    match header("Proc-Type") {
        Some(v) if v.contains("ENCRYPTED") => {
            let pass = passphrase
                .ok_or_else(|| Error::client("the RSA key is encrypted: give its passphrase"))?;
            let info = header("DEK-Info")
                .ok_or_else(|| Error::client("the encrypted RSA key has no DEK-Info header"))?;
            legacy_decrypt(info, pass.as_bytes(), &block.der)
        }
        _ => Ok(block.der.clone()),
    }
}

/// OpenSSL's PEM encryption: key from `EVP_BytesToKey(MD5, salt = IV[..8], 1 round)`,
/// CBC with PKCS#7 padding.
fn legacy_decrypt(dek_info: &str, pass: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    let (alg, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| Error::client(format!("the DEK-Info {dek_info:?} is malformed")))?;
    let iv = hex_decode(iv_hex.trim())
        .ok_or_else(|| Error::client(format!("the DEK-Info IV {iv_hex:?} is not hex")))?;
    let key_len = match alg.trim() {
        "DES-EDE3-CBC" => 24,
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        other => {
            return Err(Error::client(format!(
                "the RSA key is encrypted with {other}, which is not supported \
                 (DES-EDE3-CBC and AES-CBC are)"
            )))
        }
    };
    if iv.len() < 8 {
        return Err(Error::client("the DEK-Info IV is too short"));
    }
    let key = evp_bytes_to_key(pass, &iv[..8], key_len);
    let wrong =
        || Error::client("cannot decrypt the RSA key: wrong passphrase or damaged key".to_string());
    let out = match alg.trim() {
        "DES-EDE3-CBC" => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
    };
    out.map(Zeroizing::new).map_err(|_| wrong())
}

fn evp_bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use md5::{Digest, Md5};
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn key_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::client(format!("cannot read the RSA {what} key: {e}"))
}

/// Parses a private key from PEM (PKCS#1, PKCS#8, encrypted PKCS#8, OpenSSL-encrypted PEM).
pub(crate) fn parse_private_key(pem: &str, passphrase: Option<&str>) -> Result<RsaPrivateKey> {
    let block = parse_pem(pem)?;
    let der = block_der(&block, passphrase)?;
    match block.label.as_str() {
        "RSA PRIVATE KEY" => {
            RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| key_error("private", e))
        }
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| key_error("private", e)),
        "ENCRYPTED PRIVATE KEY" => {
            let pass = passphrase.ok_or_else(|| {
                Error::client("the RSA private key is encrypted: give its passphrase")
            })?;
            RsaPrivateKey::from_pkcs8_encrypted_der(&der, pass.as_bytes())
                .or_else(|e| match with_null_prf_params(&der) {
                    // pycryptodome (oss2) leaves out the NULL parameters of the PBKDF2 PRF.
                    Some(fixed) => RsaPrivateKey::from_pkcs8_encrypted_der(&fixed, pass.as_bytes()),
                    None => Err(e),
                })
                .map_err(|e| key_error("private", format!("{e} (wrong passphrase?)")))
        }
        other => Err(Error::client(format!(
            "expected an RSA private key, found a PEM block labelled {other:?}"
        ))),
    }
}

/// One DER element: tag and contents (children for a SEQUENCE).
enum Der<'a> {
    Seq(Vec<Der<'a>>),
    Prim(u8, &'a [u8]),
}

fn der_parse(mut data: &[u8]) -> Option<Vec<Der<'_>>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let tag = *data.first()?;
        let first = *data.get(1)?;
        let (len, head) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 {
                return None;
            }
            let len = data
                .get(2..2 + n)?
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + n)
        };
        let body = data.get(head..head + len)?;
        out.push(if tag == 0x30 {
            Der::Seq(der_parse(body)?)
        } else {
            Der::Prim(tag, body)
        });
        data = &data[head + len..];
    }
    Some(out)
}

fn der_write(items: &[Der<'_>], out: &mut Vec<u8>) {
    for item in items {
        let (tag, body) = match item {
            Der::Seq(children) => {
                let mut b = Vec::new();
                der_write(children, &mut b);
                (0x30, b)
            }
            Der::Prim(tag, body) => (*tag, body.to_vec()),
        };
        out.push(tag);
        let len = body.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(&body);
    }
}

/// The DER of an encrypted PKCS#8 key with `NULL` parameters added to HMAC algorithm
/// identifiers that have none; `None` when there is nothing to add.
fn with_null_prf_params(der: &[u8]) -> Option<Vec<u8>> {
    // 1.2.840.113549.2.x: the HMAC-SHA PRFs of PBKDF2.
    const HMAC_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02];
    fn fix(items: &mut [Der<'_>]) -> bool {
        let mut changed = false;
        for item in items.iter_mut() {
            if let Der::Seq(children) = item {
                let is_bare_hmac = children.len() == 1
                    && matches!(children[0], Der::Prim(0x06, oid) if oid.starts_with(HMAC_PREFIX));
                if is_bare_hmac {
                    children.push(Der::Prim(0x05, &[]));
                    changed = true;
                } else {
                    changed |= fix(children);
                }
            }
        }
        changed
    }
    let mut tree = der_parse(der)?;
    if !fix(&mut tree) {
        return None;
    }
    let mut out = Vec::with_capacity(der.len() + 2);
    der_write(&tree, &mut out);
    Some(out)
}

/// Parses a public key from PEM (SubjectPublicKeyInfo, PKCS#1, possibly OpenSSL-encrypted;
/// a private key also gives its public half).
pub(crate) fn parse_public_key(pem: &str, passphrase: Option<&str>) -> Result<RsaPublicKey> {
    let block = parse_pem(pem)?;
    match block.label.as_str() {
        "PUBLIC KEY" => {
            let der = block_der(&block, passphrase)?;
            RsaPublicKey::from_public_key_der(&der).map_err(|e| key_error("public", e))
        }
        "RSA PUBLIC KEY" => {
            let der = block_der(&block, passphrase)?;
            RsaPublicKey::from_pkcs1_der(&der).map_err(|e| key_error("public", e))
        }
        _ => parse_private_key(pem, passphrase).map(|k| k.to_public_key()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/crypto");

    fn read(name: &str) -> String {
        std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
    }

    #[test]
    fn reads_the_reference_key_pairs() {
        for name in ["compact", "oss-test"] {
            let public = parse_public_key(&read(&format!("{name}.public_key.pem")), None).unwrap();
            let private =
                parse_private_key(&read(&format!("{name}.private_key.pem")), None).unwrap();
            assert_eq!(public, private.to_public_key(), "{name}");
        }
    }

    #[test]
    fn both_paddings_round_trip_and_wrong_keys_fail() {
        let a = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let b = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        for padding in [Padding::Pkcs1v15, Padding::OaepSha1] {
            let keys = |k: &RsaPrivateKey| Keys {
                public: Some(k.to_public_key()),
                private: Some(Arc::new(k.clone())),
                padding,
                description: MaterialDescription::new(),
            };
            let wrapped = keys(&a).wrap(&[9u8; 32]).unwrap();
            assert_eq!(
                *keys(&a).unwrap(KeyPart::DataKey, &wrapped).unwrap(),
                [9u8; 32]
            );
            let err = keys(&b).unwrap(KeyPart::DataKey, &wrapped).unwrap_err();
            assert!(err.to_string().contains("another key pair"), "{err}");
        }
    }

    #[test]
    fn encrypted_keys_need_the_right_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let made = LocalRsaProvider::builder()
            .dir(dir.path())
            .key_name("p")
            .passphrase("secret")
            .bits(1024)
            .build()
            .unwrap();
        let private = std::fs::read_to_string(dir.path().join("p.private_key.pem")).unwrap();
        assert!(private.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in ["p.private_key.pem", "p.public_key.pem"] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
        let again = LocalRsaProvider::builder()
            .dir(dir.path())
            .key_name("p")
            .passphrase("secret")
            .build()
            .unwrap();
        let w = made.keys.wrap(b"0123456789abcdef").unwrap();
        assert_eq!(
            &*again.keys.unwrap(KeyPart::Iv, &w).unwrap(),
            b"0123456789abcdef"
        );
        let err = LocalRsaProvider::builder()
            .dir(dir.path())
            .key_name("p")
            .passphrase("wrong")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("wrong passphrase"), "{err}");
        let err = parse_private_key(&private, None).unwrap_err();
        assert!(err.to_string().contains("give its passphrase"), "{err}");
        std::fs::remove_file(dir.path().join("p.public_key.pem")).unwrap();
        let err = LocalRsaProvider::builder()
            .dir(dir.path())
            .key_name("p")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("exists but"), "{err}");
        assert!(dir.path().join("p.private_key.pem").exists());
    }

    #[test]
    fn openssl_pem_encryption_is_read() {
        // EVP_BytesToKey with MD5 and one round (the OpenSSL PEM key derivation).
        let key = evp_bytes_to_key(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 24);
        assert_eq!(key.len(), 24);
        // Encrypt a PKCS#1 key the way OpenSSL does, then read it back.
        use cbc::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
        let k = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let der = k.to_pkcs1_der().unwrap();
        let iv = [7u8; 8];
        let dk = evp_bytes_to_key(b"pw", &iv, 24);
        let enc = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&dk, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pkcs7>(der.as_bytes());
        let body = base64::engine::general_purpose::STANDARD.encode(enc);
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0707070707070707\n\n{body}\n-----END RSA PRIVATE KEY-----\n"
        );
        assert_eq!(parse_private_key(&pem, Some("pw")).unwrap(), k);
        assert!(parse_private_key(&pem, Some("nope")).is_err());
        assert!(parse_private_key(&pem, None).is_err());
        assert!(parse_public_key(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            None
        )
        .is_err());
        assert!(parse_private_key("garbage", None).is_err());
    }
}

//! A local stand-in for Alibaba Cloud KMS: the calls OSS clients make for client-side
//! encryption (`GenerateDataKey`, `Encrypt`, `Decrypt`, API version 2016-01-20), plus
//! `CreateKey` and `DescribeKey` to manage customer master keys (CMKs).
//!
//! The answers have KMS's fields and forms: `KeyId`, `KeyVersionId`, a base64
//! `CiphertextBlob` that names its key (so `Decrypt` needs no key id), and `Plaintext` as
//! text (`GenerateDataKey` gives the data key in base64, and that is what `Decrypt` of its
//! blob gives back). Blobs are AES-256-GCM under the CMK with the encryption context as
//! associated data: a blob decrypts only with the context it was made with, and a blob that
//! was altered does not decrypt at all. Errors are KMS's codes (`Forbidden.KeyNotFound`,
//! `InvalidParameter`, `Rejected.ValidationFailed`, …).
//!
//! A key lives in one region, as in Alibaba Cloud: a call whose `RegionId` names another
//! region does not find it (`Forbidden.KeyNotFound`), nor the blobs made under it.
//!
//! CMKs are made by `CreateKey` (a random UUID as key id) or at start-up from
//! [`ServerConfig::kms_keys`](crate::ServerConfig::kms_keys) (`--kms-key ID`, which keeps a
//! key of that id, making it when missing). With a data directory they live in `kms/`
//! under it, one file per key written crash-safely (temporary file, fsync, rename, fsync of
//! the directory); the in-memory server keeps them in memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{RpcCall, RpcError};

/// Version byte of the blobs this server makes.
const BLOB_VERSION: u8 = 1;
/// Longest accepted key id.
const MAX_KEY_ID: usize = 128;
/// Largest `Plaintext` of `Encrypt` (KMS's limit: 6 KiB).
const MAX_PLAINTEXT: usize = 6144;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// One customer master key.
#[derive(Clone, Serialize, Deserialize)]
struct Cmk {
    #[serde(rename = "KeyId")]
    key_id: String,
    #[serde(rename = "KeyVersionId")]
    version_id: String,
    #[serde(rename = "CreationDate")]
    created: String,
    #[serde(rename = "Description", default)]
    description: String,
    /// Base64 of the 32-byte key.
    #[serde(rename = "Material")]
    material: String,
    /// The region the key lives in: as in Alibaba Cloud, a call naming another region
    /// (`RegionId`) does not find it. Keys stored without one are found in every region.
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
}

impl Cmk {
    fn cipher(&self) -> Result<Aes256Gcm, RpcError> {
        let key = b64()
            .decode(&self.material)
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or_else(|| RpcError::new(500, "InternalFailure", "The key material is damaged."))?;
        Aes256Gcm::new_from_slice(&key)
            .map_err(|_| RpcError::new(500, "InternalFailure", "The key material is damaged."))
    }

    fn metadata(&self, region: &str) -> serde_json::Value {
        let region = self.region.as_deref().unwrap_or(region);
        serde_json::json!({
            "KeyId": self.key_id,
            "Arn": format!("acs:kms:{region}:0:key/{}", self.key_id),
            "CreationDate": self.created,
            "Description": self.description,
            "KeyState": "Enabled",
            "KeyUsage": "ENCRYPT/DECRYPT",
            "KeySpec": "Aliyun_AES_256",
            "Origin": "Aliyun_KMS",
            "ProtectionLevel": "SOFTWARE",
            "PrimaryKeyVersion": self.version_id,
            "Creator": "oss-server",
        })
    }
}

/// The CMKs of a server.
pub struct KmsKeys {
    keys: RwLock<HashMap<String, Cmk>>,
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for KmsKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsKeys")
            .field("dir", &self.dir)
            .field("keys", &self.key_ids())
            .finish()
    }
}

fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn now_iso() -> String {
    osskit_proto::date::unixtime_to_iso8601(crate::http::response::now_secs()).replace(".000Z", "Z")
}

fn check_key_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_KEY_ID || id.chars().any(|c| c.is_control() || c == '/') {
        return Err(format!(
            "the KMS key id {id:?} is invalid: 1 to {MAX_KEY_ID} characters, no control \
             characters or '/'"
        ));
    }
    Ok(())
}

impl KmsKeys {
    /// Keys kept in memory only.
    pub fn in_memory() -> KmsKeys {
        KmsKeys {
            keys: RwLock::new(HashMap::new()),
            dir: None,
        }
    }

    /// Keys kept in `dir` (created when missing); the keys already there are loaded.
    pub fn open(dir: &Path) -> Result<KmsKeys, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the KMS key directory {}: {e}", dir.display()))?;
        let mut keys = HashMap::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the KMS key directory {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                // A key that was being written when the process stopped: never committed.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let data = std::fs::read(&path)
                .map_err(|e| format!("cannot read the KMS key {}: {e}", path.display()))?;
            let cmk: Cmk = serde_json::from_slice(&data)
                .map_err(|e| format!("the KMS key file {} is damaged: {e}", path.display()))?;
            cmk.cipher()
                .map_err(|_| format!("the KMS key file {} is damaged", path.display()))?;
            keys.insert(cmk.key_id.clone(), cmk);
        }
        Ok(KmsKeys {
            keys: RwLock::new(keys),
            dir: Some(dir.to_path_buf()),
        })
    }

    /// The ids of the keys, sorted.
    pub fn key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    }

    /// Makes the key `id` in `region` unless it exists; returns whether it was made.
    pub fn ensure(&self, id: &str, region: &str) -> Result<bool, String> {
        check_key_id(id)?;
        if self.get(id).is_some() {
            return Ok(false);
        }
        self.create(Some(id), "", region)?;
        Ok(true)
    }

    /// The key `id` as a call in region `region` (its `RegionId`, if any) sees it.
    fn get_in(&self, id: &str, region: Option<&str>) -> Option<Cmk> {
        self.get(id).filter(|cmk| match (&cmk.region, region) {
            (Some(home), Some(asked)) => home == asked,
            _ => true,
        })
    }

    fn get(&self, id: &str) -> Option<Cmk> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Makes a key (a random UUID id unless given) and stores it before it is used.
    fn create(&self, id: Option<&str>, description: &str, region: &str) -> Result<Cmk, String> {
        let mut material = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut material);
        let cmk = Cmk {
            key_id: id.map(str::to_string).unwrap_or_else(random_uuid),
            version_id: random_uuid(),
            created: now_iso(),
            description: description.to_string(),
            material: b64().encode(material),
            region: Some(region.to_string()),
        };
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = keys.get(&cmk.key_id) {
            return Ok(existing.clone());
        }
        if let Some(dir) = &self.dir {
            write_key_file(dir, &cmk)?;
        }
        keys.insert(cmk.key_id.clone(), cmk.clone());
        Ok(cmk)
    }
}

/// Writes a key file: temporary file, fsync, rename, fsync of the directory.
fn write_key_file(dir: &Path, cmk: &Cmk) -> Result<(), String> {
    use std::io::Write;
    let name: String = cmk.key_id.bytes().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{name}.json"));
    let temp = dir.join(format!(".tmp-{name}-{:016x}", rand::random::<u64>()));
    let data = serde_json::to_vec_pretty(cmk).map_err(|e| e.to_string())?;
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&temp)?;
        f.write_all(&data)?;
        f.sync_all()?;
        std::fs::rename(&temp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(|e| format!("cannot write the KMS key {}: {e}", path.display()))
}

fn key_not_found(id: &str) -> RpcError {
    RpcError::new(
        404,
        "Forbidden.KeyNotFound",
        format!("The specified Key {id:?} is not found."),
    )
}

fn invalid_ciphertext() -> RpcError {
    RpcError::new(
        400,
        "Rejected.ValidationFailed",
        "The CiphertextBlob is invalid, or the EncryptionContext does not match the one it \
         was made with.",
    )
}

/// The encryption context in a canonical form (sorted keys), the associated data of blobs.
fn context(call: &RpcCall) -> Result<Vec<u8>, RpcError> {
    let Some(text) = call
        .param("EncryptionContext")
        .filter(|t| !t.trim().is_empty())
    else {
        return Ok(Vec::new());
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        RpcError::invalid_parameter("EncryptionContext", "it must be a JSON object")
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(RpcError::invalid_parameter(
            "EncryptionContext",
            "it must be a JSON object",
        ));
    };
    let sorted: std::collections::BTreeMap<_, _> = map.into_iter().collect();
    Ok(serde_json::to_vec(&sorted).unwrap_or_default())
}

/// The region a call is made in (`RegionId`), if it names one.
fn region_of(call: &RpcCall) -> Option<&str> {
    call.param("RegionId")
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

/// The key named by `KeyId` (a key id, or an ARN ending in `key/<id>`).
fn key_of(state: &KmsKeys, call: &RpcCall) -> Result<Cmk, RpcError> {
    let id = call.required("KeyId")?;
    let id = id.rsplit_once(":key/").map(|(_, k)| k).unwrap_or(id);
    state
        .get_in(id, region_of(call))
        .ok_or_else(|| key_not_found(id))
}

fn seal(cmk: &Cmk, plaintext: &[u8], aad: &[u8]) -> Result<String, RpcError> {
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cmk
        .cipher()?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| RpcError::new(500, "InternalFailure", "Encryption failed."))?;
    let id = cmk.key_id.as_bytes();
    let mut blob = Vec::with_capacity(2 + id.len() + 12 + sealed.len());
    blob.push(BLOB_VERSION);
    blob.push(id.len() as u8);
    blob.extend_from_slice(id);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    Ok(b64().encode(blob))
}

fn open(
    state: &KmsKeys,
    region: Option<&str>,
    blob: &str,
    aad: &[u8],
) -> Result<(Cmk, Vec<u8>), RpcError> {
    let raw = b64()
        .decode(blob.trim())
        .map_err(|_| RpcError::invalid_parameter("CiphertextBlob", "it is not base64"))?;
    let (&version, rest) = raw.split_first().ok_or_else(invalid_ciphertext)?;
    let (&len, rest) = rest.split_first().ok_or_else(invalid_ciphertext)?;
    if version != BLOB_VERSION || rest.len() < len as usize + 12 + 16 {
        return Err(invalid_ciphertext());
    }
    let (id, rest) = rest.split_at(len as usize);
    let (nonce, sealed) = rest.split_at(12);
    let id = std::str::from_utf8(id).map_err(|_| invalid_ciphertext())?;
    let cmk = state.get_in(id, region).ok_or_else(|| key_not_found(id))?;
    let plain = cmk
        .cipher()?
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
        .map_err(|_| invalid_ciphertext())?;
    Ok((cmk, plain))
}

/// `CreateKey`: a new CMK with a random id (`Description` optional), in the call's region
/// (`RegionId`, else the server's).
pub fn create_key(
    state: &KmsKeys,
    region: &str,
    call: &RpcCall,
) -> Result<serde_json::Value, RpcError> {
    let description = call.param("Description").unwrap_or("");
    let cmk = state
        .create(None, description, region_of(call).unwrap_or(region))
        .map_err(|e| RpcError::new(500, "InternalFailure", e))?;
    Ok(serde_json::json!({ "KeyMetadata": cmk.metadata(region) }))
}

/// `DescribeKey`.
pub fn describe_key(
    state: &KmsKeys,
    region: &str,
    call: &RpcCall,
) -> Result<serde_json::Value, RpcError> {
    let cmk = key_of(state, call)?;
    Ok(serde_json::json!({ "KeyMetadata": cmk.metadata(region) }))
}

/// `GenerateDataKey`: a random data key (`NumberOfBytes`, or 32 for `KeySpec=AES_256`, 16
/// for `AES_128`), returned in base64 and sealed under the CMK.
pub fn generate_data_key(state: &KmsKeys, call: &RpcCall) -> Result<serde_json::Value, RpcError> {
    let cmk = key_of(state, call)?;
    let spec_len = match call.param("KeySpec").unwrap_or("AES_256") {
        "AES_256" | "" => 32,
        "AES_128" => 16,
        _ => {
            return Err(RpcError::invalid_parameter(
                "KeySpec",
                "it must be AES_256 or AES_128",
            ))
        }
    };
    let n = match call.param("NumberOfBytes").filter(|v| !v.is_empty()) {
        None => spec_len,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1024).contains(n))
            .ok_or_else(|| {
                RpcError::invalid_parameter("NumberOfBytes", "it must be a number from 1 to 1024")
            })?,
    };
    let aad = context(call)?;
    let mut key = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let plaintext = b64().encode(&key);
    let blob = seal(&cmk, plaintext.as_bytes(), &aad)?;
    Ok(serde_json::json!({
        "KeyId": cmk.key_id,
        "KeyVersionId": cmk.version_id,
        "CiphertextBlob": blob,
        "Plaintext": plaintext,
    }))
}

/// `Encrypt`: seals `Plaintext` (text, at most 6 KiB) under the CMK.
pub fn encrypt(state: &KmsKeys, call: &RpcCall) -> Result<serde_json::Value, RpcError> {
    let cmk = key_of(state, call)?;
    let plaintext = call.required("Plaintext")?;
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(RpcError::invalid_parameter(
            "Plaintext",
            "it is longer than 6144 bytes",
        ));
    }
    let aad = context(call)?;
    let blob = seal(&cmk, plaintext.as_bytes(), &aad)?;
    Ok(serde_json::json!({
        "KeyId": cmk.key_id,
        "KeyVersionId": cmk.version_id,
        "CiphertextBlob": blob,
    }))
}

/// `Decrypt`: the text a blob was made from (its key is named in the blob).
pub fn decrypt(state: &KmsKeys, call: &RpcCall) -> Result<serde_json::Value, RpcError> {
    let blob = call.required("CiphertextBlob")?;
    let aad = context(call)?;
    let (cmk, plain) = open(state, region_of(call), blob, &aad)?;
    let plaintext = String::from_utf8(plain).map_err(|_| invalid_ciphertext())?;
    Ok(serde_json::json!({
        "KeyId": cmk.key_id,
        "KeyVersionId": cmk.version_id,
        "Plaintext": plaintext,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(params: &[(&str, &str)]) -> RpcCall {
        RpcCall {
            action: String::new(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            access_key_id: "id".into(),
            security_token: None,
        }
    }

    #[test]
    fn keys_live_in_one_region() {
        let keys = KmsKeys::in_memory();
        keys.ensure("cmk-r", "cn-hangzhou").unwrap();
        let made = generate_data_key(
            &keys,
            &call(&[("KeyId", "cmk-r"), ("RegionId", "cn-hangzhou")]),
        )
        .unwrap();
        let blob = made["CiphertextBlob"].as_str().unwrap().to_string();
        for params in [
            vec![("KeyId", "cmk-r"), ("RegionId", "cn-shanghai")],
            vec![
                ("KeyId", "acs:kms:cn-beijing:0:key/cmk-r"),
                ("RegionId", "cn-beijing"),
            ],
        ] {
            let err = generate_data_key(&keys, &call(&params)).unwrap_err();
            assert_eq!(err.code, "Forbidden.KeyNotFound");
        }
        let err = decrypt(
            &keys,
            &call(&[("CiphertextBlob", &blob), ("RegionId", "us-west-1")]),
        )
        .unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str()),
            (404, "Forbidden.KeyNotFound")
        );
        // Its own region, and calls naming none, find it.
        decrypt(
            &keys,
            &call(&[("CiphertextBlob", &blob), ("RegionId", "cn-hangzhou")]),
        )
        .unwrap();
        decrypt(&keys, &call(&[("CiphertextBlob", &blob)])).unwrap();
        let made = create_key(&keys, "cn-hangzhou", &call(&[("RegionId", "eu-west-1")])).unwrap();
        assert!(made["KeyMetadata"]["Arn"]
            .as_str()
            .unwrap()
            .starts_with("acs:kms:eu-west-1:"));
    }

    #[test]
    fn keys_survive_a_restart_and_blobs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KmsKeys::open(dir.path()).unwrap();
        assert!(keys.ensure("cmk-1", "cn-hangzhou").unwrap());
        assert!(!keys.ensure("cmk-1", "cn-hangzhou").unwrap());
        assert!(keys.ensure("", "cn-hangzhou").is_err());
        let made =
            generate_data_key(&keys, &call(&[("KeyId", "cmk-1"), ("KeySpec", "AES_256")])).unwrap();
        let plain = made["Plaintext"].as_str().unwrap().to_string();
        assert_eq!(b64().decode(&plain).unwrap().len(), 32);
        let blob = made["CiphertextBlob"].as_str().unwrap().to_string();
        drop(keys);
        std::fs::write(dir.path().join(".tmp-x"), b"torn").unwrap();

        let reopened = KmsKeys::open(dir.path()).unwrap();
        assert_eq!(reopened.key_ids(), vec!["cmk-1".to_string()]);
        assert!(!dir.path().join(".tmp-x").exists());
        let got = decrypt(&reopened, &call(&[("CiphertextBlob", &blob)])).unwrap();
        assert_eq!(got["Plaintext"], plain.as_str());
        assert_eq!(got["KeyId"], "cmk-1");

        let ctx = r#"{"x-passphrase":"p"}"#;
        let enc = encrypt(
            &reopened,
            &call(&[
                ("KeyId", "cmk-1"),
                ("Plaintext", "hello"),
                ("EncryptionContext", ctx),
            ]),
        )
        .unwrap();
        let blob = enc["CiphertextBlob"].as_str().unwrap();
        let wrong = decrypt(&reopened, &call(&[("CiphertextBlob", blob)])).unwrap_err();
        assert_eq!(wrong.code, "Rejected.ValidationFailed");
        let right = decrypt(
            &reopened,
            &call(&[("CiphertextBlob", blob), ("EncryptionContext", ctx)]),
        )
        .unwrap();
        assert_eq!(right["Plaintext"], "hello");
        let mut tampered = b64().decode(blob).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let err = decrypt(
            &reopened,
            &call(&[
                ("CiphertextBlob", &b64().encode(tampered)),
                ("EncryptionContext", ctx),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.code, "Rejected.ValidationFailed");
        let err = encrypt(&reopened, &call(&[("KeyId", "nope"), ("Plaintext", "x")])).unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str()),
            (404, "Forbidden.KeyNotFound")
        );
    }

    #[test]
    fn created_keys_have_uuid_ids() {
        let keys = KmsKeys::in_memory();
        let out = create_key(&keys, "cn-hangzhou", &call(&[("Description", "d")])).unwrap();
        let id = out["KeyMetadata"]["KeyId"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(keys.key_ids(), vec![id.to_string()]);
        let d = describe_key(&keys, "cn-hangzhou", &call(&[("KeyId", id)])).unwrap();
        assert_eq!(d["KeyMetadata"]["Description"], "d");
    }
}

//! What objects carry besides their bytes: tags (PutObjectTagging, GetObjectTagging,
//! DeleteObjectTagging), the ACL (PutObjectAcl, GetObjectAcl), symbolic links (PutSymlink,
//! GetSymlink), and the restore of archived objects (RestoreObject).

use osskit_proto::headers as h;
use osskit_proto::ops::OpId;
use osskit_proto::xml::bucket as xb;
use osskit_proto::xml::tagging::{RestoreRequest, Tagging};
use osskit_proto::xml::Document;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{builder_options, check_key, finish, impl_send, read_body};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, RequestResult, ResponseMeta};
use crate::transport::execute;
use crate::types::{ObjectAcl, StorageClass};

/// The `x-oss-restore` header: where the restore of an archived object stands.
pub const RESTORE: &str = "x-oss-restore";
/// The `x-oss-tagging-count` header of GET and HEAD.
pub const TAGGING_COUNT: &str = "x-oss-tagging-count";

/// An object-level request: the client, the key, an optional version and the options.
struct Target<M: Mode> {
    client: BucketClient<M>,
    key: String,
    version_id: Option<String>,
}

impl<M: Mode> Target<M> {
    fn new(client: &BucketClient<M>, key: String) -> Self {
        Target {
            client: client.clone(),
            key,
            version_id: None,
        }
    }

    fn request(&self, op: OpId, options: RequestOptions) -> Result<OssRequest> {
        check_key(&self.key)?;
        let mut req = OssRequest::new(op).bucket(&self.client.name).key(&self.key);
        if let Some(v) = &self.version_id {
            req = req.param("versionId", v);
        }
        Ok(req.options(options))
    }
}

/// Builders of one object-level call, with `.version_id()`.
macro_rules! object_call {
    ($($(#[$m:meta])* $b:ident { $($field:ident : $ty:ty),* $(,)? })*) => {$(
        $(#[$m])*
        pub struct $b<M: Mode = Async> {
            client: BucketClient<M>,
            target: Target<M>,
            $($field: $ty,)*
            options: RequestOptions,
        }

        builder_options!($b);

        impl<M: Mode> $b<M> {
            /// Acts on this version of the object (`versionId`).
            pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
                self.target.version_id = Some(version_id.into());
                self
            }
        }
    )*};
}

object_call! {
    /// PutObjectTagging: see [`BucketClient::put_object_tagging`].
    PutObjectTagging { tagging: Tagging }
    /// GetObjectTagging: see [`BucketClient::get_object_tagging`].
    GetObjectTagging {}
    /// DeleteObjectTagging: see [`BucketClient::delete_object_tagging`].
    DeleteObjectTagging {}
    /// PutObjectAcl: see [`BucketClient::put_object_acl`].
    PutObjectAcl { acl: ObjectAcl }
    /// GetObjectAcl: see [`BucketClient::get_object_acl`].
    GetObjectAcl {}
    /// GetSymlink: see [`BucketClient::get_symlink`].
    GetSymlink {}
    /// RestoreObject: see [`BucketClient::restore_object`].
    RestoreObject { request: Option<RestoreRequest> }
}

/// The output of GetObjectTagging.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObjectTaggingOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The tags (empty when the object has none).
    pub tagging: Tagging,
}

/// The output of GetObjectAcl.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObjectAclOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The object's own ACL (`Default` when it follows the bucket's).
    pub acl: ObjectAcl,
    /// The object's owner.
    pub owner: xb::Owner,
}

/// The output of GetSymlink.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetSymlinkOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The key the link points to (decoded).
    pub target_key: String,
}

/// The output of PutSymlink.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PutSymlinkOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// ETag of the link, without quotes.
    pub etag: String,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
}

/// The output of RestoreObject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RestoreObjectOutput {
    /// Status and headers: 202 when a restore started, 200 when the object was restored
    /// already (its restored copy now lasts the days asked for).
    pub meta: ResponseMeta,
    /// `x-oss-object-restore-priority`: the tier of a Cold Archive or Deep Cold Archive
    /// restore.
    pub tier: Option<String>,
}

impl RestoreObjectOutput {
    /// Whether this call started a restore (202).
    pub fn started(&self) -> bool {
        self.meta.status == 202
    }
}

impl_response!(
    ObjectTaggingOutput,
    ObjectAclOutput,
    GetSymlinkOutput,
    PutSymlinkOutput,
    RestoreObjectOutput
);

impl_send!(PutObjectTagging => RequestResult);
impl_send!(GetObjectTagging => ObjectTaggingOutput);
impl_send!(DeleteObjectTagging => RequestResult);
impl_send!(PutObjectAcl => RequestResult);
impl_send!(GetObjectAcl => ObjectAclOutput);
impl_send!(GetSymlink => GetSymlinkOutput);
impl_send!(RestoreObject => RestoreObjectOutput);
impl_send!(PutSymlink => PutSymlinkOutput);

/// A document body with its `Content-Type` and `Content-MD5`.
fn xml_body<T: Document>(req: OssRequest, doc: &T) -> Result<OssRequest> {
    let text = doc
        .to_document()
        .map_err(|e| Error::client(format!("cannot write the document: {e}")))?;
    let md5 = osskit_proto::digest::content_md5(text.as_bytes());
    Ok(req
        .header("Content-Type", "application/xml")
        .header("Content-MD5", md5)
        .body(Body::from(text)))
}

fn invalid(op: &str, meta: &ResponseMeta, why: impl std::fmt::Display) -> Error {
    Error::InvalidResponse {
        message: format!("cannot read the answer of {op}: {why}"),
        request_id: meta.request_id().to_string(),
    }
}

impl<M: Mode> PutObjectTagging<M> {
    async fn execute(self) -> Result<RequestResult> {
        self.tagging
            .validate()
            .map_err(|e| Error::client(format!("invalid tags: {e}")))?;
        let req = self.target.request(OpId::PutObjectTagging, self.options)?;
        let req = xml_body(req, &self.tagging)?;
        let config = &self.client.config;
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

impl<M: Mode> GetObjectTagging<M> {
    async fn execute(self) -> Result<ObjectTaggingOutput> {
        let req = self.target.request(OpId::GetObjectTagging, self.options)?;
        let config = &self.client.config;
        let (meta, raw) = read_body(config, execute(config, req).await?).await?;
        let tagging =
            Tagging::from_document(&raw).map_err(|e| invalid("GetObjectTagging", &meta, e))?;
        Ok(ObjectTaggingOutput { meta, tagging })
    }
}

impl<M: Mode> DeleteObjectTagging<M> {
    async fn execute(self) -> Result<RequestResult> {
        let req = self
            .target
            .request(OpId::DeleteObjectTagging, self.options)?;
        let config = &self.client.config;
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

impl<M: Mode> PutObjectAcl<M> {
    async fn execute(self) -> Result<RequestResult> {
        let req = self
            .target
            .request(OpId::PutObjectAcl, self.options)?
            .header(h::OBJECT_ACL, self.acl.as_str());
        let config = &self.client.config;
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

impl<M: Mode> GetObjectAcl<M> {
    async fn execute(self) -> Result<ObjectAclOutput> {
        let req = self.target.request(OpId::GetObjectAcl, self.options)?;
        let config = &self.client.config;
        let (meta, raw) = read_body(config, execute(config, req).await?).await?;
        let doc: xb::AccessControlPolicy = osskit_proto::xml::from_xml_bytes(&raw)
            .map_err(|e| invalid("GetObjectAcl", &meta, e))?;
        let grant = doc.access_control_list.grant;
        let acl = grant
            .parse::<ObjectAcl>()
            .map_err(|_| invalid("GetObjectAcl", &meta, format!("unknown grant {grant:?}")))?;
        Ok(ObjectAclOutput {
            meta,
            acl,
            owner: doc.owner,
        })
    }
}

impl<M: Mode> GetSymlink<M> {
    async fn execute(self) -> Result<GetSymlinkOutput> {
        let req = self.target.request(OpId::GetSymlink, self.options)?;
        let config = &self.client.config;
        let meta = finish(config, execute(config, req).await?).await?;
        let raw = meta
            .header(h::SYMLINK_TARGET)
            .ok_or_else(|| invalid("GetSymlink", &meta, "no x-oss-symlink-target header"))?;
        let target_key = osskit_proto::encoding::unquote_utf8(raw)
            .ok_or_else(|| invalid("GetSymlink", &meta, "the target is not UTF-8"))?;
        Ok(GetSymlinkOutput { meta, target_key })
    }
}

impl<M: Mode> RestoreObject<M> {
    /// Keeps the restored copy readable for `days` (1 to 7 for Archive objects, 1 to 365
    /// for Cold Archive and Deep Cold Archive ones; 1 when not given).
    pub fn days(mut self, days: u32) -> Self {
        let mut request = self.request.take().unwrap_or_default();
        request.days = Some(days);
        self.request = Some(request);
        self
    }

    /// The restore tier of Cold Archive and Deep Cold Archive objects: `Expedited`,
    /// `Standard` or `Bulk` (`JobParameters`; Archive objects take none).
    pub fn tier(mut self, tier: impl Into<String>) -> Self {
        let request = self.request.take().unwrap_or_default();
        self.request = Some(request.tier(tier));
        self
    }

    /// The whole `<RestoreRequest>` document.
    pub fn request(mut self, request: RestoreRequest) -> Self {
        self.request = Some(request);
        self
    }

    async fn execute(self) -> Result<RestoreObjectOutput> {
        let mut req = self.target.request(OpId::RestoreObject, self.options)?;
        if let Some(doc) = &self.request {
            req = xml_body(req, doc)?;
        }
        let config = &self.client.config;
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RestoreObjectOutput {
            tier: meta
                .header("x-oss-object-restore-priority")
                .map(str::to_string),
            meta,
        })
    }
}

/// PutSymlink: see [`BucketClient::put_symlink`].
pub struct PutSymlink<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    target_key: String,
    metadata: Vec<(String, String)>,
    content_type: Option<String>,
    acl: Option<ObjectAcl>,
    storage_class: Option<StorageClass>,
    forbid_overwrite: Option<bool>,
    tagging: Option<Tagging>,
    options: RequestOptions,
}

builder_options!(PutSymlink);

impl<M: Mode> PutSymlink<M> {
    /// User metadata of the link, sent as `x-oss-meta-<name>`.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((name.into(), value.into()));
        self
    }

    /// `Content-Type` of the link.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Canned ACL of the link.
    pub fn acl(mut self, acl: ObjectAcl) -> Self {
        self.acl = Some(acl);
        self
    }

    /// Storage class of the link.
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.storage_class = Some(class);
        self
    }

    /// `x-oss-forbid-overwrite`: with `true`, an existing object at the link's key makes
    /// the call fail with `FileAlreadyExists`.
    pub fn forbid_overwrite(mut self, yes: bool) -> Self {
        self.forbid_overwrite = Some(yes);
        self
    }

    /// Tags of the link (`x-oss-tagging`).
    pub fn tagging(mut self, tagging: Tagging) -> Self {
        self.tagging = Some(tagging);
        self
    }

    async fn execute(self) -> Result<PutSymlinkOutput> {
        check_key(&self.key)?;
        check_key(&self.target_key)?;
        let mut req = OssRequest::new(OpId::PutSymlink)
            .bucket(&self.client.name)
            .key(&self.key)
            .header(
                h::SYMLINK_TARGET,
                osskit_proto::encoding::quote(&self.target_key, ""),
            )
            .header_opt("Content-Type", self.content_type)
            .header_opt(h::OBJECT_ACL, self.acl.map(|a| a.as_str()))
            .header_opt(h::STORAGE_CLASS, self.storage_class.map(|s| s.as_str()))
            .header_opt(
                h::FORBID_OVERWRITE,
                self.forbid_overwrite.map(|b| b.to_string()),
            );
        for (k, v) in self.metadata {
            req = req.header(&format!("{}{}", h::META_PREFIX, k), v);
        }
        if let Some(t) = &self.tagging {
            t.validate()
                .map_err(|e| Error::client(format!("invalid tags: {e}")))?;
            req = req.header(h::TAGGING, t.to_header());
        }
        let config = &self.client.config;
        let meta = finish(config, execute(config, req.options(self.options)).await?).await?;
        Ok(PutSymlinkOutput {
            etag: meta.etag().unwrap_or_default(),
            version_id: meta.version_id(),
            meta,
        })
    }
}

impl<M: Mode> BucketClient<M> {
    fn object_call_target(&self, key: impl Into<String>) -> Target<M> {
        Target::new(self, key.into())
    }

    /// PutObjectTagging: replaces the object's tags (at most 10; keys of 1 to 128
    /// characters, values of at most 256; letters, digits, spaces and `+ - = . _ : /`).
    /// The object's modification time does not change.
    ///
    /// ```no_run
    /// # async fn f(bucket: osskit::Bucket) -> Result<(), osskit::Error> {
    /// use osskit::Tagging;
    /// bucket.put_object_tagging("a.txt", Tagging::new().tag("project", "alpha")).await?;
    /// let tags = bucket.get_object_tagging("a.txt").await?.tagging;
    /// assert_eq!(tags.get("project"), Some("alpha"));
    /// # Ok(()) }
    /// ```
    pub fn put_object_tagging(
        &self,
        key: impl Into<String>,
        tagging: Tagging,
    ) -> PutObjectTagging<M> {
        PutObjectTagging {
            client: self.clone(),
            target: self.object_call_target(key),
            tagging,
            options: RequestOptions::default(),
        }
    }

    /// GetObjectTagging: the object's tags (none is an empty [`Tagging`]).
    pub fn get_object_tagging(&self, key: impl Into<String>) -> GetObjectTagging<M> {
        GetObjectTagging {
            client: self.clone(),
            target: self.object_call_target(key),
            options: RequestOptions::default(),
        }
    }

    /// DeleteObjectTagging: removes every tag of the object.
    pub fn delete_object_tagging(&self, key: impl Into<String>) -> DeleteObjectTagging<M> {
        DeleteObjectTagging {
            client: self.clone(),
            target: self.object_call_target(key),
            options: RequestOptions::default(),
        }
    }

    /// PutObjectAcl: sets the object's canned ACL (`Default` follows the bucket's).
    pub fn put_object_acl(&self, key: impl Into<String>, acl: ObjectAcl) -> PutObjectAcl<M> {
        PutObjectAcl {
            client: self.clone(),
            target: self.object_call_target(key),
            acl,
            options: RequestOptions::default(),
        }
    }

    /// GetObjectAcl: the object's canned ACL.
    pub fn get_object_acl(&self, key: impl Into<String>) -> GetObjectAcl<M> {
        GetObjectAcl {
            client: self.clone(),
            target: self.object_call_target(key),
            options: RequestOptions::default(),
        }
    }

    /// PutSymlink: makes `symlink_key` a symbolic link to `target_key` (oss2's argument
    /// order). Reading the link reads the target (`SymlinkTargetNotExist` once it is gone).
    pub fn put_symlink(
        &self,
        target_key: impl Into<String>,
        symlink_key: impl Into<String>,
    ) -> PutSymlink<M> {
        PutSymlink {
            client: self.clone(),
            key: symlink_key.into(),
            target_key: target_key.into(),
            metadata: Vec::new(),
            content_type: None,
            acl: None,
            storage_class: None,
            forbid_overwrite: None,
            tagging: None,
            options: RequestOptions::default(),
        }
    }

    /// GetSymlink: the key a symbolic link points to.
    pub fn get_symlink(&self, symlink_key: impl Into<String>) -> GetSymlink<M> {
        GetSymlink {
            client: self.clone(),
            target: self.object_call_target(symlink_key),
            options: RequestOptions::default(),
        }
    }

    /// RestoreObject: makes an Archive, Cold Archive or Deep Cold Archive object readable
    /// for a while. The first call answers 202 and the restore takes time
    /// (`RestoreAlreadyInProgress` meanwhile); `head_object` shows its state in
    /// `x-oss-restore`.
    pub fn restore_object(&self, key: impl Into<String>) -> RestoreObject<M> {
        RestoreObject {
            client: self.clone(),
            target: self.object_call_target(key),
            request: None,
            options: RequestOptions::default(),
        }
    }
}

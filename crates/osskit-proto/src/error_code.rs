//! OSS error codes, each with its HTTP status, default message and EC.
//!
//! ```
//! use osskit_proto::error_code::ErrorCode;
//! assert_eq!(ErrorCode::NoSuchKey.as_str(), "NoSuchKey");
//! assert_eq!(ErrorCode::NoSuchKey.status(), 404);
//! assert_eq!("BucketNotEmpty".parse::<ErrorCode>().unwrap(), ErrorCode::BucketNotEmpty);
//! ```

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident => ($status:expr, $ec:expr, $msg:expr) ),* $(,)?) => {
        /// A known OSS error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $name, )*
        }

        impl ErrorCode {
            /// Every known code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name),*];

            /// The code as it appears in `<Code>`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$name => stringify!($name),)* }
            }

            /// The HTTP status OSS answers with.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$name => $status,)* }
            }

            /// The EC (fine-grained error code) OSS puts in `<EC>` and `x-oss-ec`.
            pub fn ec(self) -> &'static str {
                match self { $(ErrorCode::$name => $ec,)* }
            }

            /// OSS's usual message for this code.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$name => $msg,)* }
            }
        }

        impl std::str::FromStr for ErrorCode {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $(stringify!($name) => Ok(ErrorCode::$name),)* _ => Err(()) }
            }
        }
    };
}

codes! {
    /// A CORS request (or preflight) no rule allows.
    AccessForbidden => (403, "0003-00000001", "CORSResponse: This CORS request is not allowed."),
    /// Anonymous or unauthorised access, or an expired presigned URL.
    AccessDenied => (403, "0003-00000001", "You have no right to access this object because of bucket acl."),
    /// The bucket name is taken.
    BucketAlreadyExists => (409, "0015-00000104", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."),
    /// The bucket still holds objects or unfinished uploads.
    BucketNotEmpty => (409, "0015-00000301", "The bucket you tried to delete is not empty."),
    /// A part other than the last is smaller than 100 KiB.
    EntityTooSmall => (400, "0042-00000104", "Your proposed upload smaller than the minimum allowed size."),
    /// The body is too large.
    EntityTooLarge => (400, "0016-00000019", "Your proposed upload exceeds the maximum allowed size."),
    /// A server-side failure.
    InternalError => (500, "0000-00000001", "We encountered an internal error. Please try again."),
    /// The access key id does not exist.
    InvalidAccessKeyId => (403, "0002-00000901", "The OSS Access Key Id you provided does not exist in our records."),
    /// An argument is invalid.
    InvalidArgument => (400, "0016-00000001", "Invalid argument."),
    /// The bucket name breaks the naming rules.
    InvalidBucketName => (400, "0015-00000101", "The specified bucket is not valid."),
    /// Content-MD5 does not match the body.
    InvalidDigest => (400, "0016-00000104", "The Content-MD5 you specified is not valid."),
    /// The object key breaks the naming rules.
    InvalidObjectName => (400, "0016-00000005", "The specified object is not valid."),
    /// A part in CompleteMultipartUpload is missing or its ETag differs.
    InvalidPart => (400, "0042-00000002", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."),
    /// Parts in CompleteMultipartUpload are not in ascending order.
    InvalidPartOrder => (400, "0042-00000003", "The list of parts was not in ascending order. Parts list must specified in order by part number."),
    /// The requested range cannot be satisfied.
    InvalidRange => (416, "0003-00000301", "The requested range cannot be satisfied."),
    /// The request is invalid.
    InvalidRequest => (400, "0016-00000002", "Invalid request."),
    /// The security token is invalid.
    InvalidSecurityToken => (403, "0002-00000902", "The security token you provided is invalid."),
    /// The XML body cannot be parsed.
    MalformedXML => (400, "0016-00000601", "The XML you provided was not well-formed or did not validate against our published schema."),
    /// Content-Length is required.
    MissingContentLength => (411, "0016-00000201", "You must provide the Content-Length HTTP header."),
    /// The HTTP method is not allowed here.
    MethodNotAllowed => (405, "0016-00000301", "The specified method is not allowed against this resource."),
    /// The bucket does not exist.
    NoSuchBucket => (404, "0015-00000101", "The specified bucket does not exist."),
    /// The object does not exist.
    NoSuchKey => (404, "0026-00000001", "The specified key does not exist."),
    /// The object has no version of the id given.
    NoSuchVersion => (404, "0026-00000006", "The specified version does not exist."),
    /// The multipart upload does not exist (or was completed or aborted).
    NoSuchUpload => (404, "0042-00000101", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."),
    /// No CORS configuration.
    NoSuchCORSConfiguration => (404, "0034-00000001", "The CORS Configuration does not exist."),
    /// No lifecycle configuration.
    NoSuchLifecycle => (404, "0020-00000001", "No Row found in Lifecycle Table."),
    /// The operation is not implemented.
    NotImplemented => (501, "0000-00000002", "A header you provided implies functionality that is not implemented."),
    /// The object exists and overwriting is forbidden.
    FileAlreadyExists => (409, "0016-00000019", "The object you specified already exists and can not be overwritten."),
    /// Appending to an object that is not appendable.
    ObjectNotAppendable => (409, "0026-00000017", "The object is not appendable"),
    /// The append position differs from the object length.
    PositionNotEqualToLength => (409, "0026-00000016", "Position is not equal to file length"),
    /// User metadata (`x-oss-meta-*` names and values together) is larger than 8 KB.
    MetadataTooLarge => (400, "0011-00000002", "Your metadata headers exceed the maximum allowed metadata size."),
    /// The request body stopped arriving for longer than the server waits. The EC is this
    /// server's own (OSS documents none for it).
    RequestTimeout => (400, "0000-00000003", "Your socket connection to the server was not read from or written to within the timeout period."),
    /// The server has no room left to store the data (its disk is full). The EC is this
    /// server's own.
    InsufficientStorage => (507, "0000-00000005", "There is not enough free space on the server to store the data."),
    /// The server cannot serve the request for now; retry later. The EC is this server's own.
    ServiceUnavailable => (503, "0000-00000004", "Service is temporarily unavailable, please retry later."),
    /// A precondition (If-Match, If-Unmodified-Since) failed.
    PreconditionFailed => (412, "0026-00000004", "At least one of the pre-conditions you specified did not hold."),
    /// `x-oss-date`/`Date` is too far from the server's clock.
    RequestTimeTooSkewed => (403, "0002-00000504", "The difference between the request time and the current time is too large."),
    /// The temporary (STS) credentials of the request have expired.
    SecurityTokenExpired => (403, "0002-00000007", "The security token you provided has expired."),
    /// The signature does not match.
    SignatureDoesNotMatch => (403, "0002-00000040", "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    /// Too many buckets.
    TooManyBuckets => (400, "0015-00000111", "You have attempted to create more buckets than allowed."),
    // Lifecycle, versioning, retention, encryption, tagging, capacity.
    /// No default server-side encryption rule.
    NoSuchServerSideEncryptionRule => (404, "0005-00000004", "The server side encryption configuration was not found"),
    /// An unknown server-side encryption algorithm.
    InvalidEncryptionAlgorithmError => (400, "0005-00000002", "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4"),
    /// No retention policy (or an unlocked one that lapsed).
    NoSuchWORMConfiguration => (404, "0027-00000001", "The WORM Configuration does not exist."),
    /// The retention policy is locked and cannot be removed.
    WORMConfigurationLocked => (403, "0027-00000002", "The WORM Configuration is locked."),
    /// The retention policy is not in a state that allows the operation, or its id differs.
    InvalidWORMConfiguration => (400, "0027-00000003", "The WORM Configuration is invalid."),
    /// The object is protected by the bucket's retention policy.
    FileImmutable => (409, "0026-00000005", "The object is protected by the retention policy of its bucket and cannot be deleted or overwritten."),
    /// A write would take the bucket beyond its storage capacity.
    InsufficientStorageSpace => (403, "0031-00000002", "The storage capacity of the bucket is not enough for this write."),
    // Browser-facing families: static websites and access logs.
    /// No static website configuration.
    NoSuchWebsiteConfiguration => (404, "0019-00000101", "The specified bucket does not have a website configuration."),
    /// The target bucket of access logging does not exist (or is not the owner's).
    InvalidTargetBucketForLogging => (400, "0010-00000101", "The target bucket for logging does not exist."),

    // Access control and data movement between buckets.
    /// No bucket policy is set.
    NoSuchBucketPolicy => (404, "0030-00000006", "The bucket policy does not exist."),
    /// A policy document breaks the policy syntax or limits.
    InvalidPolicyDocument => (400, "0030-00000005", "The policy document is invalid."),
    /// The bucket has no replication rule.
    NoSuchReplicationConfiguration => (404, "0031-00000003", "The replication configuration does not exist."),
    /// No replication rule has the id given.
    NoSuchReplicationRule => (404, "0031-00000004", "The specified replication rule does not exist."),
    /// A replication rule to the same target bucket (or with the same id) exists.
    BucketReplicationAlreadyExist => (400, "0031-00000044", "A replication rule between these buckets already exists."),
    /// No inventory configuration has the id given (or none exists).
    NoSuchInventory => (404, "0033-00000001", "The specified inventory configuration does not exist."),
    /// Too many inventory configurations.
    InventoryConfigurationTooMany => (400, "0033-00000002", "The bucket has too many inventory configurations."),
    /// The access point does not exist.
    NoSuchAccessPoint => (404, "0049-00000001", "Accesspoint not found"),
    /// An access point of that name exists.
    AccessPointAlreadyExists => (409, "0049-00000002", "The access point already exists."),
    /// The access point has no policy.
    NoSuchAccessPointPolicy => (404, "0049-00000003", "The access point policy does not exist."),
    /// Too many access points.
    TooManyAccessPoints => (400, "0049-00000004", "You have attempted to create more access points than allowed."),

    // Account and bucket settings, tasks and indexes. The ECs of ResourceGroupIdPreCheckError
    // and NeedVerifyDomainOwnership are the ones OSS sends; the others follow OSS's
    // numbering by service.
    /// No transfer acceleration configuration.
    NoSuchTransferAccelerationConfiguration => (404, "0048-00000001", "The specified bucket does not have a transfer acceleration configuration."),
    /// The resource group id is not one of the account's.
    ResourceGroupIdPreCheckError => (400, "0039-00000003", "The resource group id precheck error"),
    /// Attaching a domain whose ownership was not proven with its CNAME token.
    NeedVerifyDomainOwnership => (403, "0018-00000115", "You must verify the ownership of the domain with a CNAME token (TXT record) before attaching it."),
    /// No CNAME token was created for the domain.
    NoSuchCnameToken => (404, "0018-00000101", "The CNAME token of the specified domain does not exist."),
    /// No callback policy.
    BucketCallbackPolicyNotExist => (404, "0050-00000001", "The bucket callback policy does not exist."),
    /// No image style of that name.
    NoSuchStyle => (404, "0049-00000001", "The specified style does not exist."),
    /// No resource pool of that name.
    NoSuchResourcePool => (404, "0052-00000001", "The specified resource pool does not exist."),
    /// No region of that name.
    NoSuchRegion => (404, "0051-00000001", "The specified region does not exist."),
    /// No redundancy transition task of that id.
    BucketDataRedundancyTransitionTaskNotExist => (404, "0053-00000001", "The specified data redundancy transition task does not exist."),
    /// The redundancy transition task is in a state that does not allow the call.
    BucketDataRedundancyTransitionTaskStatusConflict => (409, "0053-00000002", "The data redundancy transition task is in a state that does not allow this operation."),
    /// The object of an async fetch task exists and the task may not overwrite it.
    ObjectAlreadyExists => (400, "0054-00000002", "The object already exists."),
    /// No async fetch task of that id.
    NoSuchAsyncFetchTask => (404, "0054-00000001", "The specified async fetch task does not exist."),
    /// Metadata indexing is not turned on for the bucket.
    MetaQueryNotExist => (404, "0055-00000001", "The metadata index of the bucket does not exist."),
    /// An upload succeeded but its callback failed (status 203).
    CallbackFailed => (203, "0007-00000203", "Error status : 502."),
    // Object tagging, symbolic links, restore of archived objects, traffic limits.
    /// A tag breaks OSS's rules: for objects characters, lengths (128/256), more than 10, a
    /// duplicate key; for buckets lengths (64/128), more than 20, a reserved prefix.
    InvalidTag => (400, "0010-00000217", "The tag provided was not a valid tag."),
    /// GET of an Archive, Cold Archive or Deep Cold Archive object that is not restored.
    InvalidObjectState => (403, "0026-00000001", "The operation is not valid for the object's state"),
    /// RestoreObject while an earlier restore of the object is still under way.
    RestoreAlreadyInProgress => (409, "0026-00000002", "The restore operation is in progress."),
    /// GET or HEAD of a symbolic link whose target object does not exist.
    SymlinkTargetNotExist => (404, "0026-00000003", "The symlink target object does not exist"),
    /// RestoreObject of an object that is not archived, and other calls the object's kind
    /// does not support.
    OperationNotSupported => (400, "0026-00000005", "The operation is not supported for this resource."),
    /// A symbolic link whose target is a symbolic link.
    InvalidTargetType => (400, "0026-00000004", "The symlink target object type is not valid."),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

//! The table of operations. Each entry is the whole contract of one operation; its name is
//! OSS's API name and `oss2(..)` gives oss2's method name.

use super::HttpMethod::{
    Delete as DELETE, Get as GET, Head as HEAD, Options as OPTIONS, Post as POST, Put as PUT,
};
use super::Level::{Bucket, BucketOrObject, Object, Service};
use super::Selector::{Flag, OneOf, Param, Value};
use super::*;

/// Declares the operations: the [`OpId`] enum and the declaration of each variant.
macro_rules! declare {
    ($( $(#[$doc:meta])* $id:ident = $def:expr; )*) => {
        /// Identifies an operation; [`OpId::spec`] gives its declaration.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum OpId {
            $( $(#[$doc])* $id, )*
        }

        impl OpId {
            /// Every operation, in declaration order.
            pub const ALL: &'static [OpId] = &[$(OpId::$id),*];

            /// The declaration of this operation.
            pub fn spec(self) -> &'static Operation {
                match self {
                    $( OpId::$id => {
                        const D: Operation = $def.named(OpId::$id, stringify!($id), concat!("oss:", stringify!($id)));
                        &D
                    } )*
                }
            }

            /// OSS's API name.
            pub fn name(self) -> &'static str {
                self.spec().name
            }
        }

        impl std::fmt::Display for OpId {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

const fn op(method: HttpMethod, level: Level) -> Operation {
    Operation::new(method, level)
}

const fn p(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        required: false,
        range: None,
    }
}

const fn req(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        required: true,
        range: None,
    }
}

const fn max_keys() -> ParamSpec {
    ParamSpec {
        name: "max-keys",
        required: false,
        range: Some((1, MAX_KEYS)),
    }
}

const fn h(name: &'static str) -> HeaderSpec {
    HeaderSpec {
        name,
        required: false,
    }
}

const fn hreq(name: &'static str) -> HeaderSpec {
    HeaderSpec {
        name,
        required: true,
    }
}

impl Operation {
    const fn oss2(mut self, name: &'static str) -> Self {
        self.oss2 = Some(name);
        self
    }
    const fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }
    const fn select(mut self, s: &'static [Selector]) -> Self {
        self.select = s;
        self
    }
    const fn when_header(mut self, name: &'static str) -> Self {
        self.select_header = Some(name);
        self
    }
    const fn params(mut self, p: &'static [ParamSpec]) -> Self {
        self.params = p;
        self
    }
    const fn headers(mut self, h: &'static [HeaderSpec]) -> Self {
        self.headers = h;
        self
    }
    /// Takes an XML document with `root`, returns nothing.
    const fn xml_in(mut self, root: &'static str) -> Self {
        self.request = Payload::Xml(root);
        self.max_body = Some(MAX_CONFIG_BODY);
        self
    }
    const fn xml_out(mut self, root: &'static str) -> Self {
        self.response = Payload::Xml(root);
        self
    }
    const fn json_in(mut self) -> Self {
        self.request = Payload::Json;
        self.max_body = Some(MAX_CONFIG_BODY);
        self
    }
    const fn json_out(mut self) -> Self {
        self.response = Payload::Json;
        self
    }
    const fn data_in(mut self) -> Self {
        self.request = Payload::Data;
        self
    }
    const fn data_out(mut self) -> Self {
        self.response = Payload::Data;
        self
    }
    const fn text_in(mut self) -> Self {
        self.request = Payload::Text;
        self.max_body = Some(MAX_CONFIG_BODY);
        self
    }
    const fn max_body(mut self, n: u64) -> Self {
        self.max_body = Some(n);
        self
    }
    const fn md5(mut self, rule: Md5Rule) -> Self {
        self.md5 = rule;
        self
    }
    const fn not_idempotent(mut self) -> Self {
        self.idempotent = false;
        self
    }
    const fn access(mut self, a: Access) -> Self {
        self.access = a;
        self
    }
    const fn action(mut self, a: &'static str) -> Self {
        self.action = a;
        self
    }
    const fn cloud(mut self, service: &'static str) -> Self {
        self.support = Support::Cloud(service);
        self
    }
}

const UPLOAD_PART: &[Selector] = &[Param("partNumber"), Param("uploadId")];
const PART_NUMBER: ParamSpec = ParamSpec {
    name: "partNumber",
    required: true,
    range: Some((1, MAX_PART_NUMBER)),
};
const RTMP: &str = "live streaming over RTMP";
const IMG: &str = "image and document processing";
const SELECT: &str = "OSS Select";
const FC: &str = "Function Compute";

const OBJECT_HEADERS: &[HeaderSpec] = &[
    h("content-type"),
    h("content-md5"),
    h("content-disposition"),
    h("content-encoding"),
    h("content-language"),
    h("cache-control"),
    h("expires"),
    h("x-oss-object-acl"),
    h("x-oss-storage-class"),
    h("x-oss-forbid-overwrite"),
    h("x-oss-tagging"),
    h("x-oss-server-side-encryption"),
    h("x-oss-server-side-encryption-key-id"),
    h("x-oss-server-side-data-encryption"),
    h("x-oss-traffic-limit"),
    h("x-oss-callback"),
    h("x-oss-callback-var"),
];

const GET_HEADERS: &[HeaderSpec] = &[
    h("range"),
    h("if-match"),
    h("if-none-match"),
    h("if-modified-since"),
    h("if-unmodified-since"),
    h("x-oss-range-behavior"),
    h("accept-encoding"),
    h("x-oss-traffic-limit"),
];

const COPY_HEADERS: &[HeaderSpec] = &[
    hreq("x-oss-copy-source"),
    h("x-oss-copy-source-if-match"),
    h("x-oss-copy-source-if-none-match"),
    h("x-oss-copy-source-if-modified-since"),
    h("x-oss-copy-source-if-unmodified-since"),
    h("x-oss-metadata-directive"),
    h("x-oss-tagging-directive"),
    h("x-oss-tagging"),
    h("x-oss-object-acl"),
    h("x-oss-storage-class"),
    h("x-oss-forbid-overwrite"),
    h("x-oss-server-side-encryption"),
    h("content-type"),
];

const LIST_V1: &[ParamSpec] = &[
    p("prefix"),
    p("delimiter"),
    p("marker"),
    max_keys(),
    p("encoding-type"),
];
const RESPONSE_OVERRIDES: &[ParamSpec] = &[
    p("versionId"),
    p("response-content-type"),
    p("response-content-language"),
    p("response-expires"),
    p("response-cache-control"),
    p("response-content-disposition"),
    p("response-content-encoding"),
];
const VERSION: &[ParamSpec] = &[p("versionId")];
const PAGE: &[ParamSpec] = &[p("continuation-token"), max_keys()];

declare! {
    // ---------------------------------------------------------------- service
    /// `GET /`: the buckets of the account.
    ListBuckets = op(GET, Service).oss2("list_buckets").doc("List the buckets of the account.")
        .params(&[p("prefix"), p("marker"), max_keys(), p("tag-key"), p("tag-value"), p("regionList")])
        .headers(&[h("x-oss-resource-group-id")]).xml_out("ListAllMyBucketsResult").access(Access::Service).action("oss:ListBuckets");
    /// `GET /?qosInfo`: the account's QoS limits.
    GetUserQosInfo = op(GET, Service).oss2("get_user_qos_info").doc("Get the QoS limits of the account.")
        .select(&[Flag("qosInfo")]).xml_out("QoSConfiguration").access(Access::Service);
    /// `GET /?regions`: the regions and their endpoints.
    DescribeRegions = op(GET, Service).oss2("describe_regions").doc("List the regions and their endpoints.")
        .select(&[Flag("regions")]).xml_out("RegionInfoList").access(Access::Service);
    /// `POST /?x-oss-write-get-object-response`: answers an object FC access point.
    WriteGetObjectResponse = op(POST, Service).oss2("write_get_object_response").doc("Return the response of an Object FC Access Point.")
        .select(&[Flag("x-oss-write-get-object-response")]).data_in().access(Access::Service).cloud(FC);
    /// `GET /?redundancyTransition`: the account's redundancy transition tasks.
    ListUserDataRedundancyTransition = op(GET, Service).oss2("list_user_data_redundancy_transition").doc("List the data redundancy transition tasks of the account.")
        .select(&[Flag("redundancyTransition")]).params(PAGE).xml_out("ListBucketDataRedundancyTransition").access(Access::Service);
    /// `GET /?accessPoint`: the account's access points.
    ListAccessPoints = op(GET, Service).oss2("list_access_points").doc("List the access points of the account.")
        .select(&[Flag("accessPoint")]).params(PAGE).xml_out("ListAccessPointsResult").access(Access::Service);
    /// `PUT /?publicAccessBlock`: blocks public access account-wide.
    PutPublicAccessBlock = op(PUT, Service).oss2("put_public_access_block").doc("Set the account-level public access block.")
        .select(&[Flag("publicAccessBlock")]).xml_in("PublicAccessBlockConfiguration").access(Access::Service);
    /// `GET /?publicAccessBlock`.
    GetPublicAccessBlock = op(GET, Service).oss2("get_public_access_block").doc("Get the account-level public access block.")
        .select(&[Flag("publicAccessBlock")]).xml_out("PublicAccessBlockConfiguration").access(Access::Service);
    /// `DELETE /?publicAccessBlock`.
    DeletePublicAccessBlock = op(DELETE, Service).oss2("delete_public_access_block").doc("Delete the account-level public access block.")
        .select(&[Flag("publicAccessBlock")]).access(Access::Service);
    /// `GET /?resourcePool`.
    ListResourcePools = op(GET, Service).oss2("list_resource_pools").doc("List the resource pools of the account.")
        .select(&[Flag("resourcePool")]).params(PAGE).xml_out("ListResourcePoolsResult").access(Access::Service);
    /// `GET /?resourcePoolInfo&resourcePool=NAME`.
    GetResourcePoolInfo = op(GET, Service).oss2("get_resource_pool_info").doc("Get a resource pool.")
        .select(&[Flag("resourcePoolInfo"), Param("resourcePool")]).xml_out("GetResourcePoolInfoResponse").access(Access::Service);
    /// `GET /?resourcePoolBuckets&resourcePool=NAME`.
    ListResourcePoolBuckets = op(GET, Service).oss2("list_resource_pool_buckets").doc("List the buckets of a resource pool.")
        .select(&[Flag("resourcePoolBuckets"), Param("resourcePool")]).params(PAGE).xml_out("ListResourcePoolBucketsResult").access(Access::Service);
    /// `PUT /?requesterQosInfo&qosRequester=UID&resourcePool=NAME`.
    PutResourcePoolRequesterQosInfo = op(PUT, Service).oss2("put_resource_pool_requester_qos_info").doc("Set a requester's QoS in a resource pool.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester"), Param("resourcePool")]).xml_in("QoSConfiguration").access(Access::Service);
    /// `GET /?requesterQosInfo&qosRequester=UID&resourcePool=NAME`.
    GetResourcePoolRequesterQosInfo = op(GET, Service).oss2("get_resource_pool_requester_qos_info").doc("Get a requester's QoS in a resource pool.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester"), Param("resourcePool")]).xml_out("RequesterQoSInfo").access(Access::Service);
    /// `GET /?requesterQosInfo&resourcePool=NAME`.
    ListResourcePoolRequesterQosInfos = op(GET, Service).oss2("list_resource_pool_requester_qos_infos").doc("List the requesters' QoS of a resource pool.")
        .select(&[Flag("requesterQosInfo"), Param("resourcePool")]).params(PAGE).xml_out("ListResourcePoolRequesterQoSInfosResult").access(Access::Service);
    /// `DELETE /?requesterQosInfo&qosRequester=UID&resourcePool=NAME`.
    DeleteResourcePoolRequesterQosInfo = op(DELETE, Service).oss2("delete_resource_pool_requester_qos_info").doc("Delete a requester's QoS in a resource pool.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester"), Param("resourcePool")]).access(Access::Service);

    // ---------------------------------------------------------------- buckets
    /// `PUT /bucket`: creates a bucket.
    PutBucket = op(PUT, Bucket).oss2("create_bucket").doc("Create a bucket.")
        .headers(&[h("x-oss-acl"), h("x-oss-resource-group-id"), h("x-oss-bucket-tagging"),
            h("x-oss-server-side-encryption"), h("x-oss-server-side-encryption-key-id"), h("x-oss-server-side-data-encryption")])
        .xml_in("CreateBucketConfiguration");
    /// `DELETE /bucket`.
    DeleteBucket = op(DELETE, Bucket).oss2("delete_bucket").doc("Delete an empty bucket.");
    /// `HEAD /bucket`: whether the bucket exists.
    HeadBucket = op(HEAD, Bucket).doc("Check that a bucket exists.").action("oss:GetBucketInfo");
    /// `GET /bucket?bucketInfo`.
    GetBucketInfo = op(GET, Bucket).oss2("get_bucket_info").doc("Get the bucket's information.")
        .select(&[Flag("bucketInfo")]).xml_out("BucketInfo");
    /// `GET /bucket?location`.
    GetBucketLocation = op(GET, Bucket).oss2("get_bucket_location").doc("Get the bucket's region.")
        .select(&[Flag("location")]).xml_out("LocationConstraint");
    /// `GET /bucket?stat`.
    GetBucketStat = op(GET, Bucket).oss2("get_bucket_stat").doc("Get the bucket's storage statistics.")
        .select(&[Flag("stat")]).xml_out("BucketStat");
    /// `PUT /bucket?acl`.
    PutBucketAcl = op(PUT, Bucket).oss2("put_bucket_acl").doc("Set the bucket's canned ACL.")
        .select(&[Flag("acl")]).headers(&[hreq("x-oss-acl")]);
    /// `GET /bucket?acl`.
    GetBucketAcl = op(GET, Bucket).oss2("get_bucket_acl").doc("Get the bucket's canned ACL.")
        .select(&[Flag("acl")]).xml_out("AccessControlPolicy");
    /// `GET /bucket`: lists objects (version 1).
    ListObjects = op(GET, Bucket).oss2("list_objects").doc("List objects (version 1).")
        .params(LIST_V1).xml_out("ListBucketResult").access(Access::List);
    /// `GET /bucket?list-type=2`: lists objects (version 2).
    ListObjectsV2 = op(GET, Bucket).oss2("list_objects_v2").doc("List objects (version 2).")
        .select(&[Value("list-type", "2")])
        .params(&[p("prefix"), p("delimiter"), p("start-after"), p("continuation-token"), max_keys(), p("encoding-type"), p("fetch-owner")])
        .xml_out("ListBucketResult").access(Access::List).action("oss:ListObjects");
    /// `GET /bucket?versions`: lists object versions.
    ListObjectVersions = op(GET, Bucket).oss2("list_object_versions").doc("List object versions and delete markers.")
        .select(&[Flag("versions")])
        .params(&[p("prefix"), p("delimiter"), p("key-marker"), p("version-id-marker"), max_keys(), p("encoding-type")])
        .xml_out("ListVersionsResult").access(Access::List);
    /// `POST /bucket?delete`: deletes up to 1000 objects (or versions).
    DeleteMultipleObjects = op(POST, Bucket).oss2("batch_delete_objects").doc("Delete up to 1000 objects or object versions.")
        .select(&[Flag("delete")]).params(&[p("encoding-type")]).xml_in("Delete").max_body(2 * 1024 * 1024)
        .md5(Md5Rule::Required).xml_out("DeleteResult").access(Access::ObjectWrite).action("oss:DeleteObject");
    /// `GET /bucket?uploads`: lists open multipart uploads.
    ListMultipartUploads = op(GET, Bucket).oss2("list_multipart_uploads").doc("List the open multipart uploads.")
        .select(&[Flag("uploads")])
        .params(&[p("prefix"), p("delimiter"), p("key-marker"), p("upload-id-marker"), ParamSpec { name: "max-uploads", required: false, range: Some((1, MAX_KEYS)) }, p("encoding-type")])
        .xml_out("ListMultipartUploadsResult").access(Access::ObjectWrite);

    // ---------------------------------------------------------------- bucket configuration
    /// `PUT /bucket?cors`.
    PutBucketCors = op(PUT, Bucket).oss2("put_bucket_cors").doc("Set the bucket's CORS rules.")
        .select(&[Flag("cors")]).xml_in("CORSConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?cors`.
    GetBucketCors = op(GET, Bucket).oss2("get_bucket_cors").doc("Get the bucket's CORS rules.")
        .select(&[Flag("cors")]).xml_out("CORSConfiguration");
    /// `DELETE /bucket?cors`.
    DeleteBucketCors = op(DELETE, Bucket).oss2("delete_bucket_cors").doc("Delete the bucket's CORS rules.")
        .select(&[Flag("cors")]);
    /// `OPTIONS /bucket/key`: a CORS preflight.
    OptionObject = op(OPTIONS, BucketOrObject).doc("Answer a CORS preflight request.")
        .headers(&[hreq("origin"), hreq("access-control-request-method"), h("access-control-request-headers")])
        .access(Access::Anyone);
    /// `PUT /bucket?lifecycle`.
    PutBucketLifecycle = op(PUT, Bucket).oss2("put_bucket_lifecycle").doc("Set the bucket's lifecycle rules.")
        .select(&[Flag("lifecycle")]).headers(&[h("x-oss-allow-same-action-overlap")]).xml_in("LifecycleConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?lifecycle`.
    GetBucketLifecycle = op(GET, Bucket).oss2("get_bucket_lifecycle").doc("Get the bucket's lifecycle rules.")
        .select(&[Flag("lifecycle")]).xml_out("LifecycleConfiguration");
    /// `DELETE /bucket?lifecycle`.
    DeleteBucketLifecycle = op(DELETE, Bucket).oss2("delete_bucket_lifecycle").doc("Delete the bucket's lifecycle rules.")
        .select(&[Flag("lifecycle")]);
    /// `PUT /bucket?logging`.
    PutBucketLogging = op(PUT, Bucket).oss2("put_bucket_logging").doc("Set where the bucket's access logs are written.")
        .select(&[Flag("logging")]).xml_in("BucketLoggingStatus").md5(Md5Rule::Optional);
    /// `GET /bucket?logging`.
    GetBucketLogging = op(GET, Bucket).oss2("get_bucket_logging").doc("Get the bucket's logging settings.")
        .select(&[Flag("logging")]).xml_out("BucketLoggingStatus");
    /// `DELETE /bucket?logging`.
    DeleteBucketLogging = op(DELETE, Bucket).oss2("delete_bucket_logging").doc("Turn the bucket's access logs off.")
        .select(&[Flag("logging")]);
    /// `PUT /bucket?referer`.
    PutBucketReferer = op(PUT, Bucket).oss2("put_bucket_referer").doc("Set the bucket's Referer allow and block lists.")
        .select(&[Flag("referer")]).xml_in("RefererConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?referer`.
    GetBucketReferer = op(GET, Bucket).oss2("get_bucket_referer").doc("Get the bucket's Referer lists.")
        .select(&[Flag("referer")]).xml_out("RefererConfiguration");
    /// `PUT /bucket?website`.
    PutBucketWebsite = op(PUT, Bucket).oss2("put_bucket_website").doc("Set the bucket's static website settings.")
        .select(&[Flag("website")]).xml_in("WebsiteConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?website`.
    GetBucketWebsite = op(GET, Bucket).oss2("get_bucket_website").doc("Get the bucket's static website settings.")
        .select(&[Flag("website")]).xml_out("WebsiteConfiguration");
    /// `DELETE /bucket?website`.
    DeleteBucketWebsite = op(DELETE, Bucket).oss2("delete_bucket_website").doc("Delete the bucket's static website settings.")
        .select(&[Flag("website")]);
    /// `PUT /bucket?encryption`.
    PutBucketEncryption = op(PUT, Bucket).oss2("put_bucket_encryption").doc("Set the bucket's default server-side encryption.")
        .select(&[Flag("encryption")]).xml_in("ServerSideEncryptionRule").md5(Md5Rule::Optional);
    /// `GET /bucket?encryption`.
    GetBucketEncryption = op(GET, Bucket).oss2("get_bucket_encryption").doc("Get the bucket's default server-side encryption.")
        .select(&[Flag("encryption")]).xml_out("ServerSideEncryptionRule");
    /// `DELETE /bucket?encryption`.
    DeleteBucketEncryption = op(DELETE, Bucket).oss2("delete_bucket_encryption").doc("Delete the bucket's default server-side encryption.")
        .select(&[Flag("encryption")]);
    /// `PUT /bucket?tagging`.
    PutBucketTags = op(PUT, Bucket).oss2("put_bucket_tagging").doc("Set the bucket's tags.")
        .select(&[Flag("tagging")]).xml_in("Tagging").md5(Md5Rule::Optional).action("oss:PutBucketTagging");
    /// `GET /bucket?tagging`.
    GetBucketTags = op(GET, Bucket).oss2("get_bucket_tagging").doc("Get the bucket's tags.")
        .select(&[Flag("tagging")]).xml_out("Tagging").action("oss:GetBucketTagging");
    /// `DELETE /bucket?tagging`.
    DeleteBucketTags = op(DELETE, Bucket).oss2("delete_bucket_tagging").doc("Delete the bucket's tags (or the named keys).")
        .select(&[Flag("tagging")]).action("oss:DeleteBucketTagging");
    /// `PUT /bucket?versioning`.
    PutBucketVersioning = op(PUT, Bucket).oss2("put_bucket_versioning").doc("Enable or suspend versioning.")
        .select(&[Flag("versioning")]).xml_in("VersioningConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?versioning`.
    GetBucketVersioning = op(GET, Bucket).oss2("get_bucket_versioning").doc("Get the versioning state.")
        .select(&[Flag("versioning")]).xml_out("VersioningConfiguration");
    /// `PUT /bucket?policy`.
    PutBucketPolicy = op(PUT, Bucket).oss2("put_bucket_policy").doc("Set the bucket policy (JSON).")
        .select(&[Flag("policy")]).json_in().max_body(16 * 1024).md5(Md5Rule::Optional);
    /// `GET /bucket?policy`.
    GetBucketPolicy = op(GET, Bucket).oss2("get_bucket_policy").doc("Get the bucket policy (JSON).")
        .select(&[Flag("policy")]).json_out();
    /// `DELETE /bucket?policy`.
    DeleteBucketPolicy = op(DELETE, Bucket).oss2("delete_bucket_policy").doc("Delete the bucket policy.")
        .select(&[Flag("policy")]);
    /// `PUT /bucket?requestPayment`.
    PutBucketRequestPayment = op(PUT, Bucket).oss2("put_bucket_request_payment").doc("Set who pays for requests.")
        .select(&[Flag("requestPayment")]).xml_in("RequestPaymentConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?requestPayment`.
    GetBucketRequestPayment = op(GET, Bucket).oss2("get_bucket_request_payment").doc("Get who pays for requests.")
        .select(&[Flag("requestPayment")]).xml_out("RequestPaymentConfiguration");
    /// `PUT /bucket?qosInfo`.
    PutBucketQosInfo = op(PUT, Bucket).oss2("put_bucket_qos_info").doc("Set the bucket's QoS limits.")
        .select(&[Flag("qosInfo")]).xml_in("QoSConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?qosInfo`.
    GetBucketQosInfo = op(GET, Bucket).oss2("get_bucket_qos_info").doc("Get the bucket's QoS limits.")
        .select(&[Flag("qosInfo")]).xml_out("QoSConfiguration");
    /// `DELETE /bucket?qosInfo`.
    DeleteBucketQosInfo = op(DELETE, Bucket).oss2("delete_bucket_qos_info").doc("Delete the bucket's QoS limits.")
        .select(&[Flag("qosInfo")]);
    /// `PUT /bucket?qos`.
    PutBucketStorageCapacity = op(PUT, Bucket).oss2("set_bucket_storage_capacity").doc("Set the bucket's storage capacity.")
        .select(&[Flag("qos")]).xml_in("BucketUserQos");
    /// `GET /bucket?qos`.
    GetBucketStorageCapacity = op(GET, Bucket).oss2("get_bucket_storage_capacity").doc("Get the bucket's storage capacity.")
        .select(&[Flag("qos")]).xml_out("BucketUserQos");
    /// `POST /bucket?asyncFetch`.
    PutAsyncFetchTask = op(POST, Bucket).oss2("put_async_fetch_task").doc("Start fetching a URL into an object.")
        .select(&[Flag("asyncFetch")]).xml_in("AsyncFetchTaskConfiguration").md5(Md5Rule::Optional)
        .xml_out("AsyncFetchTaskResult").not_idempotent();
    /// `GET /bucket?asyncFetch` with `x-oss-task-id`.
    GetAsyncFetchTask = op(GET, Bucket).oss2("get_async_fetch_task").doc("Get the state of a fetch task.")
        .select(&[Flag("asyncFetch")]).headers(&[hreq("x-oss-task-id")]).xml_out("AsyncFetchTaskInfo");
    /// `PUT /bucket?inventory&inventoryId=ID`.
    PutBucketInventory = op(PUT, Bucket).oss2("put_bucket_inventory_configuration").doc("Set an inventory configuration.")
        .select(&[Flag("inventory"), Param("inventoryId")]).xml_in("InventoryConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?inventory&inventoryId=ID`.
    GetBucketInventory = op(GET, Bucket).oss2("get_bucket_inventory_configuration").doc("Get an inventory configuration.")
        .select(&[Flag("inventory"), Param("inventoryId")]).xml_out("InventoryConfiguration");
    /// `GET /bucket?inventory`.
    ListBucketInventory = op(GET, Bucket).oss2("list_bucket_inventory_configurations").doc("List the inventory configurations.")
        .select(&[Flag("inventory")]).params(&[p("continuation-token")]).xml_out("ListInventoryConfigurationsResult");
    /// `DELETE /bucket?inventory&inventoryId=ID`.
    DeleteBucketInventory = op(DELETE, Bucket).oss2("delete_bucket_inventory_configuration").doc("Delete an inventory configuration.")
        .select(&[Flag("inventory"), Param("inventoryId")]);
    /// `POST /bucket?worm`.
    InitiateBucketWorm = op(POST, Bucket).oss2("init_bucket_worm").doc("Create an unlocked retention policy.")
        .select(&[Flag("worm")]).xml_in("InitiateWormConfiguration").md5(Md5Rule::Optional).not_idempotent();
    /// `DELETE /bucket?worm`.
    AbortBucketWorm = op(DELETE, Bucket).oss2("abort_bucket_worm").doc("Delete an unlocked retention policy.")
        .select(&[Flag("worm")]);
    /// `POST /bucket?wormId=ID`.
    CompleteBucketWorm = op(POST, Bucket).oss2("complete_bucket_worm").doc("Lock a retention policy.")
        .select(&[Param("wormId")]);
    /// `POST /bucket?wormExtend&wormId=ID`.
    ExtendBucketWorm = op(POST, Bucket).oss2("extend_bucket_worm").doc("Extend a locked retention period.")
        .select(&[Flag("wormExtend"), Param("wormId")]).xml_in("ExtendWormConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?worm`.
    GetBucketWorm = op(GET, Bucket).oss2("get_bucket_worm").doc("Get the retention policy.")
        .select(&[Flag("worm")]).xml_out("WormConfiguration");
    /// `POST /bucket?replication&comp=add`.
    PutBucketReplication = op(POST, Bucket).oss2("put_bucket_replication").doc("Add a replication rule.")
        .select(&[Flag("replication"), Value("comp", "add")]).xml_in("ReplicationConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?replication`.
    GetBucketReplication = op(GET, Bucket).oss2("get_bucket_replication").doc("Get the replication rules.")
        .select(&[Flag("replication")]).xml_out("ReplicationConfiguration");
    /// `POST /bucket?replication&comp=delete`.
    DeleteBucketReplication = op(POST, Bucket).oss2("delete_bucket_replication").doc("Delete a replication rule.")
        .select(&[Flag("replication"), Value("comp", "delete")]).xml_in("ReplicationRules").md5(Md5Rule::Optional);
    /// `GET /bucket?replicationLocation`.
    GetBucketReplicationLocation = op(GET, Bucket).oss2("get_bucket_replication_location").doc("List the regions replication can target.")
        .select(&[Flag("replicationLocation")]).xml_out("ReplicationLocation");
    /// `GET /bucket?replicationProgress&rule-id=ID`.
    GetBucketReplicationProgress = op(GET, Bucket).oss2("get_bucket_replication_progress").doc("Get the progress of a replication rule.")
        .select(&[Flag("replicationProgress")]).params(&[req("rule-id")]).xml_out("ReplicationProgress");
    /// `PUT /bucket?transferAcceleration`.
    PutBucketTransferAcceleration = op(PUT, Bucket).oss2("put_bucket_transfer_acceleration").doc("Turn transfer acceleration on or off.")
        .select(&[Flag("transferAcceleration")]).xml_in("TransferAccelerationConfiguration").md5(Md5Rule::Optional);
    /// `GET /bucket?transferAcceleration`.
    GetBucketTransferAcceleration = op(GET, Bucket).oss2("get_bucket_transfer_acceleration").doc("Get the transfer acceleration state.")
        .select(&[Flag("transferAcceleration")]).xml_out("TransferAccelerationConfiguration");
    /// `POST /bucket?cname&comp=token`.
    CreateCnameToken = op(POST, Bucket).oss2("create_bucket_cname_token").doc("Create the token that proves ownership of a domain.")
        .select(&[Flag("cname"), Value("comp", "token")]).xml_in("BucketCnameConfiguration").xml_out("CnameToken").not_idempotent();
    /// `GET /bucket?cname=DOMAIN&comp=token`.
    GetCnameToken = op(GET, Bucket).oss2("get_bucket_cname_token").doc("Get the token of a domain.")
        .select(&[Param("cname"), Value("comp", "token")]).xml_out("CnameToken");
    /// `POST /bucket?cname&comp=add`.
    PutCname = op(POST, Bucket).oss2("put_bucket_cname").doc("Attach a custom domain.")
        .select(&[Flag("cname"), Value("comp", "add")]).xml_in("BucketCnameConfiguration");
    /// `GET /bucket?cname`.
    ListCname = op(GET, Bucket).oss2("list_bucket_cname").doc("List the custom domains.")
        .select(&[Flag("cname")]).xml_out("ListCnameResult");
    /// `POST /bucket?cname&comp=delete`.
    DeleteCname = op(POST, Bucket).oss2("delete_bucket_cname").doc("Detach a custom domain.")
        .select(&[Flag("cname"), Value("comp", "delete")]).xml_in("BucketCnameConfiguration");
    /// `POST /bucket?metaQuery&comp=add`.
    OpenMetaQuery = op(POST, Bucket).oss2("open_bucket_meta_query").doc("Turn metadata indexing on.")
        .select(&[Flag("metaQuery"), Value("comp", "add")]).params(&[p("mode")]);
    /// `GET /bucket?metaQuery`.
    GetMetaQueryStatus = op(GET, Bucket).oss2("get_bucket_meta_query_status").doc("Get the state of metadata indexing.")
        .select(&[Flag("metaQuery")]).xml_out("MetaQueryStatus");
    /// `POST /bucket?metaQuery&comp=query`.
    DoMetaQuery = op(POST, Bucket).oss2("do_bucket_meta_query").doc("Query objects by metadata.")
        .select(&[Flag("metaQuery"), Value("comp", "query")]).params(&[p("mode")]).xml_in("MetaQuery").xml_out("MetaQuery").action("oss:DoMetaQuery");
    /// `POST /bucket?metaQuery&comp=delete`.
    CloseMetaQuery = op(POST, Bucket).oss2("close_bucket_meta_query").doc("Turn metadata indexing off.")
        .select(&[Flag("metaQuery"), Value("comp", "delete")]);
    /// `PUT /bucket?accessmonitor`.
    PutBucketAccessMonitor = op(PUT, Bucket).oss2("put_bucket_access_monitor").doc("Turn access tracking on or off.")
        .select(&[Flag("accessmonitor")]).xml_in("AccessMonitorConfiguration");
    /// `GET /bucket?accessmonitor`.
    GetBucketAccessMonitor = op(GET, Bucket).oss2("get_bucket_access_monitor").doc("Get the access tracking state.")
        .select(&[Flag("accessmonitor")]).xml_out("AccessMonitorConfiguration");
    /// `PUT /bucket?resourceGroup`.
    PutBucketResourceGroup = op(PUT, Bucket).oss2("put_bucket_resource_group").doc("Move the bucket to a resource group.")
        .select(&[Flag("resourceGroup")]).xml_in("BucketResourceGroupConfiguration");
    /// `GET /bucket?resourceGroup`.
    GetBucketResourceGroup = op(GET, Bucket).oss2("get_bucket_resource_group").doc("Get the bucket's resource group.")
        .select(&[Flag("resourceGroup")]).xml_out("BucketResourceGroupConfiguration");
    /// `PUT /bucket?style&styleName=NAME`.
    PutStyle = op(PUT, Bucket).oss2("put_bucket_style").doc("Create or replace an image style.")
        .select(&[Flag("style"), Param("styleName")]).params(&[p("category")]).xml_in("Style");
    /// `GET /bucket?style&styleName=NAME`.
    GetStyle = op(GET, Bucket).oss2("get_bucket_style").doc("Get an image style.")
        .select(&[Flag("style"), Param("styleName")]).xml_out("Style");
    /// `GET /bucket?style`.
    ListStyle = op(GET, Bucket).oss2("list_bucket_style").doc("List the image styles.")
        .select(&[Flag("style")]).xml_out("StyleList");
    /// `DELETE /bucket?style&styleName=NAME`.
    DeleteStyle = op(DELETE, Bucket).oss2("delete_bucket_style").doc("Delete an image style.")
        .select(&[Flag("style"), Param("styleName")]);
    /// `PUT /bucket?policy&comp=callback`.
    PutBucketCallbackPolicy = op(PUT, Bucket).oss2("put_bucket_callback_policy").doc("Set the bucket's callback policies.")
        .select(&[Flag("policy"), Value("comp", "callback")]).xml_in("BucketCallbackPolicy");
    /// `GET /bucket?policy&comp=callback`.
    GetBucketCallbackPolicy = op(GET, Bucket).oss2("get_bucket_callback_policy").doc("Get the bucket's callback policies.")
        .select(&[Flag("policy"), Value("comp", "callback")]).xml_out("BucketCallbackPolicy");
    /// `DELETE /bucket?policy&comp=callback`.
    DeleteBucketCallbackPolicy = op(DELETE, Bucket).oss2("delete_bucket_callback_policy").doc("Delete the bucket's callback policies.")
        .select(&[Flag("policy"), Value("comp", "callback")]);
    /// `PUT /bucket?bucketArchiveDirectRead`.
    PutBucketArchiveDirectRead = op(PUT, Bucket).oss2("put_bucket_archive_direct_read").doc("Allow or forbid reading Archive objects without restoring them.")
        .select(&[Flag("bucketArchiveDirectRead")]).xml_in("ArchiveDirectReadConfiguration");
    /// `GET /bucket?bucketArchiveDirectRead`.
    GetBucketArchiveDirectRead = op(GET, Bucket).oss2("get_bucket_archive_direct_read").doc("Get whether Archive objects can be read directly.")
        .select(&[Flag("bucketArchiveDirectRead")]).xml_out("ArchiveDirectReadConfiguration");
    /// `PUT /bucket?httpsConfig`.
    PutBucketHttpsConfig = op(PUT, Bucket).oss2("put_bucket_https_config").doc("Set the TLS versions the bucket accepts.")
        .select(&[Flag("httpsConfig")]).xml_in("HttpsConfiguration");
    /// `GET /bucket?httpsConfig`.
    GetBucketHttpsConfig = op(GET, Bucket).oss2("get_bucket_https_config").doc("Get the TLS versions the bucket accepts.")
        .select(&[Flag("httpsConfig")]).xml_out("HttpsConfiguration");
    /// `POST /bucket?redundancyTransition&x-oss-target-redundancy-type=ZRS`.
    CreateBucketDataRedundancyTransition = op(POST, Bucket).oss2("create_bucket_data_redundancy_transition").doc("Start converting the bucket's redundancy type.")
        .select(&[Flag("redundancyTransition")]).params(&[req("x-oss-target-redundancy-type")]).xml_out("BucketDataRedundancyTransition").not_idempotent();
    /// `GET /bucket?redundancyTransition&x-oss-redundancy-transition-taskid=ID`.
    GetBucketDataRedundancyTransition = op(GET, Bucket).oss2("get_bucket_data_redundancy_transition").doc("Get a redundancy conversion task.")
        .select(&[Flag("redundancyTransition"), Param("x-oss-redundancy-transition-taskid")]).xml_out("BucketDataRedundancyTransition");
    /// `DELETE /bucket?redundancyTransition&x-oss-redundancy-transition-taskid=ID`.
    DeleteBucketDataRedundancyTransition = op(DELETE, Bucket).oss2("delete_bucket_data_redundancy_transition").doc("Delete a redundancy conversion task.")
        .select(&[Flag("redundancyTransition"), Param("x-oss-redundancy-transition-taskid")]);
    /// `GET /bucket?redundancyTransition`.
    ListBucketDataRedundancyTransition = op(GET, Bucket).oss2("list_bucket_data_redundancy_transition").doc("List the bucket's redundancy conversion tasks.")
        .select(&[Flag("redundancyTransition")]).xml_out("ListBucketDataRedundancyTransition");
    /// `PUT /bucket?accessPoint`.
    CreateAccessPoint = op(PUT, Bucket).oss2("create_access_point").doc("Create an access point.")
        .select(&[Flag("accessPoint")]).xml_in("CreateAccessPointConfiguration").xml_out("CreateAccessPointResult").not_idempotent();
    /// `GET /bucket?accessPoint` with `x-oss-access-point-name`.
    GetAccessPoint = op(GET, Bucket).oss2("get_access_point").doc("Get an access point.")
        .select(&[Flag("accessPoint")]).when_header("x-oss-access-point-name").xml_out("GetAccessPointResult");
    /// `DELETE /bucket?accessPoint` with `x-oss-access-point-name`.
    DeleteAccessPoint = op(DELETE, Bucket).oss2("delete_access_point").doc("Delete an access point.")
        .select(&[Flag("accessPoint")]).headers(&[hreq("x-oss-access-point-name")]);
    /// `GET /bucket?accessPoint`.
    ListBucketAccessPoints = op(GET, Bucket).oss2("list_bucket_access_points").doc("List the bucket's access points.")
        .select(&[Flag("accessPoint")]).params(PAGE).xml_out("ListAccessPointsResult").action("oss:ListAccessPoints");
    /// `PUT /bucket?accessPointPolicy` with `x-oss-access-point-name`.
    PutAccessPointPolicy = op(PUT, Bucket).oss2("put_access_point_policy").doc("Set an access point's policy (JSON).")
        .select(&[Flag("accessPointPolicy")]).headers(&[hreq("x-oss-access-point-name")]).json_in().max_body(16 * 1024);
    /// `GET /bucket?accessPointPolicy` with `x-oss-access-point-name`.
    GetAccessPointPolicy = op(GET, Bucket).oss2("get_access_point_policy").doc("Get an access point's policy (JSON).")
        .select(&[Flag("accessPointPolicy")]).headers(&[hreq("x-oss-access-point-name")]).json_out();
    /// `DELETE /bucket?accessPointPolicy` with `x-oss-access-point-name`.
    DeleteAccessPointPolicy = op(DELETE, Bucket).oss2("delete_access_point_policy").doc("Delete an access point's policy.")
        .select(&[Flag("accessPointPolicy")]).headers(&[hreq("x-oss-access-point-name")]);
    /// `PUT /bucket?publicAccessBlock`.
    PutBucketPublicAccessBlock = op(PUT, Bucket).oss2("put_bucket_public_access_block").doc("Block public access to the bucket.")
        .select(&[Flag("publicAccessBlock")]).xml_in("PublicAccessBlockConfiguration");
    /// `GET /bucket?publicAccessBlock`.
    GetBucketPublicAccessBlock = op(GET, Bucket).oss2("get_bucket_public_access_block").doc("Get the bucket's public access block.")
        .select(&[Flag("publicAccessBlock")]).xml_out("PublicAccessBlockConfiguration");
    /// `DELETE /bucket?publicAccessBlock`.
    DeleteBucketPublicAccessBlock = op(DELETE, Bucket).oss2("delete_bucket_public_access_block").doc("Delete the bucket's public access block.")
        .select(&[Flag("publicAccessBlock")]);
    /// `PUT /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
    PutAccessPointPublicAccessBlock = op(PUT, Bucket).oss2("put_access_point_public_access_block").doc("Block public access through an access point.")
        .select(&[Flag("publicAccessBlock"), Param("x-oss-access-point-name")]).xml_in("PublicAccessBlockConfiguration");
    /// `GET /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
    GetAccessPointPublicAccessBlock = op(GET, Bucket).oss2("get_access_point_public_access_block").doc("Get an access point's public access block.")
        .select(&[Flag("publicAccessBlock"), Param("x-oss-access-point-name")]).xml_out("PublicAccessBlockConfiguration");
    /// `DELETE /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
    DeleteAccessPointPublicAccessBlock = op(DELETE, Bucket).oss2("delete_access_point_public_access_block").doc("Delete an access point's public access block.")
        .select(&[Flag("publicAccessBlock"), Param("x-oss-access-point-name")]);
    /// `PUT /bucket?requesterQosInfo&qosRequester=UID`.
    PutBucketRequesterQosInfo = op(PUT, Bucket).oss2("put_bucket_requester_qos_info").doc("Set a requester's QoS on the bucket.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester")]).xml_in("QoSConfiguration");
    /// `GET /bucket?requesterQosInfo&qosRequester=UID`.
    GetBucketRequesterQosInfo = op(GET, Bucket).oss2("get_bucket_requester_qos_info").doc("Get a requester's QoS on the bucket.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester")]).xml_out("RequesterQoSInfo");
    /// `GET /bucket?requesterQosInfo`.
    ListBucketRequesterQosInfos = op(GET, Bucket).oss2("list_bucket_requester_qos_infos").doc("List the requesters' QoS on the bucket.")
        .select(&[Flag("requesterQosInfo")]).params(PAGE).xml_out("ListBucketRequesterQoSInfosResult");
    /// `DELETE /bucket?requesterQosInfo&qosRequester=UID`.
    DeleteBucketRequesterQosInfo = op(DELETE, Bucket).oss2("delete_bucket_requester_qos_info").doc("Delete a requester's QoS on the bucket.")
        .select(&[Flag("requesterQosInfo"), Param("qosRequester")]);

    // ---------------------------------------------------------------- objects
    /// `PUT /bucket/key`.
    PutObject = op(PUT, Object).oss2("put_object").doc("Upload an object.")
        .headers(OBJECT_HEADERS).data_in().md5(Md5Rule::Optional).access(Access::ObjectWrite);
    /// `PUT /bucket/key` with `x-oss-copy-source`.
    CopyObject = op(PUT, Object).oss2("copy_object").doc("Copy an object (up to 1 GB; larger ones part by part).")
        .when_header("x-oss-copy-source").headers(COPY_HEADERS).xml_out("CopyObjectResult").access(Access::ObjectWrite).action("oss:PutObject");
    /// `POST /bucket/key?append&position=N`.
    AppendObject = op(POST, Object).oss2("append_object").doc("Append to an appendable object.")
        .select(&[Flag("append")]).params(&[ParamSpec { name: "position", required: true, range: Some((0, u64::MAX)) }])
        .headers(OBJECT_HEADERS).data_in().md5(Md5Rule::Optional).not_idempotent().access(Access::ObjectWrite).action("oss:PutObject");
    /// `GET /bucket/key`.
    GetObject = op(GET, Object).oss2("get_object").doc("Download an object (or a range of it).")
        .params(RESPONSE_OVERRIDES).headers(GET_HEADERS).data_out().access(Access::ObjectRead);
    /// `GET /bucket/key?x-oss-process=…`: an image or document processed on the way out.
    GetObjectWithProcess = op(GET, Object).doc("Download an object processed by an image or document style.")
        .select(&[Param("x-oss-process")]).data_out().access(Access::ObjectRead).action("oss:GetObject").cloud(IMG);
    /// `HEAD /bucket/key`.
    HeadObject = op(HEAD, Object).oss2("head_object").doc("Get an object's metadata.")
        .params(VERSION).headers(GET_HEADERS).access(Access::ObjectRead).action("oss:GetObject");
    /// `HEAD /bucket/key?objectMeta`.
    GetObjectMeta = op(HEAD, Object).oss2("get_object_meta").doc("Get an object's basic metadata (size, ETag, time).")
        .select(&[Flag("objectMeta")]).params(VERSION).access(Access::ObjectRead).action("oss:GetObject");
    /// `DELETE /bucket/key`.
    DeleteObject = op(DELETE, Object).oss2("delete_object").doc("Delete an object (or one of its versions).")
        .params(VERSION).access(Access::ObjectWrite);
    /// `POST /bucket/key?restore`.
    RestoreObject = op(POST, Object).oss2("restore_object").doc("Restore an Archive, Cold Archive or Deep Cold Archive object.")
        .select(&[Flag("restore")]).params(VERSION).xml_in("RestoreRequest").not_idempotent().access(Access::ObjectWrite);
    /// `PUT /bucket/key?acl`.
    PutObjectAcl = op(PUT, Object).oss2("put_object_acl").doc("Set an object's canned ACL.")
        .select(&[Flag("acl")]).params(VERSION).headers(&[hreq("x-oss-object-acl")]);
    /// `GET /bucket/key?acl`.
    GetObjectAcl = op(GET, Object).oss2("get_object_acl").doc("Get an object's canned ACL.")
        .select(&[Flag("acl")]).params(VERSION).xml_out("AccessControlPolicy");
    /// `PUT /bucket/key?symlink`.
    PutSymlink = op(PUT, Object).oss2("put_symlink").doc("Create a symbolic link to another object.")
        .select(&[Flag("symlink")]).headers(&[hreq("x-oss-symlink-target"), h("x-oss-forbid-overwrite"), h("x-oss-object-acl"), h("x-oss-storage-class"), h("x-oss-tagging"), h("content-type")])
        .access(Access::ObjectWrite);
    /// `GET /bucket/key?symlink`.
    GetSymlink = op(GET, Object).oss2("get_symlink").doc("Get the target of a symbolic link.")
        .select(&[Flag("symlink")]).params(VERSION).access(Access::ObjectRead);
    /// `PUT /bucket/key?tagging`.
    PutObjectTagging = op(PUT, Object).oss2("put_object_tagging").doc("Set an object's tags.")
        .select(&[Flag("tagging")]).params(VERSION).xml_in("Tagging");
    /// `GET /bucket/key?tagging`.
    GetObjectTagging = op(GET, Object).oss2("get_object_tagging").doc("Get an object's tags.")
        .select(&[Flag("tagging")]).params(VERSION).xml_out("Tagging");
    /// `DELETE /bucket/key?tagging`.
    DeleteObjectTagging = op(DELETE, Object).oss2("delete_object_tagging").doc("Delete an object's tags.")
        .select(&[Flag("tagging")]).params(VERSION);
    /// `POST /bucket/key?x-oss-process`: processes an object and saves the result.
    ProcessObject = op(POST, Object).oss2("process_object").doc("Process an image or document and save the result.")
        .select(&[Flag("x-oss-process")]).text_in().json_out().access(Access::ObjectWrite).cloud(IMG);
    /// `POST /bucket/key?x-oss-async-process`.
    AsyncProcessObject = op(POST, Object).oss2("async_process_object").doc("Process a video or document asynchronously.")
        .select(&[Flag("x-oss-async-process")]).text_in().json_out().not_idempotent().access(Access::ObjectWrite).cloud(IMG);
    /// `POST /bucket/key?x-oss-process=csv/select|json/select`.
    SelectObject = op(POST, Object).oss2("select_object").doc("Run an SQL query over a CSV or JSON object.")
        .select(&[OneOf("x-oss-process", &["csv/select", "json/select"])]).xml_in("SelectRequest").data_out()
        .access(Access::ObjectRead).action("oss:GetObject").cloud(SELECT);
    /// `POST /bucket/key?x-oss-process=csv/meta|json/meta`.
    CreateSelectObjectMeta = op(POST, Object).oss2("create_select_object_meta").doc("Index a CSV or JSON object for OSS Select.")
        .select(&[OneOf("x-oss-process", &["csv/meta", "json/meta"])]).xml_in("MetaRequest").data_out()
        .access(Access::ObjectRead).action("oss:GetObject").cloud(SELECT);

    // ---------------------------------------------------------------- multipart
    /// `POST /bucket/key?uploads`.
    InitiateMultipartUpload = op(POST, Object).oss2("init_multipart_upload").doc("Start a multipart upload.")
        .select(&[Flag("uploads")]).params(&[p("sequential"), p("encoding-type")]).headers(OBJECT_HEADERS)
        .xml_out("InitiateMultipartUploadResult").not_idempotent().access(Access::ObjectWrite).action("oss:PutObject");
    /// `PUT /bucket/key?partNumber=N&uploadId=ID`.
    UploadPart = op(PUT, Object).oss2("upload_part").doc("Upload one part of a multipart upload.")
        .select(UPLOAD_PART).params(&[PART_NUMBER]).headers(&[h("content-md5"), h("x-oss-traffic-limit")])
        .data_in().md5(Md5Rule::Optional).access(Access::ObjectWrite).action("oss:PutObject");
    /// `PUT /bucket/key?partNumber=N&uploadId=ID` with `x-oss-copy-source`.
    UploadPartCopy = op(PUT, Object).oss2("upload_part_copy").doc("Copy a range of an object as one part.")
        .select(UPLOAD_PART).when_header("x-oss-copy-source").params(&[PART_NUMBER])
        .headers(&[hreq("x-oss-copy-source"), h("x-oss-copy-source-range"), h("x-oss-copy-source-if-match"), h("x-oss-copy-source-if-none-match"), h("x-oss-copy-source-if-modified-since"), h("x-oss-copy-source-if-unmodified-since")])
        .xml_out("CopyPartResult").access(Access::ObjectWrite).action("oss:PutObject");
    /// `POST /bucket/key?uploadId=ID`.
    CompleteMultipartUpload = op(POST, Object).oss2("complete_multipart_upload").doc("Assemble the parts into the object.")
        .select(&[Param("uploadId")]).params(&[p("encoding-type")]).headers(&[h("x-oss-complete-all"), h("x-oss-forbid-overwrite"), h("x-oss-callback")])
        .xml_in("CompleteMultipartUpload").max_body(4 * 1024 * 1024).xml_out("CompleteMultipartUploadResult")
        .not_idempotent().access(Access::ObjectWrite).action("oss:PutObject");
    /// `DELETE /bucket/key?uploadId=ID`.
    AbortMultipartUpload = op(DELETE, Object).oss2("abort_multipart_upload").doc("Abort a multipart upload and remove its parts.")
        .select(&[Param("uploadId")]).access(Access::ObjectWrite);
    /// `GET /bucket/key?uploadId=ID`.
    ListParts = op(GET, Object).oss2("list_parts").doc("List the uploaded parts of a multipart upload.")
        .select(&[Param("uploadId")])
        .params(&[ParamSpec { name: "max-parts", required: false, range: Some((1, MAX_KEYS)) }, p("part-number-marker"), p("encoding-type")])
        .xml_out("ListPartsResult").access(Access::ObjectWrite);

    // ---------------------------------------------------------------- live channels
    /// `PUT /bucket/channel?live`.
    PutLiveChannel = op(PUT, Object).oss2("create_live_channel").doc("Create an RTMP live channel.")
        .select(&[Flag("live")]).xml_in("LiveChannelConfiguration").xml_out("CreateLiveChannelResult").cloud(RTMP);
    /// `DELETE /bucket/channel?live`.
    DeleteLiveChannel = op(DELETE, Object).oss2("delete_live_channel").doc("Delete a live channel.")
        .select(&[Flag("live")]).cloud(RTMP);
    /// `GET /bucket/channel?live`.
    GetLiveChannelInfo = op(GET, Object).oss2("get_live_channel").doc("Get a live channel's configuration.")
        .select(&[Flag("live")]).xml_out("LiveChannelConfiguration").cloud(RTMP);
    /// `GET /bucket?live`: lists live channels (there are none locally).
    ListLiveChannel = op(GET, Bucket).oss2("list_live_channel").doc("List the live channels.")
        .select(&[Flag("live")]).params(&[p("prefix"), p("marker"), max_keys()]).xml_out("ListLiveChannelResult");
    /// `GET /bucket/channel?live&comp=stat`.
    GetLiveChannelStat = op(GET, Object).oss2("get_live_channel_stat").doc("Get a live channel's streaming state.")
        .select(&[Flag("live"), Value("comp", "stat")]).xml_out("LiveChannelStat").cloud(RTMP);
    /// `PUT /bucket/channel?live&status=enabled|disabled`.
    PutLiveChannelStatus = op(PUT, Object).oss2("put_live_channel_status").doc("Enable or disable a live channel.")
        .select(&[Flag("live"), OneOf("status", &["enabled", "disabled"])]).cloud(RTMP);
    /// `GET /bucket/channel?live&comp=history`.
    GetLiveChannelHistory = op(GET, Object).oss2("get_live_channel_history").doc("Get a live channel's push history.")
        .select(&[Flag("live"), Value("comp", "history")]).xml_out("LiveChannelHistory").cloud(RTMP);
    /// `POST /bucket/channel/playlist?vod&startTime=…&endTime=…`.
    PostVodPlaylist = op(POST, Object).oss2("post_vod_playlist").doc("Generate a VOD playlist of a live channel.")
        .select(&[Flag("vod")]).params(&[req("startTime"), req("endTime")]).not_idempotent().cloud(RTMP);
    /// `GET /bucket/channel?vod&startTime=…&endTime=…`.
    GetVodPlaylist = op(GET, Object).oss2("get_vod_playlist").doc("Get a VOD playlist of a live channel.")
        .select(&[Flag("vod")]).params(&[req("startTime"), req("endTime")]).data_out().cloud(RTMP);
}

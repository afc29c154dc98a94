//! Bucket settings kept as one document each: transfer acceleration, access tracking,
//! resource group, HTTPS (TLS) configuration, archive direct read, callback policies and
//! QoS limits.

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::access_monitor::AccessMonitorConfiguration;
use osskit_proto::xml::archive_direct_read::ArchiveDirectReadConfiguration;
use osskit_proto::xml::callback_policy::BucketCallbackPolicy;
use osskit_proto::xml::https_config::HttpsConfiguration;
use osskit_proto::xml::qos::QoSConfiguration;
use osskit_proto::xml::resource_group::BucketResourceGroupConfiguration;
use osskit_proto::xml::transfer_acceleration::TransferAccelerationConfiguration;

config_models!(
    TransferAccelerationConfiguration,
    AccessMonitorConfiguration,
    BucketResourceGroupConfiguration,
    HttpsConfiguration,
    ArchiveDirectReadConfiguration,
    BucketCallbackPolicy,
    QoSConfiguration,
);

config_family! {
    BucketClient, bucket;
    TransferAccelerationConfiguration {
        put put_bucket_transfer_acceleration = PutBucketTransferAcceleration;
        get get_bucket_transfer_acceleration = GetBucketTransferAcceleration;
    }
    AccessMonitorConfiguration {
        put put_bucket_access_monitor = PutBucketAccessMonitor;
        get get_bucket_access_monitor = GetBucketAccessMonitor;
    }
    BucketResourceGroupConfiguration {
        put put_bucket_resource_group = PutBucketResourceGroup;
        get get_bucket_resource_group = GetBucketResourceGroup;
    }
    HttpsConfiguration {
        put put_bucket_https_config = PutBucketHttpsConfig;
        get get_bucket_https_config = GetBucketHttpsConfig;
    }
    ArchiveDirectReadConfiguration {
        put put_bucket_archive_direct_read = PutBucketArchiveDirectRead;
        get get_bucket_archive_direct_read = GetBucketArchiveDirectRead;
    }
    BucketCallbackPolicy {
        put put_bucket_callback_policy = PutBucketCallbackPolicy;
        get get_bucket_callback_policy = GetBucketCallbackPolicy;
        delete delete_bucket_callback_policy = DeleteBucketCallbackPolicy;
    }
    QoSConfiguration {
        put put_bucket_qos_info = PutBucketQosInfo;
        get get_bucket_qos_info = GetBucketQosInfo;
        delete delete_bucket_qos_info = DeleteBucketQosInfo;
    }
}

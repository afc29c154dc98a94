//! Bucket inventories: [`osskit_proto::xml::inventory`].

use osskit_proto::ops::OpId;
use osskit_proto::xml::inventory::{InventoryConfiguration, ListInventoryConfigurationsResult};

use super::model_call::ModelCall;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::Mode;
use crate::ops::config::{config_models, ConfigInput, DeleteConfig, GetConfig, PutConfig};

config_models!(InventoryConfiguration);

/// The `inventoryId` of a put: the model's id, or the `<Id>` of an in-memory document.
fn inventory_id(input: &ConfigInput<InventoryConfiguration>) -> Result<String> {
    use osskit_proto::xml::Document;
    match input {
        ConfigInput::Model(m) => Ok(m.id.clone()),
        ConfigInput::Raw(body) => {
            let bytes = body.as_bytes().ok_or_else(|| {
                Error::client(
                    "put_bucket_inventory_configuration_with_id names the inventory of a streamed document",
                )
            })?;
            InventoryConfiguration::from_document(bytes)
                .map(|c| c.id)
                .map_err(|e| Error::client(format!("cannot read the inventory document: {e}")))
        }
    }
}

impl<M: Mode> BucketClient<M> {
    /// `PutBucketInventory`: sets the inventory the configuration names (its `Id`; a model,
    /// or the document as text or bytes).
    pub fn put_bucket_inventory_configuration(
        &self,
        input: impl Into<ConfigInput<InventoryConfiguration>>,
    ) -> PutConfig<M, InventoryConfiguration> {
        let input = input.into();
        let id = inventory_id(&input);
        let call = PutConfig::bucket(self, OpId::PutBucketInventory, input);
        match id {
            Ok(id) => call.param("inventoryId", id),
            // The declaration check refuses the request for its missing inventoryId.
            Err(_) => call,
        }
    }

    /// `PutBucketInventory` of the inventory `id`, with the document from any [`Body`]
    /// (a file, a reader, a stream).
    ///
    /// [`Body`]: crate::Body
    pub fn put_bucket_inventory_configuration_with_id(
        &self,
        id: &str,
        input: impl Into<ConfigInput<InventoryConfiguration>>,
    ) -> PutConfig<M, InventoryConfiguration> {
        PutConfig::bucket(self, OpId::PutBucketInventory, input.into()).param("inventoryId", id)
    }

    /// `GetBucketInventory`: the inventory `id`.
    pub fn get_bucket_inventory_configuration(
        &self,
        id: &str,
    ) -> GetConfig<M, InventoryConfiguration> {
        GetConfig::bucket(self, OpId::GetBucketInventory).param("inventoryId", id)
    }

    /// `ListBucketInventory`: one page (100) of the inventories; give the previous page's
    /// `next_continuation_token` as `continuation-token` with [`ModelCall::param`].
    pub fn list_bucket_inventory_configurations(
        &self,
    ) -> ModelCall<M, ListInventoryConfigurationsResult> {
        ModelCall::bucket(self, OpId::ListBucketInventory)
    }

    /// `DeleteBucketInventory`: removes the inventory `id`.
    pub fn delete_bucket_inventory_configuration(&self, id: &str) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteBucketInventory).param("inventoryId", id)
    }
}

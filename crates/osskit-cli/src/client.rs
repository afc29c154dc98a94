//! SDK clients built from the resolved [`Settings`].

use osskit::{Auth, AuthConfig, AuthV4, Bucket, Service, Session, StsAuth};

use crate::config::{Settings, SignatureVersion};
use crate::error::CliError;

/// Makes clients for any bucket of one account; they share one connection pool.
#[derive(Debug, Clone)]
pub struct Clients {
    settings: Settings,
    auth: AuthConfig,
    session: Session,
}

impl Clients {
    /// Clients signing with `settings`.
    pub fn new(settings: Settings) -> Result<Clients, CliError> {
        let (id, secret) = (
            settings.access_key_id.clone(),
            settings.access_key_secret.clone(),
        );
        let auth: AuthConfig = match (&settings.sts_token, settings.signature_version) {
            (Some(token), SignatureVersion::V1) => StsAuth::new(id, secret, token).into(),
            (Some(token), SignatureVersion::V4) => StsAuth::new(id, secret, token).v4().into(),
            (None, SignatureVersion::V1) => Auth::new(id, secret).into(),
            (None, SignatureVersion::V4) => AuthV4::new(id, secret).into(),
        };
        let session = Session::builder()
            .build()
            .map_err(|e| CliError::oss("cannot set up HTTP", e))?;
        Ok(Clients {
            settings,
            auth,
            session,
        })
    }

    /// The account-level client.
    pub fn service(&self) -> Result<Service, CliError> {
        let mut b = Service::builder(self.auth.clone(), &self.settings.endpoint)
            .session(self.session.clone())
            .app_name("oss-cli");
        if let Some(region) = &self.settings.region {
            b = b.region(region);
        }
        b.build()
            .map_err(|e| CliError::oss(format!("bad endpoint {:?}", self.settings.endpoint), e))
    }

    /// A client of `bucket`.
    pub fn bucket(&self, bucket: &str) -> Result<Bucket, CliError> {
        let mut b = Bucket::builder(self.auth.clone(), &self.settings.endpoint, bucket)
            .session(self.session.clone())
            .app_name("oss-cli");
        if let Some(region) = &self.settings.region {
            b = b.region(region);
        }
        b.build()
            .map_err(|e| CliError::oss(format!("cannot use bucket {bucket:?}"), e))
    }
}

//! [`CredentialsCache`]: expiring credentials kept and refreshed before they expire.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::Rng;

use super::{Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// Default time before expiry at which a refresh starts.
const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(300);
/// Default wait before trying again after a failed refresh (while the credentials in hand
/// are still valid).
const DEFAULT_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);
/// Credentials stop being handed out this long before they expire (at most a tenth of
/// their lifetime), so a request signed with them still arrives in time.
const EXPIRY_SAFETY: Duration = Duration::from_secs(10);

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Keeps the credentials of a provider while they are valid and refreshes them before they
/// expire:
///
/// * Credentials with an expiry are kept. A refresh starts `refresh_before` (default 5
///   minutes, at most half their lifetime) before the expiry, minus a random jitter of up to
///   half that, so that many processes do not refresh at the same moment.
/// * Single flight: one refresh at a time, however many requests need credentials. While
///   the credentials in hand are still valid, the other requests keep using them instead
///   of waiting; when there are none (first call, or expired), they wait for the one
///   refresh and share its result.
/// * A failed refresh does not fail requests while the credentials in hand are valid: they
///   keep being served (the failure is logged under the `osskit` target) and the refresh is
///   tried again after `retry_after_failure` (default 10 s). Once they expire, the next
///   request waits for a refresh and gets its error.
/// * Credentials without expiry are not kept: the provider is asked every time (reading
///   environment variables or fixed keys costs nothing, and a change is seen at once).
///
/// [`ProviderAuth`](crate::ProviderAuth) and [`ProviderAuthV4`](crate::ProviderAuthV4) put a
/// cache around every provider; build one directly to share it between clients with
/// different settings, or to change its timing.
///
/// ```
/// use std::time::Duration;
/// use osskit::credentials::{CredentialsCache, StaticCredentialsProvider};
/// let cache = CredentialsCache::builder(StaticCredentialsProvider::new("ak", "sk"))
///     .refresh_before(Duration::from_secs(600))
///     .build();
/// let auth = osskit::ProviderAuthV4::new(cache);
/// ```
pub struct CredentialsCache {
    inner: Arc<dyn CredentialsProvider>,
    refresh_before: Duration,
    retry_after_failure: Duration,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
    clock: Clock,
}

#[derive(Default)]
struct State {
    cached: Option<Entry>,
    /// The provider's last credentials had no expiry: ask it directly.
    non_expiring: bool,
}

struct Entry {
    credentials: Credentials,
    /// When a refresh should start.
    refresh_at: SystemTime,
    /// When they stop being handed out.
    usable_until: SystemTime,
    /// After a failed refresh: no new attempt before this.
    retry_at: Option<SystemTime>,
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("inner", &self.inner)
            .field("refresh_before", &self.refresh_before)
            .field("retry_after_failure", &self.retry_after_failure)
            .finish()
    }
}

/// Settings of a [`CredentialsCache`].
#[derive(Debug)]
pub struct CredentialsCacheBuilder {
    inner: Arc<dyn CredentialsProvider>,
    refresh_before: Duration,
    retry_after_failure: Duration,
}

impl CredentialsCacheBuilder {
    /// How long before expiry a refresh starts (default 5 minutes; at most half the
    /// credentials' lifetime is used).
    pub fn refresh_before(mut self, d: Duration) -> Self {
        self.refresh_before = d;
        self
    }

    /// How long to wait after a failed refresh before the next attempt, while the
    /// credentials in hand are valid (default 10 s).
    pub fn retry_after_failure(mut self, d: Duration) -> Self {
        self.retry_after_failure = d;
        self
    }

    /// The cache.
    pub fn build(self) -> CredentialsCache {
        CredentialsCache {
            inner: self.inner,
            refresh_before: self.refresh_before,
            retry_after_failure: self.retry_after_failure,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
            clock: Arc::new(SystemTime::now),
        }
    }
}

impl CredentialsCache {
    /// A cache with the default timing around `provider`.
    pub fn new(provider: impl CredentialsProvider) -> CredentialsCache {
        CredentialsCache::builder(provider).build()
    }

    /// A builder to change the timing.
    pub fn builder(provider: impl CredentialsProvider) -> CredentialsCacheBuilder {
        CredentialsCacheBuilder {
            inner: Arc::new(provider),
            refresh_before: DEFAULT_REFRESH_BEFORE,
            retry_after_failure: DEFAULT_RETRY_AFTER_FAILURE,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept credentials if no refresh is due at `now`.
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        self.state()
            .cached
            .as_ref()
            .filter(|e| now < e.refresh_at)
            .map(|e| e.credentials.clone())
    }

    /// The kept credentials if they may still be handed out at `now`.
    fn usable(&self, now: SystemTime) -> Option<Credentials> {
        self.state()
            .cached
            .as_ref()
            .filter(|e| now < e.usable_until)
            .map(|e| e.credentials.clone())
    }

    /// Keeps `credentials` fetched at `now` (or notes that they do not expire).
    fn store(&self, credentials: &Credentials, now: SystemTime) {
        let mut state = self.state();
        let Some(expiration) = credentials.expiration else {
            state.cached = None;
            state.non_expiring = true;
            return;
        };
        state.non_expiring = false;
        let lifetime = expiration.duration_since(now).unwrap_or(Duration::ZERO);
        if lifetime.is_zero() {
            tracing::warn!(target: "osskit", provider = ?self.inner, ?expiration, "the credentials provider returned expired credentials");
            state.cached = None;
            return;
        }
        let margin = self.refresh_before.min(lifetime / 2);
        let jitter = margin.mul_f64(rand::thread_rng().gen_range(0.0..=0.5));
        let safety = EXPIRY_SAFETY.min(lifetime / 10);
        state.cached = Some(Entry {
            credentials: credentials.clone(),
            refresh_at: expiration - margin - jitter,
            usable_until: expiration - safety,
            retry_at: None,
        });
    }

    async fn get(&self) -> Result<Credentials> {
        let now = (self.clock)();
        let stale = {
            let state = self.state();
            if state.non_expiring && state.cached.is_none() {
                None
            } else {
                match &state.cached {
                    Some(e) if now < e.refresh_at => return Ok(e.credentials.clone()),
                    Some(e) if now < e.usable_until => {
                        Some((e.credentials.clone(), e.retry_at, e.usable_until))
                    }
                    _ => None,
                }
            }
        };
        if let Some((in_hand, retry_at, usable_until)) = stale {
            if retry_at.is_some_and(|t| now < t) {
                return Ok(in_hand);
            }
            // One refresh at a time; the others keep the valid credentials in hand.
            let Ok(_refreshing) = self.refresh.try_lock() else {
                return Ok(in_hand);
            };
            if let Some(c) = self.fresh((self.clock)()) {
                return Ok(c);
            }
            return match self.inner.credentials().await {
                Ok(new) => {
                    self.store(&new, (self.clock)());
                    Ok(new)
                }
                Err(e) => {
                    let now = (self.clock)();
                    let left = usable_until.duration_since(now).unwrap_or(Duration::ZERO);
                    let wait = self.retry_after_failure.min(left / 4);
                    tracing::warn!(target: "osskit", error = %e, retry_in = ?wait, "refreshing credentials failed; the current ones are still valid");
                    if let Some(entry) = self.state().cached.as_mut() {
                        entry.retry_at = Some(now + wait);
                    }
                    Ok(in_hand)
                }
            };
        }
        if self.state().non_expiring {
            return self.fetch_unlocked().await;
        }
        // Nothing usable: wait for the one refresh (which may be running already).
        let _refreshing = self.refresh.lock().await;
        if let Some(c) = self.usable((self.clock)()) {
            return Ok(c);
        }
        self.fetch_unlocked().await
    }

    async fn fetch_unlocked(&self) -> Result<Credentials> {
        let new = self.inner.credentials().await?;
        if new.access_key_id.is_empty() || new.access_key_secret.is_empty() {
            return Err(Error::credentials(format!(
                "the credentials provider {:?} returned an empty access key id or secret",
                self.inner
            )));
        }
        self.store(&new, (self.clock)());
        Ok(new)
    }

    #[cfg(test)]
    fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl CredentialsProvider for CredentialsCache {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

    /// A provider handing out numbered credentials valid `lifetime` seconds from the
    /// test clock, or failing when told to; counts its calls.
    #[derive(Debug)]
    struct Scripted {
        now: Arc<AtomicI64>,
        lifetime: i64,
        calls: AtomicUsize,
        fail: AtomicBool,
        delay: Duration,
    }

    impl CredentialsProvider for Arc<Scripted> {
        fn credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if !self.delay.is_zero() {
                    tokio::time::sleep(self.delay).await;
                }
                if self.fail.load(Ordering::SeqCst) {
                    return Err(Error::credentials("the source is down"));
                }
                let mut c = Credentials::with_token(format!("id-{n}"), "secret", "token");
                if self.lifetime > 0 {
                    let now = self.now.load(Ordering::SeqCst);
                    c = c.expires_at(super::super::unix_to_system_time(now + self.lifetime));
                }
                Ok(c)
            })
        }
    }

    fn setup(lifetime: i64, delay: Duration) -> (Arc<Scripted>, Arc<CredentialsCache>) {
        let now = Arc::new(AtomicI64::new(1_000_000));
        let scripted = Arc::new(Scripted {
            now: now.clone(),
            lifetime,
            calls: AtomicUsize::new(0),
            fail: AtomicBool::new(false),
            delay,
        });
        let clock_now = now.clone();
        let cache = CredentialsCache::builder(scripted.clone())
            .refresh_before(Duration::from_secs(300))
            .retry_after_failure(Duration::from_secs(10))
            .build()
            .with_clock(Arc::new(move || {
                super::super::unix_to_system_time(clock_now.load(Ordering::SeqCst))
            }));
        (scripted, Arc::new(cache))
    }

    fn advance(s: &Scripted, secs: i64) {
        s.now.fetch_add(secs, Ordering::SeqCst);
    }

    #[tokio::test]
    async fn keeps_credentials_until_the_refresh_window() {
        let (s, cache) = setup(3600, Duration::ZERO);
        for _ in 0..10 {
            assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        }
        assert_eq!(s.calls.load(Ordering::SeqCst), 1);
        // 5 minutes before expiry at the latest, 7.5 at the earliest (jitter): still kept at
        // 52 minutes, refreshed at 55.
        advance(&s, 52 * 60);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        advance(&s, 3 * 60);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-2");
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn serves_valid_credentials_while_refreshes_fail() {
        let (s, cache) = setup(3600, Duration::ZERO);
        cache.credentials().await.unwrap();
        s.fail.store(true, Ordering::SeqCst);
        advance(&s, 3400); // in the refresh window, 200 s left
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
        // No new attempt before retry_after_failure.
        advance(&s, 5);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
        advance(&s, 6);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        assert_eq!(s.calls.load(Ordering::SeqCst), 3);
        // Expired: the failure reaches the caller.
        advance(&s, 200);
        let e = cache.credentials().await.unwrap_err();
        assert!(e.to_string().contains("the source is down"), "{e}");
        // And a recovered source is used at once.
        s.fail.store(false, Ordering::SeqCst);
        assert!(cache
            .credentials()
            .await
            .unwrap()
            .access_key_id
            .starts_with("id-"));
    }

    #[tokio::test]
    async fn one_refresh_for_many_waiters() {
        let (s, cache) = setup(3600, Duration::from_millis(50));
        let calls = (0..32).map(|_| {
            let cache = cache.clone();
            async move { cache.credentials().await.unwrap().access_key_id }
        });
        let ids = futures_util::future::join_all(calls).await;
        assert!(ids.iter().all(|id| id == "id-1"), "{ids:?}");
        assert_eq!(s.calls.load(Ordering::SeqCst), 1);

        // In the refresh window, one caller refreshes and the others keep the valid ones.
        advance(&s, 3500);
        let calls = (0..32).map(|_| {
            let cache = cache.clone();
            async move { cache.credentials().await.unwrap().access_key_id }
        });
        let ids = futures_util::future::join_all(calls).await;
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
        assert_eq!(ids.iter().filter(|id| *id == "id-2").count(), 1, "{ids:?}");
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-2");
    }

    #[tokio::test]
    async fn short_lifetimes_refresh_at_half_life_at_the_latest() {
        let (s, cache) = setup(20, Duration::ZERO);
        cache.credentials().await.unwrap();
        advance(&s, 4); // margin 10 s, jitter up to 5 s: no refresh before 5 s
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        advance(&s, 6);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-2");
    }

    #[tokio::test]
    async fn credentials_without_expiry_are_asked_for_every_time() {
        let (s, cache) = setup(0, Duration::ZERO);
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-1");
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "id-2");
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
    }
}

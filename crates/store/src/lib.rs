//! The revisioned key-value store behind the API server.
//!
//! [`Store`] has etcd v3 semantics: every write bumps one global revision, which the
//! API server exposes as `metadata.resourceVersion`. Start reading at [`Store`]; the
//! default backend is [`embedded::EmbeddedStore`] (durable, crash-safe, on the local
//! disk). The etcd backend is a later addition behind the same trait.

pub mod embedded;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// A key with its value and the revisions that created and last modified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Bytes,
    /// Revision of the write that created this key (stays the same across updates).
    pub create_revision: i64,
    /// Revision of the last write to this key; this is the object's resourceVersion.
    pub mod_revision: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

/// One change, as delivered by [`Store::watch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// For `Put`, the new value. For `Delete`, the key with an empty value and
    /// `mod_revision` set to the revision of the deletion.
    pub kv: KeyValue,
    /// The value before this change (`None` for a create). Deletes always carry it.
    pub prev_kv: Option<KeyValue>,
}

impl Event {
    /// The revision at which this change happened.
    pub fn revision(&self) -> i64 {
        self.kv.mod_revision
    }
}

/// How to read a range of keys.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// Read the state as of this revision (`None`: the current revision).
    /// A revision below the compacted revision fails with [`Error::Compacted`] (the
    /// compacted revision itself stays readable, as in etcd);
    /// one above the current revision fails with [`Error::FutureRevision`].
    pub revision: Option<i64>,
    /// Only keys strictly greater than this one (for paging; must start with the prefix).
    pub start_after: Option<String>,
    /// At most this many items (`None` or 0: no limit).
    pub limit: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct ListResult {
    /// Keys in ascending byte order.
    pub items: Vec<KeyValue>,
    /// The revision this list was read at.
    pub revision: i64,
    /// How many more keys with the prefix follow the last item at that revision.
    pub remaining: usize,
}

/// A stream of changes, in revision order. It ends with an `Err` if the store can no
/// longer deliver events (for example the watcher fell too far behind); the caller then
/// re-lists. Dropping it cancels the watch.
pub type WatchStream = BoxStream<'static, Result<Event, Error>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Create of a key that exists. Not retryable.
    #[error("key {key:?} already exists")]
    AlreadyExists { key: String },
    /// The key does not exist (update or delete). Not retryable.
    #[error("key {key:?} not found")]
    NotFound { key: String },
    /// Compare-and-swap failed: the key was modified since `expected`. Retry after re-reading.
    #[error("key {key:?} was modified: expected revision {expected}, found {actual}")]
    Conflict {
        key: String,
        expected: i64,
        actual: i64,
    },
    /// The requested revision has been compacted away (the API answers 410 Gone).
    #[error("required revision {requested} has been compacted (compacted up to {compacted})")]
    Compacted { requested: i64, compacted: i64 },
    /// The requested revision is newer than the store's current revision.
    #[error("required revision {requested} is in the future (current {current})")]
    FutureRevision { requested: i64, current: i64 },
    /// A watcher could not keep up and was dropped; it must re-list and watch again.
    #[error("watcher fell behind and was dropped")]
    WatchLagged,
    /// The store is shutting down or closed. Not retryable on this handle.
    #[error("store is closed")]
    Closed,
    /// A storage-engine or I/O failure, with context. May succeed on retry.
    #[error("storage failure during {context}: {source}")]
    Backend {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A revisioned key-value store with etcd v3 semantics.
///
/// Every successful write returns only after it is durable, and bumps the single
/// global revision by one. Keys are UTF-8 strings such as `/registry/pods/default/web`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The current revision: the revision of the last committed write (1 for a fresh store,
    /// as in etcd, so that the first write gets revision 2).
    async fn current_revision(&self) -> Result<i64>;

    /// The current value of one key.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>>;

    /// Keys starting with `prefix`, in ascending order, at a revision, with paging.
    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult>;

    /// Count of keys starting with `prefix` at the current revision.
    async fn count(&self, prefix: &str) -> Result<usize>;

    /// Create `key` if absent. `ttl`: the key is deleted (with a Delete event) once it
    /// expires, as etcd leases do for Events. Returns the new revision.
    async fn create(&self, key: &str, value: Bytes, ttl: Option<Duration>) -> Result<i64>;

    /// Replace `key` if its mod_revision is still `expected_revision`. Returns the new revision.
    async fn update(&self, key: &str, value: Bytes, expected_revision: i64) -> Result<i64>;

    /// Delete `key`, if `expected_revision` is `Some`, only when its mod_revision matches.
    /// Returns the deletion's revision and the value that was deleted.
    async fn delete(&self, key: &str, expected_revision: Option<i64>) -> Result<(i64, KeyValue)>;

    /// Every change to keys starting with `prefix` whose revision is strictly greater than
    /// `after_revision`, in order, then live changes. Fails with [`Error::Compacted`] when
    /// events after `after_revision` are no longer retained.
    async fn watch(&self, prefix: &str, after_revision: i64) -> Result<WatchStream>;

    /// Forget history at and below `revision` (current values are kept). Afterwards lists
    /// at `revision` and watches after it still work. A revision above the current one
    /// fails with [`Error::FutureRevision`]; one at or below the compacted revision is a
    /// no-op.
    async fn compact(&self, revision: i64) -> Result<()>;

    /// The highest compacted revision (0 when nothing has been compacted).
    async fn compacted_revision(&self) -> Result<i64>;
}

//! Contents in a bucket of Amazon S3 or an S3-compatible service (SeaweedFS, MinIO, Garage,
//! a cloud's own), for sites that run more than one Convene or keep no disk of their own.
//!
//! The same layout as the folder: `PREFIX/blobs/ab/<sha256>` for contents and
//! `PREFIX/tmp/<uuid>.part` for uploads in progress. An upload is written to its temporary
//! key (in parts once it passes [`PART_SIZE`], so memory stays flat whatever the file's size),
//! then copied to its content's name and the temporary deleted; S3 has no rename.

use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, RetryConfig};
use tokio::io::AsyncWriteExt;

use crate::config::S3Config;
use crate::files::store::{BlobStore, ByteStream, PendingBlob, valid_sha256};

/// Uploads larger than this go up in parts of this size (S3's smallest part is 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one upload sent at once: memory for an upload is at most about this many parts.
const PARTS_AT_ONCE: usize = 2;

pub struct S3Store {
    /// For requests that end when their answer has arrived (listing, checking, deleting,
    /// sending parts): each gives up after [`REQUEST_TIMEOUT`].
    store: Arc<dyn ObjectStore>,
    /// For downloads, read at the visitor's pace however long that takes, and copies (a
    /// large file's copy takes a while): no overall limit; their own limits are below.
    long: Arc<dyn ObjectStore>,
    prefix: String,
    description: String,
}

/// How long a request to the store may take before the page says the store is unavailable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a download waits for the store to start answering.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the copy of a finished upload to its content's name may take.
const COPY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

impl S3Store {
    /// The store for these settings; nothing is sent until it is used.
    pub fn new(config: &S3Config) -> Result<Self, String> {
        let build = |options: ClientOptions| -> Result<Arc<dyn ObjectStore>, String> {
            // Keys given in the settings are used alone; without them, the usual AWS_*
            // variables (and an instance's role) provide them.
            let mut builder = match &config.credentials {
                Some((id, secret)) => AmazonS3Builder::new()
                    .with_access_key_id(id)
                    .with_secret_access_key(secret),
                None => AmazonS3Builder::from_env(),
            }
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            // A store that does not answer is a 503 page, not a hung request.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
                ..RetryConfig::default()
            })
            .with_client_options(options.with_connect_timeout(Duration::from_secs(5)));
            if let Some(endpoint) = &config.endpoint {
                builder = builder
                    .with_endpoint(endpoint.as_str().trim_end_matches('/'))
                    .with_allow_http(endpoint.scheme() == "http")
                    // S3-compatible services are addressed as ENDPOINT/BUCKET.
                    .with_virtual_hosted_style_request(false);
            }
            Ok(Arc::new(builder.build().map_err(|e| e.to_string())?))
        };
        let store = build(ClientOptions::new().with_timeout(REQUEST_TIMEOUT))?;
        let long = build(ClientOptions::new().with_timeout_disabled())?;
        let place = match &config.endpoint {
            Some(endpoint) => format!("at {}", endpoint.as_str().trim_end_matches('/')),
            None => format!("on Amazon S3 ({})", config.region),
        };
        let description = if config.prefix.is_empty() {
            format!("the bucket {} {place}", config.bucket)
        } else {
            format!(
                "the bucket {} {place}, under {}/",
                config.bucket, config.prefix
            )
        };
        Ok(Self {
            store,
            long,
            prefix: config.prefix.clone(),
            description,
        })
    }

    fn key(&self, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(rest)
        } else {
            Path::from(format!("{}/{rest}", self.prefix))
        }
    }

    fn blob_key(&self, sha256: &str) -> io::Result<Path> {
        if !valid_sha256(sha256) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a SHA-256 in hex",
            ));
        }
        Ok(self.key(&format!("blobs/{}/{sha256}", &sha256[..2])))
    }

    /// Every temporary, with when it was last written.
    async fn list_temporaries(&self) -> io::Result<Vec<object_store::ObjectMeta>> {
        self.store
            .list(Some(&self.key("tmp")))
            .map_err(to_io)
            .try_collect()
            .await
    }
}

fn to_io(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        other => io::Error::other(other),
    }
}

impl BlobStore for S3Store {
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn PendingBlob>>> {
        Box::pin(async move {
            let key = self.key(&format!("tmp/{}.part", uuid::Uuid::new_v4()));
            let writer = BufWriter::with_capacity(self.store.clone(), key.clone(), PART_SIZE)
                .with_max_concurrency(PARTS_AT_ONCE);
            Ok(Box::new(S3Pending {
                store: self.store.clone(),
                long: self.long.clone(),
                writer: Some(writer),
                key,
                blobs: self.key("blobs"),
            }) as Box<dyn PendingBlob>)
        })
    }

    fn read<'a>(
        &'a self,
        sha256: &'a str,
        range: Range<u64>,
    ) -> BoxFuture<'a, io::Result<ByteStream>> {
        Box::pin(async move {
            let key = self.blob_key(sha256)?;
            if range.is_empty() {
                // S3 refuses an empty range; there is nothing to send.
                self.store.head(&key).await.map_err(to_io)?;
                return Ok(Box::pin(futures_util::stream::empty()) as ByteStream);
            }
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..GetOptions::default()
            };
            let result =
                tokio::time::timeout(FIRST_BYTE_TIMEOUT, self.long.get_opts(&key, options))
                    .await
                    .map_err(|_| {
                        io::Error::new(io::ErrorKind::TimedOut, "the store did not answer")
                    })?
                    .map_err(to_io)?;
            Ok(Box::pin(result.into_stream().map(|chunk| chunk.map_err(to_io))) as ByteStream)
        })
    }

    fn contains<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move {
            match self.store.head(&self.blob_key(sha256)?).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn remove<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.store.delete(&self.blob_key(sha256)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn sweep(&self, older_than: Duration) -> BoxFuture<'_, io::Result<usize>> {
        Box::pin(async move {
            let limit = chrono::Utc::now()
                - chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX);
            let mut removed = 0;
            for object in self.list_temporaries().await? {
                if object.last_modified <= limit {
                    match self.store.delete(&object.location).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => removed += 1,
                        Err(e) => return Err(to_io(e)),
                    }
                }
            }
            Ok(removed)
        })
    }

    fn temporaries(&self) -> BoxFuture<'_, io::Result<usize>> {
        Box::pin(async move { Ok(self.list_temporaries().await?.len()) })
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

struct S3Pending {
    store: Arc<dyn ObjectStore>,
    /// For the copy to the content's name.
    long: Arc<dyn ObjectStore>,
    /// None once committed or aborted.
    writer: Option<BufWriter>,
    key: Path,
    blobs: Path,
}

impl PendingBlob for S3Pending {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.writer.as_mut() {
                Some(writer) => writer
                    .put(Bytes::copy_from_slice(chunk))
                    .await
                    .map_err(to_io),
                None => Err(io::Error::other("the upload was already finished")),
            }
        })
    }

    fn commit(mut self: Box<Self>, sha256: String) -> BoxFuture<'static, io::Result<()>> {
        Box::pin(async move {
            if !valid_sha256(&sha256) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a SHA-256 in hex",
                ));
            }
            let mut writer = self
                .writer
                .take()
                .ok_or_else(|| io::Error::other("the upload was already finished"))?;
            if let Err(e) = writer.shutdown().await {
                // A writer that failed to finish cannot be aborted any more; parts it sent are
                // left to the bucket's rule for incomplete uploads.
                let _ = self.store.delete(&self.key).await;
                return Err(e);
            }
            let target = self.blobs.child(&sha256[..2]).child(sha256.as_str());
            let stored = match self.store.head(&target).await {
                Ok(_) => Ok(()),
                Err(object_store::Error::NotFound { .. }) => {
                    match tokio::time::timeout(COPY_TIMEOUT, self.long.copy(&self.key, &target))
                        .await
                    {
                        Ok(copied) => copied.map_err(to_io),
                        Err(_) => Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the store did not finish copying the upload",
                        )),
                    }
                }
                Err(e) => Err(to_io(e)),
            };
            // The temporary goes either way; a failure here is left to the sweep.
            if let Err(e) = self.store.delete(&self.key).await {
                tracing::warn!(key = %self.key, error = %e, "could not remove a finished upload's temporary; the start-up sweep will");
            }
            stored
        })
    }
}

impl Drop for S3Pending {
    fn drop(&mut self) {
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        // A refused file or a client that went away: cancel the parts sent so far and remove
        // the temporary, without holding up the request that is ending.
        let store = self.store.clone();
        let key = self.key.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = writer.abort().await;
                match store.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => {
                        tracing::warn!(key = %key, error = %e, "could not remove an unfinished upload; the start-up sweep will")
                    }
                }
            });
        }
    }
}

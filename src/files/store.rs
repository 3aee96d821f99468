//! Where file contents live. Contents are named by their SHA-256 (so identical uploads are
//! stored once) and written under a temporary name first: only a complete, checked upload is
//! moved to its name, and a temporary left by a crash is removed by the sweep at start-up.
//!
//! [`BlobStore`] is what the rest of Convene sees; [`LocalStore`] keeps contents in a folder.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::Stream;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A store of contents named by their hex SHA-256.
pub trait BlobStore: Send + Sync {
    /// A temporary object to write an upload into.
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn PendingBlob>>>;
    /// The bytes `range` of the content `sha256`.
    fn read<'a>(
        &'a self,
        sha256: &'a str,
        range: Range<u64>,
    ) -> BoxFuture<'a, io::Result<ByteStream>>;
    /// Whether the content `sha256` is stored.
    fn contains<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<bool>>;
    /// Removes the content `sha256` (nothing refers to it any more).
    fn remove<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<()>>;
    /// Removes temporaries last written longer than `older_than` ago; how many it removed.
    fn sweep(&self, older_than: Duration) -> BoxFuture<'_, io::Result<usize>>;
    /// How many temporaries there are (an upload in progress, or one a crash left).
    fn temporaries(&self) -> BoxFuture<'_, io::Result<usize>>;
    /// Where it is, for the start-up log.
    fn describe(&self) -> String;
}

/// An upload being written. Dropped without [`PendingBlob::commit`] (a refused file, a client
/// that went away), it removes what it wrote.
pub trait PendingBlob: Send {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// Moves the complete content to its name; if identical content is stored already, the
    /// copy just written is removed instead.
    fn commit(self: Box<Self>, sha256: String) -> BoxFuture<'static, io::Result<()>>;
}

/// Whether `text` is a SHA-256 in lower-case hex (and so safe as a file name or key).
pub fn valid_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// How much of a file one read takes when it is sent.
const READ_CHUNK: usize = 256 * 1024;

/// Contents in a folder: `blobs/ab/cdef...` and `tmp/` for uploads in progress.
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// The store in `root`, creating its folders.
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join("blobs"))?;
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    fn blob_path(&self, sha256: &str) -> io::Result<PathBuf> {
        if !valid_sha256(sha256) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a SHA-256 in hex",
            ));
        }
        Ok(self.root.join("blobs").join(&sha256[..2]).join(sha256))
    }
}

impl BlobStore for LocalStore {
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn PendingBlob>>> {
        Box::pin(async move {
            let path = self
                .root
                .join("tmp")
                .join(format!("{}.part", uuid::Uuid::new_v4()));
            let file = tokio::fs::File::create(&path).await?;
            Ok(Box::new(LocalPending {
                file: Some(file),
                path,
                blobs: self.root.join("blobs"),
                done: false,
            }) as Box<dyn PendingBlob>)
        })
    }

    fn read<'a>(
        &'a self,
        sha256: &'a str,
        range: Range<u64>,
    ) -> BoxFuture<'a, io::Result<ByteStream>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(self.blob_path(sha256)?).await?;
            if range.start > 0 {
                file.seek(io::SeekFrom::Start(range.start)).await?;
            }
            let limited = file.take(range.end.saturating_sub(range.start));
            // Each read is a trip to tokio's blocking pool: chunks of 256 KiB make that 40
            // trips for a 10 MB file rather than 160 (bench/files.sh: 179 downloads a second
            // instead of 151), for 256 KiB of memory per download.
            Ok(Box::pin(tokio_util::io::ReaderStream::with_capacity(
                limited, READ_CHUNK,
            )) as ByteStream)
        })
    }

    fn contains<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move { tokio::fs::try_exists(self.blob_path(sha256)?).await })
    }

    fn remove<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.blob_path(sha256)?).await {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        })
    }

    fn sweep(&self, older_than: Duration) -> BoxFuture<'_, io::Result<usize>> {
        Box::pin(async move {
            let mut removed = 0;
            let mut entries = tokio::fs::read_dir(self.root.join("tmp")).await?;
            let now = SystemTime::now();
            while let Some(entry) = entries.next_entry().await? {
                let modified = entry.metadata().await?.modified()?;
                if now.duration_since(modified).unwrap_or_default() >= older_than {
                    tokio::fs::remove_file(entry.path()).await?;
                    removed += 1;
                }
            }
            Ok(removed)
        })
    }

    fn temporaries(&self) -> BoxFuture<'_, io::Result<usize>> {
        Box::pin(async move {
            let mut count = 0;
            let mut entries = tokio::fs::read_dir(self.root.join("tmp")).await?;
            while entries.next_entry().await?.is_some() {
                count += 1;
            }
            Ok(count)
        })
    }

    fn describe(&self) -> String {
        format!("the folder {}", self.root.display())
    }
}

struct LocalPending {
    file: Option<tokio::fs::File>,
    path: PathBuf,
    blobs: PathBuf,
    done: bool,
}

impl PendingBlob for LocalPending {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.file.as_mut() {
                Some(file) => file.write_all(chunk).await,
                None => Err(io::Error::other("the upload was already finished")),
            }
        })
    }

    fn commit(mut self: Box<Self>, sha256: String) -> BoxFuture<'static, io::Result<()>> {
        Box::pin(async move {
            let mut file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("the upload was already finished"))?;
            file.flush().await?;
            file.sync_all().await?;
            drop(file);
            let dir = self.blobs.join(&sha256[..2]);
            tokio::fs::create_dir_all(&dir).await?;
            let target = dir.join(&sha256);
            if tokio::fs::try_exists(&target).await? {
                tokio::fs::remove_file(&self.path).await?;
            } else {
                // Same folder tree, same file system: the content appears whole or not at all.
                tokio::fs::rename(&self.path, &target).await?;
            }
            self.done = true;
            Ok(())
        })
    }
}

impl Drop for LocalPending {
    fn drop(&mut self) {
        if !self.done {
            // Close first, then remove: what was written is gone with the request.
            drop(self.file.take());
            if let Err(e) = std::fs::remove_file(&self.path)
                && e.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove an unfinished upload; the start-up sweep will");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    async fn read_all(store: &LocalStore, sha: &str, range: Range<u64>) -> Vec<u8> {
        let mut stream = store.read(sha, range).await.unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    const SHA: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[tokio::test]
    async fn contents_appear_whole_under_their_hash_and_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        for copy in 0..2 {
            let mut pending = store.create().await.unwrap();
            pending.write(b"hel").await.unwrap();
            pending.write(b"lo").await.unwrap();
            if copy == 0 {
                assert!(
                    !store.contains(SHA).await.unwrap(),
                    "not before it is complete"
                );
            }
            pending.commit(SHA.into()).await.unwrap();
        }
        assert!(store.contains(SHA).await.unwrap());
        assert_eq!(read_all(&store, SHA, 0..5).await, b"hello");
        assert_eq!(read_all(&store, SHA, 1..3).await, b"el");
        assert_eq!(
            store.temporaries().await.unwrap(),
            0,
            "the second copy was dropped"
        );
        // A name that is not a hash never reaches the file system.
        assert!(store.read("../../secret.key", 0..1).await.is_err());
    }

    #[tokio::test]
    async fn an_abandoned_upload_is_removed_and_a_crash_is_swept_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let mut pending = store.create().await.unwrap();
        pending.write(b"half a file").await.unwrap();
        assert_eq!(store.temporaries().await.unwrap(), 1);
        drop(pending);
        assert_eq!(store.temporaries().await.unwrap(), 0);

        // A crash leaves its temporary behind (no Drop runs): the sweep removes it, and
        // leaves an upload younger than its limit alone.
        let mut crashed = store.create().await.unwrap();
        crashed.write(b"cut off").await.unwrap();
        std::mem::forget(crashed);
        assert_eq!(store.sweep(Duration::from_secs(3600)).await.unwrap(), 0);
        assert_eq!(store.temporaries().await.unwrap(), 1);
        assert_eq!(store.sweep(Duration::ZERO).await.unwrap(), 1);
        assert_eq!(store.temporaries().await.unwrap(), 0);
    }
}

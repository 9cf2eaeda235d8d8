//! The cross-process refresh lock: an advisory lock on a file in the data dir, held around
//! read-keychain → POST /auth/refresh → write-keychain, so two processes never present the
//! same refresh token (the loser would get `Invalid refresh token`).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How long to wait for another process's refresh (its request has a 10 s limit, its store
/// calls 3 s each).
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// A held refresh lock; released on drop (closing the file releases the lock too, so a
/// crashed holder never blocks others).
#[derive(Debug)]
pub struct RefreshLock {
    file: File,
}

impl RefreshLock {
    /// The lock file for a server inside `data_dir`.
    pub fn path_for(data_dir: &Path, host_key: &str) -> PathBuf {
        let name: String = host_key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        data_dir.join(format!("refresh-{name}.lock"))
    }

    /// Waits (off the async runtime) until the lock is ours, at most `wait`.
    pub async fn acquire(path: &Path, wait: Duration) -> io::Result<Self> {
        let path = path.to_owned();
        let task = tokio::task::spawn_blocking(move || -> io::Result<File> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok(file)
        });
        match tokio::time::timeout(wait, task).await {
            Ok(Ok(result)) => result.map(|file| Self { file }),
            Ok(Err(join)) => Err(io::Error::other(join)),
            // The blocking thread may still get the lock later; it then drops the file at
            // once, which releases it.
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "another DevHive process held the refresh lock too long",
            )),
        }
    }
}

/// One session's handle on its refresh lock file. A lock this process already holds (kept
/// after a keychain write that may still land, so that *other* processes wait for it) is
/// shared with this process's next operation instead of waited for: `flock` would make the
/// same process wait on itself. Operations of one session never overlap (the session runs
/// them one at a time), so sharing never lets two of ours into the lock at once.
#[derive(Debug)]
pub(crate) struct SharedLock {
    path: PathBuf,
    held: Mutex<Weak<RefreshLock>>,
}

impl SharedLock {
    /// The lock at `path`, not held yet.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            held: Mutex::new(Weak::new()),
        }
    }

    /// The lock: the one this process still holds, or a newly taken one (waiting at most
    /// `wait` for another process).
    pub(crate) async fn acquire(&self, wait: Duration) -> io::Result<Arc<RefreshLock>> {
        if let Some(held) = self.held.lock().expect("lock slot").upgrade() {
            return Ok(held);
        }
        let lock = Arc::new(RefreshLock::acquire(&self.path, wait).await?);
        *self.held.lock().expect("lock slot") = Arc::downgrade(&lock);
        Ok(lock)
    }
}

impl Drop for RefreshLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_lock_excludes_a_second_holder_until_dropped() {
        let dir = std::env::temp_dir().join(format!("devhive-lock-{}", std::process::id()));
        let path = RefreshLock::path_for(&dir, "127.0.0.1:8080");
        assert!(path.ends_with("refresh-127.0.0.1_8080.lock"));
        let first = RefreshLock::acquire(&path, LOCK_WAIT).await.unwrap();
        let second = RefreshLock::acquire(&path, Duration::from_millis(200)).await;
        assert_eq!(second.unwrap_err().kind(), io::ErrorKind::TimedOut);
        drop(first);
        RefreshLock::acquire(&path, LOCK_WAIT).await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_lock_this_process_still_holds_is_shared_not_waited_for() {
        let dir = std::env::temp_dir().join(format!("devhive-shared-{}", std::process::id()));
        let path = RefreshLock::path_for(&dir, "h:1");
        let shared = SharedLock::new(path.clone());
        let lingering = shared.acquire(LOCK_WAIT).await.unwrap();
        let next = shared.acquire(Duration::from_millis(100)).await;
        assert!(
            next.is_ok(),
            "our own held lock must not hold up our next operation"
        );
        let other_process = RefreshLock::acquire(&path, Duration::from_millis(200)).await;
        assert_eq!(
            other_process.unwrap_err().kind(),
            io::ErrorKind::TimedOut,
            "another holder still waits while we hold it"
        );
        drop((lingering, next));
        RefreshLock::acquire(&path, LOCK_WAIT).await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}

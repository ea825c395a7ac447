//! One render at a time per output folder: an advisory lock (`flock`) on the folder itself.
//!
//! Locking the folder rather than a lock file inside it leaves nothing behind, and there is no
//! file to plant, replace or link elsewhere. The lock goes with the process: a killed render
//! holds it no longer, which is also what proves its staging folder stale.

use std::fs::{File, TryLockError};
use std::time::{Duration, Instant};

use super::{Error, Folder, hooks};

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Waits up to [`hooks::lock_wait`] for the folder's lock.
pub fn acquire(folder: &Folder) -> Result<Lock, Error> {
    let file = File::open(&folder.root).map_err(Error::io("open", &folder.shown))?;
    let wait = hooks::lock_wait();
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock { _file: file }),
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => std::thread::sleep(Duration::from_millis(20)),
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked { out: folder.shown.clone(), waited: start.elapsed() });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &folder.shown)(e)),
        }
    }
}

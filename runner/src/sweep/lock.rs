//! One process per sweep directory: an advisory lock (fs4, `flock` on Unix,
//! `LockFileEx` on Windows) on a hidden file next to the directory, held
//! for the whole sweep, so that a second `mirage sweep` on the same
//! directory (a double submit, a `--resume` while the first still runs) is
//! refused instead of interleaving the journals. The lock goes with the
//! process, however it ends; the lock file stays, empty.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The lock of one sweep directory, released when dropped.
#[derive(Debug)]
pub struct SweepLock {
    _file: File,
}

/// The lock file of sweep directory `dir`: `.<name>.lock` beside it.
pub fn lock_path(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    dir.with_file_name(format!(".{name}.lock"))
}

/// Takes the lock of `dir`, or says which directory another process is
/// sweeping.
pub fn lock_sweep_dir(dir: &Path) -> Result<SweepLock> {
    let path = lock_path(dir);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory {}", parent.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the sweep's lock file {}", path.display()))?;
    let locked = fs4::fs_std::FileExt::try_lock_exclusive(&file)
        .with_context(|| format!("cannot lock {}", path.display()))?;
    if !locked {
        bail!(
            "another mirage process is running a sweep into {} (it holds {}); wait for it to \
             finish, or --out another directory",
            dir.display(),
            path.display()
        );
    }
    Ok(SweepLock { _file: file })
}

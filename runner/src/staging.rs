//! Whole run directories or nothing: a run is written into a hidden
//! temporary sibling of its directory (`.<name>.staging-<pid>`) and renamed
//! into place when every file is complete, so a failed or interrupted run
//! leaves no new file, and a failed `--force` run leaves the previous output
//! as it was. Staging directories of killed runs are removed by the next run
//! into the same parent (on Linux, those whose process is gone); a signal
//! handler can remove the live ones with [`remove_all_staging`]. A sweep's
//! final files are staged the same way inside its directory
//! ([`StagedFiles`]), and a resumed sweep removes the temporary files of
//! atomic writes a killed process left ([`remove_stale_partials`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

const STAGING: &str = ".staging-";
const REPLACED: &str = ".replaced-";

/// Staging directories of this process not yet committed or removed.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every live staging directory of this process (for a signal
/// handler before it exits).
pub fn remove_all_staging() {
    let live = match LIVE.lock() {
        Ok(mut live) => std::mem::take(&mut *live),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for dir in live {
        let _ = fs::remove_dir_all(dir);
    }
}

fn forget(dir: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|d| d != dir);
    }
}

/// A run directory being written under a temporary sibling name.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Refuses a non-empty `target` unless `force`, then creates an empty
    /// staging directory next to it.
    pub fn create(target: &Path, force: bool) -> Result<Self> {
        if target.exists() {
            let non_empty = fs::read_dir(target)
                .with_context(|| format!("cannot read output directory {}", target.display()))?
                .next()
                .is_some();
            if non_empty && !force {
                anyhow::bail!(
                    "output directory {} is not empty; pass --force to overwrite its files, or --out another directory",
                    target.display()
                );
            }
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create directory {}", parent.display()))?;
        remove_stale(&parent, &name);
        let staging = parent.join(format!(".{name}{STAGING}{}", std::process::id()));
        open_staging(&staging)?;
        Ok(Self {
            staging,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where the files are written until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the staging directory into place. A previous directory (with
    /// `--force`) is replaced; files in it that the run did not write are
    /// kept.
    pub fn commit(self) -> Result<()> {
        self.commit_discarding(&[])
    }

    /// [`commit`](Self::commit), except that the previous directory's
    /// entries named in `discard` are removed rather than kept.
    pub fn commit_discarding(mut self, discard: &[&str]) -> Result<()> {
        let rename = |from: &Path, to: &Path| {
            fs::rename(from, to)
                .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))
        };
        if self.target.exists() {
            let replaced = self.staging.with_file_name(format!(
                ".{}{REPLACED}{}",
                self.target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            rename(&self.target, &replaced)?;
            if let Err(e) = rename(&self.staging, &self.target) {
                let _ = fs::rename(&replaced, &self.target);
                return Err(e);
            }
            if let Ok(entries) = fs::read_dir(&replaced) {
                for entry in entries.flatten() {
                    let kept = self.target.join(entry.file_name());
                    let discarded = discard.iter().any(|d| entry.file_name() == **d);
                    if !discarded && !kept.exists() {
                        let _ = fs::rename(entry.path(), kept);
                    }
                }
            }
            let _ = fs::remove_dir_all(&replaced);
        } else {
            rename(&self.staging, &self.target)?;
        }
        self.committed = true;
        forget(&self.staging);
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            forget(&self.staging);
        }
    }
}

/// Removes the temporary files `.<file>.partial-<pid>` of atomic writes
/// (`crate::output::AtomicFile`) left in `dir` by killed processes (on
/// Linux, those whose process is gone; elsewhere they stay, hidden and
/// ignored).
pub fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some((_, pid)) = file.rsplit_once(".partial-") else {
            continue;
        };
        if file.starts_with('.')
            && pid != own
            && !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !proc.join(pid).exists()
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates the empty staging directory `staging` (removing a leftover of
/// this process id first) and registers it for removal on a signal.
fn open_staging(staging: &Path) -> Result<()> {
    if staging.exists() {
        let _ = fs::remove_dir_all(staging);
    }
    fs::create_dir(staging)
        .with_context(|| format!("cannot create directory {}", staging.display()))?;
    if let Ok(mut live) = LIVE.lock() {
        live.push(staging.to_path_buf());
    }
    Ok(())
}

/// Removes `parent/.<name>.staging-<pid>` (and `.replaced-<pid>`)
/// directories left by runs that were killed: on Linux those whose process
/// no longer exists; elsewhere they are left, hidden, and ignored.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = [STAGING, REPLACED]
            .iter()
            .find_map(|kind| file.strip_prefix(&format!(".{name}{kind}")));
        let Some(pid) = pid else { continue };
        if pid == own || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let proc = Path::new("/proc");
        if proc.join("self").exists() && !proc.join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Files written into a hidden staging directory inside `dir`
/// (`.final.staging-<pid>`) and moved into `dir` together by
/// [`commit`](Self::commit): until then none of them is in `dir`, and a
/// failure (or a signal) removes them all. A sweep's final files use it.
#[derive(Debug)]
pub struct StagedFiles {
    staging: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl StagedFiles {
    pub fn create(dir: &Path) -> Result<Self> {
        remove_stale(dir, "final");
        let staging = dir.join(format!(".final{STAGING}{}", std::process::id()));
        open_staging(&staging)?;
        Ok(Self {
            staging,
            dir: dir.to_path_buf(),
            committed: false,
        })
    }

    /// Where the files are written until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves every file of the staging directory into `dir` (replacing
    /// files of the same names) and removes the staging directory.
    pub fn commit(mut self) -> Result<()> {
        let entries: Vec<PathBuf> = fs::read_dir(&self.staging)
            .with_context(|| format!("cannot read {}", self.staging.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot read {}", self.staging.display()))?;
        for from in entries {
            let Some(name) = from.file_name() else {
                continue;
            };
            let to = self.dir.join(name);
            fs::rename(&from, &to)
                .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
        }
        self.committed = true;
        let _ = fs::remove_dir(&self.staging);
        forget(&self.staging);
        Ok(())
    }
}

impl Drop for StagedFiles {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            forget(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_files_appear_together_or_not_at_all() -> Result<()> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path();
        fs::write(dir.join("runs.journal.csv"), "journal")?;
        {
            let staged = StagedFiles::create(dir)?;
            fs::write(staged.path().join("runs.csv"), "a")?;
            fs::write(staged.path().join("points.csv"), "b")?;
            // Dropped without commit: a later file failed.
        }
        let names = |d: &Path| -> Vec<String> {
            let mut n: Vec<String> = fs::read_dir(d)
                .map(|e| {
                    e.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            n.sort();
            n
        };
        assert_eq!(names(dir), ["runs.journal.csv"]);
        let staged = StagedFiles::create(dir)?;
        fs::write(staged.path().join("runs.csv"), "a")?;
        fs::write(staged.path().join("points.csv"), "b")?;
        staged.commit()?;
        assert_eq!(names(dir), ["points.csv", "runs.csv", "runs.journal.csv"]);
        Ok(())
    }
}

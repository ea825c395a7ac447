//! Staging, the switch, and undoing it.
//!
//! A render stages every file in a private folder `.hyperpod-iam-staging-<16 random hex>` inside
//! the output folder (same file system, so renames are atomic), made exclusively and holding a
//! file that marks it as ours:
//!
//! ```text
//! hyperpod-iam-staging-2   marks the folder as hyperpod-iam's (empty: a file with no bytes
//!                          takes no block on disk, and freeing one waits for nothing)
//! new/       the new files
//! MANIFEST   the new manifest
//! PLAN       written last, once all of the above is on disk: the folders to create and the
//!            staged files with their hashes
//! backup/    the previous files, moved aside during the switch (made by the first)
//! ```
//!
//! Staging folders of earlier versions, marked by a file `OWNER` that holds `hyperpod-iam
//! staging 1`, are recovered the same way.
//!
//! The switch creates the missing folders, moves the files it replaces or removes into
//! `backup/`, moves the new files in, and renames `MANIFEST` over the folder's manifest: that
//! rename is the commit. On a failure before it, [`undo`] moves the new files back and the old
//! ones in. A killed run leaves its staging folder behind; the next run (holding the lock, so the
//! killed one is provably gone) reads it: no `PLAN`, nothing was switched; `PLAN` but no
//! `MANIFEST`, the commit happened; both, undo. Either way the folder holds one whole render.
//!
//! Everything is flushed to disk at three points only (see [`fsx::Flusher`]): the staging folder
//! once it is whole, the journal, and both sides of the renames before the commit; then the
//! commit itself. A process that is killed loses nothing it wrote; only a crash of the whole
//! machine before the first flush can leave a staging folder whose mark did not reach the
//! disk, which then cannot prove it is ours and is left alone (nothing was switched yet).

use std::collections::BTreeSet;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::fsx::{self, Kind};
use super::{Error, Folder, MANIFEST, Plan, hooks};
use crate::emit::check_artifact_path;

const PREFIX: &str = ".hyperpod-iam-staging-";
const MARK: &str = "hyperpod-iam-staging-2";
/// The mark of staging folders made by earlier versions: this file, holding this text.
const OWNER: &str = "OWNER";
const OWNER_TEXT: &str = "hyperpod-iam staging 1\n";
const PLAN: &str = "PLAN";
const PLAN_HEADER: &str = "hyperpod-iam plan 1";
const STAGED_MANIFEST: &str = "MANIFEST";
const NEW: &str = "new";
const BACKUP: &str = "backup";

/// The staging folder of a render, made when something first needs it: a file that differs from
/// the one at its place, or a commit that changes anything else. A render that finds every file
/// already as it would write it, and the manifest too, never makes one: it changes nothing on
/// disk. Files may be staged from several threads.
pub(crate) struct LazyStaging {
    folder: Folder,
    made: OnceLock<Result<Staging, Error>>,
}

impl LazyStaging {
    pub(crate) fn new(folder: &Folder) -> LazyStaging {
        LazyStaging { folder: folder.clone(), made: OnceLock::new() }
    }

    /// The staging folder, made by the first call; every call after a failure to make it gets
    /// that failure.
    pub(crate) fn get(&self) -> Result<&Staging, Error> {
        self.made.get_or_init(|| Staging::create(&self.folder)).as_ref().map_err(Error::again)
    }

    /// The staging folder if one was made.
    pub(crate) fn made(&self) -> Option<&Staging> {
        self.made.get().and_then(|made| made.as_ref().ok())
    }
}

/// A staging folder: where it is, how messages show it, and the folders made in `new/`; one this
/// run made has its flusher, opened before anything was written into it.
pub(crate) struct Staging {
    dir: PathBuf,
    shown: PathBuf,
    dirs: Mutex<BTreeSet<PathBuf>>,
    flusher: Option<fsx::Flusher>,
}

impl Staging {
    /// Creates a staging folder, marked as ours, with its `new/` and `backup/` folders.
    pub(crate) fn create(folder: &Folder) -> Result<Staging, Error> {
        let mut tries = 0;
        let mut staging = loop {
            let name = format!("{PREFIX}{:016x}", unpredictable());
            let staging = Staging::at(folder, &name);
            match fsx::create_private_dir(&staging.dir) {
                Ok(()) => break staging,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(Error::io("create", &staging.shown)(e)),
            }
        };
        let made = fsx::Flusher::open(&staging.dir).map_err(Error::io("open", &staging.shown)).and_then(|flusher| {
            staging.flusher = Some(flusher);
            staging.write(MARK, b"")?;
            fs::create_dir(staging.path(NEW)).map_err(Error::io("create", staging.shown.join(NEW)))
        });
        if let Err(e) = made {
            let _ = staging.remove();
            return Err(e);
        }
        staging.folders().insert(staging.path(NEW));
        Ok(staging)
    }

    fn at(folder: &Folder, name: &str) -> Staging {
        Staging {
            dir: folder.root.join(name),
            shown: folder.shown.join(name),
            dirs: Mutex::new(BTreeSet::new()),
            flusher: None,
        }
    }

    /// The folders made in `new/`.
    fn folders(&self) -> std::sync::MutexGuard<'_, BTreeSet<PathBuf>> {
        self.dirs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn path(&self, part: &str) -> PathBuf {
        self.dir.join(part)
    }

    /// Makes `paths` durable (see [`fsx::Flusher`]); a failure is shown as flushing `shown`.
    fn flush(&self, paths: &[PathBuf], shown: &Path) -> Result<(), Error> {
        let flushed = match &self.flusher {
            Some(flusher) => flusher.flush(paths),
            None => Err(std::io::Error::other("the staging folder was not made by this run")),
        };
        flushed.map_err(Error::io("flush", shown))
    }

    /// Writes a file of the staging folder itself (flushed by [`seal`], with everything else).
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        fsx::write_new(&self.path(rel), bytes).map_err(Error::io("write", self.shown.join(rel)))
    }

    /// Creates a new file in `new/` (flushed by [`apply`], with all the others), and how
    /// messages show it.
    pub(crate) fn new_file(&self, path: &str) -> Result<(fs::File, PathBuf), Error> {
        let at = self.path(NEW).join(path);
        if let Some(parent) = at.parent() {
            let mut dirs = self.folders();
            if !dirs.contains(parent) {
                fs::create_dir_all(parent).map_err(Error::io("create", self.shown.join(NEW)))?;
                dirs.insert(parent.to_path_buf());
            }
        }
        let shown = self.shown.join(NEW).join(path);
        let file = fsx::create_new(&at).map_err(Error::io("write", &shown))?;
        Ok((file, shown))
    }

    /// Removes the staging folder whole. Its files go first, side by side: freeing a file's blocks
    /// can wait for the disk (a file system mounted with `discard` trims them before `unlink`
    /// returns), and waits overlap. Then the empty folders.
    pub(crate) fn remove(&self) -> Result<(), Error> {
        let mut files = Vec::new();
        paths_below(&self.dir, &mut files).map_err(Error::io("read", &self.shown))?;
        crate::par::each(&files, |_, path| fs::remove_file(path))
            .map_err(|(_, e)| Error::io("remove", &self.shown)(e))?;
        fs::remove_dir_all(&self.dir).map_err(Error::io("remove", &self.shown))
    }
}

/// 64 bits no other process can guess: std's hasher keys come from the OS's random source.
fn unpredictable() -> u64 {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(t.as_nanos());
    }
    hasher.finish()
}

/// What the switch and an undo need to know: folders created, and each staged file's hash.
#[derive(Debug, Default, PartialEq, Eq)]
struct Journal {
    mkdirs: Vec<String>,
    files: Vec<(String, String)>,
}

impl Journal {
    fn to_text(&self) -> String {
        let mut text = format!("{PLAN_HEADER}\n");
        for dir in &self.mkdirs {
            text.push_str(&format!("mkdir\t{dir}\n"));
        }
        for (path, hash) in &self.files {
            text.push_str(&format!("file\t{hash}\t{path}\n"));
        }
        text
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut lines = text.strip_suffix('\n')?.split('\n');
        if lines.next()? != PLAN_HEADER {
            return None;
        }
        let mut journal = Journal::default();
        for line in lines {
            match line.split('\t').collect::<Vec<_>>().as_slice() {
                ["mkdir", dir] if check_artifact_path(dir).is_ok() => journal.mkdirs.push((*dir).to_owned()),
                ["file", hash, path] if fsx::is_hash(hash) && check_artifact_path(path).is_ok() => {
                    journal.files.push(((*path).to_owned(), (*hash).to_owned()));
                }
                _ => return None,
            }
        }
        Some(journal)
    }
}

/// Seals the staging folder (its files, the new manifest and the journal flushed), switches it
/// in and commits; on failure restores the previous files.
pub(crate) fn apply(folder: &Folder, staging: &Staging, plan: &Plan) -> Result<(), Error> {
    let journal = Journal {
        mkdirs: plan.mkdirs.iter().cloned().collect(),
        files: plan.files.iter().map(|(path, entry)| (path.clone(), entry.hash.clone())).collect(),
    };
    if let Err(e) = seal(staging, plan, &journal) {
        let _ = staging.remove();
        return Err(e);
    }
    if let Err(cause) = switch(folder, staging, plan) {
        return Err(match undo(folder, staging, &journal) {
            Ok(()) => {
                let _ = staging.remove();
                Error::RolledBack { cause: Box::new(cause) }
            }
            Err(undo) => {
                Error::Stranded { cause: Box::new(cause), undo: Box::new(undo), staging: staging.shown.clone() }
            }
        });
    }
    // Committed: what is left is the previous files; a failure here is cleaned up by the next run.
    let _ = staging.remove();
    Ok(())
}

/// Writes the new manifest and flushes the staging folder whole (its marker, the staged files, the
/// manifest and their folders) in one go, then writes the journal and flushes it: the journal
/// reaches the disk only after everything it names, so that a journal found after a crash always
/// describes files that are there.
fn seal(staging: &Staging, plan: &Plan, journal: &Journal) -> Result<(), Error> {
    staging.write(STAGED_MANIFEST, plan.manifest.to_text().as_bytes())?;
    let mut written: Vec<PathBuf> = plan.files.keys().map(|path| staging.path(NEW).join(path)).collect();
    written.extend([MARK, STAGED_MANIFEST].map(|part| staging.path(part)));
    written.extend(staging.folders().iter().cloned());
    written.push(staging.dir.clone());
    staging.flush(&written, &staging.shown)?;
    staging.write(PLAN, journal.to_text().as_bytes())?;
    staging.flush(&[staging.path(PLAN), staging.dir.clone()], &staging.shown)
}

/// The switch: every step numbered for the test hooks; the manifest's rename is the last one.
fn switch(folder: &Folder, staging: &Staging, plan: &Plan) -> Result<(), Error> {
    let mut step = 0;
    let mut next = |what: &'static str, path: &Path| {
        step += 1;
        hooks::before_step(step).map_err(Error::io(what, path))
    };
    let mut touched = BTreeSet::from([folder.root.clone()]);
    for dir in &plan.mkdirs {
        next("create", &folder.show(dir))?;
        fs::create_dir(folder.at(dir)).map_err(Error::io("create", folder.show(dir)))?;
    }
    for path in &plan.aside {
        next("move aside", &folder.show(path))?;
        let backup = staging.path(BACKUP).join(path);
        if let Some(parent) = backup.parent() {
            fs::create_dir_all(parent).map_err(Error::io("create", &staging.shown))?;
            // The folders' entries too, up to the staging folder's own (`backup/` may be new).
            touched.extend(parent.ancestors().take_while(|p| p.starts_with(&staging.dir)).map(Path::to_path_buf));
        }
        fs::rename(folder.at(path), &backup).map_err(Error::io("move aside", folder.show(path)))?;
        touched.extend(folder.at(path).parent().map(Path::to_path_buf));
    }
    for path in plan.files.keys() {
        next("write", &folder.show(path))?;
        fs::rename(staging.path(NEW).join(path), folder.at(path)).map_err(Error::io("write", folder.show(path)))?;
        touched.extend(folder.at(path).parent().map(Path::to_path_buf));
    }
    // Both sides of every rename reach the disk before the commit.
    let touched: Vec<PathBuf> = touched.into_iter().collect();
    staging.flush(&touched, &folder.shown)?;
    next("write", &folder.show(MANIFEST))?;
    fs::rename(staging.path(STAGED_MANIFEST), folder.at(MANIFEST))
        .map_err(Error::io("write", folder.show(MANIFEST)))?;
    fsx::sync_path(&folder.root).map_err(Error::io("flush", &folder.shown))
}

/// Puts the folder back as it was before the switch: new files back into `new/` (each only if it
/// is still the file we staged), created folders removed when empty, `backup/` moved back.
fn undo(folder: &Folder, staging: &Staging, journal: &Journal) -> Result<(), Error> {
    let changed = |rel: &str| Error::Recovery { path: folder.show(rel), staging: staging.shown.clone() };
    // Check everything before moving anything, so that a refusal leaves the folder exactly as it
    // was found: the new files this run moved in, unchanged since, go back to staging; every
    // backed-up file's place must then be free.
    let mut move_back = Vec::new();
    for (path, hash) in &journal.files {
        let staged = staging.path(NEW).join(path);
        if Kind::of(&staged).map_err(Error::io("inspect", &staging.shown))? != Kind::Missing {
            continue;
        }
        let at = folder.at(path);
        match Kind::of(&at).map_err(Error::io("inspect", folder.show(path)))? {
            Kind::Missing => {}
            Kind::File => {
                if !matches!(fsx::matching(&at, u64::MAX, &[hash]), Ok(Some(_))) {
                    return Err(changed(path));
                }
                move_back.push((at, staged, path.as_str()));
            }
            _ => return Err(changed(path)),
        }
    }
    let mut backed_up = Vec::new();
    let backup = staging.path(BACKUP);
    // No `backup/`: the switch moved nothing aside.
    if Kind::of(&backup).map_err(Error::io("inspect", staging.shown.join(BACKUP)))? != Kind::Missing {
        files_below(&backup, "", &mut backed_up).map_err(Error::io("read", staging.shown.join(BACKUP)))?;
    }
    for rel in &backed_up {
        let vacated = move_back.iter().any(|(_, _, path)| path == rel);
        if !vacated && Kind::of(&folder.at(rel)).map_err(Error::io("inspect", folder.show(rel)))? != Kind::Missing {
            return Err(changed(rel));
        }
    }

    for (at, staged, path) in &move_back {
        fs::rename(at, staged).map_err(Error::io("move back", folder.show(path)))?;
    }
    for dir in journal.mkdirs.iter().rev() {
        if Kind::of(&folder.at(dir)).ok() == Some(Kind::Dir) {
            let _ = fs::remove_dir(folder.at(dir));
        }
    }
    for rel in &backed_up {
        let at = folder.at(rel);
        fs::rename(staging.path(BACKUP).join(rel), &at).map_err(Error::io("restore", folder.show(rel)))?;
    }
    fsx::sync_path(&folder.root).map_err(Error::io("flush", &folder.shown))
}

/// The files below a folder of ours, as `/`-separated relative paths; links are not followed.
fn files_below(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if entry.file_type()?.is_dir() {
            files_below(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Every name below a folder of ours that is not a folder (links are not followed), in no order.
fn paths_below(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            paths_below(&entry.path(), out)?;
        } else {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Finishes what killed runs left: each staging folder of ours is removed, after undoing its
/// switch when it was cut short before the commit. Called with the lock held, so no run that
/// made one is still alive. Returns one line per folder handled.
pub(crate) fn recover(folder: &Folder) -> Result<Vec<String>, Error> {
    let mut notes = Vec::new();
    let entries = fs::read_dir(&folder.root).map_err(Error::io("read", &folder.shown))?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.strip_prefix(PREFIX).is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit())))
        .collect();
    names.sort();
    for name in names {
        let staging = Staging::at(folder, &name);
        if Kind::of(&staging.dir).ok() != Some(Kind::Dir) {
            continue;
        }
        let marked = Kind::of(&staging.path(MARK)).ok() == Some(Kind::File)
            || fsx::read_regular(&staging.path(OWNER), 64).ok().as_deref() == Some(OWNER_TEXT.as_bytes());
        if !marked {
            // Not provably ours: only an empty one (a run killed right after mkdir) goes.
            let _ = fs::remove_dir(&staging.dir);
            continue;
        }
        let shown = staging.shown.display();
        let journal = fsx::read_regular(&staging.path(PLAN), super::MAX_MANIFEST_BYTES).ok();
        let committed = Kind::of(&staging.path(STAGED_MANIFEST)).ok() == Some(Kind::Missing);
        match journal {
            None => notes.push(format!("removed `{shown}`, left by an interrupted render before it changed anything")),
            Some(_) if committed => notes.push(format!("removed `{shown}`, left by a render killed after it finished")),
            Some(bytes) => {
                let text = String::from_utf8(bytes).ok();
                let journal = text.as_deref().and_then(Journal::parse).ok_or_else(|| Error::Recovery {
                    path: staging.shown.join(PLAN),
                    staging: staging.shown.clone(),
                })?;
                undo(folder, &staging, &journal)?;
                notes.push(format!(
                    "undid a render interrupted while switching files (`{shown}`): the previous output is back"
                ));
            }
        }
        staging.remove()?;
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_round_trips_and_refuses_anything_else() {
        let journal = Journal {
            mkdirs: vec!["iam".to_owned()],
            files: vec![("iam/a.json".to_owned(), fsx::hash(b"a")), ("main.tf.json".to_owned(), fsx::hash(b"t"))],
        };
        assert_eq!(Journal::parse(&journal.to_text()), Some(journal));
        assert_eq!(Journal::parse("hyperpod-iam plan 1\nmkdir\t../x\n"), None);
        assert_eq!(Journal::parse("hyperpod-iam plan 1\nmkdir\tx"), None, "cut short");
        assert_eq!(Journal::parse(""), None);
    }

    #[test]
    fn staging_names_differ() {
        assert_ne!(unpredictable(), unpredictable());
    }
}

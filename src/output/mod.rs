//! Writing a render into an output folder without ever hurting what is already there.
//!
//! The folder is resolved once and locked (an advisory `flock` on the folder itself, waited for a
//! bounded time). What an earlier run left half-done is finished first: a staging folder of a
//! killed run is rolled back or cleaned up. Files are then staged as they are rendered, one at a
//! time (a [`Writer`]), each hashed as it is written, so that a render's bytes never all sit in
//! memory: every path must be a plain relative path ([`check_artifact_path`]) with no symbolic
//! link on the way, and every file to overwrite or remove one the manifest says we wrote, with
//! the very content we wrote, unless `--force` takes it over. A file that turns out to hold the
//! bytes already at its place is not staged at all (see [`NewFileWriter`]), and a render that
//! changes nothing makes no staging folder. Only when every file passed is the
//! staging sealed (fsync'd) and switched in, with the manifest renamed in last as the commit
//! point; a refusal removes the staging folder and leaves the output folder as it was, a failure
//! during the switch restores the previous files, and a kill is undone by the next run. See
//! `switch.rs`.

mod error;
mod file;
mod fsx;
mod hooks;
mod lock;
mod manifest;
mod switch;

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::Error;
pub use file::NewFileWriter;
pub use manifest::{MANIFEST, MAX_MANIFEST_BYTES};

use crate::emit::check_artifact_path;
use file::{COMPARE_BUFFER, Target};
use fsx::Kind;
use manifest::{Entry, Manifest};
use switch::LazyStaging;

/// One file to write: the emitter that made it, its path below the output folder, its bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub emitter: &'a str,
    pub path: &'a str,
    pub contents: &'a [u8],
}

/// A render to write, all its files at hand (see [`Writer`] to write them as they are made).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `--out` as the user wrote it.
    pub out: &'a Path,
    /// The spec's `name`, recorded in the manifest.
    pub spec: &'a str,
    pub files: Vec<NewFile<'a>>,
    /// The emitters this run speaks for: a file an earlier run wrote for one of them and this run
    /// no longer makes is removed.
    pub scope: Vec<&'a str>,
    /// Take over files in the way that we did not write (or that changed), and output of another spec.
    pub force: bool,
}

/// Where a file comes in a render: its emitter's place in the selection, the part of the
/// emitter's work that made it, then its own place among that part's files. Emitters may stage
/// their files from several threads at once; [`Writer::commit`] reports files and refusals in
/// this order, whatever order they came in, so that a run's messages never depend on timing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub emitter: usize,
    /// The part of the emitter's work that made the file, for an emitter whose work is divided
    /// ([`crate::emit::Parts`]); 0 otherwise.
    pub part: usize,
    pub file: usize,
}

/// What a successful write did, paths relative to the output folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// In the order the files were given (by [`Place`] when they were given one).
    pub written: Vec<String>,
    /// Files of the render that were already there with the very same bytes, left untouched (in
    /// the same order).
    pub unchanged: Vec<String>,
    /// Files an earlier run wrote that this one no longer generates, removed.
    pub removed: Vec<String>,
    /// Files no longer generated that changed since; kept, and no longer tracked (`--force`).
    pub released: Vec<String>,
    /// What the recovery of an interrupted earlier run did, one line each.
    pub recovered: Vec<String>,
}

/// The output folder: its resolved path for every step, and how messages show it.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    pub root: PathBuf,
    pub shown: PathBuf,
}

impl Folder {
    pub fn at(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    pub fn show(&self, rel: &str) -> PathBuf {
        self.shown.join(rel)
    }
}

/// Writes a render all or nothing; on refusal returns every reason, each naming its file. The
/// paths are all checked before the folder is even created.
pub fn write(request: &Request<'_>) -> Result<Outcome, Vec<Error>> {
    check_paths(request)?;
    let mut writer = Writer::open(request.out, request.spec, request.force)?;
    for file in &request.files {
        writer.add(file.emitter, file.path, file.contents);
    }
    writer.commit(&request.scope)
}

/// Every path is writable and no two collide (the same path twice, or `iam` beside `iam/x`);
/// every name fits on a manifest line.
fn check_paths(request: &Request<'_>) -> Result<(), Vec<Error>> {
    let mut errors = Vec::new();
    let names = std::iter::once(request.spec).chain(request.files.iter().map(|f| f.emitter));
    let bad: BTreeSet<&str> = names.filter(|n| !manifest::is_plain(n)).collect();
    errors.extend(bad.into_iter().map(|n| Error::BadName(n.escape_debug().to_string())));
    let mut seen = BTreeMap::new();
    for file in &request.files {
        match check_new_path(&seen, file.emitter, file.path) {
            Err(e) => errors.push(e),
            Ok(()) => _ = seen.insert(file.path, ()),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A path that may join the ones already `seen`: writable, and neither one of them, nor a
/// folder of one of them, nor a file in a folder that is one of them.
fn check_new_path<K: Borrow<str> + Ord, V>(seen: &BTreeMap<K, V>, emitter: &str, path: &str) -> Result<(), Error> {
    check_artifact_path(path).map_err(|source| Error::BadPath { emitter: emitter.to_owned(), source })?;
    if seen.contains_key(path) {
        return Err(Error::Collision(path.to_owned()));
    }
    for (at, _) in path.match_indices('/') {
        if seen.contains_key(&path[..at]) {
            return Err(Error::Collision(path[..at].to_owned()));
        }
    }
    // A seen path below this one starts with `path/`, and sorts right after `path/`.
    let folder = format!("{path}/");
    let below = (Bound::Excluded(folder.as_str()), Bound::Unbounded);
    if seen.range::<str, _>(below).next().is_some_and(|(next, _)| next.borrow().starts_with(&folder)) {
        return Err(Error::Collision(path.to_owned()));
    }
    Ok(())
}

/// What the switch does, decided as the files come and before anything is switched.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// New files, by path, with their manifest entry.
    pub files: BTreeMap<String, Entry>,
    /// Files of the render already at their place with these bytes: recorded, not switched.
    pub kept: BTreeMap<String, Entry>,
    /// Folders to create, parents first.
    pub mkdirs: BTreeSet<String>,
    /// Existing files to move aside: overwritten ones and ones no longer generated.
    pub aside: BTreeSet<String>,
    pub removed: Vec<String>,
    pub released: Vec<String>,
    pub manifest: Manifest,
}

/// A render being written into an output folder, file by file, holding the folder's lock: each
/// [`Writer::add`] stages one file (its bytes can be dropped right after) and checks what it
/// would replace; [`Writer::commit`] switches them all in, or, when any file was refused, removes
/// the staging folder and returns every reason. Dropped without a commit, it removes its
/// staging folder (and the output folder if it made it and it is empty).
pub struct Writer {
    folder: Folder,
    spec: String,
    force: bool,
    old: Manifest,
    /// The manifest's text as read: when nothing else changes and the new one is the same, the
    /// render changes nothing.
    old_text: Option<String>,
    other_spec: bool,
    recovered: Vec<String>,
    plan: Plan,
    /// Every path given so far, for collisions: a path is claimed when its file is begun.
    claimed: BTreeMap<String, ()>,
    /// Where the next file given without a place goes.
    next: Place,
    /// Each with its place and whether it was staged (or found unchanged); sorted at the commit.
    written: Vec<(Place, String, bool)>,
    errors: Vec<(Place, Error)>,
    /// Set after an I/O error while staging: nothing more is staged.
    broken: bool,
    /// Taken by the commit, which then owns what becomes of it.
    staging: Option<Arc<LazyStaging>>,
    /// The folders `open` created for `--out`, innermost first.
    created: Vec<PathBuf>,
    _lock: lock::Lock,
}

impl Writer {
    /// Creates (if needed), resolves and locks the output folder, finishes what an earlier run
    /// left and reads the manifest. The staging folder is made when a file first needs it.
    pub fn open(out: &Path, spec: &str, force: bool) -> Result<Writer, Vec<Error>> {
        if !manifest::is_plain(spec) {
            return Err(vec![Error::BadName(spec.escape_debug().to_string())]);
        }
        let shown = out.to_path_buf();
        let created: Vec<PathBuf> =
            shown.ancestors().take_while(|p| !p.as_os_str().is_empty() && !p.exists()).map(Path::to_path_buf).collect();
        std::fs::create_dir_all(&shown).map_err(|e| vec![Error::io("create", &shown)(e)])?;
        let root = std::fs::canonicalize(&shown).map_err(|e| vec![Error::io("resolve", &shown)(e)])?;
        let folder = Folder { root, shown };
        let lock = lock::acquire(&folder).map_err(|e| vec![e])?;
        let recovered = switch::recover(&folder).map_err(|e| vec![e])?;
        let (old, old_text) = match read_manifest(&folder).map_err(|e| vec![e])? {
            Some((manifest, text)) => (Some(manifest), Some(text)),
            None => (None, None),
        };
        let mut errors: Vec<(Place, Error)> = Vec::new();
        let other_spec = old.as_ref().is_some_and(|m| m.spec != spec);
        if let Some(old) = &old
            && other_spec
            && !force
        {
            errors.push((
                Place::default(),
                Error::OtherSpec { out: folder.shown.clone(), old: old.spec.clone(), new: spec.to_owned() },
            ));
        }
        let staging = Arc::new(LazyStaging::new(&folder));
        Ok(Writer {
            folder,
            spec: spec.to_owned(),
            force,
            old: old.unwrap_or_default(),
            old_text,
            other_spec,
            recovered,
            plan: Plan::default(),
            claimed: BTreeMap::new(),
            next: Place::default(),
            written: Vec::new(),
            errors,
            broken: false,
            staging: Some(staging),
            created,
            _lock: lock,
        })
    }

    /// Stages one file that `emitter` made, and checks the place it goes to. A refusal is kept
    /// for [`Writer::commit`], which then writes nothing.
    pub fn add(&mut self, emitter: &str, path: &str, contents: &[u8]) {
        let mut file = self.create(emitter, path);
        file.write(contents);
        self.close(file);
    }

    /// Starts staging a file that `emitter` makes, to be written in pieces and given back to
    /// [`Writer::close`]. A path refused is kept for [`Writer::commit`]; its bytes go nowhere.
    pub fn create(&mut self, emitter: &str, path: &str) -> NewFileWriter {
        let place = self.next;
        self.next.file += 1;
        self.create_at(place, emitter, path)
    }

    /// [`Writer::create`] for the file at `place` of the render. The returned writer may be
    /// written from another thread than the one that closes it.
    pub fn create_at(&mut self, place: Place, emitter: &str, path: &str) -> NewFileWriter {
        let mut file = NewFileWriter {
            place,
            emitter: emitter.to_owned(),
            path: path.to_owned(),
            refused: true,
            ended: false,
            to: Target::Nowhere,
            hasher: fsx::Hasher::default(),
            staging: None,
            shown: PathBuf::new(),
            error: None,
        };
        if !manifest::is_plain(emitter) {
            self.errors.push((place, Error::BadName(emitter.escape_debug().to_string())));
            return file;
        }
        if let Err(e) = check_new_path(&self.claimed, emitter, path) {
            self.errors.push((place, e));
            return file;
        }
        self.claimed.insert(path.to_owned(), ());
        file.refused = false;
        if let Some(staging) = &self.staging
            && !self.broken
        {
            file.staging = Some(Arc::clone(staging));
            match self.same_place(path) {
                Some(old) => file.to = Target::Same { old, shown: self.folder.show(path), matched: 0, buf: Vec::new() },
                None => file.stage(),
            }
        }
        file
    }

    /// The file already at `path`, to compare the new one with, when it is one this render may
    /// leave in place if the bytes are the same: a regular file reached through real folders.
    /// (Anything else is staged and judged by [`Writer::check_place`].)
    fn same_place(&self, path: &str) -> Option<BufReader<std::fs::File>> {
        if folders_on_the_way(&self.folder, path).ok()?.iter().any(|(_, kind)| *kind != Kind::Dir) {
            return None;
        }
        let (file, _) = fsx::open_regular(&self.folder.at(path)).ok()?;
        Some(BufReader::with_capacity(COMPARE_BUFFER, file))
    }

    /// Ends a file begun by [`Writer::create`]: records its hash and checks the place it goes to.
    pub fn close(&mut self, mut file: NewFileWriter) {
        if file.refused {
            return;
        }
        if file.error.is_none() && !file.ended {
            file.end();
        }
        if let Some(e) = file.error {
            // The first I/O failure stops the staging; one that others met after it (the
            // staging folder that could not be made) is said once.
            if !self.broken {
                self.errors.push((file.place, e));
            }
            self.broken = true;
            return;
        }
        let unchanged = file.unchanged();
        let entry = Entry { emitter: file.emitter, hash: file.hasher.finish() };
        // Left in place: the bytes at its place, reached through real folders, are the new ones
        // (what `check_place` would accept whatever the manifest says).
        if unchanged {
            self.plan.kept.insert(file.path.clone(), entry);
            self.written.push((file.place, file.path, false));
            return;
        }
        if let Err(e) = self.check_place(&file.path, &entry.hash) {
            self.errors.push((file.place, e));
        }
        self.plan.files.insert(file.path.clone(), entry);
        self.written.push((file.place, file.path, true));
    }

    /// What is at `path` now may be replaced by a file of this hash: a missing name, or a file
    /// we wrote (or that already holds these bytes), or anything but a folder under `--force`.
    fn check_place(&mut self, path: &str, hash: &str) -> Result<(), Error> {
        let folder = &self.folder;
        parents(folder, path, &mut self.plan.mkdirs)?;
        let at = folder.at(path);
        let show = || folder.show(path);
        match Kind::of(&at).map_err(Error::io("inspect", show()))? {
            Kind::Missing => return Ok(()),
            Kind::Symlink => return Err(Error::Symlink(show())),
            kind @ (Kind::Dir | Kind::Special) => return Err(Error::NotAFile { path: show(), kind: kind.noun() }),
            // `--force` takes the file over whatever it holds: no need to read it.
            Kind::File if self.force => {}
            Kind::File => {
                self.plan.aside.insert(path.to_owned());
                // Ours if it still has the hash the manifest lists (perhaps an older manifest's
                // SHA-256), or if it already holds the bytes of this render.
                let listed = self.old.files.get(path);
                let hashes: Vec<&str> = listed.map(|e| e.hash.as_str()).into_iter().chain([hash]).collect();
                return match fsx::matching(&at, MAX_FILE_BYTES, &hashes) {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) if listed.is_some() => Err(Error::Changed(show())),
                    Ok(None) => Err(Error::Foreign { path: show(), manifest: MANIFEST }),
                    // Too large or unreadable: not something we wrote.
                    Err(_) => Err(Error::Foreign { path: show(), manifest: MANIFEST }),
                };
            }
        }
        self.plan.aside.insert(path.to_owned());
        Ok(())
    }

    /// Decides what becomes of the files an earlier run wrote that this one did not make (those
    /// of the emitters in `scope`, or all of them for another spec's output), then seals the
    /// staging folder and switches it in; or, on any refusal, returns every reason.
    pub fn commit(mut self, scope: &[&str]) -> Result<Outcome, Vec<Error>> {
        // Stable: what one file met stays in the order it was met.
        self.errors.sort_by_key(|(place, _)| *place);
        let mut errors: Vec<Error> = std::mem::take(&mut self.errors).into_iter().map(|(_, e)| e).collect();
        self.plan.manifest.spec = self.spec.clone();
        for (path, entry) in std::mem::take(&mut self.old.files) {
            // A file of this render (staged, kept or failed) is not one it no longer makes.
            if self.claimed.contains_key(path.as_str()) {
                continue;
            }
            // Another spec's output is replaced whole; otherwise only the formats this run renders.
            if !self.other_spec && !scope.contains(&entry.emitter.as_str()) {
                self.plan.manifest.files.insert(path, entry);
                continue;
            }
            match stale(&self.folder, &path, &entry) {
                Ok(Stale::Gone) => {}
                Ok(Stale::Ours) => {
                    self.plan.aside.insert(path.clone());
                    self.plan.removed.push(path);
                }
                Ok(Stale::Changed) if self.force => self.plan.released.push(path),
                Ok(Stale::Changed) => errors.push(Error::ChangedStale(self.folder.show(&path))),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let files = self.plan.files.iter().chain(&self.plan.kept).map(|(path, entry)| (path.clone(), entry.clone()));
        self.plan.manifest.files.extend(files);
        let Some(staging) = self.staging.take() else { return Err(Vec::new()) };
        let plan = &self.plan;
        let same = plan.files.is_empty() && plan.aside.is_empty() && plan.mkdirs.is_empty();
        // Nothing to switch, and the manifest would say what it says: nothing changes on disk.
        if !(same && self.old_text.as_deref() == Some(plan.manifest.to_text().as_str())) {
            let made = staging.get().map_err(|e| vec![e])?;
            switch::apply(&self.folder, made, plan).map_err(|e| vec![e])?;
        }
        self.created.clear();
        let plan = std::mem::take(&mut self.plan);
        self.written.sort_by_key(|(place, _, _)| *place);
        let (written, unchanged): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.written).into_iter().partition(|(_, _, staged)| *staged);
        Ok(Outcome {
            written: written.into_iter().map(|(_, path, _)| path).collect(),
            unchanged: unchanged.into_iter().map(|(_, path, _)| path).collect(),
            removed: plan.removed,
            released: plan.released,
            recovered: std::mem::take(&mut self.recovered),
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(staging) = self.staging.take().as_deref().and_then(LazyStaging::made) {
            let _ = staging.remove();
        }
        // Only folders this run made, and only while empty.
        for dir in &self.created {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Files larger than this are never ours (the largest file of a 5,000-team render is about 20 MB).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The folders on the way to `rel`, outermost first, each with what it is; a symbolic link
/// among them is refused.
fn folders_on_the_way(folder: &Folder, rel: &str) -> Result<Vec<(String, Kind)>, Error> {
    let mut folders = Vec::new();
    for (at, _) in rel.match_indices('/') {
        let dir = &rel[..at];
        match Kind::of(&folder.at(dir)).map_err(Error::io("inspect", folder.show(dir)))? {
            Kind::Symlink => return Err(Error::Symlink(folder.show(dir))),
            kind => folders.push((dir.to_owned(), kind)),
        }
    }
    Ok(folders)
}

/// Checks the folders on the way to `rel`: each one a real folder or missing (then to create).
fn parents(folder: &Folder, rel: &str, mkdirs: &mut BTreeSet<String>) -> Result<(), Error> {
    for (dir, kind) in folders_on_the_way(folder, rel)? {
        match kind {
            Kind::Dir => {}
            Kind::Missing => {
                mkdirs.insert(dir);
            }
            kind => return Err(Error::NotAFolder { path: folder.show(&dir), kind: kind.noun() }),
        }
    }
    Ok(())
}

enum Stale {
    Gone,
    Ours,
    Changed,
}

/// What became of a file an earlier run wrote and this one no longer makes.
fn stale(folder: &Folder, rel: &str, entry: &Entry) -> Result<Stale, Error> {
    if folders_on_the_way(folder, rel)?.iter().any(|(_, kind)| *kind != Kind::Dir) {
        return Ok(Stale::Gone);
    }
    let at = folder.at(rel);
    match Kind::of(&at).map_err(Error::io("inspect", folder.show(rel)))? {
        Kind::Missing => Ok(Stale::Gone),
        Kind::File => match fsx::matching(&at, MAX_FILE_BYTES, &[&entry.hash]) {
            Ok(Some(_)) => Ok(Stale::Ours),
            _ => Ok(Stale::Changed),
        },
        _ => Ok(Stale::Changed),
    }
}

/// The manifest of the folder; `None` when there is none.
fn read_manifest(folder: &Folder) -> Result<Option<(Manifest, String)>, Error> {
    let at = folder.at(MANIFEST);
    let show = folder.show(MANIFEST);
    match Kind::of(&at).map_err(Error::io("inspect", &show))? {
        Kind::Missing => return Ok(None),
        Kind::File => {}
        Kind::Symlink => return Err(Error::Symlink(show)),
        kind => return Err(Error::NotAFile { path: show, kind: kind.noun() }),
    }
    let bytes = fsx::read_regular(&at, MAX_MANIFEST_BYTES)
        .map_err(|source| Error::UnreadableManifest { path: show.clone(), source })?;
    let damaged = |line, why: String| Error::DamagedManifest { path: show.clone(), line, why };
    let text = String::from_utf8(bytes).map_err(|_| damaged(1, "not UTF-8 text".to_owned()))?;
    Manifest::parse(&text).map(|manifest| Some((manifest, text))).map_err(|d| damaged(d.line, d.why))
}

#[cfg(test)]
mod tests;

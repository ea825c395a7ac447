//! Writing a render into an output folder without ever hurting what is already there.
//!
//! The folder is resolved once and locked (an advisory `flock` on the folder itself, waited for a
//! bounded time). What an earlier run left half-done is finished first: a staging folder of a
//! killed run is rolled back or cleaned up. Then the plan is checked before anything is written:
//! every path is a plain relative path ([`check_artifact_path`]), no symbolic link sits on the
//! way, and every file to overwrite or remove is one the manifest says we wrote, with the very
//! content we wrote, unless `--force` takes it over. Only then are the files staged (fsync'd)
//! and switched in, with the manifest renamed in last as the commit point; a failure before that
//! restores the previous files, and a kill is undone by the next run. See `switch.rs`.

mod error;
mod fsx;
mod hooks;
mod lock;
mod manifest;
mod switch;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use error::Error;
pub use manifest::{MANIFEST, MAX_MANIFEST_BYTES};

use crate::emit::check_artifact_path;
use fsx::Kind;
use manifest::{Entry, Manifest};

/// One file to write: the emitter that made it, its path below the output folder, its bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub emitter: &'a str,
    pub path: &'a str,
    pub contents: &'a [u8],
}

/// A render to write.
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

/// What a successful write did, paths relative to the output folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// In the order of the request.
    pub written: Vec<String>,
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

/// Writes a render all or nothing; on refusal returns every reason, each naming its file.
pub fn write(request: &Request<'_>) -> Result<Outcome, Vec<Error>> {
    check_paths(request)?;
    let shown = request.out.to_path_buf();
    std::fs::create_dir_all(&shown).map_err(|e| vec![Error::io("create", &shown)(e)])?;
    let root = std::fs::canonicalize(&shown).map_err(|e| vec![Error::io("resolve", &shown)(e)])?;
    let folder = Folder { root, shown };
    let _lock = lock::acquire(&folder).map_err(|e| vec![e])?;
    let recovered = switch::recover(&folder).map_err(|e| vec![e])?;
    let plan = plan(&folder, request)?;
    switch::apply(&folder, &plan).map_err(|e| vec![e])?;
    Ok(Outcome {
        written: request.files.iter().map(|f| f.path.to_owned()).collect(),
        removed: plan.removed,
        released: plan.released,
        recovered,
    })
}

/// Every path is writable and no two collide (the same path twice, or `iam` beside `iam/x`);
/// every name fits on a manifest line.
fn check_paths(request: &Request<'_>) -> Result<(), Vec<Error>> {
    let mut errors = Vec::new();
    let names = std::iter::once(request.spec).chain(request.files.iter().map(|f| f.emitter));
    let bad: BTreeSet<&str> = names.filter(|n| !manifest::is_plain(n)).collect();
    errors.extend(bad.into_iter().map(|n| Error::BadName(n.escape_debug().to_string())));
    let mut seen = BTreeSet::new();
    for file in &request.files {
        match check_artifact_path(file.path) {
            Err(source) => errors.push(Error::BadPath { emitter: file.emitter.to_owned(), source }),
            Ok(()) if !seen.insert(file.path) => errors.push(Error::Collision(file.path.to_owned())),
            Ok(()) => {}
        }
    }
    for path in &seen {
        let mut prefix = String::new();
        for segment in path.split('/') {
            if !prefix.is_empty() && seen.contains(prefix.as_str()) {
                errors.push(Error::Collision(prefix.clone()));
            }
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// What the switch does, decided before anything is written.
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    /// New files, by path: bytes and the manifest entry.
    pub files: BTreeMap<&'a str, (&'a [u8], Entry)>,
    /// Folders to create, parents first.
    pub mkdirs: BTreeSet<String>,
    /// Existing files to move aside: overwritten ones and ones no longer generated.
    pub aside: BTreeSet<String>,
    pub removed: Vec<String>,
    pub released: Vec<String>,
    pub manifest: Manifest,
}

fn plan<'a>(folder: &Folder, request: &Request<'a>) -> Result<Plan<'a>, Vec<Error>> {
    let old = read_manifest(folder).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut plan = Plan::default();
    let other_spec = old.as_ref().is_some_and(|m| m.spec != request.spec);
    if let Some(old) = &old
        && other_spec
        && !request.force
    {
        errors.push(Error::OtherSpec {
            out: folder.shown.clone(),
            old: old.spec.clone(),
            new: request.spec.to_owned(),
        });
    }
    let old = old.unwrap_or_default();
    for file in &request.files {
        let hash = fsx::hash(file.contents);
        if let Err(e) = parents(folder, file.path, &mut plan.mkdirs) {
            errors.push(e);
            continue;
        }
        let at = folder.at(file.path);
        let show = || folder.show(file.path);
        let kind = Kind::of(&at).map_err(Error::io("inspect", show()));
        match kind {
            Err(e) => errors.push(e),
            Ok(Kind::Missing) => {}
            Ok(Kind::Symlink) => errors.push(Error::Symlink(show())),
            Ok(kind @ (Kind::Dir | Kind::Special)) => errors.push(Error::NotAFile { path: show(), kind: kind.noun() }),
            // `--force` takes the file over whatever it holds: no need to read it.
            Ok(Kind::File) if request.force => {
                plan.aside.insert(file.path.to_owned());
            }
            Ok(Kind::File) => {
                match fsx::read_regular(&at, MAX_FILE_BYTES).map(|b| fsx::hash(&b)) {
                    Ok(current) => {
                        let listed = old.files.get(file.path);
                        let ours = listed.is_some_and(|e| e.hash == current) || current == hash;
                        if !ours {
                            errors.push(match listed {
                                Some(_) => Error::Changed(show()),
                                None => Error::Foreign { path: show(), manifest: MANIFEST },
                            });
                        }
                    }
                    // Too large or unreadable: not something we wrote.
                    Err(_) => errors.push(Error::Foreign { path: show(), manifest: MANIFEST }),
                }
                plan.aside.insert(file.path.to_owned());
            }
        }
        plan.files.insert(file.path, (file.contents, Entry { emitter: file.emitter.to_owned(), hash }));
    }

    plan.manifest.spec = request.spec.to_owned();
    for (path, entry) in old.files {
        if plan.files.contains_key(path.as_str()) {
            continue;
        }
        // Another spec's output is replaced whole; otherwise only the formats this run renders.
        if !other_spec && !request.scope.contains(&entry.emitter.as_str()) {
            plan.manifest.files.insert(path, entry);
            continue;
        }
        match stale(folder, &path, &entry) {
            Ok(Stale::Gone) => {}
            Ok(Stale::Ours) => {
                plan.aside.insert(path.clone());
                plan.removed.push(path);
            }
            Ok(Stale::Changed) if request.force => plan.released.push(path),
            Ok(Stale::Changed) => errors.push(Error::ChangedStale(folder.show(&path))),
            Err(e) => errors.push(e),
        }
    }
    plan.manifest.files.extend(plan.files.iter().map(|(path, (_, entry))| ((*path).to_owned(), entry.clone())));
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// Files larger than this are never ours (the largest file of a 3,000-team render is about 4 MB).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The folders on the way to `rel`, outermost first, each with what it is; a symbolic link
/// among them is refused.
fn folders_on_the_way(folder: &Folder, rel: &str) -> Result<Vec<(String, Kind)>, Error> {
    let segments: Vec<&str> = rel.split('/').collect();
    let mut folders = Vec::new();
    for depth in 1..segments.len() {
        let dir = segments[..depth].join("/");
        match Kind::of(&folder.at(&dir)).map_err(Error::io("inspect", folder.show(&dir)))? {
            Kind::Symlink => return Err(Error::Symlink(folder.show(&dir))),
            kind => folders.push((dir, kind)),
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
        Kind::File => match fsx::read_regular(&at, MAX_FILE_BYTES) {
            Ok(bytes) if fsx::hash(&bytes) == entry.hash => Ok(Stale::Ours),
            _ => Ok(Stale::Changed),
        },
        _ => Ok(Stale::Changed),
    }
}

/// The manifest of the folder; `None` when there is none.
fn read_manifest(folder: &Folder) -> Result<Option<Manifest>, Error> {
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
    Manifest::parse(&text).map(Some).map_err(|d| damaged(d.line, d.why))
}

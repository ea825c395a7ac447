//! Why `render` did not write, each message naming the file and what to do.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::emit::ArtifactPathError;

/// One reason the output folder was left as it was (or restored). Paths are shown as the user
/// wrote `--out`, joined with the file's path.
#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error("emitter `{emitter}` returned a path that cannot be written: {source}")]
    BadPath { emitter: String, source: ArtifactPathError },
    #[error("the name `{0}` cannot be recorded in the manifest: it is empty or has a control character")]
    BadName(String),
    #[error("this render would write `{0}` twice, or as a file and as a folder")]
    Collision(String),
    #[error(
        "`{}` is a symbolic link; hyperpod-iam never writes or deletes through one: replace it with a real folder or file, or choose another `--out`",
        .0.display()
    )]
    Symlink(PathBuf),
    #[error("`{}` is {kind} where this render writes a file; move it away (`--force` replaces files only)", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("`{}` is {kind} where this render needs a folder; move it away", path.display())]
    NotAFolder { path: PathBuf, kind: &'static str },
    #[error(
        "`{}` was not written by hyperpod-iam (it is not in `{manifest}`); move it away, or pass `--force` to overwrite it",
        path.display()
    )]
    Foreign { path: PathBuf, manifest: &'static str },
    #[error("`{}` changed since hyperpod-iam wrote it; move your changes away, or pass `--force` to overwrite it", .0.display())]
    Changed(PathBuf),
    #[error(
        "`{}` is no longer generated, but it changed since hyperpod-iam wrote it; move it away, or pass `--force` to keep it and stop tracking it",
        .0.display()
    )]
    ChangedStale(PathBuf),
    #[error(
        "`{}` holds output rendered from spec `{old}`, not `{new}`; choose another `--out`, or pass `--force` to replace that output",
        out.display()
    )]
    OtherSpec { out: PathBuf, old: String, new: String },
    #[error(
        "`{}` is damaged (line {line}: {why}), so hyperpod-iam cannot tell which files it wrote; check the files beside it, delete it, and render again with `--force` to take over the files in the way",
        path.display()
    )]
    DamagedManifest { path: PathBuf, line: usize, why: String },
    #[error(
        "cannot read `{}`: {source}; hyperpod-iam cannot tell which files it wrote without it: make it readable, or check the files beside it, delete it, and render again with `--force`",
        path.display()
    )]
    UnreadableManifest { path: PathBuf, source: io::Error },
    #[error(
        "another hyperpod-iam is rendering into `{}` (waited {waited:.1?} for its lock); try again when it has finished",
        out.display()
    )]
    Locked { out: PathBuf, waited: std::time::Duration },
    #[error(
        "cannot undo an interrupted render: `{}` changed since; that render's files are in `{}` (new/ and backup/): move what you need out of it, then delete it",
        path.display(),
        staging.display()
    )]
    Recovery { path: PathBuf, staging: PathBuf },
    #[error("{cause}; the previous output was restored")]
    RolledBack { cause: Box<Error> },
    #[error(
        "{cause}; restoring the previous output failed too ({undo}); its files are in `{}` (backup/), the new ones in new/",
        staging.display()
    )]
    Stranded { cause: Box<Error>, undo: Box<Error>, staging: PathBuf },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }

    /// The same failure again, for the next file that meets it: making the staging folder fails
    /// once, and every file that needs it reports that. (Only I/O failures are met twice.)
    pub(crate) fn again(&self) -> Error {
        match self {
            Error::Io { action, path, source } => {
                Error::Io { action, path: path.clone(), source: io::Error::new(source.kind(), source.to_string()) }
            }
            other => Error::Io { action: "stage", path: PathBuf::new(), source: io::Error::other(other.to_string()) },
        }
    }
}

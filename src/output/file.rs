//! One file of a render on its way to the staging folder, or found already in place.

use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;

use super::switch::LazyStaging;
use super::{Error, Place, fsx};

/// A file being staged (see [`super::Writer::create`]), hashed as it is written; the first write error is
/// kept for [`super::Writer::close`]. While its bytes are those of the file already at its place, it is
/// only compared with that file: a file that ends the same is never written (and keeps its
/// modification time); at the first byte that differs it is staged after all, from the bytes
/// that matched.
pub struct NewFileWriter {
    pub(super) place: Place,
    pub(super) emitter: String,
    pub(super) path: String,
    /// Refused before staging: nothing is written, nothing recorded.
    pub(super) refused: bool,
    /// [`NewFileWriter::end`] was called: later bytes are neither written nor hashed.
    pub(super) ended: bool,
    pub(super) to: Target,
    /// Of every byte given.
    pub(super) hasher: fsx::Hasher,
    pub(super) staging: Option<Arc<LazyStaging>>,
    /// The staged file, as messages show it.
    pub(super) shown: PathBuf,
    pub(super) error: Option<Error>,
}

/// Where a file's bytes go.
pub(super) enum Target {
    /// Nowhere: refused, failed or ended.
    Nowhere,
    /// Compared with the file at its place (`shown` as messages show it), of which the first
    /// `matched` bytes were the same; `buf` holds what is read to compare.
    Same { old: BufReader<std::fs::File>, shown: PathBuf, matched: u64, buf: Vec<u8> },
    /// Its staged file.
    File(std::fs::File),
}

/// How much of the file at a place is read at a time to compare: the emitters' pieces.
pub(super) const COMPARE_BUFFER: usize = 64 * 1024;

impl NewFileWriter {
    /// Ends the writing of the file: a file still the same as the one at its place is so for
    /// good if that one ends here too; a staged file's bytes start on their way to the disk (not
    /// waited for) and it is closed. Meant to be called before [`super::Writer::close`] and outside any
    /// lock on the writer; bytes written after it are ignored (neither staged nor hashed).
    pub fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Target::Same { old, .. } = &mut self.to {
            match old.fill_buf().map(|rest| rest.is_empty()) {
                Ok(true) => return,
                Ok(false) => self.diverge(),
                Err(e) => self.cannot_compare(e),
            }
        }
        if let Target::File(file) = std::mem::replace(&mut self.to, Target::Nowhere) {
            fsx::start_writeback(&file);
        }
    }

    /// Whether the file ended the same as the one at its place: it is not written.
    pub(super) fn unchanged(&self) -> bool {
        self.ended && matches!(self.to, Target::Same { .. })
    }

    /// Appends bytes to the file.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() || self.refused || self.ended {
            return;
        }
        if let Target::Same { old, matched, buf, .. } = &mut self.to {
            buf.resize(bytes.len(), 0);
            match fsx::read_up_to(old, buf) {
                Ok(n) if n == bytes.len() && buf[..] == *bytes => {
                    *matched += n as u64;
                    self.hasher.update(bytes);
                    return;
                }
                Ok(_) => self.diverge(),
                Err(e) => return self.cannot_compare(e),
            }
        }
        match &mut self.to {
            Target::File(file) => match file.write_all(bytes) {
                Ok(()) => self.hasher.update(bytes),
                Err(e) => self.error = Some(Error::io("write", &self.shown)(e)),
            },
            // Not staged (the render stopped staging after a failure): still hashed, so that
            // the place is judged on the bytes the render made.
            Target::Nowhere => self.hasher.update(bytes),
            Target::Same { .. } => {}
        }
    }

    /// Stages the file: from now on its bytes go to a new file in the staging folder.
    pub(super) fn stage(&mut self) {
        let Some(staging) = self.staging.clone() else { return };
        match staging.get().and_then(|staging| staging.new_file(&self.path)) {
            Ok((file, shown)) => {
                self.to = Target::File(file);
                self.shown = shown;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The bytes given differ from the file at the place: stages the file, starting with the
    /// bytes that matched, copied from that file and checked against the hash of those given
    /// (the file may have been changed since they were compared).
    fn diverge(&mut self) {
        let Target::Same { old, shown, matched, .. } = std::mem::replace(&mut self.to, Target::Nowhere) else {
            return;
        };
        self.stage();
        let Target::File(file) = &mut self.to else { return };
        let mut old = old.into_inner();
        let mut copy = fsx::Hashing::new(file);
        let copied = old.rewind().and_then(|()| std::io::copy(&mut (&mut old).take(matched), &mut copy));
        let failed = match copied {
            Ok(n) if n == matched && copy.finish() == self.hasher.clone().finish() => return,
            Ok(_) => Error::io("compare with", shown)(std::io::Error::other("it changed while this render read it")),
            Err(e) => Error::io("write", &self.shown)(e),
        };
        self.to = Target::Nowhere;
        self.error = Some(failed);
    }

    fn cannot_compare(&mut self, e: std::io::Error) {
        if let Target::Same { shown, .. } = std::mem::replace(&mut self.to, Target::Nowhere) {
            self.error = Some(Error::io("compare with", shown)(e));
        }
    }
}

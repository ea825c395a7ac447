//! Reading a spec with bounds: a size limit, regular files only, `-` for stdin.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use thiserror::Error;

/// The largest spec read, in bytes: 16 MiB. A spec of 20,000 scientist teams, each with a pod
/// role, a namespace and an extra statement, is about 8 MB; real specs are a few KB.
pub const MAX_SPEC_BYTES: u64 = 16 * 1024 * 1024;

/// How messages name standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Why a spec could not be read.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("cannot read `{name}`: {source}")]
    Io { name: String, source: io::Error },
    #[error("`{name}` is {kind}, not a spec file; give a regular file, or `-` to read standard input")]
    NotAFile { name: String, kind: &'static str },
    #[error("`{name}` is larger than the {} MiB a spec may have; is it the right file?", MAX_SPEC_BYTES / (1024 * 1024))]
    TooLarge { name: String },
}

/// The bytes of the spec at `path` (`-` for stdin) and the name messages give it.
///
/// A special file is refused before it is opened (opening a FIFO with no writer would block for
/// ever); a file larger than [`MAX_SPEC_BYTES`] is refused from its size, and any input, stdin
/// included, stops being read one byte past the limit.
pub fn read_spec(path: &Path) -> Result<(String, Vec<u8>), InputError> {
    if path.as_os_str() == "-" {
        let name = STDIN_NAME.to_owned();
        return read_bounded(io::stdin().lock(), &name).map(|bytes| (name, bytes));
    }
    let name = path.display().to_string();
    let io_error = |source| InputError::Io { name: name.clone(), source };
    let metadata = fs::metadata(path).map_err(io_error)?;
    check_kind(&metadata, &name)?;
    let file = File::open(path).map_err(io_error)?;
    // The name may have been replaced between the check and the open: check the handle too.
    let metadata = file.metadata().map_err(io_error)?;
    check_kind(&metadata, &name)?;
    if metadata.len() > MAX_SPEC_BYTES {
        return Err(InputError::TooLarge { name });
    }
    read_bounded(file, &name).map(|bytes| (name, bytes))
}

fn check_kind(metadata: &fs::Metadata, name: &str) -> Result<(), InputError> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let kind = if kind.is_dir() { "a folder" } else { "a special file (FIFO, socket or device)" };
    Err(InputError::NotAFile { name: name.to_owned(), kind })
}

fn read_bounded(reader: impl Read, name: &str) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io { name: name.to_owned(), source })?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(InputError::TooLarge { name: name.to_owned() });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_stop_one_byte_past_the_limit() {
        let endless = io::repeat(b'a');
        assert!(matches!(read_bounded(endless, "x"), Err(InputError::TooLarge { .. })));
        assert_eq!(read_bounded(&b"name: x\n"[..], "x").unwrap(), b"name: x\n");
    }

    #[test]
    fn devices_and_folders_are_refused_before_reading() {
        for (path, kind) in [("/dev/zero", "special"), ("/dev/null", "special"), ("/", "folder")] {
            let err = read_spec(Path::new(path)).unwrap_err();
            assert!(matches!(err, InputError::NotAFile { .. }), "{path}: {err}");
            assert!(err.to_string().contains(kind), "{err}");
        }
    }
}

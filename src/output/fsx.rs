//! File-system steps that never follow a symbolic link below the output folder.
//!
//! Rust's standard library has no `openat`, so a path is checked component by component with
//! `symlink_metadata` (lstat) just before it is used, and every final step is one that does not
//! follow a link by itself: `create_new` (`O_CREAT|O_EXCL` fails on any existing name, a dangling
//! link included), `create_dir`, `rename` and `remove_file` act on the link, not its target, and a
//! file is read only when the handle opened is the very inode that lstat saw (device and inode
//! compared). `libc::O_NOFOLLOW` would add nothing here: it guards only the last component, which
//! these calls already guard. What stays open is a folder swapped for a link between the check and
//! the use, by someone who can write into `--out` while we hold its lock; closing that needs
//! `openat`/`renameat` on folder handles (the `rustix` crate), see README.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a name is, without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

impl Kind {
    pub fn of(path: &Path) -> io::Result<Kind> {
        match fs::symlink_metadata(path) {
            Ok(m) => {
                let t = m.file_type();
                Ok(if t.is_symlink() {
                    Kind::Symlink
                } else if t.is_dir() {
                    Kind::Dir
                } else if t.is_file() {
                    Kind::File
                } else {
                    Kind::Special
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Kind::Missing),
            Err(e) => Err(e),
        }
    }

    /// How a message names it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::File => "a file",
            Kind::Dir => "a folder",
            Kind::Symlink => "a symbolic link",
            Kind::Special => "a special file (FIFO, socket or device)",
        }
    }
}

/// Opens a regular file that lstat has just seen, refusing when the handle opened is another
/// inode (a link or another file swapped in between); returns it with its size.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let seen = fs::symlink_metadata(path)?;
    if !seen.file_type().is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let file = File::open(path)?;
    let opened = file.metadata()?;
    if (opened.dev(), opened.ino()) != (seen.dev(), seen.ino()) || !opened.is_file() {
        return Err(io::Error::other("it was replaced while being opened"));
    }
    Ok((file, opened.len()))
}

/// Reads a regular file that lstat has just seen (see [`open_regular`]), refusing one that holds
/// more than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, _) = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!("it is larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// Which of the `recorded` hashes (BLAKE3, or an older manifest's SHA-256) the bytes of
/// a regular file that lstat has just seen (see [`open_regular`]) have: the index of the first
/// that matches. The file is read once, in pieces, with one hasher per algorithm named; refused
/// past `limit` bytes.
pub fn matching(path: &Path, limit: u64, recorded: &[&str]) -> io::Result<Option<usize>> {
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(io::Error::other(format!("it is larger than {limit} bytes")));
    }
    let mut algorithms: Vec<Algorithm> = recorded.iter().map(|h| Algorithm::of(h)).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    let mut hashers: Vec<Hasher> = algorithms.into_iter().map(Hasher::new).collect();
    let mut reader = file.take(limit.saturating_add(1));
    // 64 KiB at a time, as the writer hashes what it writes: BLAKE3 spreads a long piece over
    // the CPU's vector lanes, and `io::copy`'s 8 KiB pieces take it half as long again.
    let mut buf = vec![0; 64 * 1024];
    let mut copied = 0u64;
    loop {
        let n = read_up_to(&mut reader, &mut buf)?;
        copied += n as u64;
        hashers.iter_mut().for_each(|h| h.update(&buf[..n]));
        if n < buf.len() {
            break;
        }
    }
    if copied > limit {
        return Err(io::Error::other(format!("it is larger than {limit} bytes")));
    }
    let hashes: Vec<String> = hashers.into_iter().map(Hasher::finish).collect();
    Ok(recorded.iter().position(|r| hashes.iter().any(|h| h == r)))
}

/// Reads into `buf` until it is full or the reader ends; returns how much it read.
pub fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A hash algorithm the manifest names: BLAKE3, which this version writes, or SHA-256, which
/// version 1 of the manifest wrote (and which a hand edit may still use). BLAKE3 because hashing
/// every byte written with SHA-256 was the largest single cost of a large render (8 to 12 % of
/// its CPU at 4,998 teams, with the CPU's SHA extensions), and BLAKE3 hashes the same bytes in
/// a third of the time (BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Blake3,
    Sha256,
}

impl Algorithm {
    /// The algorithm of a recorded hash: SHA-256 for `sha256:`, else BLAKE3.
    pub fn of(recorded: &str) -> Algorithm {
        if recorded.starts_with(Algorithm::Sha256.prefix()) { Algorithm::Sha256 } else { Algorithm::Blake3 }
    }

    fn prefix(self) -> &'static str {
        match self {
            Algorithm::Blake3 => "blake3:",
            Algorithm::Sha256 => "sha256:",
        }
    }
}

/// A hash computed piece by piece (BLAKE3 by default); a clone gives the hash of what it has
/// seen so far.
#[derive(Clone)]
pub struct Hasher(State);

#[derive(Clone)]
enum State {
    /// Boxed: BLAKE3's state is about 1.9 KB, and every file being written holds a hasher.
    Blake3(Box<blake3::Hasher>),
    Sha256(Sha256),
}

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher::new(Algorithm::Blake3)
    }
}

impl Hasher {
    pub fn new(algorithm: Algorithm) -> Hasher {
        Hasher(match algorithm {
            Algorithm::Blake3 => State::Blake3(Box::default()),
            Algorithm::Sha256 => State::Sha256(Sha256::new()),
        })
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            State::Blake3(h) => {
                h.update(bytes);
            }
            State::Sha256(h) => h.update(bytes),
        }
    }

    /// The algorithm's prefix (`blake3:`, `sha256:`) and the lowercase hex digest of every byte
    /// seen: how the manifest records a file.
    pub fn finish(self) -> String {
        match self.0 {
            State::Blake3(h) => hex(Algorithm::Blake3, h.finalize().as_bytes()),
            State::Sha256(h) => hex(Algorithm::Sha256, &h.finalize()),
        }
    }
}

/// A writer that hashes what goes through it.
pub struct Hashing<W> {
    pub inner: W,
    digest: Hasher,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Hashing<W> {
        Hashing { inner, digest: Hasher::default() }
    }

    /// The hash of every byte written ([`Hasher::finish`]).
    pub fn finish(self) -> String {
        self.digest.finish()
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        self.digest.update(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `blake3:` and the lowercase hex BLAKE3 of the bytes: how the manifest records a file.
#[cfg(test)]
pub fn hash(bytes: &[u8]) -> String {
    let mut hasher = Hasher::default();
    hasher.update(bytes);
    hasher.finish()
}

fn hex(algorithm: Algorithm, digest: &[u8]) -> String {
    let prefix = algorithm.prefix();
    let mut text = String::with_capacity(prefix.len() + 2 * digest.len());
    text.push_str(prefix);
    for byte in digest.iter() {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    text
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether a string is a hash the manifest may record: `blake3:` (what [`Hasher`] gives) or
/// `sha256:`, and 64 lowercase hex digits.
pub fn is_hash(text: &str) -> bool {
    [Algorithm::Blake3, Algorithm::Sha256]
        .iter()
        .any(|a| text.strip_prefix(a.prefix()).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| HEX.contains(&b))))
}

/// Creates a file that did not exist (never through a link) and writes it; [`sync_file`] flushes it.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    create_new(path)?.write_all(bytes)
}

/// Creates a file that did not exist, never through a link.
pub fn create_new(path: &Path) -> io::Result<File> {
    File::options().write(true).create_new(true).open(path)
}

/// Starts writing a finished file's bytes to disk without waiting for them, so that the disk works
/// while the rest of the render is made and the flush that seals the render (see [`Flusher`]) finds
/// little left to write: at 72 MB in 100 files that flush went from 50 ms to 6 ms. Advice only
/// (Linux's `POSIX_FADV_DONTNEED` starts the write-back of the file's dirty pages, then drops
/// those already clean, which a file just written has none of); a failure changes nothing.
pub fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Makes what a render wrote durable. On Linux one `syncfs` per flush on the file system that
/// holds the folder it was opened on (every path flushed must be on it): the kernel writes out
/// every dirty page and inode of that file system and flushes the disk's cache once, where an
/// `fsync` per path flushes it once per path (the built-in example's render made 20 flushes;
/// ten small files take 2.5 ms by `fsync` and 0.6 ms by one `syncfs` on this machine's disk).
/// The price is that data other programs left dirty on the same file system is written out too,
/// which a render then waits for. Elsewhere, one `fsync` per path, on every core.
///
/// Open it before writing: since Linux 5.8 `syncfs` reports a write error of any file on the
/// file system that happened after the handle was opened (a failed early write-back of one of
/// ours, see [`start_writeback`], included).
pub struct Flusher {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    folder: File,
}

impl Flusher {
    pub fn open(folder: &Path) -> io::Result<Flusher> {
        Ok(Flusher { folder: File::open(folder)? })
    }

    /// Makes `paths` (files, and the folders whose entries changed) durable, all of them.
    pub fn flush(&self, paths: &[PathBuf]) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let _ = paths;
            Ok(rustix::fs::syncfs(&self.folder)?)
        }
        #[cfg(not(target_os = "linux"))]
        flush_each(paths)
    }
}

/// One `fsync` per path, side by side (a flush mostly waits for the disk). Files written before
/// the first flush let the file system write them out together. (On Linux, for the tests only.)
#[cfg_attr(target_os = "linux", allow(dead_code))]
pub fn flush_each(paths: &[PathBuf]) -> io::Result<()> {
    crate::par::each(paths, |_, path| sync_path(path)).map_err(|(_, e)| e)
}

/// Flushes one file's content, or one folder's entries, to disk.
pub fn sync_path(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Creates a folder only this user can enter; fails if the name exists, whatever it is.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_blake3_in_hex_and_sha256_is_read() {
        // The published test vectors of both algorithms for the empty input.
        let empty_blake3 = "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
        let empty_sha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(hash(b""), empty_blake3);
        assert_eq!(Hasher::new(Algorithm::Sha256).finish(), empty_sha256);
        assert_eq!((Algorithm::of(empty_blake3), Algorithm::of(empty_sha256)), (Algorithm::Blake3, Algorithm::Sha256));
        assert!(is_hash(&hash(b"x")) && is_hash(empty_sha256));
        assert!(!is_hash("sha256:E3B0"));
        assert!(!is_hash(&empty_blake3.to_uppercase().replace("BLAKE3:", "blake3:")));
        assert!(!is_hash(&hash(b"x").replace("blake3:", "md5:")));
        let mut hashing = Hashing::new(Vec::new());
        hashing.write_all(b"a").unwrap();
        write!(hashing, "bc").unwrap();
        assert_eq!(hashing.inner, b"abc");
        assert_eq!(hashing.finish(), hash(b"abc"), "the hash of the bytes that went through");
    }

    #[test]
    fn a_flush_reports_what_it_cannot_flush() {
        let dir = std::env::temp_dir().join(format!("hyperpod-iam-flush-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        let flusher = Flusher::open(&dir).unwrap();
        write_new(&dir.join("sub/file"), b"x").unwrap();
        let written = [dir.join("sub/file"), dir.join("sub"), dir.clone()];
        flusher.flush(&written).unwrap();
        flush_each(&written).unwrap();
        let missing = [dir.join("sub/file"), dir.join("gone")];
        assert_eq!(flush_each(&missing).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(Flusher::open(&dir.join("gone")).is_err(), "the folder must exist");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn links_are_seen_not_followed() {
        let dir = std::env::temp_dir().join(format!("hyperpod-iam-fsx-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("target"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.join("target"), dir.join("link")).unwrap();
        assert_eq!(Kind::of(&dir.join("link")).unwrap(), Kind::Symlink);
        assert_eq!(Kind::of(&dir.join("nothing")).unwrap(), Kind::Missing);
        assert!(read_regular(&dir.join("link"), 100).is_err());
        assert!(write_new(&dir.join("link"), b"x").is_err(), "create_new refuses an existing link");
        assert_eq!(fs::read_to_string(dir.join("target")).unwrap(), "secret");
        assert!(read_regular(&dir.join("target"), 3).is_err(), "over the limit");
        assert_eq!(read_regular(&dir.join("target"), 6).unwrap(), b"secret");
        let secret = hash(b"secret");
        assert!(matching(&dir.join("link"), 100, &[&secret]).is_err());
        assert!(matching(&dir.join("target"), 5, &[&secret]).is_err(), "over the limit");
        assert_eq!(matching(&dir.join("target"), 6, &[&secret]).unwrap(), Some(0));
        // An older manifest's SHA-256, alone or beside another file's BLAKE3: the file is read once.
        let mut sha = Hasher::new(Algorithm::Sha256);
        sha.update(b"secret");
        let sha = sha.finish();
        assert_eq!(matching(&dir.join("target"), 6, &[&sha]).unwrap(), Some(0));
        assert_eq!(matching(&dir.join("target"), 6, &[&hash(b"other"), &sha, &secret]).unwrap(), Some(1));
        assert_eq!(matching(&dir.join("target"), 6, &[&hash(b"other")]).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}

//! `.hyperpod-iam-files`: what hyperpod-iam wrote in an output folder, and the proof.
//!
//! ```text
//! # hyperpod-iam manifest 2: the files hyperpod-iam wrote here; a changed line stops the next render
//! spec<TAB>ml-research
//! file<TAB>cloudformation<TAB>blake3:<64 hex digits><TAB>cloudformation.yaml
//! ```
//!
//! One `spec` line (the spec's `name`), then one `file` line per file, sorted by path: the
//! emitter that wrote it, the hash of the bytes written, the path. A file is ours only while
//! its content still has that hash. Anything else, an empty or truncated file included, is
//! damaged: the reader refuses it rather than guess.
//!
//! Version 2 records BLAKE3 hashes (`blake3:`); version 1, which hyperpod-iam wrote before, the
//! same lines with SHA-256 (`sha256:`). Both are read, and a line may use either: a folder
//! rendered by an older version is taken over as it is, and its next render writes version 2.
//! An older version refuses a version 2 manifest as one it does not read.

use std::collections::BTreeMap;

use crate::emit::check_artifact_path;

use super::fsx;

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = ".hyperpod-iam-files";

const HEADER: &str =
    "# hyperpod-iam manifest 2: the files hyperpod-iam wrote here; a changed line stops the next render";

/// The header of version 1, whose hashes are SHA-256.
const HEADER_1: &str =
    "# hyperpod-iam manifest 1: the files hyperpod-iam wrote here; a changed line stops the next render";

/// A manifest larger than this is damaged (a 20,000-team render lists about 40,000 files, 5 MB).
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// One file hyperpod-iam wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub emitter: String,
    pub hash: String,
}

/// The parsed manifest: the spec's name and the files, by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub spec: String,
    pub files: BTreeMap<String, Entry>,
}

/// Where a manifest is damaged: a 1-based line and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub line: usize,
    pub why: String,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, Damage> {
        let damage = |line: usize, why: &str| Damage { line, why: why.to_owned() };
        if text.is_empty() {
            return Err(damage(1, "the file is empty"));
        }
        if !text.ends_with('\n') {
            return Err(damage(text.lines().count(), "the last line is cut short"));
        }
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, HEADER | HEADER_1)) => {}
            Some((n, l)) if l.contains('\t') => {
                return Err(damage(n, "no header: an older hyperpod-iam wrote it, without content hashes"));
            }
            _ => return Err(damage(1, "not a hyperpod-iam manifest this version reads")),
        }
        let mut manifest = Manifest::default();
        let mut spec = None;
        for (n, line) in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["spec", name] if spec.is_none() && is_plain(name) => spec = Some((*name).to_owned()),
                ["spec", _] if spec.is_some() => return Err(damage(n, "a second `spec` line")),
                ["file", emitter, hash, path] => {
                    if !is_plain(emitter) {
                        return Err(damage(n, "the emitter name is empty or not printable"));
                    }
                    if !fsx::is_hash(hash) {
                        return Err(damage(n, "the hash is not `blake3:` or `sha256:` and 64 hex digits"));
                    }
                    if let Err(e) = check_artifact_path(path) {
                        return Err(Damage { line: n, why: e.to_string() });
                    }
                    let entry = Entry { emitter: (*emitter).to_owned(), hash: (*hash).to_owned() };
                    if manifest.files.insert((*path).to_owned(), entry).is_some() {
                        return Err(damage(n, "a path listed twice"));
                    }
                }
                _ => return Err(damage(n, "not a `spec` or `file` line")),
            }
        }
        manifest.spec = spec.ok_or_else(|| damage(1, "no `spec` line"))?;
        Ok(manifest)
    }

    pub fn to_text(&self) -> String {
        let mut text = format!("{HEADER}\nspec\t{}\n", self.spec);
        for (path, entry) in &self.files {
            text.push_str(&format!("file\t{}\t{}\t{path}\n", entry.emitter, entry.hash));
        }
        text
    }
}

/// Non-empty, no tab, newline or other control character: one field of one line.
pub fn is_plain(field: &str) -> bool {
    !field.is_empty() && !field.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest { spec: "ml-research".to_owned(), files: BTreeMap::new() };
        m.files.insert("iam/a.json".to_owned(), Entry { emitter: "iam-json".to_owned(), hash: fsx::hash(b"a") });
        m.files.insert("main.tf.json".to_owned(), Entry { emitter: "terraform".to_owned(), hash: fsx::hash(b"t") });
        m
    }

    #[test]
    fn round_trips_sorted() {
        let text = sample().to_text();
        assert_eq!(Manifest::parse(&text), Ok(sample()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "spec\tml-research");
        assert!(lines[2].starts_with("file\tiam-json\tblake3:") && lines[2].ends_with("\tiam/a.json"));
    }

    #[test]
    fn version_1_with_sha256_is_read() {
        let sha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let text = format!("{HEADER_1}\nspec\tml-research\nfile\tterraform\t{sha256}\tmain.tf.json\n");
        let manifest = Manifest::parse(&text).unwrap();
        assert_eq!(manifest.files["main.tf.json"].hash, sha256);
        assert!(manifest.to_text().starts_with(HEADER), "written back as version 2");
        let version_3 = text.replace("manifest 1", "manifest 3");
        assert!(
            Manifest::parse(&version_3).unwrap_err().why.contains("not a hyperpod-iam manifest this version reads")
        );
    }

    #[test]
    fn damage_is_refused_with_its_line() {
        let good = sample().to_text();
        let hash = fsx::hash(b"x");
        let cases = [
            (String::new(), 1, "empty"),
            (good.trim_end().to_owned(), 4, "cut short"),
            ("cloudformation\tcloudformation.yaml\n".to_owned(), 1, "older hyperpod-iam"),
            ("hello\n".to_owned(), 1, "not a hyperpod-iam manifest"),
            (format!("{HEADER}\n"), 1, "no `spec` line"),
            (format!("{good}spec\tother\n"), 5, "second `spec`"),
            (format!("{good}file\tx\t{hash}\tNOTES.md\tmore\n"), 5, "not a `spec` or `file`"),
            (format!("{good}file\tx\t{hash}\t.git/config\n"), 5, "hidden"),
            (format!("{good}file\tx\t{hash}\t../x\n"), 5, "`..`"),
            (format!("{good}file\tx\t{hash}\t/etc/passwd\n"), 5, "absolute"),
            (format!("{good}file\tx\tsha256:00\tx\n"), 5, "64 hex"),
            (format!("{good}file\t\t{hash}\tx\n"), 5, "emitter name"),
            (format!("{good}file\tx\t{hash}\tmain.tf.json\n"), 5, "listed twice"),
        ];
        for (text, line, why) in cases {
            let damage = Manifest::parse(&text).unwrap_err();
            assert_eq!(damage.line, line, "{text:?}: {damage:?}");
            assert!(damage.why.contains(why), "{text:?}: {damage:?}");
        }
    }
}

//! The one check every artifact path passes before anything is written: an emitter, a user
//! template or a hand-edited manifest can name only a plain file below the output folder.

use thiserror::Error;

/// The longest artifact path accepted, in bytes (Linux's `PATH_MAX` is 4,096 for the whole path).
pub const MAX_ARTIFACT_PATH: usize = 1024;

/// Why an artifact path was refused. Each message quotes the path as given.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ArtifactPathError {
    #[error("the artifact path is empty")]
    Empty,
    #[error("`{0}` is longer than {MAX_ARTIFACT_PATH} bytes")]
    TooLong(String),
    #[error("`{0}` is absolute; an artifact path is relative to the output folder")]
    Absolute(String),
    #[error("`{0}` has an empty segment (`//` or a trailing `/`)")]
    EmptySegment(String),
    #[error("`{0}` has a `.` or `..` segment; an artifact path never leaves or names its folder")]
    DotSegment(String),
    #[error("`{0}` has a segment starting with `.`; hidden names (`.git`, `.hyperpod-iam-*`) are not ours to write")]
    Hidden(String),
    #[error("`{0}` contains a control character, a backslash or a NUL")]
    BadCharacter(String),
}

/// Accepts a `/`-separated path relative to the output folder, made of non-empty segments that are
/// neither `.`, `..` nor hidden, with no control character (NUL, tab, newline...) and no backslash.
///
/// Hidden segments are refused so that no artifact can land in `.git/` or collide with the
/// manifest or the staging folders; control characters so that a path is always one line of the
/// manifest and one readable line of output; backslashes so that a path means the same everywhere.
pub fn check_artifact_path(path: &str) -> Result<(), ArtifactPathError> {
    let owned = || path.escape_debug().to_string();
    if path.is_empty() {
        return Err(ArtifactPathError::Empty);
    }
    if path.len() > MAX_ARTIFACT_PATH {
        return Err(ArtifactPathError::TooLong(owned()));
    }
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return Err(ArtifactPathError::BadCharacter(owned()));
    }
    if path.starts_with('/') {
        return Err(ArtifactPathError::Absolute(owned()));
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err(ArtifactPathError::EmptySegment(owned())),
            "." | ".." => return Err(ArtifactPathError::DotSegment(owned())),
            s if s.starts_with('.') => return Err(ArtifactPathError::Hidden(owned())),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_pass() {
        for ok in ["cloudformation.yaml", "iam/a-role.json", "a/b/c.d.json", "x..y", "naïve.txt"] {
            assert_eq!(check_artifact_path(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn every_escape_is_refused_with_its_reason() {
        use ArtifactPathError as E;
        type Want = fn(String) -> E;
        let cases: &[(&str, Want)] = &[
            ("/etc/passwd", E::Absolute),
            ("iam//x.json", E::EmptySegment),
            ("iam/", E::EmptySegment),
            ("../x", E::DotSegment),
            ("iam/../../x", E::DotSegment),
            ("./x", E::DotSegment),
            (".git/config", E::Hidden),
            ("iam/.hyperpod-iam-files", E::Hidden),
            (".hyperpod-iam-files", E::Hidden),
            ("a\0b", E::BadCharacter),
            ("a\tb", E::BadCharacter),
            ("a\nb", E::BadCharacter),
            ("a\u{7f}b", E::BadCharacter),
            ("a\\..\\b", E::BadCharacter),
        ];
        for (path, want) in cases {
            assert_eq!(check_artifact_path(path), Err(want(path.escape_debug().to_string())), "{path:?}");
        }
        assert_eq!(check_artifact_path(""), Err(E::Empty));
        let long = "a/".repeat(600) + "b";
        assert!(matches!(check_artifact_path(&long), Err(E::TooLong(_))));
    }

    #[test]
    fn messages_quote_the_path_on_one_line() {
        let e = check_artifact_path("a\nb").unwrap_err().to_string();
        assert_eq!(e, "`a\\nb` contains a control character, a backslash or a NUL");
    }
}

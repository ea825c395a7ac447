//! The writer's own tests; `tests/output.rs` runs the binary.

use super::*;

#[test]
fn a_new_path_collides_with_a_seen_one_its_folders_and_its_files() {
    let seen: BTreeMap<String, ()> = ["iam/a.json", "main.tf.json", "x"].map(|p| (p.to_owned(), ())).into();
    let collision = |path: &str| match check_new_path(&seen, "e", path) {
        Err(Error::Collision(p)) => Some(p),
        _ => None,
    };
    assert_eq!(collision("main.tf.json").as_deref(), Some("main.tf.json"));
    assert_eq!(collision("iam").as_deref(), Some("iam"), "a file where a folder is");
    assert_eq!(collision("x/y.json").as_deref(), Some("x"), "a file below a file");
    assert_eq!(collision("iam/b.json"), None);
    assert_eq!(collision("ia"), None);
    assert_eq!(collision("iam.json"), None);
    assert!(matches!(check_new_path(&seen, "e", "../x"), Err(Error::BadPath { .. })));
}

/// Emitters on two threads give their files in any order; the outcome and the refusals are
/// in the order of the render, and a path is taken by the first file begun with it.
#[test]
fn files_and_refusals_are_reported_in_render_order_whatever_order_they_came_in() {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-places-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let place = |emitter, file| Place { emitter, part: 0, file };
    let stage = |writer: &mut Writer, at: Place, emitter: &str, path: &str| {
        let mut file = writer.create_at(at, emitter, path);
        file.write(path.as_bytes());
        file
    };

    let mut writer = Writer::open(&dir, "spec", false).unwrap();
    let late = stage(&mut writer, place(1, 1), "b", "b2");
    let mut early = stage(&mut writer, place(1, 0), "b", "b1");
    let first = stage(&mut writer, place(0, 0), "a", "a1");
    // Ended (its bytes on their way to the disk, the file closed) before it is closed, as the
    // render does: what was written stays, what comes after is not staged.
    early.end();
    early.write(b"late bytes");
    for file in [late, first, early] {
        writer.close(file);
    }
    let outcome = writer.commit(&["a", "b"]).unwrap();
    assert_eq!(outcome.written, ["a1", "b1", "b2"]);
    assert_eq!(std::fs::read_to_string(dir.join("b2")).unwrap(), "b2");
    assert_eq!(std::fs::read_to_string(dir.join("b1")).unwrap(), "b1");

    let mut writer = Writer::open(&dir, "spec", false).unwrap();
    let taken = stage(&mut writer, place(2, 0), "c", "a1");
    let collides = stage(&mut writer, place(0, 0), "a", "a1");
    let bad = stage(&mut writer, place(1, 0), "b", "../b");
    for file in [bad, collides, taken] {
        writer.close(file);
    }
    let errors: Vec<String> = writer.commit(&["a", "b", "c"]).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("a1"), "the collision, at the first emitter's place: {errors:?}");
    assert!(errors[1].contains("../b"), "{errors:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-writer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Renders one file `f`, given in `pieces`, into `dir`.
fn render_pieces(dir: &Path, pieces: &[&[u8]]) -> Result<Outcome, Vec<Error>> {
    let mut writer = Writer::open(dir, "spec", false)?;
    let mut file = writer.create("e", "f");
    for piece in pieces {
        file.write(piece);
    }
    file.end();
    writer.close(file);
    writer.commit(&["e"])
}

fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// Only the output and the manifest: no staging folder is left behind.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn a_file_that_ends_as_the_one_in_place_is_left_alone_and_any_other_is_staged_whole() {
    let dir = temp("same");
    assert_eq!(render_pieces(&dir, &[b"abcdef"]).unwrap().written, ["f"]);
    let (file, manifest) = (inode(&dir.join("f")), inode(&dir.join(MANIFEST)));

    // The same bytes in other pieces: nothing is written, not even the manifest.
    let outcome = render_pieces(&dir, &[b"ab", b"cdef"]).unwrap();
    assert_eq!((outcome.written.len(), outcome.unchanged.as_slice()), (0, &["f".to_owned()][..]));
    assert_eq!((inode(&dir.join("f")), inode(&dir.join(MANIFEST))), (file, manifest));

    // Each differs from the one before: in its second piece; by ending early (the new file is
    // the start of the old one); by going on (the old one is the start of the new); by being
    // empty. Each is staged whole, the bytes that matched included.
    let cases: [&[&[u8]]; 4] = [&[b"abc", b"dXf"], &[b"abcd"], &[b"ab", b"cd", b"Xf"], &[]];
    for pieces in cases {
        let outcome = render_pieces(&dir, pieces).unwrap();
        assert_eq!(outcome.written, ["f"], "{pieces:?}");
        assert_eq!(std::fs::read(dir.join("f")).unwrap(), pieces.concat(), "{pieces:?}");
        assert_eq!(names(&dir), [MANIFEST, "f"], "{pieces:?}");
    }
    assert_eq!(render_pieces(&dir, &[]).unwrap().unchanged, ["f"], "empty as before");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The bytes that matched are copied from the file in place when a later piece differs; if that
/// file changed in the meantime, they are not what the render made, and the render is refused.
#[test]
fn a_file_in_place_that_changes_while_it_is_compared_stops_the_render() {
    let dir = temp("changed-while-compared");
    render_pieces(&dir, &[b"abcdef"]).unwrap();
    let mut writer = Writer::open(&dir, "spec", false).unwrap();
    let mut file = writer.create("e", "f");
    file.write(b"abc");
    std::fs::write(dir.join("f"), b"xyzdef").unwrap();
    file.write(b"dXf");
    file.end();
    writer.close(file);
    let errors: Vec<String> = writer.commit(&["e"]).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("it changed while this render read it"), "{errors:?}");
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"xyzdef");
    assert_eq!(names(&dir), [MANIFEST, "f"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A link at the place, or on the way to it, is never read as the file in place, even when what
/// it leads to holds the very bytes.
#[test]
fn the_same_bytes_behind_a_link_are_refused_as_a_link() {
    let dir = temp("same-behind-link");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/f"), b"abc").unwrap();
    std::os::unix::fs::symlink("../real/f", dir.join("out/f")).unwrap();
    std::os::unix::fs::symlink("../real", dir.join("out/sub")).unwrap();
    for path in ["f", "sub/f"] {
        let mut writer = Writer::open(&dir.join("out"), "spec", true).unwrap();
        let mut file = writer.create("e", path);
        file.write(b"abc");
        file.end();
        writer.close(file);
        let errors = writer.commit(&["e"]).unwrap_err();
        assert!(matches!(errors.as_slice(), [Error::Symlink(_)]), "{path}: {errors:?}");
    }
    assert_eq!(names(&dir.join("out")), ["f", "sub"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

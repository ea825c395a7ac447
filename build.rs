//! Embeds the built-in template emitters of `emitters/` in the binary.
//!
//! Writes `$OUT_DIR/builtin_emitters.rs`: one entry per folder of `emitters/` that holds an
//! `emitter.yaml`, with every file of that folder as `include_str!`, folders and files sorted by
//! name so that the binary does not depend on the order the file system lists them in. The
//! manifests are parsed when the registry is built; a test loads every one of them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<io::Result<_>>()?;
    entries.sort();
    Ok(entries)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let emitters = root.join("emitters");
    println!("cargo::rerun-if-changed=emitters");
    let mut code =
        String::from("/// The built-in template emitters: folder name and `(file name, contents)` of each file.\n");
    code.push_str("pub(super) static BUILTIN: &[(&str, &[(&str, &str)])] = &[\n");
    for folder in sorted_entries(&emitters)? {
        if !folder.join("emitter.yaml").is_file() {
            continue;
        }
        let name = folder.file_name().and_then(|n| n.to_str()).ok_or("an emitter folder name is not UTF-8")?;
        writeln!(code, "    ({name:?}, &[")?;
        for file in sorted_entries(&folder)? {
            if !file.is_file() {
                continue;
            }
            let file_name = file.file_name().and_then(|n| n.to_str()).ok_or("a file name is not UTF-8")?;
            let full = file.to_str().ok_or("a path is not UTF-8")?;
            writeln!(code, "        ({file_name:?}, include_str!({full:?})),")?;
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    fs::write(PathBuf::from(env::var("OUT_DIR")?).join("builtin_emitters.rs"), code)?;
    Ok(())
}

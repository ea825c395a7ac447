//! Embeds the built-in template emitters of `emitters/` in the binary, and finds where each
//! action's entry is in the IAM catalog once, here, rather than each time a service is opened.
//!
//! Writes `$OUT_DIR/builtin_emitters.rs`: one entry per folder of `emitters/` that holds an
//! `emitter.yaml`, with every file of that folder as `include_str!`, folders and files sorted by
//! name so that the binary does not depend on the order the file system lists them in. The
//! manifests are parsed when the registry is built; a test loads every one of them.
//!
//! Writes `$OUT_DIR/catalog_layout.bin`: the table of `src/catalog/layout.rs` for
//! `src/catalog/data/catalog.txt` (empty if the data is not laid out as that file expects: the
//! catalog then walks each line it opens, and a test fails).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

#[allow(dead_code)] // `from_table` is for the crate.
#[path = "src/catalog/layout.rs"]
mod layout;

/// The JSON of each service line of the catalog, in order.
fn catalog_lines(data: &str) -> Option<Vec<&str>> {
    let (mut lens, mut body, mut offset) = (Vec::new(), None, 0);
    for line in data.split_inclusive('\n') {
        offset += line.len();
        let line = line.trim_end_matches('\n');
        if let Some(rest) = line.strip_prefix("service ") {
            let (prefix, len) = rest.split_once(' ')?;
            lens.push((prefix, len.parse::<usize>().ok()?));
        } else if line == "end" {
            body = Some(offset);
            break;
        }
    }
    let mut at = body?;
    let mut lines = Vec::with_capacity(lens.len());
    for (prefix, len) in lens {
        let line = data.get(at..at + len)?;
        at += len;
        lines.push(line.strip_prefix(prefix)?.strip_prefix('\t')?.strip_suffix('\n')?);
    }
    Some(lines)
}

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
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("builtin_emitters.rs"), code)?;

    println!("cargo::rerun-if-changed=src/catalog/data/catalog.txt");
    println!("cargo::rerun-if-changed=src/catalog/layout.rs");
    let data = fs::read_to_string(root.join("src/catalog/data/catalog.txt"))?;
    let table = catalog_lines(&data).and_then(|lines| layout::table(&lines)).unwrap_or_default();
    fs::write(out.join("catalog_layout.bin"), table)?;
    Ok(())
}

//! Where each action's entry is on a service's line of the catalog. Used at run time and by
//! `build.rs`, which finds every entry once when the binary is built (see [`from_table`]), so that
//! opening a service does not walk its line; hence plain `std` only.

/// The entries of the action list that opens a service's line, `{"a":[[...],[...]],...`, each
/// with its name (the entry's first string) and its text, and the rest of the line; `None` if
/// the line is not so laid out. Only brackets outside strings count, so a string may hold any
/// character.
pub fn entries(json: &str) -> Option<(Vec<(&str, &str)>, &str)> {
    let list = json.strip_prefix(r#"{"a":["#)?;
    let mut found = Vec::new();
    let (mut depth, mut start, mut name) = (0usize, 0usize, None);
    let mut i = 0;
    while let Some(&b) = list.as_bytes().get(i) {
        match b {
            b'"' => {
                let end = string_end(list, i + 1)?;
                if depth == 1 && i == start + 1 {
                    name = Some(list.get(i + 1..end)?);
                }
                i = end;
            }
            b'[' => {
                if depth == 0 {
                    (start, name) = (i, None);
                }
                depth += 1;
            }
            b']' if depth == 0 => return Some((found, list.get(i + 1..)?)),
            b']' => {
                depth -= 1;
                if depth == 0 {
                    let name = name.filter(|n: &&str| !n.contains('\\'))?;
                    found.push((name, list.get(start..=i)?));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where the JSON string whose text starts at `from` ends: the index of the first quote not
/// escaped by a backslash (jumped to, not walked to, since strings are most of a line).
fn string_end(s: &str, from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let quote = at + s.get(at..)?.find('"')?;
        let backslashes = s.get(from..quote)?.bytes().rev().take_while(|&b| b == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
        at = quote + 1;
    }
}

/// The entries of the line `json` as [`entries`] finds them, read from `table`, the words that
/// `build.rs` wrote for the whole catalog: the number of services, the word where each
/// service's part starts, and for each service the number of entries, where the rest of the line
/// starts, and per entry its start, its length and its name's length (all byte offsets into
/// `json`, all `u32` little-endian). `None` when the table has no such service or does not fit
/// the line.
pub fn from_table<'a>(table: &[u8], service: usize, json: &'a str) -> Option<(Vec<(&'a str, &'a str)>, &'a str)> {
    let word = |i: usize| -> Option<usize> {
        let bytes = table.get(i.checked_mul(4)?..i.checked_mul(4)?.checked_add(4)?)?;
        usize::try_from(u32::from_le_bytes(bytes.try_into().ok()?)).ok()
    };
    if service >= word(0)? {
        return None;
    }
    let at = word(service.checked_add(1)?)?;
    let (count, rest) = (word(at)?, word(at.checked_add(1)?)?);
    let mut found = Vec::with_capacity(count);
    for k in 0..count {
        let w = at.checked_add(2)?.checked_add(k.checked_mul(3)?)?;
        let (start, len, name_len) = (word(w)?, word(w.checked_add(1)?)?, word(w.checked_add(2)?)?);
        let entry = json.get(start..start.checked_add(len)?)?;
        found.push((entry.get(2..name_len.checked_add(2)?)?, entry));
    }
    Some((found, json.get(rest..)?))
}

/// The words of [`from_table`] for the lines of `services` (each line's JSON), or `None` if a
/// line is not laid out as [`entries`] expects.
// Written by `build.rs`; the crate's tests only compare it with the table it embeds.
#[cfg_attr(not(test), allow(dead_code))]
pub fn table(services: &[&str]) -> Option<Vec<u8>> {
    let mut parts: Vec<Vec<usize>> = Vec::with_capacity(services.len());
    for json in services {
        let (found, rest) = entries(json)?;
        // Both are slices of `json`.
        let offset = |s: &str| (s.as_ptr() as usize).checked_sub(json.as_ptr() as usize);
        let mut part = vec![found.len(), offset(rest)?];
        for (name, entry) in found {
            part.extend([offset(entry)?, entry.len(), name.len()]);
        }
        parts.push(part);
    }
    let mut words = vec![services.len()];
    let mut at = 1 + services.len();
    for part in &parts {
        words.push(at);
        at += part.len();
    }
    words.extend(parts.into_iter().flatten());
    let mut out = Vec::with_capacity(words.len() * 4);
    for w in words {
        out.extend(u32::try_from(w).ok()?.to_le_bytes());
    }
    Some(out)
}

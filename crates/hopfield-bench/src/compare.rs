//! Compares a record with a reference record (normally the committed one,
//! `benchmarks/record/full`): per table, whether the reproducible files are byte-identical,
//! and the first row that differs when they are not.
//!
//! Rows are matched by cell and trial, so a quick run (fewer trials, some cells of the full
//! run) is checked on the rows both records have. Wall times and provenance are not compared.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::RunOptions;

/// The cell and trial of a row.
#[derive(Deserialize)]
struct Key {
    cell: String,
    trial: usize,
}

/// What comparing one per-trial file found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowComparison {
    /// The files are equal byte for byte.
    pub identical_file: bool,
    /// Rows of the new record.
    pub rows: usize,
    /// Rows of the new record that the reference has, byte-identical.
    pub identical_rows: usize,
    /// Rows of the new record whose cell and trial the reference lacks.
    pub only_here: usize,
    /// Rows of the reference whose cell and trial the new record lacks.
    pub only_reference: usize,
    /// The first row (in the new record's order) that the reference has with other bytes:
    /// `(cell, trial, new line, reference line)`.
    pub first_difference: Option<(String, usize, String, String)>,
}

fn keyed(text: &str) -> Vec<(String, usize, &str)> {
    text.lines()
        .map(|line| match serde_json::from_str::<Key>(line) {
            Ok(k) => (k.cell, k.trial, line),
            Err(_) => (String::new(), usize::MAX, line),
        })
        .collect()
}

/// Compares two per-trial files given as text.
pub fn compare_rows(new: &str, reference: &str) -> RowComparison {
    let new_rows = keyed(new);
    let ref_rows = keyed(reference);
    let index: HashMap<(&str, usize), &str> = ref_rows
        .iter()
        .map(|(c, t, l)| ((c.as_str(), *t), *l))
        .collect();
    let mut out = RowComparison {
        identical_file: new == reference,
        rows: new_rows.len(),
        ..RowComparison::default()
    };
    let mut seen = std::collections::HashSet::new();
    for (cell, trial, line) in &new_rows {
        seen.insert((cell.as_str(), *trial));
        match index.get(&(cell.as_str(), *trial)) {
            None => out.only_here += 1,
            Some(r) if r == line => out.identical_rows += 1,
            Some(r) => {
                if out.first_difference.is_none() {
                    out.first_difference =
                        Some((cell.clone(), *trial, (*line).to_string(), (*r).to_string()));
                }
            }
        }
    }
    out.only_reference = ref_rows
        .iter()
        .filter(|(c, t, _)| !seen.contains(&(c.as_str(), *t)))
        .count();
    out
}

/// The first differing line of two texts: `(1-based line, new, reference)`.
pub fn first_different_line(new: &str, reference: &str) -> Option<(usize, String, String)> {
    if new == reference {
        return None;
    }
    let mut a = new.lines();
    let mut b = reference.lines();
    let mut k = 0;
    loop {
        k += 1;
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => {}
            (None, None) => return Some((k, "(line endings differ)".into(), String::new())),
            (x, y) => {
                return Some((
                    k,
                    x.unwrap_or("(end of file)").to_string(),
                    y.unwrap_or("(end of file)").to_string(),
                ));
            }
        }
    }
}

fn clip(line: &str) -> String {
    const MAX: usize = 240;
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

fn read(path: &Path) -> Option<String> {
    crate::record::read_text(path).ok().flatten()
}

/// Per-table files: the rows and the files derived from the instances alone.
const TABLE_FILES: [(&str, &[&str]); 6] = [
    ("tsp", &["tsp.jsonl", "tsp.references.json"]),
    ("queens", &["queens.jsonl"]),
    ("hitchcock", &["hitchcock.jsonl", "hitchcock.optima.json"]),
    (
        "readings",
        &[
            "readings-tsp.jsonl",
            "readings-queens.jsonl",
            "readings-hitchcock.jsonl",
            "readings.references.json",
        ],
    ),
    ("memory", &["memory.json"]),
    ("capacity", &["capacity.json"]),
];

/// Appends the report section comparing `record` with `reference`.
pub fn report_section(record: &Path, options: &RunOptions, reference: &Path, md: &mut String) {
    let shown = reference.display();
    let _ = writeln!(md, "## Comparison with the reference record\n");
    let Some(ref_options) = read(&reference.join("run-options.json"))
        .and_then(|t| serde_json::from_str::<RunOptions>(&t).ok())
    else {
        let _ = writeln!(
            md,
            "The reference `{shown}` is not a record folder: nothing was compared.\n"
        );
        return;
    };
    let _ = writeln!(
        md,
        "Each table's reproducible files against `{shown}`{}. Rows are matched by cell and \
         trial; wall times and provenance are not compared.\n",
        if ref_options.quick == options.quick {
            String::new()
        } else if options.quick {
            " (a full run: this quick run is checked on the rows both records have)".into()
        } else {
            " (a quick run: only the rows both records have are checked)".into()
        }
    );
    if ref_options.seed != options.seed {
        let _ = writeln!(
            md,
            "Not comparable: the seed overrides differ ({:?} here, {:?} in the reference), so \
             every trial has another random stream.\n",
            options.seed, ref_options.seed
        );
        return;
    }
    for (table, files) in TABLE_FILES {
        let mut lines = Vec::new();
        for file in files {
            let (Some(new), Some(old)) = (read(&record.join(file)), read(&reference.join(file)))
            else {
                if record.join(file).exists() {
                    lines.push(format!("`{file}`: not in the reference."));
                } else {
                    lines.push(format!("`{file}`: not in this record (table not run)."));
                }
                continue;
            };
            if file.ends_with(".jsonl") {
                lines.push(describe_rows(file, &compare_rows(&new, &old)));
            } else {
                lines.push(match first_different_line(&new, &old) {
                    None => format!("`{file}`: **byte-identical**."),
                    Some((k, a, b)) => format!(
                        "`{file}`: differs; first at line {k}:\n  - here: `{}`\n  - reference: `{}`",
                        clip(a.trim()),
                        clip(b.trim())
                    ),
                });
            }
        }
        let _ = writeln!(md, "- **{table}**: {}", lines.join(" "));
    }
    md.push('\n');
}

fn describe_rows(file: &str, c: &RowComparison) -> String {
    if c.identical_file {
        return format!("`{file}`: **byte-identical** ({} rows).", c.rows);
    }
    let mut text = match &c.first_difference {
        None if c.identical_rows == 0 => {
            format!("`{file}`: no row in common with the reference (other cells)")
        }
        None => format!(
            "`{file}`: the {} rows both records have are **byte-identical**",
            c.identical_rows
        ),
        Some(_) => format!(
            "`{file}`: **differs**; {} of the shared rows are identical",
            c.identical_rows
        ),
    };
    let mut extra = Vec::new();
    if c.only_here > 0 {
        extra.push(format!("{} rows only here", c.only_here));
    }
    if c.only_reference > 0 {
        extra.push(format!("{} rows only in the reference", c.only_reference));
    }
    if !extra.is_empty() {
        let _ = write!(text, " ({})", extra.join(", "));
    }
    text.push('.');
    if let Some((cell, trial, new, old)) = &c.first_difference {
        let _ = write!(
            text,
            " The first differing row is {cell} trial {trial}:\n  - here: `{}`\n  - reference: \
             `{}`\n",
            clip(new),
            clip(old)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str =
        "{\"cell\":\"x\",\"trial\":0,\"row\":1}\n{\"cell\":\"x\",\"trial\":1,\"row\":2}\n";

    #[test]
    fn identical_files_and_subsets() {
        let c = compare_rows(A, A);
        assert!(c.identical_file && c.identical_rows == 2 && c.first_difference.is_none());
        // A quick run with one trial of the same cell.
        let quick = "{\"cell\":\"x\",\"trial\":0,\"row\":1}\n";
        let c = compare_rows(quick, A);
        assert!(!c.identical_file);
        assert_eq!((c.identical_rows, c.only_here, c.only_reference), (1, 0, 1));
        assert!(describe_rows("t.jsonl", &c).contains("byte-identical"));
    }

    #[test]
    fn the_first_differing_row_is_named() {
        let changed = A.replace("\"row\":2", "\"row\":3");
        let c = compare_rows(&changed, A);
        let (cell, trial, new, old) = c.first_difference.clone().unwrap();
        assert_eq!((cell.as_str(), trial), ("x", 1));
        assert!(new.contains("\"row\":3") && old.contains("\"row\":2"));
        assert!(describe_rows("t.jsonl", &c).contains("x trial 1"));
        assert_eq!(
            first_different_line("a\nb\n", "a\nc\n"),
            Some((2, "b".into(), "c".into()))
        );
        assert_eq!(first_different_line("a\n", "a\n"), None);
    }
}

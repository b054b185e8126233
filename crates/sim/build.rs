//! Lists the built-in scenarios from the folder `scenarios/`, so a new file is picked
//! up by itself: the catalogue (each name with the header lines the page shows
//! before it has fetched the file) and, with `embedded-scenarios`, the texts.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.expect("a readable scenarios/ folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "scenario"))
        .collect();
    files.sort();
    let mut catalogue = String::from("pub const CATALOGUE: &[Listed] = &[\n");
    let mut texts = String::from(
        "#[cfg(feature = \"embedded-scenarios\")]\npub const BUILT_IN: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a UTF-8 file name");
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let header = Header::read(name, &text);
        writeln!(
            catalogue,
            "    Listed {{ name: {name:?}, title: {:?}, title_zh: {:?}, seed: {} }},",
            header.title, header.title_zh, header.seed
        )
        .unwrap();
        let path = path.canonicalize().expect("a scenario file's full path");
        writeln!(
            texts,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    catalogue.push_str("];\n");
    texts.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogue.rs");
    std::fs::write(out, catalogue + &texts).expect("OUT_DIR is writable");
}

/// The lines before the first step; `scenario::parse` reads the same ones (a test
/// checks that both agree on every file).
struct Header {
    title: String,
    title_zh: String,
    seed: u64,
}

impl Header {
    fn read(name: &str, text: &str) -> Header {
        let mut header = Header {
            title: name.to_owned(),
            title_zh: String::new(),
            seed: 0,
        };
        let mut seed = None;
        for line in text.lines().map(str::trim) {
            let Some((key, value)) = line.split_once(':').filter(|_| !line.starts_with('#')) else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "step" => break,
                "title" => header.title = value.to_owned(),
                "title.zh" => header.title_zh = value.to_owned(),
                "seed" => seed = value.parse().ok(),
                _ => {}
            }
        }
        // The page checks `?seed=` against a scenario's before fetching it.
        header.seed = seed.unwrap_or_else(|| {
            panic!("scenarios/{name}.scenario needs a `seed:` line before its first step")
        });
        header
    }
}

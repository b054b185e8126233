//! Replays the checked-in corpora of the `import_trace`, `decode_run` and
//! `decimal_numbers` fuzz targets, so the inputs fuzzing found interesting stay checked on
//! stable, without cargo-fuzz.
use std::fs;
use std::path::Path;

#[path = "fuzzing/bounded_replay.rs"]
mod bounded_replay;
#[path = "fuzzing/decimal_numbers.rs"]
mod decimal_numbers;
#[path = "fuzzing/decode_run.rs"]
mod decode_run;
#[path = "fuzzing/import_trace.rs"]
mod import_trace;

/// Feeds every file of `fuzz/corpus/<target>/` to `check`.
fn replay_corpus(target: &str, check: fn(&[u8])) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut replayed = 0;
    for entry in fs::read_dir(&corpus).expect("the corpus is checked in") {
        let path = entry.expect("a readable directory").path();
        let input = fs::read(&path).expect("a readable corpus file");
        println!("replaying {}", path.display());
        check(&input);
        replayed += 1;
    }
    assert!(replayed > 0, "the corpus at {} is empty", corpus.display());
}

#[test]
fn the_import_trace_corpus_never_panics() {
    replay_corpus("import_trace", import_trace::check_trace);
}

#[test]
fn the_decode_run_corpus_never_panics() {
    replay_corpus("decode_run", decode_run::check_run_link);
}

#[test]
fn the_decimal_numbers_corpus_reads_as_std_does() {
    replay_corpus("decimal_numbers", decimal_numbers::check_numbers);
}

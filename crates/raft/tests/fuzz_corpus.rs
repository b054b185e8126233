//! Replays the checked-in corpus of the `node_messages` fuzz target, so the
//! inputs fuzzing found interesting stay checked on stable, without
//! cargo-fuzz.
use std::fs;
use std::path::Path;

#[path = "fuzzing/node_messages.rs"]
mod node_messages;

#[test]
fn the_node_messages_corpus_keeps_a_node_coherent() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/node_messages");
    let mut replayed = 0;
    for entry in fs::read_dir(&corpus).expect("the corpus is checked in") {
        let path = entry.expect("a readable directory").path();
        let input = fs::read(&path).expect("a readable corpus file");
        println!("replaying {}", path.display());
        node_messages::run_operations(&input);
        replayed += 1;
    }
    assert!(replayed > 0, "the corpus at {} is empty", corpus.display());
}

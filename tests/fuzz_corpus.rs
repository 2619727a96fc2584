//! Replays every fuzz target's kept corpus and every minimised crash input
//! (`fuzz/corpus/TARGET`, `fuzz/regressions/TARGET`) through the library
//! function the fuzzer calls, so a crash once found stays fixed under a
//! plain `cargo test`, with no fuzzer installed.

use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn every_kept_fuzz_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = Vec::new();
    for (name, target) in emaillog::fuzzing::TARGETS {
        let mut n = 0;
        for folder in ["corpus", "regressions"] {
            for file in inputs(&root.join(folder).join(name)) {
                let data = std::fs::read(&file).unwrap();
                let caught = std::panic::catch_unwind(|| target(&data));
                assert!(caught.is_ok(), "{} fails {name}", file.display());
                n += 1;
            }
        }
        replayed.push((name, n));
    }
    // Every target has a corpus: an empty or missing folder would make
    // this test pass while replaying nothing.
    for (name, n) in &replayed {
        assert!(*n >= 3, "fuzz/corpus/{name} holds {n} inputs");
    }
    eprintln!("replayed: {replayed:?}");
}

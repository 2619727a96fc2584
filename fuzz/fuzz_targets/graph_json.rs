#![no_main]
//! graph_json: see `emaillog::fuzzing::graph_json` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::graph_json(data));

#![no_main]
//! fts_query: see `emaillog::fuzzing::fts_query` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::fts_query(data));

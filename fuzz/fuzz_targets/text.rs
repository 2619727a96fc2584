#![no_main]
//! text: see `emaillog::fuzzing::text` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::text(data));

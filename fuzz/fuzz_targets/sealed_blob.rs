#![no_main]
//! sealed_blob: see `emaillog::fuzzing::sealed_blob` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::sealed_blob(data));

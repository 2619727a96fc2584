#![no_main]
//! csv_import: see `emaillog::fuzzing::csv_import` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::csv_import(data));

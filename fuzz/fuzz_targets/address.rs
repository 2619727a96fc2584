#![no_main]
//! address: see `emaillog::fuzzing::address` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::address(data));

#![no_main]
//! sim_request: see `emaillog::fuzzing::sim_request` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::sim_request(data));

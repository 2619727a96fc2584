#![no_main]
//! imap_message: see `emaillog::fuzzing::imap_message` for what it feeds and asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| emaillog::fuzzing::imap_message(data));

#![no_main]
use chorus::core::ingest::Format;
use chorus_fuzz::harness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzz_format(Format::TwarcCsv, data);
});

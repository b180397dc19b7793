//! Policy file parse → compile → evaluate against a fixed review (the hostile matrix's
//! fee-max-fee-sat case, a bundle of the public test seed).
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::policy_eval(data));

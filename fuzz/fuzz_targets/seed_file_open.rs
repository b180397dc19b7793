//! Seed file open: the age header and payload, then the seed-file JSON inside. Unlocked with a
//! fixed age identity (no scrypt: a fuzzer cannot afford a work factor per input).
#![no_main]
use airsign::secrets::seedfile::{self, Unlock};
use libfuzzer_sys::fuzz_target;

/// A public, throwaway age identity (recipient age1c92jfxxal996l6sq3z2j635wyruc40gl8agce3wcehd74dxdkytslwydfa):
/// scripts/fuzz.sh seeds the corpus with seed files encrypted to it. Never a real key.
const IDENTITY: &str = "AGE-SECRET-KEY-10SJK7R4V5C935A6S8SZZKWAPKNUD2GPEUEWSECWJQVCL34TPJTHSEHQPAX";

fuzz_target!(|data: &[u8]| {
    let Ok(unlock) = seedfile::parse_identities(IDENTITY.as_bytes()) else {
        return;
    };
    let _ = seedfile::open(data, &unlock);
    // The scrypt path up to the work-factor check (a huge factor in a hostile file is refused
    // before any work).
    let _ = seedfile::open(data, &Unlock::Passphrase("fuzz".to_owned().into()));
});

//! libFuzzer on the `spec` target of `capi-fuzz`, with its structure-aware mutator
//! beside libFuzzer's own (half the mutations each).
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| capi_fuzz::targets::spec(data));

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = fastrand::Rng::with_seed(u64::from(seed));
    if rng.bool() {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let mutated = capi_fuzz::mutate::mutate(&mut rng, &data[..size], &[], false);
    let len = mutated.len().min(max_size);
    data[..len].copy_from_slice(&mutated[..len]);
    len
});

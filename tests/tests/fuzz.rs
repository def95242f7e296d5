//! The fuzz targets (`capi-fuzz`) on the stable toolchain: each target's seeds, its
//! findings so far (`tests/fixtures/fuzz/<target>/`, one file per input that once
//! crashed or hung, replayed unmutated), then mutated cases from a fixed, printed seed.
//! `CAPI_FUZZ_SEED` and `CAPI_FUZZ_CASES` (per target) reproduce or extend a run.

use capi_fuzz::driver::{self, Config};
use capi_fuzz::targets::{Target, ALL};

/// Mutated cases per target in CI (`CAPI_FUZZ_CASES` overrides): the whole test stays
/// within about two minutes on two cores in a debug build.
fn default_cases(name: &str) -> usize {
    match name {
        "spec" => 400,
        "payload" => 1500,
        "request" => 5000,
        _ => 2000,
    }
}

fn target(name: &str) -> &'static Target {
    ALL.iter().find(|t| t.name == name).expect("a target")
}

fn fuzz(name: &str) {
    let target = target(name);
    let fixtures = capi_fuzz::seeds::root()
        .join("tests/fixtures/fuzz")
        .join(name);
    let mut found: Vec<_> = std::fs::read_dir(&fixtures)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.sort();
    let config = Config::from_env(default_cases(name));
    let replayed = driver::run_inputs(
        target,
        found.iter().map(|path| {
            (
                path.display().to_string(),
                std::fs::read(path).expect("a fixture"),
            )
        }),
        config.case_timeout,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let summary = driver::run(target, &config).unwrap_or_else(|e| {
        panic!(
            "{e}\nreproduce: CAPI_FUZZ_SEED={:#x} CAPI_FUZZ_CASES={} cargo test -p tests --test fuzz {name}",
            config.seed, config.cases
        )
    });
    println!(
        "fuzz {name}: seed {:#x}, {} fixtures, {} runs ({} mutated), {:.1} s, slowest case {} ms",
        config.seed,
        replayed.runs,
        summary.runs,
        config.cases,
        summary.elapsed.as_secs_f64(),
        summary.slowest.as_millis()
    );
}

#[test]
fn spec() {
    fuzz("spec");
}

#[test]
fn har() {
    fuzz("har");
}

#[test]
fn trace() {
    fuzz("trace");
}

#[test]
fn payload() {
    fuzz("payload");
}

#[test]
fn request() {
    fuzz("request");
}

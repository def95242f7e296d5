//! The stable-toolchain driver: each seed as it is, then `cases` mutated inputs drawn from
//! a fixed seed, each run on a worker thread under a time bound. A panic or a case past
//! the bound is a finding: the input is written to `target/fuzz-findings/` and the run
//! stops with the seed and case number that reproduce it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::mutate::mutate;
use crate::targets::Target;

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The random seed every mutation derives from.
    pub seed: u64,
    /// Mutated cases per target (the seeds themselves run first, unmutated).
    pub cases: usize,
    /// The most one case may take.
    pub case_timeout: Duration,
}

impl Config {
    /// The defaults, overridden by `CAPI_FUZZ_SEED` (decimal or `0x` hex), `CAPI_FUZZ_CASES`
    /// and `CAPI_FUZZ_TIMEOUT_MS`.
    pub fn from_env(default_cases: usize) -> Config {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let seed = var("CAPI_FUZZ_SEED").map_or(0x5eed_cafe, |v| {
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("CAPI_FUZZ_SEED={v} is not a number"))
        });
        let cases = var("CAPI_FUZZ_CASES").map_or(default_cases, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("CAPI_FUZZ_CASES={v} is not a number"))
        });
        let timeout = var("CAPI_FUZZ_TIMEOUT_MS").map_or(30_000, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("CAPI_FUZZ_TIMEOUT_MS={v} is not a number"))
        });
        Config {
            seed,
            cases,
            case_timeout: Duration::from_millis(timeout),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Inputs run (seeds and mutated cases).
    pub runs: usize,
    /// The slowest case.
    pub slowest: Duration,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Where a finding's input is written.
pub fn findings_dir() -> PathBuf {
    crate::seeds::root().join("target/fuzz-findings")
}

/// Runs `inputs` through `target` on a worker thread, each under `timeout`. `Err` names
/// the first input that panicked or ran past the bound, and where it was written.
pub fn run_inputs(
    target: &Target,
    inputs: impl Iterator<Item = (String, Vec<u8>)>,
    timeout: Duration,
) -> Result<Summary, String> {
    let started = Instant::now();
    let (to_worker, jobs) = mpsc::sync_channel::<Vec<u8>>(0);
    let (done, results) = mpsc::channel::<Result<(), String>>();
    let run = target.run;
    std::thread::Builder::new()
        .name(format!("fuzz-{}", target.name))
        // What `std::thread::spawn` gives the capture workers: a deep input must not need more.
        .stack_size(2 << 20)
        .spawn(move || {
            for input in jobs {
                let outcome = catch_unwind(AssertUnwindSafe(|| run(&input))).map_err(|panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic".into())
                });
                if done.send(outcome).is_err() {
                    return;
                }
            }
        })
        .expect("a worker thread");
    let (mut runs, mut slowest) = (0, Duration::ZERO);
    for (name, input) in inputs {
        let began = Instant::now();
        to_worker
            .send(input.clone())
            .map_err(|_| "the worker stopped".to_string())?;
        let problem = match results.recv_timeout(timeout) {
            Ok(Ok(())) => None,
            Ok(Err(panic)) => Some(format!("panicked: {panic}")),
            Err(_) => Some(format!("ran past {timeout:?}")),
        };
        if let Some(problem) = problem {
            let dir = findings_dir().join(target.name);
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(name.replace(['/', ' '], "_"));
            let _ = std::fs::write(&file, &input);
            return Err(format!(
                "fuzz target `{}`, {name}: {problem}; input written to {}",
                target.name,
                file.display()
            ));
        }
        runs += 1;
        slowest = slowest.max(began.elapsed());
    }
    Ok(Summary {
        runs,
        slowest,
        elapsed: started.elapsed(),
    })
}

/// The seeds, unmutated, then `config.cases` mutated inputs.
pub fn run(target: &Target, config: &Config) -> Result<Summary, String> {
    let seeds = (target.seeds)();
    assert!(
        !seeds.is_empty(),
        "no seeds for fuzz target `{}`",
        target.name
    );
    // One stream per target, so a target's cases do not depend on the others.
    let stream = config.seed ^ fnv(target.name);
    let mut rng = fastrand::Rng::with_seed(stream);
    let originals = seeds
        .clone()
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("seed-{i}"), s));
    let mutated = (0..config.cases).map(move |case| {
        // The smaller of two seeds three times in four: large documents (nexus.json,
        // the contract) are slow per case and still get their share.
        let (a, b) = (rng.usize(..seeds.len()), rng.usize(..seeds.len()));
        let smaller = if seeds[a].len() <= seeds[b].len() {
            a
        } else {
            b
        };
        let input = &seeds[if rng.u8(..4) == 0 { a } else { smaller }];
        let bytes = mutate(&mut rng, input, &seeds, target.framed);
        (format!("case-{case}-seed-{:#x}", config.seed), bytes)
    });
    run_inputs(target, originals.chain(mutated), config.case_timeout)
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

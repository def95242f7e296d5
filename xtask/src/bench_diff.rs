//! `diff` as a user runs it, timed whole: a process per run (reading, loading both
//! documents, comparing, the report), the median of several runs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Runs `diff OLD NEW` in a fresh process `runs` times and reports the median wall time.
pub fn whole_process(
    old: &Path,
    new: &Path,
    runs: usize,
    io: &mut capi_contract::Io<'_>,
) -> anyhow::Result<()> {
    // This very binary has every command of the CLI.
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut samples: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let status = Command::new(&exe)
            .arg("diff")
            .arg(old)
            .arg(new)
            .args(["--fail-on", "none"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("cannot run diff")?;
        samples.push(start.elapsed());
        if !status.success() {
            bail!("diff {} {} failed: {status}", old.display(), new.display());
        }
    }
    samples.sort();
    writeln!(
        io.stdout,
        "diff as a process ({} → {}): median {:.0} ms of {} runs (min {:.0} ms, max {:.0} ms)",
        old.display(),
        new.display(),
        samples[samples.len() / 2].as_secs_f64() * 1e3,
        samples.len(),
        samples[0].as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
    )?;
    Ok(())
}

//! Writes every target's seed corpus to `DIR/<target>/` (default `fuzz/corpus`), plus
//! the findings kept as fixtures, for libFuzzer runs: `cargo fuzz run TARGET` reads it.

use capi_fuzz::{seeds, targets};

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| seeds::root().join("fuzz/corpus"), Into::into);
    for target in targets::ALL {
        let dir = out.join(target.name);
        std::fs::create_dir_all(&dir)?;
        let mut inputs = (target.seeds)();
        let fixtures = seeds::root().join("tests/fixtures/fuzz").join(target.name);
        if let Ok(entries) = std::fs::read_dir(fixtures) {
            inputs.extend(
                entries
                    .flatten()
                    .filter_map(|e| std::fs::read(e.path()).ok()),
            );
        }
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:04}")), input)?;
        }
        println!(
            "{}: {} inputs in {}",
            target.name,
            inputs.len(),
            dir.display()
        );
    }
    Ok(())
}

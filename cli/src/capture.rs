//! Checking captured traffic: files are read on one thread (a HAR as a stream of entries,
//! only split there), entries are parsed and checked on every core (handed over in batches
//! of 64), and outcomes are reported in capture order as they finish, so memory stays
//! bounded whatever the capture's size.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context};
use capi_generator::traffic::coverage::Coverage;
use capi_generator::traffic::har::{self, RawEntry};
use capi_generator::traffic::notes::CaptureNotes;
use capi_generator::traffic::{trace, CheckOptions, Checker, Exchange};
use capi_generator::validate::outcome::Outcome;
use capi_generator::validate::report;
use capi_generator::validate::Validator;

use crate::flags::Input;

/// How to check captures.
pub struct Options {
    /// The capture files (`-` is standard input).
    pub files: Vec<PathBuf>,
    /// The kind, when the user forces it.
    pub forced: Option<Input>,
    /// Report undeclared response fields.
    pub strict: bool,
    /// Report coverage after the outcomes.
    pub coverage: bool,
    /// API path prefix in captured URLs.
    pub base_path: Option<String>,
    /// Exchanges on Cloud Controller routes the contract does not describe fail.
    pub outside_fails: bool,
    /// Show progress on a terminal.
    pub progress: bool,
    /// Print peak memory and throughput at the end.
    pub stats: bool,
    /// Human report: list passing exchanges too, instead of a summary of them.
    pub list_all: bool,
    /// Report format.
    pub format: report::Format,
    /// The Cloud Controller version the checks judge by, for the report.
    pub version: Option<report::ContractVersion>,
    /// Rewrites each outcome before it is reported (e.g. explains violations by the
    /// contract's history).
    pub explain: Option<Explain>,
}

/// A rewrite of each outcome before it is reported.
pub type Explain = Box<dyn Fn(&mut Outcome) + Send + Sync>;

/// What the reader hands the checkers: an exchange (or why there is none), or a HAR entry
/// still to be parsed.
enum Item {
    Read(Result<Exchange, String>),
    Har(RawEntry),
}

/// Work travels between threads in batches (the index of the first, then each item with
/// the index of its capture in `Options::files`), so handing it over costs little next to
/// checking it.
type Batch = (usize, Vec<(usize, Item)>);

/// A checked item: its capture, its outcome, and what the capture's notes look at (the
/// exchange without its bodies).
type Checked = (usize, Outcome, Result<Exchange, String>);

/// Exchanges per batch.
const BATCH: usize = 64;

/// Checks every exchange of every capture and writes the report; returns the exit code.
pub fn run(validator: &Validator, options: &Options, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    if options.files.is_empty() {
        bail!("nothing to check: name capture files (HAR or cf trace), `-` for standard input, or a target for payloads");
    }
    let started = Instant::now();
    let stdin = if options.files.iter().any(|f| f.as_os_str() == "-") {
        let mut bytes = Vec::new();
        io.stdin
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        Some(bytes)
    } else {
        None
    };
    let total: u64 = options
        .files
        .iter()
        .map(|f| {
            if f.as_os_str() == "-" {
                stdin.as_ref().map_or(0, |b| b.len() as u64)
            } else {
                std::fs::metadata(f).map_or(0, |m| m.len())
            }
        })
        .sum();
    let read = AtomicU64::new(0);
    let check_options = CheckOptions {
        strict: options.strict,
        base_path: options.base_path.clone(),
        routes: Some(crate::routes()),
        outside_fails: options.outside_fails,
    };
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 16);
    // Drawn on the process's standard error, and only when it is a terminal (`Io` says so).
    let bar = (options.progress && io.stderr_is_terminal).then(|| progress_bar(total));
    let mut coverage = Coverage::new(validator.spec(), validator.operations());
    let mut writer = report::Writer::new(options.format, &mut io.stdout)?
        .locate_with(validator.source().locator());
    if let Some(version) = &options.version {
        writer.contract_version(version.clone())?;
    }
    if !options.list_all {
        writer = writer.summarising_passes();
    }
    let mut written = 0usize;
    let names: Vec<String> = options
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let mut notes: Vec<CaptureNotes> = names.iter().map(|n| CaptureNotes::new(n)).collect();

    let (work, work_queue) = sync_channel::<Batch>(workers * 2);
    let (done, finished) = sync_channel::<(usize, Vec<Checked>)>(workers * 2);
    // Workers own the queue: when they have all stopped (e.g. the report's reader went
    // away), the queue closes and the reader thread stops sending.
    let queue = Arc::new(Mutex::new(work_queue));
    let result: anyhow::Result<()> = std::thread::scope(|scope| {
        let files = &options.files;
        let (read_ref, stdin_ref, names_ref) = (&read, stdin.as_deref(), &names);
        scope.spawn(move || produce(files, stdin_ref, options.forced, read_ref, &work));
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (queue, done, check_options) = (Arc::clone(&queue), done.clone(), &check_options);
            handles.push(
                scope.spawn(move || consume(validator, names_ref, &queue, &done, check_options)),
            );
        }
        drop(done);
        drop(queue);
        let mut pending = BTreeMap::new();
        for (index, outcomes) in finished {
            pending.insert(index, outcomes);
            while let Some(checked) = pending.remove(&written) {
                written += checked.len();
                for (file, mut outcome, seen) in checked {
                    notes[file].observe(&seen);
                    if let Some(explain) = &options.explain {
                        explain(&mut outcome);
                    }
                    writer.outcome(&outcome)?;
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(read.load(Ordering::Relaxed));
                bar.set_message(format!("{written} exchanges"));
            }
        }
        for handle in handles {
            match handle.join() {
                Ok(seen) => coverage.merge(seen),
                Err(_) => bail!("a worker thread panicked"),
            }
        }
        Ok(())
    });
    result?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for note in notes.into_iter().flat_map(CaptureNotes::finish) {
        writer.note(&note);
    }
    let summary = writer.finish(options.coverage.then_some(&coverage))?;
    if options.stats {
        let seconds = started.elapsed().as_secs_f64();
        let megabytes = total as f64 / 1e6;
        writeln!(
            io.stderr,
            "checked {written} exchanges ({megabytes:.1} MB) in {seconds:.2} s: {:.1} MB/s, {:.0} exchanges/s, peak memory {}",
            megabytes / seconds,
            written as f64 / seconds,
            peak_memory().map_or_else(|| "unknown".to_string(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
        )?;
    }
    Ok(if summary.errors > 0 {
        2
    } else if summary.failed > 0 {
        1
    } else {
        0
    })
}

/// Reads every capture in order and queues its exchanges, numbered across files.
fn produce(
    files: &[PathBuf],
    stdin: Option<&[u8]>,
    forced: Option<Input>,
    read: &AtomicU64,
    work: &SyncSender<Batch>,
) {
    let mut index = 0usize;
    let mut open = true;
    let mut batch = Vec::with_capacity(BATCH);
    let mut send = |item: Option<(usize, Item)>| {
        // `None` flushes what is left.
        let flush = item.is_none();
        batch.extend(item);
        if (flush && !batch.is_empty()) || batch.len() >= BATCH {
            let items = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            let first = index;
            index += items.len();
            open = open && work.send((first, items)).is_ok();
        }
    };
    for (number, file) in files.iter().enumerate() {
        let name = file.display().to_string();
        let failed = |problem: String| Some((number, Item::Read(Err(problem))));
        let reader: Box<dyn Read> = if file.as_os_str() == "-" {
            Box::new(stdin.unwrap_or_default())
        } else {
            match std::fs::File::open(file) {
                Ok(handle) => Box::new(handle),
                Err(error) => {
                    send(failed(format!("cannot read {name}: {error}")));
                    continue;
                }
            }
        };
        let mut reader = std::io::BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: reader,
                read,
            },
        );
        let kind = match forced {
            Some(kind) => kind,
            None => match first_byte(&mut reader) {
                Some(b'{') => Input::Har,
                _ => Input::Trace,
            },
        };
        match kind {
            Input::Har | Input::Payload => {
                let read =
                    har::entries(reader, &mut |entry| send(Some((number, Item::Har(entry)))));
                if let Err(problem) = read {
                    send(failed(format!("{name}: {problem}")));
                }
            }
            Input::Trace => {
                let mut bytes = Vec::new();
                if let Err(error) = reader.read_to_end(&mut bytes) {
                    send(failed(format!("cannot read {name}: {error}")));
                    continue;
                }
                let text = trace::decode(&bytes);
                let exchanges = trace::parse(&text, &name);
                if exchanges.is_empty() {
                    send(failed(format!("{name}: no REQUEST/RESPONSE blocks found; is it a cf CLI trace (CF_TRACE=true)?")));
                }
                exchanges
                    .into_iter()
                    .for_each(|e| send(Some((number, Item::Read(e)))));
            }
        }
    }
    send(None);
}

fn first_byte(reader: &mut impl std::io::BufRead) -> Option<u8> {
    loop {
        let buffer = reader.fill_buf().ok()?;
        if buffer.is_empty() {
            return None;
        }
        match buffer
            .iter()
            .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        {
            Some(i) => return Some(buffer[i]),
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

/// Checks queued items until the queue closes; returns the coverage it saw.
fn consume(
    validator: &Validator,
    names: &[String],
    queue: &Mutex<Receiver<Batch>>,
    done: &SyncSender<(usize, Vec<Checked>)>,
    options: &CheckOptions,
) -> Coverage {
    let mut coverage = Coverage::new(validator.spec(), validator.operations());
    let mut checker = Checker::new(validator, options);
    loop {
        let next = queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok((index, items)) = next else { break };
        let checked = items
            .into_iter()
            .map(|(file, item)| {
                let exchange = match item {
                    Item::Read(exchange) => exchange,
                    Item::Har(entry) => entry.exchange(&names[file]),
                };
                let outcome = match &exchange {
                    Ok(exchange) => checker.check(exchange, &mut coverage),
                    Err(problem) => {
                        let input = problem.split(": ").next().unwrap_or_default().to_string();
                        Outcome::error(&input, Vec::new(), problem.clone())
                    }
                };
                let seen = exchange.map(|exchange| Exchange {
                    request_body: None,
                    response_body: None,
                    ..exchange
                });
                (file, outcome, seen)
            })
            .collect();
        if done.send((index, checked)).is_err() {
            break;
        }
    }
    coverage
}

struct Counting<'a> {
    inner: Box<dyn Read + 'a>,
    read: &'a AtomicU64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A bar over the bytes of every capture, redrawn at most five times a second.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(5),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("[{bar:30}] {bytes}/{total_bytes}, {msg}")
    {
        bar.set_style(style.progress_chars("#> "));
    }
    bar
}

/// The process's peak resident memory in KiB (`getrusage`, through `nix`).
#[cfg(unix)]
fn peak_memory() -> Option<u64> {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).ok()?;
    let max_rss = u64::try_from(usage.max_rss()).ok()?;
    // Linux and the BSDs count KiB; macOS counts bytes.
    Some(if cfg!(target_vendor = "apple") {
        max_rss / 1024
    } else {
        max_rss
    })
}

/// Not measured where there is no `getrusage`.
#[cfg(not(unix))]
fn peak_memory() -> Option<u64> {
    None
}

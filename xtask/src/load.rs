//! The benchmarks' HTTP load client: keep-alive HTTP/1.1 connections of its own (a
//! request written whole, the answer read with `httparse`, the body by its
//! `Content-Length` or chunks), latency one request at a time (median, p99) and
//! throughput with many requests in flight, one connection each (requests/s, errors).
//! The proxy and the in-memory Cloud Controller sections of `cargo xtask bench` both
//! measure with it. It is deliberately lean: on a two-core machine the client shares
//! the cores with the server it measures, so every microsecond it spends is taken from
//! the server's throughput.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request to send: method, URL (`http://host:port/path?query`) and body (empty for
/// a GET).
#[derive(Clone)]
pub struct Call {
    method: &'static str,
    url: String,
    body: Bytes,
}

impl Call {
    /// `GET url`.
    pub fn get(url: impl Into<String>) -> Call {
        Call {
            method: "GET",
            url: url.into(),
            body: Bytes::new(),
        }
    }

    /// `POST url` with a JSON body.
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: "POST",
            url: url.into(),
            body: body.into(),
        }
    }

    /// The `host:port` to connect to and the request target.
    fn split(&self) -> anyhow::Result<(&str, &str)> {
        let rest = self
            .url
            .strip_prefix("http://")
            .with_context(|| format!("{}: the load client speaks plain http only", self.url))?;
        Ok(match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        })
    }

    /// The request's bytes, with a bearer token.
    fn encode(&self, host: &str, target: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + target.len() + self.body.len());
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        out.extend_from_slice(host.as_bytes());
        out.extend_from_slice(b"\r\nauthorization: bearer bench\r\n");
        if !self.body.is_empty() || self.method != "GET" {
            out.extend_from_slice(b"content-type: application/json\r\ncontent-length: ");
            out.extend_from_slice(self.body.len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The requests of a run: call `i` is `calls(i)`.
pub type Calls = Arc<dyn Fn(usize) -> Call + Send + Sync>;

/// One keep-alive connection and the bytes read past the last answer.
struct Connection {
    host: String,
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// How an answer's body is delimited.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

impl Connection {
    async fn open(host: &str) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(host)
            .await
            .with_context(|| format!("cannot connect to {host}"))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            host: host.to_string(),
            stream,
            buffer: Vec::with_capacity(16 << 10),
        })
    }

    /// Reads more bytes into the buffer; an error at the end of the stream.
    async fn fill(&mut self) -> anyhow::Result<()> {
        self.buffer.reserve(64 << 10);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            bail!("the server closed the connection");
        }
        Ok(())
    }

    /// Sends `request` and reads its answer: status, body, and whether the connection
    /// can carry another request.
    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<(u16, Bytes, bool)> {
        self.stream.write_all(request).await?;
        self.answer().await
    }

    /// Reads the next answer on the connection: status, body, and whether the connection
    /// can carry another request.
    async fn answer(&mut self) -> anyhow::Result<(u16, Bytes, bool)> {
        let (status, head, framing, reusable) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head) = response.parse(&self.buffer)? {
                let status = response.code.unwrap_or_default();
                let mut framing = Framing::UntilClose;
                let mut reusable = response.version == Some(1);
                for header in response.headers.iter() {
                    let value = std::str::from_utf8(header.value).unwrap_or_default();
                    if header.name.eq_ignore_ascii_case("content-length") {
                        framing = Framing::Length(value.trim().parse()?);
                    } else if header.name.eq_ignore_ascii_case("transfer-encoding")
                        && value.to_ascii_lowercase().contains("chunked")
                    {
                        framing = Framing::Chunked;
                    } else if header.name.eq_ignore_ascii_case("connection") {
                        reusable = !value.eq_ignore_ascii_case("close");
                    }
                }
                break (status, head, framing, reusable);
            }
            self.fill().await?;
        };
        let body = match framing {
            Framing::Length(length) => {
                while self.buffer.len() < head + length {
                    self.fill().await?;
                }
                let body = Bytes::copy_from_slice(&self.buffer[head..head + length]);
                // Only what follows the answer (normally nothing) is moved.
                self.buffer.drain(..head + length);
                body
            }
            Framing::Chunked => {
                self.buffer.drain(..head);
                self.chunks().await?
            }
            Framing::UntilClose => {
                self.buffer.drain(..head);
                while self.fill().await.is_ok() {}
                return Ok((status, Bytes::from(std::mem::take(&mut self.buffer)), false));
            }
        };
        Ok((status, body, reusable))
    }

    /// A chunked body, its trailer section skipped.
    async fn chunks(&mut self) -> anyhow::Result<Bytes> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                    break at;
                }
                self.fill().await?;
            };
            let line = std::str::from_utf8(&self.buffer[..line_end])?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .with_context(|| format!("a bad chunk size line {line:?}"))?;
            self.buffer.drain(..line_end + 2);
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                        self.buffer.drain(..at + 2);
                        if at == 0 {
                            return Ok(body.into());
                        }
                    } else {
                        self.fill().await?;
                    }
                }
            }
            while self.buffer.len() < size + 2 {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buffer[..size]);
            self.buffer.drain(..size + 2);
        }
    }
}

/// A keep-alive HTTP/1.1 client that sends a bearer token with every request. Idle
/// connections are kept for the next request to the same host.
#[derive(Clone)]
pub struct Loader {
    idle: Arc<Mutex<Vec<Connection>>>,
    keep: usize,
}

/// Latency of requests sent one at a time.
pub struct Latency {
    /// The median.
    pub median: Duration,
    /// The 99th percentile.
    pub p99: Duration,
}

/// Requests completed with many in flight.
pub struct Throughput {
    /// Requests answered with the expected status.
    pub done: usize,
    /// Requests that failed or got another status.
    pub errors: usize,
    /// Wall time from the first request sent to the last answer.
    pub elapsed: Duration,
}

impl Throughput {
    /// Answered requests per second.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }
}

impl Loader {
    /// A client that keeps up to `connections` idle connections open.
    pub fn new(connections: usize) -> Loader {
        Loader {
            idle: Arc::default(),
            keep: connections.max(1),
        }
    }

    fn checkout(&self, host: &str) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let at = idle.iter().rposition(|c| c.host == host)?;
        Some(idle.swap_remove(at))
    }

    fn checkin(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.keep {
            idle.push(connection);
        }
    }

    /// Sends `call` on `connection` (one is opened when there is none, or when a kept one
    /// turns out closed); returns the answer and the connection when it can be reused.
    async fn send_on(
        &self,
        connection: Option<Connection>,
        call: &Call,
    ) -> anyhow::Result<((u16, Bytes), Option<Connection>)> {
        let (host, target) = call.split()?;
        let request = call.encode(host, target);
        if let Some(mut kept) = connection {
            match kept.exchange(&request).await {
                Ok((status, body, reusable)) => {
                    return Ok(((status, body), reusable.then_some(kept)))
                }
                // A kept connection the server has closed meanwhile: a GET once more on
                // a new one (anything else may have taken effect).
                Err(_) if call.method == "GET" => {}
                Err(error) => return Err(error),
            }
        }
        let mut fresh = Connection::open(host).await?;
        let (status, body, reusable) = fresh.exchange(&request).await?;
        Ok(((status, body), reusable.then_some(fresh)))
    }

    /// Sends one request and reads the whole answer: status and body.
    pub async fn send(&self, call: &Call) -> anyhow::Result<(u16, Bytes)> {
        let kept = self.checkout(call.split()?.0);
        let (answer, connection) = self.send_on(kept, call).await?;
        if let Some(connection) = connection {
            self.checkin(connection);
        }
        Ok(answer)
    }

    /// Sends `count` requests one after the other (call `i` is `calls(i)`) after `warm`
    /// untimed ones, each expected to answer `status`; their median and p99 latency.
    pub async fn latency(
        &self,
        count: usize,
        warm: usize,
        status: u16,
        calls: impl Fn(usize) -> Call,
    ) -> anyhow::Result<Latency> {
        anyhow::ensure!(count > 0, "no request to time");
        for i in 0..warm {
            self.send(&calls(i)).await?;
        }
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let call = calls(warm + i);
            let started = Instant::now();
            let (got, _) = self.send(&call).await?;
            samples.push(started.elapsed());
            anyhow::ensure!(got == status, "{} answered {got}", call.url);
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Ok(Latency {
            median: at(0.5),
            p99: at(0.99),
        })
    }

    /// Sends every call of `calls` over `connections` connections at once, each with
    /// `pipeline` requests written back to back before their answers are read (HTTP/1.1
    /// pipelining; 1 is one request at a time per connection; only for GETs), each
    /// connection taking the next calls as soon as its last are answered, until all are
    /// sent or `deadline` has passed; counts answers with `status`.
    pub async fn throughput(
        &self,
        calls: Calls,
        total: usize,
        connections: usize,
        pipeline: usize,
        deadline: Option<Duration>,
        status: u16,
    ) -> Throughput {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let pipeline = pipeline.max(1);
        let mut tasks = Vec::with_capacity(connections);
        for _ in 0..connections.max(1) {
            let (loader, next, calls) = (self.clone(), Arc::clone(&next), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                let (mut done, mut errors) = (0, 0);
                let mut connection: Option<Connection> = None;
                loop {
                    if deadline.is_some_and(|d| started.elapsed() >= d) {
                        break;
                    }
                    let first = next.fetch_add(pipeline, std::sync::atomic::Ordering::Relaxed);
                    let batch: Vec<Call> = (first..total.min(first + pipeline))
                        .map(|i| calls(i))
                        .collect();
                    if batch.is_empty() {
                        break;
                    }
                    if batch.len() == 1 || batch.iter().any(|c| c.method != "GET") {
                        for call in &batch {
                            match loader.send_on(connection.take(), call).await {
                                Ok(((got, _), kept)) => {
                                    connection = kept;
                                    if got == status {
                                        done += 1;
                                    } else {
                                        errors += 1;
                                    }
                                }
                                Err(_) => errors += 1,
                            }
                        }
                        continue;
                    }
                    match Loader::pipelined(connection.take(), &batch, status).await {
                        Ok((answered, kept)) => {
                            done += answered;
                            errors += batch.len() - answered;
                            connection = kept;
                        }
                        Err(_) => errors += batch.len(),
                    }
                }
                if let Some(connection) = connection {
                    loader.checkin(connection);
                }
                (done, errors)
            }));
        }
        let (mut done, mut errors) = (0, 0);
        for task in tasks {
            let (d, e) = task.await.unwrap_or((0, 1));
            done += d;
            errors += e;
        }
        Throughput {
            done,
            errors,
            elapsed: started.elapsed(),
        }
    }

    /// Writes the GETs of `batch` at once on `connection` (or a new one), then reads their
    /// answers in order; how many answered `status`, and the connection when reusable.
    async fn pipelined(
        connection: Option<Connection>,
        batch: &[Call],
        status: u16,
    ) -> anyhow::Result<(usize, Option<Connection>)> {
        let (host, _) = batch[0].split()?;
        let mut connection = match connection {
            Some(kept) => kept,
            None => Connection::open(host).await?,
        };
        let mut requests = Vec::new();
        for call in batch {
            let (host, target) = call.split()?;
            requests.extend_from_slice(&call.encode(host, target));
        }
        connection.stream.write_all(&requests).await?;
        let (mut answered, mut reusable) = (0, true);
        for _ in batch {
            let (got, _, keep) = connection.answer().await?;
            answered += usize::from(got == status);
            reusable &= keep;
        }
        Ok((answered, reusable.then_some(connection)))
    }
}

/// A duration in microseconds, for the reports.
pub fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

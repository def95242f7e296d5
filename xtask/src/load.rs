//! The benchmarks' HTTP load client: keep-alive connections from hyper's pooled client,
//! latency one request at a time (median, p99) and throughput with many requests in
//! flight (requests/s, errors). The proxy and the in-memory Cloud Controller sections of
//! `cargo xtask bench` both measure with it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// One request to send: method, URL and body (empty for a GET).
#[derive(Clone)]
pub struct Call {
    method: hyper::Method,
    url: String,
    body: Bytes,
}

impl Call {
    /// `GET url`.
    pub fn get(url: impl Into<String>) -> Call {
        Call {
            method: hyper::Method::GET,
            url: url.into(),
            body: Bytes::new(),
        }
    }

    /// `POST url` with a JSON body.
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: hyper::Method::POST,
            url: url.into(),
            body: body.into(),
        }
    }
}

/// The requests of a run: call `i` is `calls(i)`.
pub type Calls = Arc<dyn Fn(usize) -> Call + Send + Sync>;

/// A keep-alive HTTP/1.1 client that sends a bearer token with every request.
#[derive(Clone)]
pub struct Loader {
    client: Client<HttpConnector, Full<Bytes>>,
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
    /// A client that keeps up to `connections` idle connections open per host.
    pub fn new(connections: usize) -> Loader {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Loader {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(connections)
                .build(connector),
        }
    }

    /// Sends one request and reads the whole answer: status and body.
    pub async fn send(&self, call: &Call) -> anyhow::Result<(u16, Bytes)> {
        let mut request = hyper::Request::builder()
            .method(call.method.clone())
            .uri(call.url.as_str())
            .header("authorization", "bearer bench");
        if !call.body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let response = self
            .client
            .request(request.body(Full::new(call.body.clone()))?)
            .await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
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

    /// Sends every call of `calls` with `in_flight` requests outstanding at once (one
    /// task per connection, each taking the next call as soon as its last is answered),
    /// until all are sent or `deadline` has passed; counts answers with `status`.
    pub async fn throughput(
        &self,
        calls: Calls,
        total: usize,
        in_flight: usize,
        deadline: Option<Duration>,
        status: u16,
    ) -> Throughput {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(in_flight);
        for _ in 0..in_flight.max(1) {
            let (loader, next, calls) = (self.clone(), Arc::clone(&next), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                let (mut done, mut errors) = (0, 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= total || deadline.is_some_and(|d| started.elapsed() >= d) {
                        break;
                    }
                    match loader.send(&calls(i)).await {
                        Ok((got, _)) if got == status => done += 1,
                        _ => errors += 1,
                    }
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
}

/// A duration in microseconds, for the reports.
pub fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

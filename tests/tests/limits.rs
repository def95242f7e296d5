//! Answers, not resets: the generated server stub's limits (its router's `Options`) seen
//! from a real HTTP/1.1 client over TCP on 127.0.0.1. An oversized body is 413, a body
//! that stalls is 408, a bloated header section is 431 — each with the Cloud
//! Controller's error envelope, `Connection: close`, and a clean end of stream after the
//! answer (no reset, no broken pipe).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// Serves an in-memory Cloud Controller with small limits on a free port.
fn start() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let mut config = in_memory_cc::Config::new(&format!("http://{address}"));
            config.body_limit = 64 << 10;
            config.read_timeout = Duration::from_millis(300);
            config.header_limit = 16 << 10;
            tx.send(address.to_string()).unwrap();
            axum::serve(listener, in_memory_cc::router_with(&config))
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

struct Answer {
    status: u16,
    head: String,
    body: Value,
}

/// Reads the whole answer up to the end of the stream: a reset is a failure.
fn answer(mut stream: TcpStream) -> Answer {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .expect("the stream ends cleanly after the answer");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete answer");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn assert_refused(answer: &Answer, status: u16, detail: &str) {
    assert_eq!(answer.status, status, "{}\n{}", answer.head, answer.body);
    assert_eq!(
        answer.body["errors"][0]["title"], "CF-InvalidRequest",
        "{}",
        answer.body
    );
    assert_eq!(answer.body["errors"][0]["code"], 10004, "{}", answer.body);
    let found = answer.body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(found.contains(detail), "{detail:?} not in {found:?}");
    assert!(
        answer.head.contains("connection: close"),
        "the connection is closed after the answer:\n{}",
        answer.head
    );
    assert!(answer.head.contains("content-type: application/json"));
}

const HEAD: &str = "Host: x\r\nAuthorization: bearer t\r\nContent-Type: application/json\r\n";

#[test]
fn an_oversized_body_gets_413_and_a_clean_close() {
    let base = start();
    let body = vec![b' '; 8 << 20];
    // With a declared length, and chunked without one.
    for chunked in [false, true] {
        let mut stream = TcpStream::connect(&base).unwrap();
        let framing = if chunked {
            "Transfer-Encoding: chunked\r\n".to_string()
        } else {
            format!("Content-Length: {}\r\n", body.len())
        };
        write!(stream, "POST /v3/apps HTTP/1.1\r\n{HEAD}{framing}\r\n").unwrap();
        if chunked {
            for chunk in body.chunks(1 << 16) {
                write!(stream, "{:x}\r\n", chunk.len()).unwrap();
                stream.write_all(chunk).unwrap();
                stream.write_all(b"\r\n").unwrap();
            }
            stream.write_all(b"0\r\n\r\n").unwrap();
        } else {
            stream
                .write_all(&body)
                .expect("the whole body is read, not refused with a reset");
        }
        let answer = answer(stream);
        assert_refused(&answer, 413, "larger than 65536 bytes");
    }
}

#[test]
fn a_stalled_body_gets_408_and_a_clean_close() {
    let base = start();
    let mut stream = TcpStream::connect(&base).unwrap();
    write!(
        stream,
        "PATCH /v3/apps/x HTTP/1.1\r\n{HEAD}Content-Length: 100\r\n\r\n{{\"name\":"
    )
    .unwrap();
    // The rest of the body never comes; the server answers after its read timeout.
    let answer = answer(stream);
    assert_refused(&answer, 408, "not received within");
}

#[test]
fn a_bloated_header_section_gets_431_and_a_clean_close() {
    let base = start();
    let mut stream = TcpStream::connect(&base).unwrap();
    let bloat = "b".repeat(40 << 10);
    write!(
        stream,
        "GET /v3/apps HTTP/1.1\r\n{HEAD}X-Bloat: {bloat}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let answer = answer(stream);
    assert_refused(&answer, 431, "larger than 16384 bytes");
}

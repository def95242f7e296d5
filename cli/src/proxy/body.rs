//! Bodies that stream through the proxy untouched while their first bytes are kept for the
//! check: memory per exchange is bounded by the cap, whatever the body's size.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;

/// Any error a body can end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type on both sides of the proxy.
pub type ProxyBody = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// What a tee kept of a body.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    /// The first bytes, up to the cap.
    pub bytes: Vec<u8>,
    /// How many bytes passed in all.
    pub size: u64,
    /// Whether the body ended normally (not cut by an error or a hang-up).
    pub complete: bool,
}

impl Captured {
    /// A body held whole.
    pub fn whole(bytes: Vec<u8>) -> Captured {
        Captured {
            size: bytes.len() as u64,
            bytes,
            complete: true,
        }
    }

    /// Whether bytes were passed on that are not kept.
    pub fn truncated(&self) -> bool {
        self.size > self.bytes.len() as u64
    }
}

/// A body that passes every frame on and keeps the first `cap` bytes; what it kept is
/// sent when the body ends or is dropped.
pub struct Tee<B> {
    inner: B,
    cap: usize,
    kept: Captured,
    done: Option<oneshot::Sender<Captured>>,
}

impl<B: Body> Tee<B> {
    /// Wraps a body; the receiver gets what was kept.
    pub fn new(inner: B, cap: usize) -> (Tee<B>, oneshot::Receiver<Captured>) {
        let (done, kept) = oneshot::channel();
        let tee = Tee {
            inner,
            cap,
            kept: Captured::default(),
            done: Some(done),
        };
        (tee, kept)
    }

    fn finish(&mut self, complete: bool) {
        if let Some(done) = self.done.take() {
            self.kept.complete = complete;
            let _ = done.send(std::mem::take(&mut self.kept));
        }
    }
}

impl<B> Drop for Tee<B> {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            // Dropped before its end: a hang-up, unless there was nothing to read (the
            // server does not poll an empty body).
            self.kept.complete = self.kept.size == 0;
            let _ = done.send(std::mem::take(&mut self.kept));
        }
    }
}

impl<B> Body for Tee<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.kept.size += data.len() as u64;
                    let room = this.cap.saturating_sub(this.kept.bytes.len());
                    this.kept
                        .bytes
                        .extend_from_slice(&data[..room.min(data.len())]);
                }
                if this.inner.is_end_stream() {
                    this.finish(true);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.finish(false);
                Poll::Ready(Some(Err(error.into())))
            }
            Poll::Ready(None) => {
                this.finish(true);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Bytes already read, then the rest of the body.
pub struct Prefixed<B> {
    prefix: Option<Bytes>,
    rest: B,
}

impl<B> Prefixed<B> {
    /// `prefix` (read while deciding whether to rewrite), then `rest`.
    pub fn new(prefix: Bytes, rest: B) -> Prefixed<B> {
        Prefixed {
            prefix: Some(prefix).filter(|p| !p.is_empty()),
            rest,
        }
    }
}

impl<B> Body for Prefixed<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        if let Some(prefix) = self.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(prefix))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_none() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.rest.size_hint();
        let extra = self.prefix.as_ref().map_or(0, |p| p.len() as u64);
        hint.set_lower(hint.lower() + extra);
        if let Some(upper) = hint.upper() {
            hint.set_upper(upper + extra);
        }
        hint
    }
}

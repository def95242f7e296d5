//! Words about a capture as a whole, said once per capture rather than once per
//! exchange: which bodies the capture does not hold, and why (hidden by the cf CLI, not
//! saved by the HAR exporter, cut off, compressed in a way that cannot be decoded).

use super::Exchange;

/// Collects, for one capture, the exchanges whose bodies are not in it.
#[derive(Debug, Default)]
pub struct CaptureNotes {
    source: String,
    exchanges: usize,
    /// (direction, why, where) in first-seen order of (direction, why).
    missing: Vec<(&'static str, String, Vec<String>)>,
}

impl CaptureNotes {
    /// Starts the notes of the capture named `source` (as exchanges name it).
    pub fn new(source: &str) -> CaptureNotes {
        CaptureNotes {
            source: source.to_string(),
            ..CaptureNotes::default()
        }
    }

    /// Looks at one item the capture's reader produced.
    pub fn observe(&mut self, item: &Result<Exchange, String>) {
        let Ok(exchange) = item else { return };
        self.exchanges += 1;
        let place = exchange
            .source
            .strip_prefix(&self.source)
            .map(|rest| rest.trim_start_matches([' ', ':']))
            .filter(|rest| !rest.is_empty())
            .map(|rest| {
                if rest.bytes().all(|b| b.is_ascii_digit()) {
                    format!("line {rest}")
                } else {
                    rest.to_string()
                }
            })
            .unwrap_or_else(|| exchange.source.clone());
        for (direction, why) in [
            ("request", &exchange.request_body_unavailable),
            ("response", &exchange.response_body_unavailable),
        ] {
            let Some(why) = why else { continue };
            match self
                .missing
                .iter_mut()
                .find(|(d, w, _)| *d == direction && w == why)
            {
                Some((_, _, places)) => places.push(place.clone()),
                None => self
                    .missing
                    .push((direction, why.clone(), vec![place.clone()])),
            }
        }
    }

    /// The notes: one per direction and reason.
    pub fn finish(self) -> Vec<String> {
        const LISTED: usize = 10;
        self.missing
            .into_iter()
            .map(|(direction, why, places)| {
                let count = places.len();
                let mut listed = places
                    .iter()
                    .take(LISTED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                if count > LISTED {
                    listed.push_str(&format!(" and {} more", count - LISTED));
                }
                let (bodies, they) = if count == 1 {
                    (format!("{direction} body"), "it was")
                } else {
                    (format!("{direction} bodies"), "they were")
                };
                format!(
                    "{}: {count} of {} {bodies} not in the capture, {why}: {listed}; {they} not checked",
                    self.source, self.exchanges
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(source: &str, response: Option<&str>) -> Result<Exchange, String> {
        Ok(Exchange {
            source: source.into(),
            response_body_unavailable: response.map(str::to_string),
            ..Exchange::default()
        })
    }

    #[test]
    fn one_note_per_reason_not_per_exchange() {
        let mut notes = CaptureNotes::new("t.har");
        for i in 1..=13 {
            notes.observe(&exchange(&format!("t.har entry {i}"), Some("not saved")));
        }
        notes.observe(&exchange("t.har entry 14", None));
        notes.observe(&Err("t.har entry 15: no `request`".into()));
        let said = notes.finish();
        assert_eq!(
            said,
            vec!["t.har: 13 of 14 response bodies not in the capture, not saved: entry 1, entry 2, entry 3, entry 4, entry 5, entry 6, entry 7, entry 8, entry 9, entry 10 and 3 more; they were not checked"]
        );
        let mut notes = CaptureNotes::new("trace.txt");
        notes.observe(&exchange("trace.txt:12", Some("cut")));
        assert_eq!(
            notes.finish(),
            vec!["trace.txt: 1 of 1 response body not in the capture, cut: line 12; it was not checked"]
        );
    }
}

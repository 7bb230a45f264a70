//! Native timing of the page parser over a corpus file (one page per line):
//! `cargo run --release --example parse_profile -- corpus.txt [LABEL-PREFIX]` (the prefix picks
//! one route, e.g. for `perf record`).
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_profile CORPUS (one page JSON per line)");
    let text = std::fs::read_to_string(path).expect("readable corpus");
    let pages: Vec<&str> = text.lines().collect();
    let bytes: usize = pages.iter().map(|p| p.len()).sum();
    let only = std::env::args().nth(2).unwrap_or_default();
    for (label, f) in [
        ("serde_json::Value only", (|p: &str| serde_json::from_str::<serde_json::Value>(p).map(|_| 0).unwrap_or(0)) as fn(&str) -> usize),
        ("parse::user_page", |p: &str| vomo_users::parse::user_page(p).map(|pg| pg.data.len()).unwrap_or(0)),
        ("user_page + to_string", |p: &str| {
            vomo_users::parse::user_page(p).map(|pg| serde_json::to_string(&pg).unwrap().len()).unwrap_or(0)
        }),
        ("user_page_json (text route)", |p: &str| vomo_users::parse::user_page_json(p).map(|t| t.len()).unwrap_or(0)),
    ] {
        if !label.starts_with(&only) {
            continue;
        }
        let t0 = Instant::now();
        let mut sink = 0;
        for _ in 0..20 {
            for p in &pages {
                sink += f(p);
            }
        }
        let ms = t0.elapsed().as_secs_f64() * 1000.0 / 20.0;
        println!("{label:<26} {ms:7.1} ms  {:6.0} MB/s  (sink {sink})", bytes as f64 / 1e6 / ms * 1000.0);
    }
}

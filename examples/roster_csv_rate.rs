//! `parseRosterCsv` throughput at growing roster sizes: rows per second, and each size's
//! time against the first. `cargo run --release --example roster_csv_rate [ROWS...]`
//! (default: 10000 100000). Best of five runs per size. Prints figures; asserts only that
//! every row parsed with the right line number.

use std::time::Instant;

/// A roster of `n` rows, with a quoted field, a blank line and a bad row sprinkled in so
/// that line numbers matter.
fn roster(n: usize) -> String {
    let mut text = String::from("External ID,First Name,Last Name,Email,Phone\r\n");
    for i in 0..n {
        if i % 1000 == 500 {
            text.push_str("\r\n");
        }
        text.push_str(&format!("X{i},\"Ann, {i}\",Lee,ann{i}@example.org,+1555{i:07}\r\n"));
    }
    text
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 100_000] } else { sizes };
    println!("parse_roster_csv (the parser behind parseRosterCsv), native release build");
    println!("{:>8} {:>10} {:>12} {:>14}", "rows", "seconds", "rows/s", "vs first size");
    let mut first: Option<f64> = None;
    for n in sizes {
        let text = roster(n);
        // The best of five runs (the first also warms the allocator and caches).
        let mut secs = f64::MAX;
        let mut parsed = None;
        for _ in 0..5 {
            let t0 = Instant::now();
            parsed = Some(vomo_users::roster_csv::parse_roster_csv(&text).expect("parse"));
            secs = secs.min(t0.elapsed().as_secs_f64());
        }
        let parsed = parsed.unwrap();
        assert_eq!(parsed.records.len(), n, "every row parsed");
        let last_line = parsed.records[n - 1]["line"].as_u64().unwrap();
        assert_eq!(last_line as usize, n + 1 + (n + 499) / 1000, "line numbers count the blank lines");
        let base = *first.get_or_insert(secs);
        println!("{n:>8} {secs:>10.3} {:>12.0} {:>13.1}x", n as f64 / secs, secs / base);
    }
}

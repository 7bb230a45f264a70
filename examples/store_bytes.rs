//! Store bytes written by a first backfill, against the final state size: the real poller
//! against the simulation's in-process fake VOMO server (tests/support), no faults, 15 users
//! per page (the platform's fixed page size).
//!
//! `cargo run --release --example store_bytes [--changed-users] [USERS...]` (default: 3000
//! 12000 50000; `--changed-users` also reads each user's detail and stores participations).
//! Prints one line per size; asserts only that every user arrived once (figures:
//! BENCHMARKS.md).

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let changed_users = args.iter().any(|a| a == "--changed-users");
    let mode = if changed_users { vomo_users::poller::ParticipationMode::ChangedUsers } else { vomo_users::poller::ParticipationMode::Off };
    let sizes: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![3_000, 12_000, 50_000] } else { sizes };
    println!(
        "store bytes written by a first backfill (15 users per page, no faults, participations {})",
        if changed_users { "changed-users" } else { "off" }
    );
    println!(
        "{:>8} {:>14} {:>10} {:>13} {:>8} {:>7} {:>7} {:>8}",
        "users", "bytes written", "sets", "final state", "ratio", "polls", "pages", "seconds"
    );
    for n in sizes {
        let b = support::backfill_in_mode(n, mode);
        println!(
            "{n:>8} {:>14} {:>10} {:>13} {:>7.1}x {:>7} {:>7} {:>8.1}",
            b.bytes_written,
            b.sets,
            b.final_bytes,
            b.bytes_written as f64 / b.final_bytes.max(1) as f64,
            b.polls,
            b.pages,
            b.seconds
        );
    }
}

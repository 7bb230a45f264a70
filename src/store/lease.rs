//! The lease that keeps two runs apart that must not overlap: two polls of one customer (in
//! the poller's store), two imports with one key (in the import's store).
//!
//! Each run takes the lease under a token of its own (a poll: the poller's owner id plus a
//! poll number; an import: a random id), so a second run started by the same instance is
//! refused like one from another process, and a run only ever renews or releases a lease
//! that still carries its token: a run that went past its lease's expiry, while another took
//! over, stops with `busy` at its next renewal and leaves the other's lease alone.
//!
//! A run that was killed leaves its lease to expire ([`LEASE_MS`]), unless the store can say
//! that its holder is gone: a store that names the process a lease is taken in
//! ([`Store::lease_holder`]: `FileStore`, by host, PID and start time) is asked about a live
//! lease's holder ([`Store::lease_holder_gone`]) before a run is refused, and a lease whose
//! holder is known gone is taken over at once. Deciding that is the store's (it knows where
//! its runs live); the lease only records and asks.

use crate::error::{ErrorKind, Result, VomoError};
use crate::store::Store;
use serde::{Deserialize, Serialize};

/// Who holds the lease, and until when (local wall-clock ms).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lease {
    /// The holding run's token.
    pub owner: String,
    /// When the lease runs out unless renewed (local wall-clock ms).
    pub expires_at: f64,
    /// The process the lease was taken in, as the store named it ([`Store::lease_holder`]);
    /// absent when the store names none (and in leases written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// How long a lease lasts without renewal; a run renews it at its first step after a
/// quarter of this has passed ([`Held::keep`]).
pub const LEASE_MS: f64 = 120_000.0;

/// How every forget's lease token begins ([`while_forgetting`]): a reader without the lease
/// tells a forget from a run by it ([`held_by_forget`]).
const FORGET_TOKEN: &str = "forget-";

/// What a lease keeps apart, for its `busy` messages: "another {kind} {scope} holds ...",
/// followed by `why` when it is not plain from those.
#[derive(Debug, Clone, Copy)]
pub struct Holder {
    /// What runs: `poll` or `import`.
    pub kind: &'static str,
    /// What it runs on: `of this customer`, `with this key`, ...
    pub scope: &'static str,
    /// Why they take turns, when that is not plain; `""` else.
    pub why: &'static str,
}

impl Holder {
    /// The polls of one customer.
    pub const POLL: Holder = Holder { kind: "poll", scope: "of this customer", why: "" };
    /// The imports of one key.
    pub const IMPORT: Holder = Holder { kind: "import", scope: "with this key", why: "" };
    /// The imports of one store that use an external-id mapping (`import::import_roster`).
    pub const MAPPING: Holder = Holder {
        kind: "import",
        scope: "with an external-id mapping in this store",
        why: "; imports that share a mapping take turns, as two at once could each create a VOMO user for one external id: \
              run this one when that one has finished",
    };
}

fn busy(message: impl Into<String>) -> VomoError {
    VomoError::new(ErrorKind::Busy, message)
}

async fn read<S: Store>(store: &S, key: &str) -> Result<Option<Lease>> {
    Ok(read_raw(store, key).await?.1)
}

/// The stored text and the lease it holds. An unreadable lease (a torn or foreign write) is
/// treated as free.
async fn read_raw<S: Store>(store: &S, key: &str) -> Result<(Option<String>, Option<Lease>)> {
    let text = store.get(key).await?;
    let lease = text.as_deref().and_then(|t| serde_json::from_str::<Lease>(t).ok());
    Ok((text, lease))
}

fn text_of(token: &str, expires_at: f64, holder: Option<&str>) -> String {
    serde_json::to_string(&Lease { owner: token.to_string(), expires_at, holder: holder.map(str::to_string) }).unwrap_or_default()
}

async fn write<S: Store>(store: &S, key: &str, token: &str, expires_at: f64, holder: Option<&str>) -> Result<()> {
    store.set(key, &text_of(token, expires_at, holder)).await
}

/// What the store knows of the holder of `lease` (see the module's comment): gone, alive, or
/// nothing (`None`: no holder recorded, or the store cannot tell).
async fn holder_gone<S: Store>(store: &S, lease: &Lease) -> Result<Option<bool>> {
    Ok(match &lease.holder {
        Some(holder) => store.lease_holder_gone(holder).await?,
        None => None,
    })
}

/// How [`replace`] went.
enum Replaced {
    /// By compare-and-set: no other run wrote the lease in between.
    Wrote,
    /// By compare-and-set: another run wrote it in between, and this write did not happen.
    Refused,
    /// By a plain write (a store without compare-and-set): the caller reads it back.
    Unchecked,
}

/// Replaces the lease text `seen` (what this run just read) with `token`'s lease.
async fn replace<S: Store>(
    store: &S,
    key: &str,
    seen: Option<&str>,
    token: &str,
    expires_at: f64,
    holder: Option<&str>,
) -> Result<Replaced> {
    Ok(match store.set_if(key, seen, &text_of(token, expires_at, holder)).await? {
        Some(true) => Replaced::Wrote,
        Some(false) => Replaced::Refused,
        None => {
            write(store, key, token, expires_at, holder).await?;
            Replaced::Unchecked
        }
    })
}

/// Takes the lease for the run identified by `token`, or fails with `busy` while another
/// live run holds it (one whose holder the store knows to be gone is not: see the module's
/// comment). A store with compare-and-set (`Store::set_if`: `FileStore`, `MemoryStore`)
/// takes it in one step no other run can come between; the others get a read-back check,
/// which catches all but the closest races between processes.
pub async fn acquire<S: Store>(store: &S, key: &str, token: &str, now: f64, who: Holder) -> Result<()> {
    take(store, key, token, None, now, who).await.map(|_| ())
}

/// [`acquire`], where a lease whose token begins with `leftover` is one the caller knows no
/// run of its holds any more (a `Poller` between its polls: its owner id and `#`), so it is
/// taken back at once however long it has to run. That lease is left when a release fails
/// (the store full or down at the end of a run); unrecognised, the caller's own next run was
/// refused as if another process held it, for up to [`LEASE_MS`]. True when it took one back.
pub async fn take<S: Store>(store: &S, key: &str, token: &str, leftover: Option<&str>, now: f64, who: Holder) -> Result<bool> {
    let (seen, lease) = read_raw(store, key).await?;
    let same_moment = || busy(format!("another {} {} took the lease at the same moment", who.kind, who.scope));
    let mut took_back = false;
    if let Some(lease) = lease {
        let live = lease.owner != token && lease.expires_at > now;
        took_back = live && leftover.is_some_and(|own| lease.owner.starts_with(own));
        let gone = if live && !took_back { holder_gone(store, &lease).await? } else { Some(true) };
        if gone != Some(true) {
            // Where the store judged the holder alive, it is running and renews the lease while
            // it runs, so the time left says nothing of when it ends; else it may be a killed one,
            // whose lease lasts that long.
            let held = if gone == Some(false) {
                "is running (its process holds the lease and renews it until the run ends)".to_string()
            } else {
                format!(
                    "holds the lease for {:.0} s more (if none is running, one that was killed holds it until then)",
                    (lease.expires_at - now) / 1000.0
                )
            };
            return Err(busy(format!("another {} {} {held}{}", who.kind, who.scope, who.why)).with_retry_after(lease.expires_at - now));
        }
    }
    let holder = store.lease_holder().await?;
    match replace(store, key, seen.as_deref(), token, now + LEASE_MS, holder.as_deref()).await? {
        Replaced::Wrote => Ok(took_back),
        Replaced::Refused => Err(same_moment()),
        Replaced::Unchecked => match read(store, key).await? {
            Some(l) if l.owner == token => Ok(took_back),
            Some(_) => Err(same_moment()),
            // Nothing where the lease was just written: another run's release deleted it in
            // that instant, or the store does not give back what it was given (an outside pass:
            // a store whose `get` returned nothing was told of a race alone).
            None => Err(busy(format!(
                "the {} lease just written under {key:?} reads back as absent: another {} {} released it at the same moment, \
                 or the store does not return what it stores (its get must give back the value of the last set)",
                who.kind, who.kind, who.scope
            ))),
        },
    }
}

/// What a run whose lease another run holds by now stops with.
fn taken(who: Holder) -> VomoError {
    busy(format!("this {k}'s lease expired and another {k} {} took it over; stopping here", who.scope, k = who.kind))
}

/// Extends the lease of the run `token`; `busy` when another run holds it by now.
pub async fn renew<S: Store>(store: &S, key: &str, token: &str, now: f64, who: Holder) -> Result<()> {
    match read_raw(store, key).await? {
        (seen, Some(l)) if l.owner == token => {
            match replace(store, key, seen.as_deref(), token, now + LEASE_MS, l.holder.as_deref()).await? {
                Replaced::Refused => Err(taken(who)),
                Replaced::Wrote | Replaced::Unchecked => Ok(()),
            }
        }
        _ => Err(taken(who)),
    }
}

/// Runs `forget` (a removal of what the lease under `key` guards: `UserPoller.forget`,
/// `importRoster.forget`) holding that lease, under a token of its own (`nonce` makes it
/// unique: two forgets at once exclude each other as two runs do), and releases it after.
/// `busy` while a run or another forget holds it.
pub async fn while_forgetting<S: Store, T>(
    store: &S,
    key: &str,
    nonce: &str,
    now: f64,
    who: Holder,
    forget: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let token = format!("{FORGET_TOKEN}{nonce}");
    acquire(store, key, &token, now, who).await?;
    let outcome = forget.await;
    // Left to expire if the store fails it, as a run's.
    let _ = release(store, key, &token).await;
    outcome
}

/// The lease under `key` if a forget ([`while_forgetting`]) holds it at `now`, for a reader
/// that takes none.
pub async fn held_by_forget<S: Store>(store: &S, key: &str, now: f64) -> Result<Option<Lease>> {
    Ok(read(store, key).await?.filter(|lease| lease.expires_at > now && lease.owner.starts_with(FORGET_TOKEN)))
}

/// Releases the lease if the run `token` still holds it; someone else's lease is left alone.
pub async fn release<S: Store>(store: &S, key: &str, token: &str) -> Result<()> {
    match read_raw(store, key).await? {
        // A compare-and-set that finds another lease leaves it alone, as a read would have.
        (seen, Some(l)) if l.owner == token => replace(store, key, seen.as_deref(), token, 0.0, l.holder.as_deref()).await.map(|_| ()),
        _ => Ok(()),
    }
}

/// A lease a run holds, checked before each of its steps: renewed (read back, then extended)
/// once a quarter of its term has passed since the last renewal, so a step costs a clock
/// read until then. That quarter is counted on the monotonic clock, so a wall clock stepped
/// back (NTP, a resumed VM) cannot hold a renewal off while the lease runs out for others. Another run can take the lease over only once its term ran out (a
/// handler or a request that hung for minutes), so the first step after that finds out and
/// stops with `busy` before it delivers or writes anything.
#[derive(Debug)]
pub struct Held {
    key: String,
    token: String,
    who: Holder,
    /// Monotonic ms of the last renewal.
    renewed_mono: f64,
}

impl Held {
    /// Takes the lease `key` for the run `token` (see [`acquire`]); `now` is wall-clock ms,
    /// `mono` monotonic ms.
    pub async fn acquire<S: Store>(store: &S, key: String, token: String, now: f64, mono: f64, who: Holder) -> Result<Held> {
        Ok(Self::take(store, key, token, None, now, mono, who).await?.0)
    }

    /// [`Held::acquire`] taking back a leftover lease of the caller's own ([`take`]); the
    /// flag says whether it did.
    pub async fn take<S: Store>(
        store: &S,
        key: String,
        token: String,
        leftover: Option<&str>,
        now: f64,
        mono: f64,
        who: Holder,
    ) -> Result<(Held, bool)> {
        let took_back = take(store, &key, &token, leftover, now, who).await?;
        Ok((Held { key, token, who, renewed_mono: mono }, took_back))
    }

    /// Before a step: renews when a quarter of the term has passed; `busy` if another run took it.
    pub async fn keep<S: Store>(&mut self, store: &S, now: f64, mono: f64) -> Result<()> {
        let since = mono - self.renewed_mono;
        if since.is_nan() || since >= LEASE_MS / 4.0 {
            self.check(store, now, mono).await?;
        }
        Ok(())
    }

    /// Reads the lease back and renews it whatever the time; `busy` if another run took it.
    pub async fn check<S: Store>(&mut self, store: &S, now: f64, mono: f64) -> Result<()> {
        renew(store, &self.key, &self.token, now, self.who).await?;
        self.renewed_mono = mono;
        Ok(())
    }

    /// Reads the lease back without writing it: `busy` if another run holds it by now. A run
    /// whose term looked run out to another (a wall clock stepped forward past it, a second
    /// machine's clock ahead) is taken over while it runs; its renewal would find that out
    /// within a quarter of the term, so a run also confirms before each batch of work it
    /// delivers or saves (the poller: each page and each save; an import: each record), and
    /// the two overlap by one batch at most.
    pub async fn confirm<S: Store>(&self, store: &S) -> Result<()> {
        match read(store, &self.key).await? {
            Some(l) if l.owner == self.token => Ok(()),
            _ => Err(taken(self.who)),
        }
    }

    /// Releases the lease if this run still holds it.
    pub async fn release<S: Store>(&self, store: &S) -> Result<()> {
        release(store, &self.key, &self.token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemStore;

    /// Runs a future whose every await is ready at once (the memory store never waits).
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => unreachable!("the memory store never waits"),
        }
    }

    /// A store without compare-and-set whose `get` never gives back what was set.
    struct Forgetful;
    impl Store for Forgetful {
        async fn get(&self, _key: &str) -> Result<Option<String>> {
            Ok(None)
        }
        async fn set(&self, _key: &str, _value: &str) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_lease_that_reads_back_as_absent_is_not_called_a_race_alone() {
        let e = block_on(acquire(&Forgetful, "l", "run", 1_000_000.0, Holder::POLL)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Busy);
        assert!(
            e.message.contains("reads back as absent") && e.message.contains("the store does not return what it stores"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_held_lease_is_renewed_by_monotonic_time_even_when_the_wall_clock_steps_back() {
        let store = MemStore::default();
        block_on(async {
            let mut held = Held::acquire(&store, "l".into(), "run".into(), 1_000_000.0, 0.0, Holder::POLL).await.unwrap();
            // Ten seconds on: nothing to do (no read, no write).
            held.keep(&store, 1_010_000.0, 10_000.0).await.unwrap();
            assert_eq!(read(&store, "l").await.unwrap().unwrap().expires_at, 1_000_000.0 + LEASE_MS);
            // Forty seconds on, while the wall clock was stepped back by 100 s: renewed anyway,
            // to the wall clock's new reading plus the term.
            held.keep(&store, 940_000.0, 40_000.0).await.unwrap();
            assert_eq!(read(&store, "l").await.unwrap().unwrap().expires_at, 940_000.0 + LEASE_MS);
            // Taken over meanwhile: the next due renewal says so.
            write(&store, "l", "other", 2_000_000.0, None).await.unwrap();
            held.keep(&store, 950_000.0, 50_000.0).await.unwrap();
            let e = held.keep(&store, 980_000.0, 80_000.0).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Busy);
            assert_eq!(read(&store, "l").await.unwrap().unwrap().owner, "other");
        });
    }

    #[test]
    fn a_confirm_reads_the_lease_back_without_writing_and_finds_a_takeover_before_the_next_renewal() {
        let store = MemStore::default();
        block_on(async {
            let held = Held::acquire(&store, "l".into(), "run".into(), 1_000_000.0, 0.0, Holder::POLL).await.unwrap();
            let before = store.get("l").await.unwrap();
            held.confirm(&store).await.unwrap();
            assert_eq!(store.get("l").await.unwrap(), before, "nothing written");
            // Another run, whose clock is past this one's term, takes it over: found at once.
            acquire(&store, "l", "other", 1_000_000.0 + LEASE_MS + 1.0, Holder::POLL).await.unwrap();
            let e = held.confirm(&store).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Busy);
            assert!(e.message.contains("took it over"), "{}", e.message);
            // Released by the other: not this run's either.
            release(&store, "l", "other").await.unwrap();
            assert_eq!(held.confirm(&store).await.unwrap_err().kind, ErrorKind::Busy);
        });
    }

    /// A store whose first `get` lets another run take the lease before it answers: two runs
    /// that read a free lease at the same moment.
    struct SameMoment<'a> {
        inner: &'a MemStore,
        other: std::cell::Cell<Option<&'a str>>,
    }

    impl Store for SameMoment<'_> {
        async fn get(&self, key: &str) -> Result<Option<String>> {
            let answer = self.inner.get(key).await;
            if let Some(other) = self.other.take() {
                acquire(self.inner, key, other, 0.0, Holder::POLL).await.unwrap();
            }
            answer
        }
        async fn set(&self, key: &str, value: &str) -> Result<()> {
            self.inner.set(key, value).await
        }
        async fn set_if(&self, key: &str, expected: Option<&str>, value: &str) -> Result<Option<bool>> {
            self.inner.set_if(key, expected, value).await
        }
    }

    /// Two runs read the lease free at the same moment: with compare-and-set one of them gets
    /// it and the other is `busy`; without it, write and read back let both in (the documented
    /// limit of such stores: the second run wrote after the first one had read back).
    #[test]
    fn two_runs_at_the_same_moment_one_lease_with_compare_and_set() {
        for cas in [true, false] {
            let store = MemStore { compare_and_set: cas, ..Default::default() };
            let racing = SameMoment { inner: &store, other: std::cell::Cell::new(Some("b")) };
            let a = block_on(acquire(&racing, "l", "a", 0.0, Holder::POLL));
            let holder = block_on(read(&store, "l")).unwrap().unwrap().owner;
            if cas {
                let e = a.unwrap_err();
                assert_eq!(e.kind, ErrorKind::Busy);
                assert!(e.message.contains("took the lease at the same moment"), "{}", e.message);
                assert_eq!(holder, "b", "the other run's lease stands");
            } else {
                assert!(a.is_ok(), "without compare-and-set both runs believe they hold it");
                assert_eq!(holder, "a");
            }
        }
        // Renewal and release by compare-and-set leave a lease another run wrote alone.
        let store = MemStore { compare_and_set: true, ..Default::default() };
        block_on(acquire(&store, "l", "a", 0.0, Holder::POLL)).unwrap();
        block_on(renew(&store, "l", "a", 10.0, Holder::POLL)).unwrap();
        block_on(release(&store, "l", "a")).unwrap();
        block_on(acquire(&store, "l", "b", 20.0, Holder::POLL)).unwrap();
        assert_eq!(block_on(renew(&store, "l", "a", 30.0, Holder::POLL)).unwrap_err().kind, ErrorKind::Busy);
        block_on(release(&store, "l", "a")).unwrap();
        assert_eq!(block_on(read(&store, "l")).unwrap().unwrap().owner, "b");
    }

    /// A store whose runs live in "processes" it names; `gone` lists those it knows ended, and
    /// it cannot tell of a holder named `"?"`.
    struct Processes<'a> {
        inner: &'a MemStore,
        here: &'static str,
        gone: &'a [&'a str],
    }

    impl Store for Processes<'_> {
        async fn get(&self, key: &str) -> Result<Option<String>> {
            self.inner.get(key).await
        }
        async fn set(&self, key: &str, value: &str) -> Result<()> {
            self.inner.set(key, value).await
        }
        async fn set_if(&self, key: &str, expected: Option<&str>, value: &str) -> Result<Option<bool>> {
            self.inner.set_if(key, expected, value).await
        }
        async fn lease_holder(&self) -> Result<Option<String>> {
            Ok(Some(self.here.to_string()))
        }
        async fn lease_holder_gone(&self, holder: &str) -> Result<Option<bool>> {
            Ok((holder != "?").then(|| self.gone.contains(&holder)))
        }
    }

    #[test]
    fn a_live_lease_whose_holder_the_store_knows_gone_is_taken_over_at_once_and_only_then() {
        let store = MemStore { compare_and_set: true, ..Default::default() };
        block_on(async {
            let killed = Processes { inner: &store, here: "pid-1", gone: &[] };
            acquire(&killed, "l", "run-1", 0.0, Holder::IMPORT).await.unwrap();
            let lease = read(&store, "l").await.unwrap().unwrap();
            assert_eq!(lease.holder.as_deref(), Some("pid-1"), "the holder is recorded");
            renew(&killed, "l", "run-1", 5.0, Holder::IMPORT).await.unwrap();
            assert_eq!(read(&store, "l").await.unwrap().unwrap().holder.as_deref(), Some("pid-1"), "and kept by a renewal");
            // pid-1 is alive: busy, as without holders.
            let alive = Processes { inner: &store, here: "pid-2", gone: &[] };
            assert_eq!(acquire(&alive, "l", "run-2", 10.0, Holder::IMPORT).await.unwrap_err().kind, ErrorKind::Busy);
            // pid-1 is gone: taken over long before the lease's expiry, under the new holder.
            let after = Processes { inner: &store, here: "pid-2", gone: &["pid-1"] };
            acquire(&after, "l", "run-2", 20.0, Holder::IMPORT).await.unwrap();
            let lease = read(&store, "l").await.unwrap().unwrap();
            assert_eq!((lease.owner.as_str(), lease.holder.as_deref()), ("run-2", Some("pid-2")));
            // The killed run, had it lived on after all, finds out at its next renewal.
            assert_eq!(renew(&killed, "l", "run-1", 30.0, Holder::IMPORT).await.unwrap_err().kind, ErrorKind::Busy);
            // A holder the store cannot judge, and a lease without a holder (an older release's,
            // or a store that names none): waited out.
            write(&store, "l", "run-3", 1_000.0 + LEASE_MS, Some("?")).await.unwrap();
            assert_eq!(acquire(&after, "l", "run-4", 1_000.0, Holder::IMPORT).await.unwrap_err().kind, ErrorKind::Busy);
            write(&store, "l", "run-3", 1_000.0 + LEASE_MS, None).await.unwrap();
            assert_eq!(acquire(&after, "l", "run-4", 1_000.0, Holder::IMPORT).await.unwrap_err().kind, ErrorKind::Busy);
            acquire(&after, "l", "run-4", 1_001.0 + LEASE_MS, Holder::IMPORT).await.unwrap();
        });
    }

    #[test]
    fn a_second_poll_with_another_token_is_busy_even_from_the_same_owner() {
        let store = MemStore::default();
        block_on(async {
            acquire(&store, "l", "p1/1", 0.0, Holder::POLL).await.unwrap();
            let e = acquire(&store, "l", "p1/2", 10.0, Holder::POLL).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Busy);
            release(&store, "l", "p1/1").await.unwrap();
            acquire(&store, "l", "p1/2", 20.0, Holder::POLL).await.unwrap();
        });
    }

    #[test]
    fn a_leftover_lease_of_the_callers_own_is_taken_back_at_once_and_only_that() {
        let store = MemStore::default();
        block_on(async {
            // p1's first run could not release (its store failed): the lease has 2 minutes left.
            acquire(&store, "l", "p1#1", 0.0, Holder::POLL).await.unwrap();
            assert_eq!(take(&store, "l", "p1#2", Some("p1#"), 10.0, Holder::POLL).await, Ok(true));
            assert_eq!(read(&store, "l").await.unwrap().unwrap().owner, "p1#2");
            // Another owner's live lease is not p1's to take, nor is p1's a p10's.
            assert_eq!(take(&store, "l", "p2#1", Some("p2#"), 20.0, Holder::POLL).await.unwrap_err().kind, ErrorKind::Busy);
            assert_eq!(take(&store, "l", "p10#1", Some("p10#"), 20.0, Holder::POLL).await.unwrap_err().kind, ErrorKind::Busy);
            // A free or expired lease is taken as always, and says it was no leftover.
            assert_eq!(take(&store, "l", "p2#1", Some("p2#"), 20.0 + LEASE_MS, Holder::POLL).await, Ok(false));
        });
    }

    #[test]
    fn a_poll_that_outlived_its_lease_neither_renews_nor_releases_the_new_holders_lease() {
        let store = MemStore::default();
        block_on(async {
            acquire(&store, "l", "slow", 0.0, Holder::POLL).await.unwrap();
            acquire(&store, "l", "fresh", LEASE_MS + 1.0, Holder::POLL).await.unwrap();
            assert_eq!(renew(&store, "l", "slow", LEASE_MS + 2.0, Holder::POLL).await.unwrap_err().kind, ErrorKind::Busy);
            release(&store, "l", "slow").await.unwrap();
            let held = read(&store, "l").await.unwrap().unwrap();
            assert_eq!(held.owner, "fresh");
            assert!(held.expires_at > LEASE_MS + 2.0, "the fresh poll's lease still stands");
            assert_eq!(acquire(&store, "l", "third", LEASE_MS + 3.0, Holder::POLL).await.unwrap_err().kind, ErrorKind::Busy);
        });
    }
}

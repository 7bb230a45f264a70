//! Delivering changes to the application: dedupe, classification, the optional detail
//! read, the handler call, participation diffs, and the dead-letter queue with its outage
//! rule.
//!
//! The outage rule: a failed change is queued as a dead letter at once (so that the store
//! never holds a checkpoint past it without it), but whether the failure counts towards
//! `max_attempts`, and whether it is the last one (`final`), waits until the run of
//! failures it belongs to is judged:
//! - a success follows in the same poll: the downstream works, so the failures count, and
//!   a change at its last attempt is given up;
//! - `max_consecutive_failures` failures in a row: an outage; none of them counts, the poll
//!   stops where it is (the walk resumes on the same page) and nothing is given up;
//! - the poll ends first: unknown (a success before the failures proves nothing about the
//!   downstream now); none counts. They are offered first in the next poll, so a success
//!   after them judges them there.
//!
//! So an outage costs a change at most one attempt (the poll in which the downstream came
//! back, whose failures a success follows): with `max_attempts` >= 2 no single outage gives
//! a change up, however long it lasts.
//!
//! Their dead-letter events are sent when the run is judged, each once, with its `final`.

use super::events::{DeadLetterError, DeadLetterEvent, Event, HandlerFailure, ParticipationEvent, UserEvent, UserPayload};
use super::state::{DeadLetterEntry, PollerState, UnsentUnreadable};
use super::{is_anonymized_email, Handlers, ParticipationMode, PollRun, Poller, StopReason, Store};
use crate::changes::{classify_change, ChangeKind};
use crate::client::Runtime;
use crate::error::Result;
use crate::model::{User, UserDetail, UserId};

/// Whether the poll goes on after a delivery, or stops here (budget, outage, a full
/// dead-letter queue: `run.stop` says which).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    Done,
    Halt,
}

/// A failed change waiting for its run of failures to be judged.
#[derive(Debug)]
pub(crate) struct PendingFailure {
    id: UserId,
    updated_at: i64,
    failure: HandlerFailure,
}

/// How a run of failures is judged (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    DownstreamWorks,
    Outage,
    Unknown,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    /// Created or updated: by the heuristic during the initial sync, whatever window the
    /// change sits in; by the known ids once the initial sync has caught up.
    fn kind_of(&self, run: &PollRun<'_, R>, user: &User) -> ChangeKind {
        let core = &run.state.core;
        if core.caught_up.unwrap_or(core.has_history) {
            if run.state.known.contains_key(&user.id) {
                ChangeKind::Updated
            } else {
                ChangeKind::Created
            }
        } else {
            classify_change(user, None)
        }
    }

    /// Calls the dead-letter handler (after the lease check every handler call passes).
    pub(super) async fn dead_letter(
        &self,
        run: &mut PollRun<'_, R>,
        user: serde_json::Value,
        kind: &str,
        failure: HandlerFailure,
        (attempt, is_final): (u32, bool),
        participation: Option<ParticipationEvent>,
    ) -> Result<bool> {
        self.fence(run).await?;
        let event = Event::DeadLetter(DeadLetterEvent {
            version: super::events::Version::of(&user),
            user,
            error: DeadLetterError { kind: kind.to_string(), message: failure.message, handler_ref: failure.handler_ref },
            attempt,
            is_final,
            participation,
        });
        // Whether the handler took it (returned without throwing); the caller decides what a
        // refusal means.
        Ok(self.handlers.deliver(&event).await.is_ok())
    }

    /// A handler returned: the downstream works, so the failures before it are judged.
    pub(super) async fn on_success(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        run.consecutive_failures = 0;
        run.state.core.failures_in_a_row = 0;
        self.settle_failures(run, Verdict::DownstreamWorks).await
    }

    /// Counts a fresh change's handler failure; `Halt` when it completes a run that looks like
    /// an outage: `max_consecutive_failures` failures in a row in this poll (retries' included),
    /// or of fresh changes since a handler last returned, across polls. Without the second, a
    /// poll whose budget ends it after a failure or two (a Worker's small slices) never saw an
    /// outage: each queued its failures and went on through the backlog, and the next was
    /// chained at once (an outside pass).
    pub(super) async fn on_failure(&self, run: &mut PollRun<'_, R>) -> Result<Delivery> {
        run.report.failed += 1;
        run.consecutive_failures += 1;
        let in_a_row = &mut run.state.core.failures_in_a_row;
        *in_a_row = in_a_row.saturating_add(1);
        let max = self.config.max_consecutive_failures.max(1);
        if run.consecutive_failures >= max || *in_a_row >= max {
            self.settle_failures(run, Verdict::Outage).await?;
            run.stop = Some(StopReason::HandlerOutage);
            return Ok(Delivery::Halt);
        }
        Ok(Delivery::Done)
    }

    /// Whether a change (or a user's owed participation events) that failed `attempt` times,
    /// counted while the downstream worked, the first time at `first_failed_ms`, is given up:
    /// after `max_attempts`, and once `retry_for_ms` has passed since the first failure (a
    /// downstream that refuses one user for a while, under frequent polls, would otherwise
    /// spend every attempt within seconds). A first failure the wall clock puts in the future
    /// (stepped back since) has taken no time yet: with `retry_for_ms` 0 nothing waits for
    /// the clock (before, such a change was never given up until the clock caught up, a day
    /// later after a day's step: an outside pass), and each poll moves it to now at its
    /// start (`PollerState::rebase_future_failures`).
    pub(crate) fn gives_up(&self, attempt: u32, first_failed_ms: Option<f64>) -> bool {
        let now = self.client.runtime().now_ms();
        let retried_long_enough = first_failed_ms.is_none_or(|first| (now - first).max(0.0) >= self.config.retry_for_ms);
        attempt >= self.config.max_attempts && retried_long_enough
    }

    /// Whether a change (or a user's participation events) whose refusal last counted at
    /// `last_failed_ms` waits for `retry_interval_ms` before a poll offers it again. Without
    /// it, slices chained a second apart (a Worker's walk, a drain) offered a change refused
    /// for good at each, and a refused change at the queue's front was offered before the
    /// rest every time. Counted, not any refusal: only a success after a refusal in the same
    /// poll counts it, so one no success judged is offered at the next poll, where one may;
    /// waiting from it, a change due only at polls with nothing else delivered was never
    /// judged, nor given up (an outside pass: 30 minutes of polls every second, another
    /// user's change every 10 s).
    pub(crate) fn waits(&self, last_failed_ms: Option<f64>) -> bool {
        let now = self.client.runtime().now_ms();
        last_failed_ms.is_some_and(|last| now - last < self.config.retry_interval_ms)
    }

    /// Judges the pending failures: counts their attempts (unless an outage), gives up
    /// those at their last attempt (only when the downstream works), sends their events.
    pub(crate) async fn settle_failures(&self, run: &mut PollRun<'_, R>, verdict: Verdict) -> Result<()> {
        // Refused participation events count as their users' attempts the same way, once a
        // poll per user.
        let refused = std::mem::take(&mut run.refused_parts);
        if verdict == Verdict::DownstreamWorks {
            for id in refused {
                if !run.parts_counted.contains(&id) {
                    run.state.count_refusal(id, self.client.runtime().now_ms());
                    run.parts_counted.push(id);
                }
            }
        }
        for p in std::mem::take(&mut run.pending) {
            let queue = &mut run.state.core.dead_letters;
            let Some(pos) = position(queue, (p.id, p.updated_at)) else { continue };
            let attempt = queue[pos].attempts + 1;
            let pos = if verdict == Verdict::DownstreamWorks {
                queue[pos].attempts = attempt;
                queue[pos].last_failed_ms = Some(self.client.runtime().now_ms()); // the wait starts (`waits`)
                pos
            } else {
                // Not judged: behind the rest of the queue (offer_dead_letters).
                let entry = queue.remove(pos);
                queue.push(entry);
                queue.len() - 1
            };
            let is_final = verdict == Verdict::DownstreamWorks && self.gives_up(attempt, queue[pos].first_failed_ms);
            let raw = serde_json::to_value(&queue[pos].user).unwrap_or_default();
            // Given up only once `onDeadLetter` has taken it: a dead-letter sink that is down too
            // leaves the change queued (the next poll offers it again, and gives it up again),
            // never dropped. Then settled (recorded first, so a failed write leaves it queued,
            // and its final dead letter may be heard again), so a window walked again does not
            // offer it anew.
            let taken = self.dead_letter(run, raw, "handler", p.failure, (attempt, is_final), None).await?;
            if is_final && taken {
                self.record_delivery(run, p.id, p.updated_at).await?;
                run.state.core.dead_letters.retain(|d| !is_change(d, (p.id, p.updated_at)));
            }
        }
        Ok(())
    }

    /// Delivers one listed user unless `(id, updatedAt)` was delivered or is waiting in the
    /// dead-letter queue.
    pub(crate) async fn deliver_user(&self, run: &mut PollRun<'_, R>, user: &User) -> Result<Delivery> {
        let t = user.updated_at.0;
        if run.state.delivered(user.id, t) || position(&run.state.core.dead_letters, (user.id, t)).is_some() {
            return Ok(Delivery::Done);
        }
        let detail = if self.config.participations == ParticipationMode::ChangedUsers {
            if run.out_of_budget(&self.client) {
                return Ok(Delivery::Halt);
            }
            let read = self.detail_of(run, user).await;
            // Its retries cut short by the budget: the poll stops here, as out of budget.
            let Some(detail) = run.within_budget(&self.client, read)? else { return Ok(Delivery::Halt) };
            detail
        } else {
            None
        };
        let diff = match &detail {
            Some(d) => Some(self.participation_diff(run, d).await?),
            None => None,
        };
        let kind = self.kind_of(run, user);
        let event = user_event(kind, user, &detail);
        self.before_offer(run).await?;
        match self.handlers.deliver(&event).await {
            Ok(()) => {
                self.record_delivery_of(run, user, diff.as_ref()).await?;
                self.count_delivery(run, kind);
                self.on_success(run).await?;
                let after = match (detail, diff) {
                    (Some(d), Some(diff)) => self.emit_after_delivery(run, &d, diff).await?,
                    _ => Delivery::Done,
                };
                // The failures before this success are judged: a queue still over its bound
                // stops the poll here (the walk goes on from this page next time).
                if after == Delivery::Done && run.state.core.dead_letters.len() > self.config.max_dead_letters {
                    run.stop = Some(StopReason::DeadLetterLimit);
                    return Ok(Delivery::Halt);
                }
                Ok(after)
            }
            Err(failure) => {
                // The bound holds between runs of failures: a run is queued whole, up to
                // `max_consecutive_failures` beyond it, so that the walk passes it and the
                // success after it judges it. Halting at the bound instead left changes the
                // downstream rejects for good stuck for ever: the queue full of them, the
                // walk stopped at the next such change before any success, so no retry's
                // attempt ever counted and nothing was given up to make room.
                let hard_bound = self.config.max_dead_letters + self.config.max_consecutive_failures.max(1) as usize;
                if run.state.core.dead_letters.len() >= hard_bound {
                    // Nowhere to keep it: stop before the checkpoint can pass it.
                    run.report.failed += 1;
                    run.stop = Some(StopReason::DeadLetterLimit);
                    let raw = serde_json::to_value(user).unwrap_or_default();
                    self.dead_letter(run, raw, "handler", failure, (1, false), None).await?; // heard of only: the walk halts here
                    return Ok(Delivery::Halt);
                }
                let first_failed_ms = Some(self.client.runtime().now_ms());
                run.state.core.dead_letters.push(DeadLetterEntry {
                    user: user.clone(),
                    attempts: 0,
                    first_failed_ms,
                    last_failed_ms: None,
                });
                run.pending.push(PendingFailure { id: user.id, updated_at: t, failure });
                self.on_failure(run).await
            }
        }
    }

    /// The detail of a changed user, for its event in `changed-users` mode (`None` when the
    /// user is gone). It is read now; the row was listed earlier and may have changed since.
    /// The event must be the listed version, the one recorded as delivered: a newer version
    /// is delivered on its own when a window reaches it.
    async fn detail_of(&self, run: &mut PollRun<'_, R>, user: &User) -> Result<Option<UserDetail>> {
        let sends = run.sends_left(&self.client);
        Ok(self.client.get_user_within(user.id, run.call, sends).await?.map(|mut d| {
            if d.user.updated_at != user.updated_at {
                d.user = user.clone();
            }
            d
        }))
    }

    fn count_delivery(&self, run: &mut PollRun<'_, R>, kind: ChangeKind) {
        run.report.processed += 1;
        match kind {
            ChangeKind::Created => run.report.created += 1,
            ChangeKind::Updated => run.report.updated += 1,
        }
    }

    /// A record the parser could not read: given up at once (a later change brings a new one).
    /// When its id and `updated_at` read (the usual case: a null email, a bad date of birth),
    /// that version is settled once `onDeadLetter` has taken it, as a given-up change is
    /// (`settle_failures`), so a page read again (a walk stepping back, the next window's first
    /// second, a window walked again) does not offer it anew. A sink that throws (down) leaves
    /// the record kept in the state (`unsent_unreadable`), offered again at the start of each
    /// later poll until it takes it (the walk goes on: the window is not read again for it; an
    /// outside pass lost every such record to a dead-letter target down for a while). Up to
    /// `max_dead_letters` of them: one more stops the poll before its page is passed
    /// (`dead_letter_limit`; the page is read again by the next poll), as a full dead-letter
    /// queue does, rather than drop it or grow the state without end. A record without a
    /// readable version is offered on each read of its page too.
    pub(crate) async fn dead_letter_unreadable(&self, run: &mut PollRun<'_, R>, raw: serde_json::Value, why: String) -> Result<Delivery> {
        let version = crate::parse::dropped_version(&raw);
        if version.is_some_and(|(id, t)| run.state.delivered(id, t)) {
            return Ok(Delivery::Done);
        }
        run.report.failed += 1;
        let taken = self.dead_letter(run, raw.clone(), "parse", HandlerFailure::new(why.clone()), (1, true), None).await?;
        let same = |u: &UnsentUnreadable| u.record == raw || version.is_some() && crate::parse::dropped_version(&u.record) == version;
        if taken {
            // A copy kept from an earlier read the sink refused is settled too (its page read
            // again: a walk stepping back), or the next poll would offer it a second time.
            run.state.core.unsent_unreadable.retain(|u| !same(u));
        }
        match version {
            Some((id, t)) if taken => self.record_delivery(run, id, t).await?,
            _ if taken => {}
            _ => {
                let kept = &mut run.state.core.unsent_unreadable;
                if !kept.iter().any(same) {
                    if kept.len() >= self.config.max_dead_letters {
                        run.stop = Some(StopReason::DeadLetterLimit);
                        return Ok(Delivery::Halt);
                    }
                    kept.push(UnsentUnreadable { record: raw, why, attempts: 1 });
                }
            }
        }
        Ok(Delivery::Done)
    }

    /// Offers again the unreadable records whose dead letter the sink refused, oldest first,
    /// until it refuses one again (still down: the rest wait for the next poll). One whose very
    /// version is recorded was taken already (a death before the save that dropped it from the
    /// list). A newer version of the user delivered since does not settle it: the sink has
    /// not heard of this one (it used to, and such a record was dropped unsent: an outside
    /// pass, in every mode).
    pub(crate) async fn offer_unsent_unreadable(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        while let Some(u) = run.state.core.unsent_unreadable.first().cloned() {
            let version = crate::parse::dropped_version(&u.record);
            if version.is_none_or(|(id, t)| run.state.known.get(&id) != Some(&t)) {
                let failure = HandlerFailure::new(u.why.clone());
                if !self.dead_letter(run, u.record.clone(), "parse", failure, (u.attempts + 1, true), None).await? {
                    run.state.core.unsent_unreadable[0].attempts += 1;
                    return Ok(());
                }
                if let Some((id, t)) = version {
                    self.record_delivery(run, id, t).await?;
                }
            }
            run.state.core.unsent_unreadable.remove(0);
        }
        Ok(())
    }

    /// Offers the queued dead letters to the handler again, from the front of the queue (see
    /// [`Poller::offer_dead_letters`]). False when the poll must stop. Every entry stays in the
    /// queue until it is delivered or given up, also when a store write fails part-way.
    pub(crate) async fn retry_dead_letters(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        let queue = &mut run.state.core.dead_letters;
        // The one place a newer queued version supersedes a user's older ones (a failure of a
        // newer version queues it beside the older, whose failure is judged and reported in
        // that poll as any other): offered again, the older would reach the downstream first
        // and be given up on its own. (A delivered newer version makes the older's retry
        // needless too: `delivered` below.)
        let mut newest: std::collections::HashMap<UserId, i64> = std::collections::HashMap::new();
        for d in queue.iter() {
            let t = newest.entry(d.user.id).or_insert(d.user.updated_at.0);
            *t = (*t).max(d.user.updated_at.0);
        }
        queue.retain(|d| newest.get(&d.user.id) == Some(&d.user.updated_at.0));
        run.to_offer = queue.iter().map(|d| (d.user.id, d.user.updated_at.0)).collect();
        self.offer_dead_letters(run).await
    }

    /// Offers the queued changes this poll has not offered yet (`run.to_offer`), in queue
    /// order. After a run of `max_consecutive_failures` refusals the rest waits: retries alone
    /// do not make an outage (changes the downstream rejects for good, a 422 from the CRM,
    /// would otherwise stop every poll before its walk, so that no success ever judged them
    /// and nothing new was delivered again), so the walk's next delivery decides: a failure
    /// too is an outage; a success counts these attempts, and the walk offers the rest after
    /// that page ([`Poller::deliver_page`]). What this poll does not reach waits for the next.
    ///
    /// The queue takes turns where its front makes no progress: a change refused again whose
    /// attempt no success judged (`settle_failures`) goes to the queue's end, behind those not
    /// offered yet. Kept in place, in a customer where nothing else was delivered the same
    /// `max_consecutive_failures` changes at its front were offered every poll and the rest
    /// never, though the downstream might take them by now (an outside pass: 946 of 1,026
    /// changes a downstream refused were offered once in 120 s). One whose attempt counted
    /// keeps its place, so that the front is given up and makes room: sent to the end too,
    /// each change's next attempt waited for a whole round of the queue, and a queue over
    /// `max_dead_letters` (each poll stopping after its first success) gave up nothing in
    /// 120 s where the front had given up 70. False when the poll must stop.
    pub(crate) async fn offer_dead_letters(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        if !run.to_offer.is_empty() {
            self.confirm_lease(run).await?; // as before a page (walk.rs)
        }
        while let Some(key) = run.to_offer.pop_front() {
            let pos = match self.due(&run.state, key) {
                Due::Yes(pos) => pos,
                Due::Delivered(pos) => {
                    run.state.core.dead_letters.remove(pos);
                    continue;
                }
                Due::No | Due::Waits => continue,
            };
            let user = run.state.core.dead_letters[pos].user.clone();
            // In changed-users mode a retry carries the detail, and its participation events
            // follow, as the first offer's would have.
            let detail = if self.config.participations == ParticipationMode::ChangedUsers {
                if run.retries_out_of_budget(&self.client) {
                    // The rest waits for the next poll; the walk gets the other half.
                    self.defer_retries(run);
                    return Ok(true);
                }
                let read = self.detail_of(run, &user).await;
                let Some(detail) = run.within_budget(&self.client, read)? else {
                    self.defer_retries(run);
                    return Ok(true);
                };
                detail
            } else {
                None
            };
            let diff = match &detail {
                Some(d) => Some(self.participation_diff(run, d).await?),
                None => None,
            };
            let kind = self.kind_of(run, &user);
            let event = user_event(kind, &user, &detail);
            self.before_offer(run).await?;
            match self.handlers.deliver(&event).await {
                Ok(()) => {
                    // Delivered but not recorded (a failed write): it stays queued (offered
                    // again later, the documented one-call window), never dropped.
                    self.record_delivery_of(run, &user, diff.as_ref()).await?;
                    if let Some(pos) = position(&run.state.core.dead_letters, key) {
                        run.state.core.dead_letters.remove(pos);
                    }
                    self.count_delivery(run, kind);
                    self.on_success(run).await?;
                    if let (Some(d), Some(diff)) = (detail, diff) {
                        if self.emit_after_delivery(run, &d, diff).await? == Delivery::Halt {
                            return Ok(false);
                        }
                    }
                }
                Err(failure) => {
                    run.pending.push(PendingFailure { id: user.id, updated_at: user.updated_at.0, failure });
                    run.report.failed += 1;
                    run.consecutive_failures += 1;
                    if run.consecutive_failures >= self.config.max_consecutive_failures.max(1) {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// Whether a queued change is still to be offered.
enum Due {
    /// Queued at `usize`, not delivered since, the newest version queued.
    Yes(usize),
    /// Queued at `usize`, but the walk delivered it or a newer version since.
    Delivered(usize),
    /// Given up meanwhile, or superseded by a newer version the walk queued since (offered
    /// instead at the next poll: `retry_dead_letters`).
    No,
    /// Its refusal counted within `retry_interval_ms` (`Poller::waits`): a later poll offers it.
    Waits,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    fn due(&self, state: &PollerState, key: (UserId, i64)) -> Due {
        let queue = &state.core.dead_letters;
        let Some(pos) = position(queue, key) else { return Due::No };
        if state.delivered(key.0, key.1) {
            return Due::Delivered(pos);
        }
        if queue.iter().any(|d| d.user.id == key.0 && d.user.updated_at.0 > key.1) {
            return Due::No;
        }
        if self.waits(queue[pos].last_failed_ms) {
            return Due::Waits;
        }
        Due::Yes(pos)
    }

    /// Leaves the change being offered (popped from `run.to_offer`, due) and those this poll has
    /// yet to offer for the next poll (the budget's share for retries is spent), counted in the
    /// report's `retries_deferred`.
    fn defer_retries(&self, run: &mut PollRun<'_, R>) {
        let later = run.to_offer.iter().filter(|&&key| matches!(self.due(&run.state, key), Due::Yes(_))).count();
        run.report.retries_deferred += 1 + later as u64;
        run.to_offer.clear();
    }
}

/// Whether a queued dead letter is the change `(id, updatedAt)`.
fn is_change(d: &DeadLetterEntry, (id, updated_at): (UserId, i64)) -> bool {
    d.user.id == id && d.user.updated_at.0 == updated_at
}

/// Where the queued change `(id, updatedAt)` is in the dead-letter queue.
fn position(queue: &[DeadLetterEntry], change: (UserId, i64)) -> Option<usize> {
    queue.iter().position(|d| is_change(d, change))
}

/// A user's change event: with the detail when the participations mode read it.
fn user_event(kind: ChangeKind, user: &User, detail: &Option<UserDetail>) -> Event {
    let payload = match detail {
        Some(d) => UserPayload::Detailed { user: d.clone() },
        None => UserPayload::Listed { user: user.clone() },
    };
    Event::User(UserEvent { kind: kind.as_str(), user: payload, anonymized: is_anonymized_email(&user.email) })
}

//! Participation events: a user's detail diffed against the participations the downstream
//! last took, offered one by one, each one taken journaled at once (state.rs), and what a
//! refusal or a death left owed offered again at the next poll.
//!
//! Before, the list moved on only in memory, once every event of a user was taken, and was
//! stored with the page. A death after the user's own event was journaled and before that
//! save left the stored list behind what the downstream held, while the user counted as
//! delivered: its events were not offered again, and the user's next change was diffed
//! against the old list, so a participation added before the death and removed after it was
//! never reported removed (an outside pass: 20 removals lost in 375 SIGKILLs, both modes and
//! the CLI). A refused event in `changed-users` mode waited for the user's next change.
//!
//! Now the journal (state.rs) names, before each event is offered, the event about to go out
//! (`next`), and after it, that it was taken. A death between the two leaves it unknown
//! whether the downstream took it: the next poll offers that same event again first (the
//! one-call window, as for a user's event), whatever VOMO holds by then, and only then diffs
//! the user's detail, so an event the downstream may hold is followed by what undoes it.
//!
//! Refused events stay owed and are offered again at each later poll; a user's refusals count
//! as a user change's failures do (`PartsRefused`, judged by delivery.rs's outage rule), and at
//! `max_attempts` (and `retry_for_ms`) the user's owed events are given up: each goes to the
//! dead-letter sink with `final: true` and is journaled as taken (`give_up_participations`).

use super::delivery::Delivery;
use super::events::{Event, HandlerFailure, ParticipationEvent};
use super::{Handlers, ParticipationMode, PollRun, Poller, Store};
use crate::changes::diff_participations;
use crate::client::Runtime;
use crate::error::Result;
use crate::model::{Participation, User, UserDetail, UserId};
use serde::{Deserialize, Serialize};

/// A detail's participation events, and the list they are counted from.
pub(crate) struct ParticipationDiff {
    held: Vec<Participation>,
    events: Vec<Taken>,
    /// The journal names the first event as the one offered next.
    announced: bool,
    /// Offered again (`offer_owed_participations`): a refusal does not stop the poll.
    retry: bool,
    /// The first event is the one a death left in doubt, offered again as it was.
    doubt_first: bool,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    /// The events that bring the participations the downstream last took to `detail`'s.
    pub(crate) async fn participation_diff(&self, run: &mut PollRun<'_, R>, detail: &UserDetail) -> Result<ParticipationDiff> {
        let id = detail.user.id;
        let held = run.state.participations(&self.store, &self.keys, id).await?.unwrap_or_default();
        // The event a death left in doubt comes first, as it was, and the rest is diffed from
        // the list it moves, wherever the user's detail is diffed (the owed users' offers, the
        // walk, the scan): a walk that reached such a user before the owed offers did (their
        // share of the budget spent, or a run of refusals) diffed from the list without it, so
        // a participation the downstream may hold and VOMO removed since was never reported
        // removed (the refusing simulation, once it refused participation events).
        let doubt = run.state.in_doubt(id);
        let mut base = held.clone();
        if let Some(e) = &doubt {
            e.apply(&mut base);
        }
        let diff = diff_participations(&base, &detail.participations);
        let event = |kind: &str, participation, before| Taken { kind: kind.to_string(), participation, before };
        let doubt_first = doubt.is_some();
        let mut events: Vec<Taken> = doubt.into_iter().collect();
        events.extend(diff.added.into_iter().map(|p| event("added", p, None)));
        events.extend(diff.changed.into_iter().map(|(before, after)| event("changed", after, Some(before))));
        events.extend(diff.removed.into_iter().map(|p| event("removed", p, None)));
        Ok(ParticipationDiff { held, events, announced: false, retry: false, doubt_first })
    }

    /// Journals a user's delivery: owing its participation events when `diff` has any (the
    /// first named as the one offered next).
    pub(crate) async fn record_delivery_of(&self, run: &mut PollRun<'_, R>, user: &User, diff: Option<&ParticipationDiff>) -> Result<()> {
        match diff.and_then(|d| d.events.first()) {
            Some(first) => self.record_delivery_owing(run, user.id, user.updated_at.0, first).await,
            None => self.record_delivery(run, user.id, user.updated_at.0).await,
        }
    }

    /// [`Poller::participation_diff`], then its events offered (`retry`: owed ones offered
    /// again, whose refusals do not stop the poll).
    pub(crate) async fn emit_participation_diff(&self, run: &mut PollRun<'_, R>, detail: &UserDetail, retry: bool) -> Result<Delivery> {
        let diff = self.participation_diff(run, detail).await?;
        self.emit_participation_events(run, detail, ParticipationDiff { retry, ..diff }).await
    }

    /// [`Poller::emit_participation_events`] after the user's own delivery, whose journal entry
    /// named the first event ([`Poller::record_delivery_of`]).
    pub(crate) async fn emit_after_delivery(
        &self,
        run: &mut PollRun<'_, R>,
        detail: &UserDetail,
        diff: ParticipationDiff,
    ) -> Result<Delivery> {
        self.emit_participation_events(run, detail, ParticipationDiff { announced: true, ..diff }).await
    }

    /// Offers a diff's events in order. Each is named in the journal before it goes out, and
    /// each one taken is journaled at once with the list the downstream holds now, the last as
    /// nothing owed, so a death costs at most the call it cut off, which the next poll makes
    /// again. One refused becomes a dead letter (`participation_handler`) and stays owed: the
    /// list moves on by the others, and the next poll offers it again, in either mode
    /// (`offer_owed_participations`). `announced`: the journal already names the first event
    /// as the next (the user's own delivery did).
    async fn emit_participation_events(&self, run: &mut PollRun<'_, R>, detail: &UserDetail, diff: ParticipationDiff) -> Result<Delivery> {
        let id = detail.user.id;
        let ParticipationDiff { mut held, events, announced, retry, doubt_first } = diff;
        if events.is_empty() {
            owe_nothing(run, detail, &held);
            return Ok(Delivery::Done);
        }
        let mut announced = announced;
        let mut all_taken = true;
        for (i, event) in events.iter().enumerate() {
            let next = events.get(i + 1);
            if !announced {
                self.fence(run).await?;
                run.state.mark_participations(&self.store, &self.keys, id, (None, Some(event)), &held, false).await?;
            }
            let offer = Offer { next, done: all_taken && next.is_none(), retry, was_in_doubt: i == 0 && doubt_first };
            match self.offer_participation(run, detail, event, &mut held, offer).await? {
                None => announced = true,
                Some(Delivery::Halt) => return Ok(Delivery::Halt),
                // The event in doubt refused again: still in doubt, and the rest, diffed from
                // the list it moves, waits for it.
                Some(Delivery::Done) if i == 0 && doubt_first => return Ok(Delivery::Done),
                Some(Delivery::Done) => (all_taken, announced) = (false, false),
            }
        }
        Ok(Delivery::Done)
    }

    /// Offers one participation event. Taken: `held` moves by it, and the journal records it
    /// with `offer.next`, the one offered after it (`offer.done`: none owed now, the list as
    /// `detail` lists it). Refused: a dead letter (`participation_handler`, naming the event),
    /// and the user stays owed with nothing in doubt (unless `offer.was_in_doubt`), its refusal
    /// counted once judged; `Some` with whether the poll goes on (an outage stops it, but not
    /// refusals of events offered again, `offer.retry`: as for retried changes, delivery.rs, the
    /// walk's next delivery decides). `None` when taken.
    async fn offer_participation(
        &self,
        run: &mut PollRun<'_, R>,
        detail: &UserDetail,
        event: &Taken,
        held: &mut Vec<Participation>,
        offer: Offer<'_>,
    ) -> Result<Option<Delivery>> {
        let Offer { next, done, retry, was_in_doubt } = offer;
        let id = detail.user.id;
        self.fence(run).await?;
        match self.handlers.deliver(&Event::Participation(event.event(id))).await {
            Ok(()) => {
                run.report.participation_events += 1;
                event.apply(held);
                self.fence(run).await?;
                let list = if done { &detail.participations } else { &*held };
                run.state.mark_participations(&self.store, &self.keys, id, (Some(event), next), list, done).await?;
                self.on_success(run).await?;
                Ok(None)
            }
            Err(failure) => {
                // Refused: not taken now; but one a death left in doubt may have been taken
                // before it, and stays in doubt.
                if !was_in_doubt {
                    run.state.owe_without_doubt(id);
                }
                // Counted once the run of failures it belongs to is judged (delivery.rs).
                run.state.note_refusal(id, self.client.runtime().now_ms());
                if !run.refused_parts.contains(&id) {
                    run.refused_parts.push(id);
                }
                let attempt = run.state.core.parts_refused.get(&id).map_or(0, |r| r.attempts) + 1;
                let raw = serde_json::to_value(&detail.user).unwrap_or_default();
                let participation = Some(event.event(id));
                self.dead_letter(run, raw, "participation_handler", failure, (attempt, false), participation).await?; // offered again at the next poll
                if retry {
                    run.report.failed += 1;
                    run.consecutive_failures += 1;
                    return Ok(Some(Delivery::Done));
                }
                Ok(Some(self.on_failure(run).await?))
            }
        }
    }

    /// Offers again, before the walk, the participation events still owed (a refusal, or a
    /// death among them): first the event that may have reached the downstream unrecorded,
    /// as it was, then the user's detail read now, diffed against what the downstream took.
    /// Within half a `maxRequests` budget, as the dead letters' retries; a user gone meanwhile
    /// owes nothing (a deleted user's participations are not reported). As retried changes
    /// (delivery.rs `offer_dead_letters`), refusals here do not stop the poll: after
    /// `max_consecutive_failures` of them in a row the rest waits, and the walk's next
    /// delivery decides whether it is an outage (before, a downstream refusing that many
    /// events stopped every poll before its walk, so no user change was delivered until it
    /// took them: found by the refusing simulation once it refused participation events).
    /// The users take turns from one poll to the next (`CoreState::parts_owed_after`), so
    /// that the same ones at the front do not hold back the rest. A user whose refusals reached
    /// `max_attempts` is given up instead (`give_up_participations`). False when the poll must
    /// stop.
    pub(crate) async fn offer_owed_participations(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        let owed = run.state.owed();
        if owed.is_empty() {
            return Ok(true);
        }
        if self.config.participations == ParticipationMode::Off {
            owed.into_iter().for_each(|(id, _)| run.state.settle_owed(id));
            return Ok(true);
        }
        self.confirm_lease(run).await?;
        let after = run.state.core.parts_owed_after;
        let (later, first): (Vec<_>, Vec<_>) = owed.into_iter().partition(|(id, _)| after.is_some_and(|a| *id > a));
        let order: Vec<UserId> = later.into_iter().chain(first).map(|(id, _)| id).collect();
        // Users whose refusal counted within `retry_interval_ms` wait for a later poll (not
        // deferred), unless their events are to be given up now, which only these offers do:
        // the walk offers a changed user's events too, and each refusal counted there starts
        // the wait again, so a user edited at every poll would never be given up.
        let waits = |id: &UserId| {
            let refused = run.state.core.parts_refused.get(id);
            refused.is_some_and(|r| self.waits(r.last_failed_ms) && !self.gives_up(r.attempts, Some(r.first_failed_ms)))
        };
        let order: Vec<UserId> = order.into_iter().filter(|id| !waits(id)).collect();
        for (i, &id) in order.iter().enumerate() {
            // The users not reached wait for the next poll; those the budget left are counted.
            let deferred = (order.len() - i) as u64;
            if run.consecutive_failures >= self.config.max_consecutive_failures.max(1) {
                return Ok(true);
            }
            if run.retries_out_of_budget(&self.client) {
                run.report.retries_deferred += deferred;
                return Ok(true);
            }
            run.state.core.parts_owed_after = Some(id);
            let read = self.client.get_user_within(id, run.call, run.sends_left(&self.client)).await;
            let Some(read) = run.within_budget(&self.client, read)? else {
                run.report.retries_deferred += deferred;
                return Ok(true);
            };
            let Some(detail) = read else {
                run.state.settle_owed(id);
                continue;
            };
            let refused = run.state.core.parts_refused.get(&id).cloned();
            if let Some(r) = refused.filter(|r| self.gives_up(r.attempts, Some(r.first_failed_ms))) {
                self.give_up_participations(run, &detail, r.attempts).await?;
                continue;
            }
            if self.emit_participation_diff(run, &detail, true).await? == Delivery::Halt {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Gives up a user's owed participation events (refused in `attempts` polls while the
    /// downstream worked, and for `retry_for_ms`): each goes to `onDeadLetter` with `final:
    /// true` instead of to `onParticipation`, and once the sink took it, it is journaled as
    /// taken, as a given-up user change is recorded as delivered, so it is not offered again.
    /// A sink that refuses one leaves it and the rest owed, to be given up at the next poll
    /// (a sink can so hear one final dead letter more than once, as for user changes).
    async fn give_up_participations(&self, run: &mut PollRun<'_, R>, detail: &UserDetail, attempts: u32) -> Result<()> {
        let id = detail.user.id;
        let ParticipationDiff { mut held, events, .. } = self.participation_diff(run, detail).await?;
        let raw = serde_json::to_value(&detail.user).unwrap_or_default();
        let message = format!("onParticipation refused this user's participation events in {attempts} polls; given up (maxAttempts)");
        for (i, event) in events.iter().enumerate() {
            let failure = HandlerFailure::new(message.clone());
            if !self.dead_letter(run, raw.clone(), "participation_handler", failure, (attempts, true), Some(event.event(id))).await? {
                return Ok(());
            }
            event.apply(&mut held);
            let done = i + 1 == events.len();
            let list = if done { &detail.participations } else { &held };
            self.fence(run).await?;
            run.state.mark_participations(&self.store, &self.keys, id, (Some(event), None), list, done).await?;
        }
        if events.is_empty() {
            owe_nothing(run, detail, &held);
        }
        Ok(())
    }
}

/// No event between `held` and `detail`'s list (the same participations, perhaps in another
/// order): the list is kept as listed, and the user owes nothing.
fn owe_nothing<R: Runtime>(run: &mut PollRun<'_, R>, detail: &UserDetail, held: &[Participation]) {
    if held != detail.participations.as_slice() {
        run.state.set_participations(detail.user.id, detail.participations.clone());
    }
    run.state.settle_owed(detail.user.id);
}

/// How one event of a diff is offered ([`Poller::offer_participation`]).
struct Offer<'a> {
    /// The event offered after it, which the journal names once it is taken.
    next: Option<&'a Taken>,
    /// Taken, it leaves the user owing nothing: the list becomes the detail's as listed.
    done: bool,
    /// Offered again (`offer_owed_participations`): a refusal does not stop the poll.
    retry: bool,
    /// The event a death left in doubt, which stays in doubt when refused.
    was_in_doubt: bool,
}

/// A participation event, as the journal records it (state.rs): the change alone, a few
/// hundred bytes, whatever the length of the user's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taken {
    kind: String,
    participation: Participation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Participation>,
}

impl Taken {
    /// The event of `user_id` it stands for.
    fn event(&self, user_id: i64) -> ParticipationEvent {
        ParticipationEvent { kind: self.kind(), user_id, participation: self.participation.clone(), before: self.before.clone() }
    }

    fn kind(&self) -> &'static str {
        match self.kind.as_str() {
            "changed" => "changed",
            "removed" => "removed",
            _ => "added",
        }
    }

    /// `list` as the downstream holds it once it took this. Applying it again changes
    /// nothing: a save that wrote the user's list and died before its state retired the
    /// journal leaves a list that holds it already (state.rs replays the journal over it).
    pub fn apply(&self, list: &mut Vec<Participation>) {
        let at = |list: &[Participation], p: &Participation| list.iter().position(|x| x == p);
        let after = &self.participation;
        match (self.kind(), &self.before) {
            ("removed", _) => {
                if let Some(i) = at(list, after) {
                    list.remove(i);
                }
            }
            ("changed", Some(before)) if at(list, after).is_none() => match at(list, before) {
                Some(i) => list[i] = after.clone(),
                None => list.push(after.clone()),
            },
            _ if at(list, after).is_none() => list.push(after.clone()),
            _ => {}
        }
    }
}

/// A journal record of a user's participation events: the one taken, the one offered next.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PartsRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken: Option<Taken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Taken>,
}

impl PartsRecord {
    /// The record's JSON text.
    pub fn text(taken: Option<&Taken>, next: Option<&Taken>) -> String {
        serde_json::to_string(&PartsRecord { taken: taken.cloned(), next: next.cloned() }).unwrap_or_else(|_| "{}".into())
    }
}

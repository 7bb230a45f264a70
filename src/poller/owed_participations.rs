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

use super::delivery::Delivery;
use super::events::{Event, ParticipationEvent};
use super::{Handlers, ParticipationMode, PollRun, Poller, Store};
use crate::changes::diff_participations;
use crate::client::Runtime;
use crate::error::Result;
use crate::model::{Participation, User, UserDetail};
use serde::{Deserialize, Serialize};

/// A detail's participation events, and the list they are counted from.
pub(crate) struct ParticipationDiff {
    held: Vec<Participation>,
    events: Vec<ParticipationEvent>,
    /// The journal names the first event as the one offered next.
    announced: bool,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    /// The events that bring the participations the downstream last took to `detail`'s.
    pub(crate) async fn participation_diff(&self, run: &mut PollRun<'_, R>, detail: &UserDetail) -> Result<ParticipationDiff> {
        let id = detail.user.id;
        let held = run.state.participations(&self.store, &self.keys, id).await?.unwrap_or_default();
        let diff = diff_participations(&held, &detail.participations);
        let mut events = Vec::new();
        for p in diff.added {
            events.push(ParticipationEvent { kind: "added", user_id: id, participation: p, before: None });
        }
        for (before, after) in diff.changed {
            events.push(ParticipationEvent { kind: "changed", user_id: id, participation: after, before: Some(before) });
        }
        for p in diff.removed {
            events.push(ParticipationEvent { kind: "removed", user_id: id, participation: p, before: None });
        }
        Ok(ParticipationDiff { held, events, announced: false })
    }

    /// Journals a user's delivery: owing its participation events when `diff` has any (the
    /// first named as the one offered next).
    pub(crate) async fn record_delivery_of(&self, run: &mut PollRun<'_, R>, user: &User, diff: Option<&ParticipationDiff>) -> Result<()> {
        match diff.and_then(|d| d.events.first()) {
            Some(first) => self.record_delivery_owing(run, user.id, user.updated_at.0, &Taken::of(first)).await,
            None => self.record_delivery(run, user.id, user.updated_at.0).await,
        }
    }

    /// [`Poller::participation_diff`], then its events offered.
    pub(crate) async fn emit_participation_diff(&self, run: &mut PollRun<'_, R>, detail: &UserDetail) -> Result<Delivery> {
        let diff = self.participation_diff(run, detail).await?;
        self.emit_participation_events(run, detail, diff).await
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
        let ParticipationDiff { mut held, events, announced } = diff;
        if events.is_empty() {
            // The same participations, perhaps in another order: kept as listed, nothing owed.
            if held != detail.participations {
                run.state.set_participations(id, detail.participations.clone());
            }
            run.state.settle_owed(id);
            return Ok(Delivery::Done);
        }
        let takens: Vec<Taken> = events.iter().map(Taken::of).collect();
        let mut announced = announced;
        let mut all_taken = true;
        for (i, e) in events.into_iter().enumerate() {
            self.fence(run).await?;
            if !announced {
                run.state.mark_participations(&self.store, &self.keys, id, (None, Some(&takens[i])), &held, false).await?;
            }
            match self.handlers.deliver(&Event::Participation(e)).await {
                Ok(()) => {
                    run.report.participation_events += 1;
                    takens[i].apply(&mut held);
                    let next = takens.get(i + 1);
                    let done = all_taken && next.is_none();
                    self.fence(run).await?;
                    let list = if done { &detail.participations } else { &held };
                    run.state.mark_participations(&self.store, &self.keys, id, (Some(&takens[i]), next), list, done).await?;
                    announced = true;
                    self.on_success(run).await?;
                }
                Err(failure) => {
                    all_taken = false;
                    announced = false;
                    run.state.owe_without_doubt(id);
                    let raw = serde_json::to_value(&detail.user).unwrap_or_default();
                    self.dead_letter(run, raw, "participation_handler", failure, 1, false).await?; // offered again at the next poll
                    if self.on_failure(run).await? == Delivery::Halt {
                        return Ok(Delivery::Halt);
                    }
                }
            }
        }
        Ok(Delivery::Done)
    }

    /// Offers again, before the walk, the participation events still owed (a refusal, or a
    /// death among them): first the event that may have reached the downstream unrecorded,
    /// as it was, then the user's detail read now, diffed against what the downstream took.
    /// Within half a `maxRequests` budget, as the dead letters' retries; a user gone meanwhile
    /// owes nothing (a deleted user's participations are not reported). False when the poll
    /// must stop.
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
        for (id, doubt) in owed {
            if run.retries_out_of_budget(&self.client) {
                return Ok(true);
            }
            let read = self.client.get_user_within(id, run.call, run.sends_left(&self.client)).await;
            let Some(read) = run.within_budget(&self.client, read)? else { return Ok(true) };
            let Some(detail) = read else {
                run.state.settle_owed(id);
                continue;
            };
            if let Some(taken) = doubt {
                match self.offer_again(run, &detail, taken).await? {
                    Some(Delivery::Halt) => return Ok(false),
                    Some(Delivery::Done) => continue, // refused again: still owed
                    None => {}
                }
            }
            if self.emit_participation_diff(run, &detail).await? == Delivery::Halt {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Offers again the event a death left in doubt, as it was; `None` when taken.
    async fn offer_again(&self, run: &mut PollRun<'_, R>, detail: &UserDetail, taken: Taken) -> Result<Option<Delivery>> {
        let id = detail.user.id;
        let event = ParticipationEvent {
            kind: taken.kind(),
            user_id: id,
            participation: taken.participation.clone(),
            before: taken.before.clone(),
        };
        self.fence(run).await?;
        match self.handlers.deliver(&Event::Participation(event)).await {
            Ok(()) => {
                run.report.participation_events += 1;
                let mut held = run.state.participations(&self.store, &self.keys, id).await?.unwrap_or_default();
                taken.apply(&mut held);
                self.fence(run).await?;
                run.state.mark_participations(&self.store, &self.keys, id, (Some(&taken), None), &held, false).await?;
                run.state.owe_without_doubt(id);
                self.on_success(run).await?;
                Ok(None)
            }
            Err(failure) => {
                run.state.owe_without_doubt(id);
                let raw = serde_json::to_value(&detail.user).unwrap_or_default();
                self.dead_letter(run, raw, "participation_handler", failure, 1, false).await?;
                Ok(Some(self.on_failure(run).await?))
            }
        }
    }
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
    fn of(event: &ParticipationEvent) -> Self {
        Taken { kind: event.kind.to_string(), participation: event.participation.clone(), before: event.before.clone() }
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

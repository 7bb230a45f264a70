//! Delivering one change: dedupe, classification, the optional detail read, the handler
//! call, participation diffs and dead letters.

use super::events::{DeadLetterError, DeadLetterEvent, Event, HandlerFailure, ParticipationEvent, UserEvent, UserPayload};
use super::{is_anonymized_email, Handlers, ParticipationMode, PollRun, Poller, Store};
use crate::changes::{classify_change, diff_participations, ChangeKind};
use crate::client::Runtime;
use crate::error::Result;
use crate::model::{User, UserDetail};
use super::state::DeadLetterEntry;

/// Whether a delivery ran, or the request budget ran out before it could.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    Done,
    OutOfBudget,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    fn kind_of(&self, run: &PollRun<'_, R>, user: &User) -> ChangeKind {
        if run.state.core.has_history {
            if run.state.known.contains_key(&user.id) { ChangeKind::Updated } else { ChangeKind::Created }
        } else {
            classify_change(user, None)
        }
    }

    async fn dead_letter(&self, user: serde_json::Value, kind: &str, failure: HandlerFailure, attempt: u32, is_final: bool) {
        let event = Event::DeadLetter(DeadLetterEvent {
            user,
            error: DeadLetterError { kind: kind.to_string(), message: failure.message, handler_ref: failure.handler_ref },
            attempt,
            is_final,
        });
        // A dead-letter handler that throws has nowhere further to go.
        let _ = self.handlers.deliver(&event).await;
    }

    /// Delivers one listed user unless `(id, updatedAt)` was delivered or is waiting in the
    /// dead-letter queue.
    pub(crate) async fn deliver_user(&self, run: &mut PollRun<'_, R>, user: &User) -> Result<Delivery> {
        let t = user.updated_at.0;
        if run.state.delivered(user.id, t)
            || run.state.core.dead_letters.iter().any(|d| d.user.id == user.id && d.user.updated_at.0 == t)
        {
            return Ok(Delivery::Done);
        }
        let detail = if self.config.participations == ParticipationMode::ChangedUsers {
            if run.out_of_budget(&self.client) {
                return Ok(Delivery::OutOfBudget);
            }
            // The detail is read now; the row was listed earlier and may have changed since.
            // The event must be the listed version, the one recorded as delivered: a newer
            // version is delivered on its own when a window reaches it.
            self.client.get_user(user.id, run.call).await?.map(|mut d| {
                if d.user.updated_at != user.updated_at {
                    d.user = user.clone();
                }
                d
            })
        } else {
            None
        };
        let kind = self.kind_of(run, user);
        let payload = match &detail {
            Some(d) => UserPayload::Detailed { user: d.clone() },
            None => UserPayload::Listed { user: user.clone() },
        };
        let event = Event::User(UserEvent { kind: kind.as_str(), user: payload, anonymized: is_anonymized_email(&user.email) });
        match self.handlers.deliver(&event).await {
            Ok(()) => {
                run.state.mark_delivered(&self.store, &self.keys, user.id, t).await?;
                run.report.processed += 1;
                match kind {
                    ChangeKind::Created => run.report.created += 1,
                    ChangeKind::Updated => run.report.updated += 1,
                }
                if let Some(d) = detail {
                    self.emit_participation_diff(run, &d).await?;
                }
            }
            Err(failure) => {
                run.report.failed += 1;
                let is_final = self.config.max_attempts <= 1;
                if is_final {
                    run.state.mark_delivered(&self.store, &self.keys, user.id, t).await?;
                } else {
                    run.state.core.dead_letters.push(DeadLetterEntry { user: user.clone(), attempts: 1 });
                }
                let raw = serde_json::to_value(user).unwrap_or_default();
                self.dead_letter(raw, "handler", failure, 1, is_final).await;
            }
        }
        Ok(Delivery::Done)
    }

    /// A record the parser could not read: given up at once (a later change brings a new one).
    pub(crate) async fn dead_letter_unreadable(&self, run: &mut PollRun<'_, R>, raw: serde_json::Value, why: String) {
        run.report.failed += 1;
        self.dead_letter(raw, "parse", HandlerFailure { message: why, handler_ref: None }, 1, true).await;
    }

    /// Diffs a fetched detail against the last-seen participations and emits the events.
    /// The stored set moves on only when every event was handled, so a failed one is
    /// offered again the next time this user's detail is read.
    pub(crate) async fn emit_participation_diff(&self, run: &mut PollRun<'_, R>, detail: &UserDetail) -> Result<()> {
        let id = detail.user.id;
        let previous = run.state.participations(&self.store, &self.keys, id).await?.unwrap_or_default();
        let diff = diff_participations(&previous, &detail.participations);
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
        let mut all_ok = true;
        for e in events {
            let event = Event::Participation(e);
            match self.handlers.deliver(&event).await {
                Ok(()) => run.report.participation_events += 1,
                Err(failure) => {
                    all_ok = false;
                    run.report.failed += 1;
                    let raw = serde_json::to_value(&detail.user).unwrap_or_default();
                    self.dead_letter(raw, "participation_handler", failure, 1, false).await;
                }
            }
        }
        if all_ok {
            run.state.set_participations(id, detail.participations.clone());
        }
        Ok(())
    }

    /// Offers every waiting dead letter to the handler again.
    pub(crate) async fn retry_dead_letters(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        let waiting = std::mem::take(&mut run.state.core.dead_letters);
        for mut entry in waiting {
            let user = entry.user.clone();
            if run.state.delivered(user.id, user.updated_at.0) {
                continue;
            }
            let kind = self.kind_of(run, &user);
            let event = Event::User(UserEvent {
                kind: kind.as_str(),
                user: UserPayload::Listed { user: user.clone() },
                anonymized: is_anonymized_email(&user.email),
            });
            match self.handlers.deliver(&event).await {
                Ok(()) => {
                    run.state.mark_delivered(&self.store, &self.keys, user.id, user.updated_at.0).await?;
                    run.report.processed += 1;
                    match kind {
                        ChangeKind::Created => run.report.created += 1,
                        ChangeKind::Updated => run.report.updated += 1,
                    }
                }
                Err(failure) => {
                    entry.attempts += 1;
                    run.report.failed += 1;
                    let is_final = entry.attempts >= self.config.max_attempts;
                    let raw = serde_json::to_value(&user).unwrap_or_default();
                    let attempt = entry.attempts;
                    if is_final {
                        // Given up: settled, so a window walked again does not offer it anew.
                        run.state.mark_delivered(&self.store, &self.keys, user.id, user.updated_at.0).await?;
                    } else {
                        run.state.core.dead_letters.push(entry);
                    }
                    self.dead_letter(raw, "handler", failure, attempt, is_final).await;
                }
            }
        }
        Ok(())
    }
}

//! Pure change-detection helpers: new-vs-updated, participation diffs, hours, missing ids.

use crate::model::{Participation, User, UserId};
use std::collections::{HashMap, HashSet};

/// Whether a user seen by `updated_after` is new or modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
        }
    }
}

/// How close `updated_at` must be to `created_at` for the timestamp heuristic to say "created".
pub const CREATED_TOLERANCE_MS: i64 = 1000;

/// With `known_ids`, an id not in it is created (definitive); without, the docs' heuristic:
/// `updatedAt - createdAt < 1000 ms`.
///
/// ```
/// use vomo_users::changes::{classify_change, ChangeKind};
/// # let user = vomo_users::parse::user_object(r#"{"id":1,"email":"a@b.c",
/// #   "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00.500Z"}"#).unwrap().0;
/// assert_eq!(classify_change(&user, None), ChangeKind::Created);
/// assert_eq!(classify_change(&user, Some(&[1].into_iter().collect())), ChangeKind::Updated);
/// ```
pub fn classify_change(user: &User, known_ids: Option<&HashSet<UserId>>) -> ChangeKind {
    let created = match known_ids {
        Some(known) => !known.contains(&user.id),
        None => user.updated_at.0 - user.created_at.0 < CREATED_TOLERANCE_MS,
    };
    if created {
        ChangeKind::Created
    } else {
        ChangeKind::Updated
    }
}

/// What changed between two participation lists of one user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParticipationDiff {
    pub added: Vec<Participation>,
    pub removed: Vec<Participation>,
    pub changed: Vec<(Participation, Participation)>,
}

impl ParticipationDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Diffs keyed by `projectDateId`; entries without one are compared by value, so a changed
/// one is a removal plus an addition. Output follows the order of the inputs.
pub fn diff_participations(previous: &[Participation], current: &[Participation]) -> ParticipationDiff {
    let mut diff = ParticipationDiff::default();
    let keyed = |list: &[Participation]| -> HashMap<i64, usize> {
        list.iter().enumerate().filter_map(|(i, p)| p.project_date_id.map(|k| (k, i))).collect()
    };
    let before = keyed(previous);
    let after = keyed(current);
    let mut unkeyed_before: Vec<&Participation> = previous.iter().filter(|p| p.project_date_id.is_none()).collect();
    for p in current {
        match p.project_date_id {
            Some(key) => match before.get(&key) {
                None => diff.added.push(p.clone()),
                Some(&i) if previous[i] != *p => diff.changed.push((previous[i].clone(), p.clone())),
                Some(_) => {}
            },
            None => match unkeyed_before.iter().position(|q| *q == p) {
                Some(i) => {
                    unkeyed_before.remove(i);
                }
                None => diff.added.push(p.clone()),
            },
        }
    }
    for p in previous {
        if let Some(key) = p.project_date_id {
            if !after.contains_key(&key) {
                diff.removed.push(p.clone());
            }
        }
    }
    diff.removed.extend(unkeyed_before.into_iter().cloned());
    diff
}

/// Sum of `hours`.
pub fn total_hours(participations: &[Participation]) -> f64 {
    // fold from +0.0: an empty f64 `sum()` is -0.0, which JS would show as -0
    participations.iter().fold(0.0, |total, p| total + p.hours)
}

/// Ids known but not currently visible, ascending. Not visible is not proof of deletion.
pub fn find_missing_ids(current: &[UserId], known: &[UserId]) -> Vec<UserId> {
    let visible: HashSet<UserId> = current.iter().copied().collect();
    // Sorted and deduplicated in place (a BTreeSet's `collect` brings a stable sort of its own).
    let mut missing: Vec<UserId> = known.iter().copied().filter(|id| !visible.contains(id)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(date: Option<i64>, hours: f64) -> Participation {
        Participation {
            project_id: Some(1),
            project_date_id: date,
            guests: 0,
            signed_up_at: None,
            checked_in_at: None,
            checked_out_at: None,
            hours,
            verified: false,
            role: None,
        }
    }

    #[test]
    fn diff_reports_added_removed_and_changed_by_project_date() {
        let before = vec![part(Some(1), 1.0), part(Some(2), 2.0), part(Some(3), 3.0)];
        let after = vec![part(Some(2), 2.5), part(Some(3), 3.0), part(Some(4), 4.0)];
        let d = diff_participations(&before, &after);
        assert_eq!(d.added, vec![part(Some(4), 4.0)]);
        assert_eq!(d.removed, vec![part(Some(1), 1.0)]);
        assert_eq!(d.changed, vec![(part(Some(2), 2.0), part(Some(2), 2.5))]);
    }

    #[test]
    fn unkeyed_entries_compare_by_value_and_change_is_remove_plus_add() {
        let before = vec![part(None, 1.0), part(None, 1.0)];
        let after = vec![part(None, 1.0), part(None, 5.0)];
        let d = diff_participations(&before, &after);
        assert_eq!(d.added, vec![part(None, 5.0)]);
        assert_eq!(d.removed, vec![part(None, 1.0)]);
        assert!(d.changed.is_empty());
        assert!(diff_participations(&after, &after).is_empty());
    }

    #[test]
    fn missing_ids_are_sorted_and_unique() {
        assert_eq!(find_missing_ids(&[3, 1], &[5, 1, 4, 5, 3, 2]), vec![2, 4, 5]);
    }

    #[test]
    fn total_hours_sums() {
        assert_eq!(total_hours(&[part(None, 4.0), part(Some(1), 2.5)]), 6.5);
    }
}

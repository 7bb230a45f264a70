//! Pure change-detection helpers: new-vs-updated, participation diffs, hours, missing ids.

use crate::model::{Participation, User, UserId};
use std::collections::{HashMap, HashSet};

/// Whether a user seen by `updated_after` is new or modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A user new to the reader.
    Created,
    /// A user the reader knew, changed.
    Updated,
}

impl ChangeKind {
    /// `created` or `updated`, as events and JS name them.
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
    /// In the current list only.
    pub added: Vec<Participation>,
    /// In the previous list only.
    pub removed: Vec<Participation>,
    /// In both, different: `(before, after)`.
    pub changed: Vec<(Participation, Participation)>,
}

impl ParticipationDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Diffs keyed by `projectDateId`; entries without one are compared by value, so a changed
/// one is a removal plus an addition. A list may hold one date more than once: entries of a
/// date that are equal in both lists pair first, the rest in order (a second entry that
/// appears is an addition, not a change of the first; one that goes is that one's removal).
/// Output follows the order of the inputs.
pub fn diff_participations(previous: &[Participation], current: &[Participation]) -> ParticipationDiff {
    let mut diff = ParticipationDiff::default();
    // Per date: the entries of `previous` not paired yet, by index, in order.
    let mut open: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, p) in previous.iter().enumerate() {
        if let Some(k) = p.project_date_id {
            open.entry(k).or_default().push(i);
        }
    }
    // Equal entries first: they are unchanged, whatever their places.
    let unchanged: Vec<bool> = current
        .iter()
        .map(|p| {
            let list = p.project_date_id.and_then(|k| open.get_mut(&k));
            list.and_then(|l| l.iter().position(|&i| previous[i] == *p).map(|pos| l.remove(pos))).is_some()
        })
        .collect();
    let mut unkeyed_before: Vec<&Participation> = previous.iter().filter(|p| p.project_date_id.is_none()).collect();
    for (p, &same) in current.iter().zip(&unchanged) {
        match p.project_date_id {
            Some(_) if same => {}
            Some(k) => match open.get_mut(&k).filter(|l| !l.is_empty()) {
                Some(l) => diff.changed.push((previous[l.remove(0)].clone(), p.clone())),
                None => diff.added.push(p.clone()),
            },
            None => match unkeyed_before.iter().position(|q| *q == p) {
                Some(i) => {
                    unkeyed_before.remove(i);
                }
                None => diff.added.push(p.clone()),
            },
        }
    }
    let mut gone: Vec<usize> = open.into_values().flatten().collect();
    gone.sort_unstable();
    diff.removed.extend(gone.into_iter().map(|i| previous[i].clone()));
    diff.removed.extend(unkeyed_before.into_iter().cloned());
    diff
}

/// Sum of `hours`, rounded to a millionth of an hour: hours are decimals (`"2.5"`, `"0.1"`),
/// and their binary sum is not (2.5 + 0.1 + 0.2 is 2.8000000000000003 before rounding).
pub fn total_hours(participations: &[Participation]) -> f64 {
    // fold from +0.0: an empty f64 `sum()` is -0.0, which JS would show as -0
    let sum = participations.iter().fold(0.0, |total, p| total + p.hours);
    (sum * 1e6).round() / 1e6
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
    fn a_date_twice_in_one_list_pairs_in_order_and_neither_entry_is_lost() {
        // A second entry of date 2 appears: an addition, not a change of the first.
        let d = diff_participations(&[part(Some(2), 2.0)], &[part(Some(2), 2.0), part(Some(2), 3.0)]);
        assert_eq!((d.added, d.removed, d.changed), (vec![part(Some(2), 3.0)], vec![], vec![]));
        // One of two goes, either one: its removal.
        let d = diff_participations(&[part(Some(2), 2.0), part(Some(2), 3.0)], &[part(Some(2), 2.0)]);
        assert_eq!((d.added, d.removed, d.changed), (vec![], vec![part(Some(2), 3.0)], vec![]));
        let d = diff_participations(&[part(Some(2), 2.0), part(Some(2), 3.0)], &[part(Some(2), 3.0)]);
        assert_eq!((d.added, d.removed, d.changed), (vec![], vec![part(Some(2), 2.0)], vec![]));
        // Both stay, the second changes.
        let d = diff_participations(&[part(Some(2), 2.0), part(Some(2), 3.0)], &[part(Some(2), 2.0), part(Some(2), 4.0)]);
        assert_eq!((d.added, d.removed, d.changed), (vec![], vec![], vec![(part(Some(2), 3.0), part(Some(2), 4.0))]));
        let same = [part(Some(2), 2.0), part(Some(2), 3.0), part(Some(5), 1.0)];
        assert!(diff_participations(&same, &same).is_empty());
    }

    // Every entry is accounted for, whatever the lists: what `previous` keeps (all but the
    // removed and the changed ones' before) is what `current` keeps (all but the added and the
    // changed ones' after), as multisets; and a change never crosses dates. (The crate's
    // proptest runs natively only, as here.)
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn every_entry_is_accounted_for(
            before in proptest::collection::vec((proptest::option::of(0i64..3), 0u8..3), 0..7),
            after in proptest::collection::vec((proptest::option::of(0i64..3), 0u8..3), 0..7),
        ) {
            let list = |v: &[(Option<i64>, u8)]| v.iter().map(|&(d, h)| part(d, f64::from(h))).collect::<Vec<_>>();
            let (before, after) = (list(&before), list(&after));
            let d = diff_participations(&before, &after);
            let minus = |all: &[Participation], gone: Vec<&Participation>| {
                let mut left: Vec<String> = all.iter().map(|p| format!("{p:?}")).collect();
                for g in gone {
                    let at = left.iter().position(|x| *x == format!("{g:?}")).expect("a reported entry is in its list");
                    left.remove(at);
                }
                left.sort();
                left
            };
            let kept_before = minus(&before, d.removed.iter().chain(d.changed.iter().map(|(b, _)| b)).collect());
            let kept_after = minus(&after, d.added.iter().chain(d.changed.iter().map(|(_, a)| a)).collect());
            proptest::prop_assert_eq!(kept_before, kept_after);
            for (b, a) in &d.changed {
                proptest::prop_assert!(b.project_date_id.is_some() && b.project_date_id == a.project_date_id && b != a);
            }
        }
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
        assert_eq!(total_hours(&[part(None, 2.5), part(Some(1), 0.1), part(Some(2), 0.2)]), 2.8, "decimals sum as decimals");
        assert_eq!(total_hours(&vec![part(None, 0.1); 3]), 0.3);
        assert_eq!(total_hours(&[part(None, 1.25), part(Some(1), 0.000_000_4)]), 1.25, "to a millionth");
        assert_eq!(total_hours(&[]).to_bits(), 0.0f64.to_bits(), "+0, not -0");
    }
}

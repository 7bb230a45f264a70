//! `importRoster`: a throttled, resumable bulk upsert with progress, field errors and
//! email-change detection through an external-id mapping.

use crate::client::{Client, Runtime, UpsertInput};
use crate::error::{ErrorInfo, ErrorKind, FieldErrors, Result, VomoError};
use crate::model::{User, UserId};
use crate::store::bound_api::{self, Binding};
use crate::store::lease::{Held, Holder};
use crate::store::log::{Log, LogIndex};
use crate::store::log_removal::LogRemoval;
use crate::store::{read_chunked, write_chunked, Keys, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hasher;

mod maybe_sent;
use maybe_sent::MaybeSent;

/// One roster row: the upsert fields plus the external system's id, side by side in one
/// JSON object (`{ externalId, firstName, ... }`, and the `line` parseRosterCsv adds; any
/// other key is refused, so that a misspelt field is not dropped from every record).
#[derive(Debug, Clone, Default)]
pub struct RosterRecord {
    /// The person's id in the system the roster comes from: what a rerun and the [`Mapping`]
    /// know the record by (else by its email).
    pub external_id: Option<String>,
    /// What is sent.
    pub input: UpsertInput,
    /// The CSV line the record came from (`parseRosterCsv`), for messages about it (a repeat
    /// names the line of the row it repeats).
    pub line: Option<u64>,
}

/// A roster row as it arrives: one plain struct instead of `#[serde(flatten)]`, whose
/// buffering of every record (serde's `Content`), with the tagged `Settled` below, cost
/// 29 KB raw / 10 KB gzip of wasm. The fields are `UpsertInput`'s; the test
/// `roster_records_read_every_upsert_field` fails if the two lists part.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a roster record (an object of upsert fields and externalId)")]
struct RosterRecordWire {
    external_id: Option<String>,
    /// The CSV line a parsed record came from (`parseRosterCsv`): a line number or nothing
    /// (`line: "x"` is a record built wrong).
    line: Option<u64>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    birthday: Option<String>,
    gender: Option<String>,
    role: Option<String>,
    address: Option<String>,
    org: Option<String>,
    invite_code: Option<String>,
    password: Option<String>,
}

impl<'de> Deserialize<'de> for RosterRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let w = RosterRecordWire::deserialize(d)?;
        let input = UpsertInput {
            first_name: w.first_name,
            last_name: w.last_name,
            email: w.email,
            phone: w.phone,
            birthday: w.birthday,
            gender: w.gender,
            role: w.role,
            address: w.address,
            org: w.org,
            invite_code: w.invite_code,
            password: w.password,
        };
        // Matched trimmed (an external id of spaces is none), so kept trimmed: a result says
        // `"crm-1"` for the `" crm-1 "` it matched as `crm-1`, and `null` for `""`.
        let external_id = w.external_id.map(|id| id.trim().to_string()).filter(|id| !id.is_empty());
        Ok(RosterRecord { external_id, input, line: w.line })
    }
}

/// `checkpointEvery` when the caller gives none.
pub const DEFAULT_CHECKPOINT_EVERY: usize = 50;

/// `maxConsecutiveFailures` when the caller gives none: enough that one poisoned record, or
/// two, do not stop a nightly run; few enough that an API that is down costs five records'
/// retries, not every remaining record's.
pub const DEFAULT_MAX_CONSECUTIVE_FAILURES: usize = 5;

/// What the mapping remembers per external id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MappedUser {
    /// The VOMO user the external id was last synced to.
    pub vomo_user_id: UserId,
    /// The email it was last synced with (trimmed, lower-cased).
    pub email: String,
}

/// externalId -> last synced VOMO user. Sync or async in JS.
///
/// With one, a record whose email differs from the one last synced for its external id is
/// not sent (it would create a second VOMO user) but listed in
/// [`ImportResult::email_changed`]; see docs/import.md, "Email changes and the mapping". The
/// import writes an entry after each successful upsert and never clears one.
#[allow(async_fn_in_trait)]
pub trait Mapping {
    /// The entry of an external id, `None` when it was never synced.
    async fn get(&self, external_id: &str) -> Result<Option<MappedUser>>;
    /// Records the user an external id was synced to.
    async fn set(&self, external_id: &str, value: &MappedUser) -> Result<()>;
}

/// Progress after each record.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Records gone through so far, in roster order (one an earlier run settled counts as it
    /// is passed).
    pub done: usize,
    /// Records in the roster.
    pub total: usize,
    /// Records whose upsert created a user.
    pub created: usize,
    /// Records whose upsert updated a user.
    pub updated: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records not sent because their email changed for their external id (see `Mapping`).
    pub email_changed: usize,
    /// Estimated milliseconds until the last record is done: the records still to send, at
    /// the pace of those sent so far, and never faster than the client's request rate.
    pub eta_ms: Option<f64>,
}

/// A record whose upsert succeeded, in this run or an earlier one with the same key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImportedUser {
    /// The record's external id.
    pub external_id: Option<String>,
    /// The email sent.
    pub email: String,
    /// The user as the server returned it.
    pub user: User,
    /// An update that may be this import's own create, whose answer was lost: the upsert was
    /// sent again after an attempt that may have reached the server (a retry after a timeout
    /// or a dropped connection), or the record was sent again after an earlier run with this
    /// key was cut off before it saved (see docs/import.md, "Settled and unsettled records").
    /// VOMO has one user for the email either way; only `created` or `updated` is unsure.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncertain: bool,
}

/// A record that failed: for good (a 422, or refused before sending), or in this run only (an
/// error that says nothing about the record, which a rerun sends again; see docs/import.md,
/// "Settled and unsettled records").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FailedRecord {
    /// The record's position in this run's `records` (set by `summarize`; a saved one is stale).
    #[serde(default)]
    pub index: usize,
    /// The record's external id.
    pub external_id: Option<String>,
    /// The record's email (trimmed, lower-cased), or `""` when it had none.
    pub email: String,
    /// Why it failed.
    pub error: ErrorInfo,
    /// The field errors (a 422's, or the client's own checks').
    pub fields: Option<FieldErrors>,
}

/// A record not sent because its email differs from the one last synced for its external id
/// (see [`Mapping`]): sending it would create a second VOMO user. An operator resolves it
/// (docs/import.md); the next run checks it again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmailChange {
    /// The record's position in this run's `records` (set by `summarize`).
    #[serde(default)]
    pub index: usize,
    /// The record's external id.
    pub external_id: String,
    /// The VOMO user the external id was last synced to.
    pub vomo_user_id: UserId,
    /// The email it was last synced with.
    pub old_email: String,
    /// The record's email now.
    pub new_email: String,
}

/// How a record ended. Saved as `{ "outcome": "created", ...the record's fields }`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
enum Settled {
    Created(ImportedUser),
    Updated(ImportedUser),
    Failed(FailedRecord),
    EmailChanged(EmailChange),
}

/// A saved `Settled` read back: the fields of every outcome in one plain struct, instead of
/// serde's internally tagged derive, which buffers each value (see `RosterRecordWire`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettledWire {
    outcome: String,
    external_id: Option<String>,
    email: Option<String>,
    user: Option<User>,
    error: Option<ErrorInfo>,
    fields: Option<FieldErrors>,
    vomo_user_id: Option<UserId>,
    old_email: Option<String>,
    new_email: Option<String>,
    #[serde(default)]
    uncertain: bool,
}

impl<'de> Deserialize<'de> for Settled {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let w = SettledWire::deserialize(d)?;
        fn need<T, E: Error>(v: Option<T>, name: &'static str) -> std::result::Result<T, E> {
            v.ok_or_else(|| E::missing_field(name))
        }
        let imported = |w: SettledWire| -> std::result::Result<ImportedUser, D::Error> {
            Ok(ImportedUser {
                external_id: w.external_id,
                email: need(w.email, "email")?,
                user: need(w.user, "user")?,
                uncertain: w.uncertain,
            })
        };
        match w.outcome.as_str() {
            "created" => imported(w).map(Settled::Created),
            "updated" => imported(w).map(Settled::Updated),
            "failed" => Ok(Settled::Failed(FailedRecord {
                index: 0,
                external_id: w.external_id,
                email: need(w.email, "email")?,
                error: need(w.error, "error")?,
                fields: w.fields,
            })),
            "emailChanged" => Ok(Settled::EmailChanged(EmailChange {
                index: 0,
                external_id: need(w.external_id, "externalId")?,
                vomo_user_id: need(w.vomo_user_id, "vomoUserId")?,
                old_email: need(w.old_email, "oldEmail")?,
                new_email: need(w.new_email, "newEmail")?,
            })),
            other => Err(D::Error::unknown_variant(other, &["created", "updated", "failed", "emailChanged"])),
        }
    }
}

/// What [`import_roster`] did with the roster, record by record (a run that stops early,
/// at an `auth` error or an outage, fails instead, after saving its progress).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// Records whose upsert created a user.
    pub created: Vec<ImportedUser>,
    /// Records whose upsert updated the user with their email.
    pub updated: Vec<ImportedUser>,
    /// Records that failed.
    pub failed: Vec<FailedRecord>,
    /// Records not sent because their email changed for their external id.
    pub email_changed: Vec<EmailChange>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedImport {
    version: u32,
    settled: BTreeMap<String, Settled>,
}

/// The options of [`import_roster`] (docs/api.md, `importRoster`). Without a store and a key
/// a run keeps no progress; with them, a rerun with the same key sends only what is not
/// settled.
pub struct ImportOptions<'a, S: Store, M: Mapping> {
    /// Where progress is saved; goes with `key`.
    pub store: Option<&'a S>,
    /// Names this import in the store (no `/`): one run per key at a time (another fails
    /// with `busy`).
    pub key: Option<String>,
    /// Progress is saved every so many records ([`DEFAULT_CHECKPOINT_EVERY`]), and whenever a
    /// run stops.
    pub checkpoint_every: usize,
    /// Records in a row that fail without an answer about them (`Failure::Unanswered`) after
    /// which the run stops as an outage.
    pub max_consecutive_failures: usize,
    /// The external-id mapping that keeps a changed email from creating a second user (see
    /// [`Mapping`]).
    pub mapping: Option<&'a M>,
    /// With `store` and `mapping`, and a record with an external id: the run holds the
    /// store's mapping lease too (`Keys::mapping_lease`), so that imports sharing the mapping
    /// take turns. `false` for a caller that keeps them apart itself.
    pub mapping_lease: bool,
    /// A base URL whose progress under `key` this import takes over (`store::bound_api`).
    pub previous_base_url: Option<String>,
}

/// No store, key or mapping; the defaults the JS options have (`checkpointEvery` 50,
/// `maxConsecutiveFailures` 5, the mapping's lease taken): `ImportOptions { store:
/// Some(&store), key: Some("roster".into()), ..Default::default() }`.
impl<S: Store, M: Mapping> Default for ImportOptions<'_, S, M> {
    fn default() -> Self {
        ImportOptions {
            store: None,
            key: None,
            checkpoint_every: DEFAULT_CHECKPOINT_EVERY,
            max_consecutive_failures: DEFAULT_MAX_CONSECUTIVE_FAILURES,
            mapping: None,
            mapping_lease: true,
            previous_base_url: None,
        }
    }
}

/// Every option; the store and the mapping by their types (given or not), so that neither
/// has to be `Debug`.
impl<S: Store, M: Mapping> std::fmt::Debug for ImportOptions<'_, S, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("store", &self.store.map(|_| std::any::type_name::<S>()))
            .field("key", &self.key)
            .field("checkpoint_every", &self.checkpoint_every)
            .field("max_consecutive_failures", &self.max_consecutive_failures)
            .field("mapping", &self.mapping.map(|_| std::any::type_name::<M>()))
            .field("mapping_lease", &self.mapping_lease)
            .field("previous_base_url", &self.previous_base_url)
            .finish()
    }
}

/// The identity a record keeps across reruns: its external id, else its email.
fn identity(index: usize, record: &RosterRecord, email: Option<&str>) -> String {
    match (&record.external_id, email) {
        (Some(id), _) if !id.trim().is_empty() => format!("x:{}", id.trim()),
        (_, Some(e)) => format!("e:{e}"),
        _ => format!("i:{index}"),
    }
}

/// Where a record's outcome is saved, and what the run knows of it before sending.
struct RecordKey {
    email: Option<String>,
    /// Why the record is a repeat of an earlier row of this roster (its external id or its
    /// email appeared there), which is not sent; `None` for a first row.
    repeat: Option<String>,
    /// Its identity alone: the key progress saved by releases before the digest used.
    identity: String,
    /// Its identity and a digest (FNV-1a, 64 bits: the same in every release and on every
    /// platform) of the body it sends, so that a record changed since it settled (a corrected
    /// row, a new phone number) is sent again under the same import key, and one whose change
    /// sends the same body (spaces around a name, `f` for `F`, an empty field for a missing
    /// one) is not. A record the client refuses has no body: its fields as JSON are digested.
    /// The password is left out: it is kept in no form, so a new password alone is not a change.
    key: String,
    /// Its identity and the digest of its fields as JSON, the key progress saved by releases
    /// before the body was digested.
    fields_key: String,
}

/// Why a repeated row is not sent (after the external id or the email it repeats, and where).
const ONLY_FIRST: &str = "this row is not sent, only the first row with it is (if that one failed, correct it there)";

/// The position recorded for `key` before `index`, if any; else records `index` for it.
fn first_of(seen: &mut HashMap<String, usize>, key: String, index: usize) -> Option<usize> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(index);
            None
        }
    }
}

fn record_keys(records: &[RosterRecord]) -> Vec<RecordKey> {
    // The first record of each email and external id, by position.
    let mut seen_emails: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    // Where a repeated record's first one is: its CSV line, else its position (`records[i]`).
    let place = |first: usize| match records[first].line {
        Some(line) => format!("line {line}"),
        None => format!("records[{first}]"),
    };
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let email = record.input.normalized_email();
            let external_id = external_id(record);
            let id_first = external_id.and_then(|x| first_of(&mut seen_ids, x.to_string(), index));
            let email_first = email.as_ref().and_then(|e| first_of(&mut seen_emails, e.clone(), index));
            // Two rows of one external id would be one person sent twice (or, with another
            // email, a second VOMO user); two of one email, the second overwriting the first.
            let repeat = match (id_first, email_first) {
                // Said so that it is true whatever became of the first row: one the client
                // refused (a bad birthday) was not sent either.
                (Some(first), _) => Some(format!(
                    "external id {} appears earlier in this roster ({}); {ONLY_FIRST}",
                    external_id.unwrap_or_default(),
                    place(first)
                )),
                (None, Some(first)) => Some(format!(
                    "{} appears earlier in this roster ({}); {ONLY_FIRST}",
                    email.as_deref().unwrap_or_default(),
                    place(first)
                )),
                _ => None,
            };
            // A repeat must not share the first row's identity (it would look settled).
            let identity = if repeat.is_some() { format!("i:{index}") } else { identity(index, record, email.as_deref()) };
            let fields = UpsertInput { password: None, ..record.input.clone() };
            let as_json = serde_json::to_string(&fields).unwrap_or_default();
            let digest = |text: &str| {
                let mut digest = fnv::FnvHasher::default();
                digest.write(text.as_bytes());
                format!("{identity}#{:016x}", digest.finish())
            };
            let key = digest(&fields.to_body().unwrap_or_else(|_| as_json.clone()));
            let fields_key = digest(&as_json);
            RecordKey { email, repeat, identity, key, fields_key }
        })
        .collect()
}

impl SavedImport {
    /// A record's saved outcome: under its key, else under the keys of earlier releases (its
    /// fields' digest; before that its identity alone, as they settled it whatever its fields).
    fn outcome(&self, k: &RecordKey) -> Option<&Settled> {
        let found = [&k.key, &k.fields_key, &k.identity].into_iter().find_map(|key| self.settled.get(key))?;
        // Saved by earlier releases, and worked out again on every run now (see `kept`).
        (!matches!(found, Settled::EmailChanged(_)) && !matches!(found, Settled::Failed(f) if f.error.kind == "invalid_input"))
            .then_some(found)
    }
}

/// What a record's failure means for the run, by its kind: the one place that decides.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    /// The server refused the record (`validation`, a 422) or the client did before sending
    /// (`invalid_input`): the record's answer for good, saved as failed (see `kept`).
    Refused,
    /// Says nothing about the record: a `server`, `network` or `timeout` error that survived the
    /// client's retries, a response cut short or not JSON (`parse`), a redirect to a maintenance
    /// page (`unsafe_link`). The record may even have been applied: it is reported failed in
    /// this run and sent again by the next, never saved as failed (a user created whose
    /// mapping was never written). `max_consecutive_failures` of them in a row stop the run:
    /// an API that is down would otherwise cost every remaining record its retries.
    Unanswered,
    /// Stops the run before the next record, as nothing after it can succeed: a token refused
    /// (`auth`, `forbidden`), an abort, `rate_limited` (the retries were spent on 429s, or the
    /// server asked for a longer pause than `maxRetryAfterMs`: every next record would be
    /// refused alike) and `not_found`, which `POST /users` answers for no record, only when
    /// the route is missing (a base URL without `/v1`: settled, every record would "fail" and a
    /// rerun against the right URL would send none of them).
    Stop,
}

impl Failure {
    fn of(e: &VomoError) -> Failure {
        match e.kind {
            ErrorKind::Validation | ErrorKind::InvalidInput => Failure::Refused,
            ErrorKind::Auth | ErrorKind::Forbidden | ErrorKind::Aborted | ErrorKind::NotFound | ErrorKind::RateLimited => Failure::Stop,
            _ => Failure::Unanswered,
        }
    }
}

/// The error a run stops with after `count` records in a row failed unanswered: the last
/// one's kind and status, so that a caller's retry rule (`retryable`) reads it as before.
fn outage(e: VomoError, count: usize) -> VomoError {
    VomoError {
        message: format!(
            "importRoster: stopped after {count} records in a row failed without an answer about the record, the last with: {}; \
             progress is saved, and a rerun with the same key sends them again",
            e.message
        ),
        ..e
    }
}

/// Whether an outcome is saved, so that a rerun with the key skips the record. Not saved, and
/// worked out again on every run: what depends on more than the record's own fields, which
/// the key digests. A repeat depends on the roster's other rows (the first row may be fixed or
/// moved), a changed email on the mapping (resolved by the operator since), a refused password
/// on the password, which the key leaves out (a corrected one would never be sent), and the
/// client's own checks cost no request.
fn kept(settled: &Settled, record: &RosterRecord) -> bool {
    match settled {
        Settled::EmailChanged(_) => false,
        Settled::Failed(f) if f.error.kind == "invalid_input" => false,
        Settled::Failed(f) => !(record.input.password.is_some() && f.fields.as_ref().is_some_and(|fields| fields.contains_key("password"))),
        _ => true,
    }
}

/// An import's `key` names its keys in the store (`Keys::import`).
fn check_key(key: &str, who: &str) -> Result<()> {
    if key.contains('/') {
        // "a/lease" would be the lease of the import "a", "a/log/0" a segment of its progress.
        return Err(VomoError::invalid_input(format!("{who}: key must not contain '/': it would share store keys with another import's")));
    }
    Ok(())
}

/// The key given to a function of one import's stored progress (no run, so no store to pair
/// it with): non-empty, and a valid key.
fn check_named_key(key: &str, who: &str) -> Result<()> {
    if key.trim().is_empty() {
        return Err(VomoError::invalid_input(format!("{who}: key must be a non-empty string")));
    }
    check_key(key, who)
}

/// The base URL the progress of the import `key` was saved for (`store::bound_api`), read from
/// the store alone: no client, no lease, nothing written. `None` when there is no progress under
/// `key`, or it was saved before progress recorded its API (the first API to import with it
/// takes it).
pub async fn stored_base_url<S: Store>(store: &S, key: &str) -> Result<Option<String>> {
    check_named_key(key, "importRoster.storedBaseUrl")?;
    Ok(read_header(store, &Keys::import(key)).await?.and_then(|h| h.api))
}

/// Removes the progress of the import `key` from `store`: its settled records, its log and its
/// log's segments, so that the next run with `key` sends every record again. `Ok(false)` when
/// there was none. Refused with `busy` while a run holds the key (this takes the key's lease
/// for its writes). All or nothing: the first write marks the log's header `forgetting`, and
/// from then on a run (and `storedBaseUrl`) reads the key as never imported and a run
/// finishes the forget before it saves; cut short before it, nothing was removed. Unreadable
/// progress is removed too.
///
/// `nonce` makes this forget's lease token unique to it (see `store::lease::while_forgetting`).
pub async fn forget_import<S: Store>(store: &S, key: &str, nonce: &str, now_ms: f64) -> Result<bool> {
    check_named_key(key, "importRoster.forget")?;
    let base = Keys::import(key);
    let lease_key = format!("{base}/lease");
    crate::store::lease::while_forgetting(store, &lease_key, nonce, now_ms, Holder::IMPORT, forget_progress(store, &base)).await
}

/// The forget's writes, in an order after which every prefix still loads as all the progress
/// or none (tests: `a_forget_cut_short_at_any_write_leaves_all_the_progress_or_none`):
/// 0. the header marked `forgetting` (written afresh when it is missing or unreadable and a
///    snapshot is there): a load reads no progress from here on;
/// 1. the list of the log's segments (`store::log_removal`), so that a forget cut short
///    after the header is gone still finds them;
/// 2. the snapshot, then the segments and the list;
/// 3. the header, last, since it is what says the rest is to be ignored.
async fn forget_progress<S: Store>(store: &S, base: &str) -> Result<bool> {
    let header_key = format!("{base}/log");
    let text = store.get(&header_key).await?.filter(|t| !t.is_empty());
    let header = text.as_deref().and_then(|t| serde_json::from_str::<LogHeader>(t).ok());
    let snapshot = store.get(base).await?.is_some_and(|t| !t.is_empty());
    if !header.as_ref().is_some_and(|h| h.forgetting) && (text.is_some() || snapshot) {
        let segments = header.as_ref().map(|h| h.segments.clone()).unwrap_or_default();
        let marked = LogHeader { v: crate::store::STATE_VERSION, segments, api: None, forgetting: true, sent_all: false, sent: Vec::new() };
        store.set(&header_key, &serde_json::to_string(&marked).unwrap_or_default()).await?;
    }
    let mut removal = LogRemoval::open(store, format!("{base}/")).await?;
    if let Some(h) = &header {
        removal.add("log", &h.segments);
    }
    removal.record(store).await?;
    let left_over = removal.left_over();
    let had_snapshot = crate::store::delete_chunked(store, base).await?;
    removal.finish(store).await?;
    if text.is_some() || snapshot {
        store.set(&header_key, "").await?;
    }
    let _ = store.delete(&header_key).await;
    Ok(text.is_some() || had_snapshot || left_over)
}

/// The header of the progress log under `key` (one value: one read), or `None` when none was
/// saved or a forget of it has begun (its mark: the progress counts as gone).
async fn read_header<S: Store>(store: &S, key: &str) -> Result<Option<LogHeader>> {
    Ok(read_marked_header(store, key).await?.filter(|h| !h.forgetting))
}

/// The header as stored, a forget's mark included.
async fn read_marked_header<S: Store>(store: &S, key: &str) -> Result<Option<LogHeader>> {
    let Some(text) = store.get(&format!("{key}/log")).await?.filter(|t| !t.is_empty()) else { return Ok(None) };
    let h: LogHeader = serde_json::from_str(&text).map_err(|e| unreadable(key, e))?;
    if h.v > crate::store::STATE_VERSION {
        return Err(VomoError::parse(key, format_args!("import progress version {} is newer than this release reads", h.v)));
    }
    Ok(Some(h))
}

fn unreadable(key: &str, e: serde_json::Error) -> VomoError {
    VomoError::parse(key, format_args!("unreadable import progress ({e})"))
}

/// Upserts every unsettled record. `on_progress` runs after each record. With a store and
/// key, one run per key at a time: the run holds a lease on the key (see store::lease), so a
/// second import with it, in this process or another, is refused with `busy` instead of
/// sending every record again and writing the same progress log.
pub async fn import_roster<R: Runtime, S: Store, M: Mapping>(
    client: &Client<R>,
    records: &[RosterRecord],
    options: &ImportOptions<'_, S, M>,
    on_progress: &dyn Fn(&Progress),
    call: &R::Call,
) -> Result<ImportResult> {
    if let Some(key) = options.key.as_deref() {
        check_named_key(key, "importRoster")?;
    }
    // As the JS options are refused: a Rust caller's 0 ran as 1 without a word.
    for (name, n) in [("checkpointEvery", options.checkpoint_every), ("maxConsecutiveFailures", options.max_consecutive_failures)] {
        if n == 0 {
            return Err(VomoError::invalid_input(format!("importRoster: {name} must be a whole number of at least 1 (got 0)")));
        }
    }
    if options.store.is_some() != options.key.is_some() {
        return Err(VomoError::invalid_input("importRoster: store and key go together"));
    }
    let previous = options.previous_base_url.as_deref().map(|p| bound_api::checked_previous(p, "importRoster")).transpose()?;
    let (Some(store), Some(key)) = (options.store, &options.key) else {
        return run_import(client, records, options, None, &mut [], on_progress, call).await;
    };
    let rt = client.runtime();
    let now = rt.now_ms();
    let token = format!("import-{:x}-{:x}", (rt.random() * 9.0e15) as u64, now as u64);
    let lease_key = format!("{}/lease", Keys::import(key));
    let mut held = vec![Held::acquire(store, lease_key, token.clone(), now, rt.monotonic_ms(), Holder::IMPORT).await?];
    // The mapping is read before anything is sent and written after each upsert: two imports
    // with different keys and one mapping, at once, would each read an external id as never
    // synced, and each create a VOMO user for it when their emails differ. So the imports of
    // a store that use a mapping take turns (the store is what they can see of each other).
    if options.mapping.is_some() && options.mapping_lease && records.iter().any(|r| external_id(r).is_some()) {
        match Held::acquire(store, Keys::mapping_lease(), token, now, rt.monotonic_ms(), Holder::MAPPING).await {
            Ok(mapping) => held.push(mapping),
            Err(e) => {
                let _ = held[0].release(store).await;
                return Err(e);
            }
        }
    }
    let outcome = run_import(client, records, options, previous.as_deref(), &mut held, on_progress, call).await;
    // A release the store fails is left to expire (`LEASE_MS`): the run's outcome, saved before
    // it, is what the caller needs; a finished import rejected here would read as one that failed.
    for lease in held.iter().rev() {
        let _ = lease.release(store).await;
    }
    outcome
}

/// A record's external id, trimmed; `None` when it has none (or only spaces).
fn external_id(record: &RosterRecord) -> Option<&str> {
    record.external_id.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn run_import<R: Runtime, S: Store, M: Mapping>(
    client: &Client<R>,
    records: &[RosterRecord],
    options: &ImportOptions<'_, S, M>,
    previous: Option<&str>,
    leases: &mut [Held],
    on_progress: &dyn Fn(&Progress),
    call: &R::Call,
) -> Result<ImportResult> {
    let mut saved = SavedImport::default();
    let mut progress = match (options.store, &options.key) {
        (Some(store), Some(key)) => Some(ProgressLog::load(store, key, client.base_url().as_str(), previous, &mut saved).await?),
        _ => None,
    };
    let total = records.len();
    let keys = record_keys(records);
    // Outcomes of this run that are not saved (`kept`, and retryable failures), by record index, in order.
    let mut unsaved: Vec<(usize, Settled)> = Vec::new();
    // The records this run sends, in roster order: for the ETA (those after the current one,
    // at the pace of those sent) and the marks of what a save's next sends are (`MaybeSent`).
    let pending: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].repeat.is_none() && saved.outcome(&keys[i]).is_none()).collect();
    let after = |index: usize| pending.partition_point(|&i| i <= index);
    let mut sent = 0usize;
    let mut since_save = 0usize;
    let mut outcome: Result<()> = Ok(());
    let mut counts = [0usize; 4]; // created, updated, failed, email changed
    let mut unanswered_in_a_row = 0usize;
    // The outage that stops the run once the record that made it is counted.
    let mut stop_after: Option<VomoError> = None;
    // What the earlier runs of this key may have sent without an answer saved (`MaybeSent`):
    // as loaded (what this run's answers are judged by), and what of it this run has not
    // answered yet; this run's own sends without an answer.
    let earlier = progress.as_ref().map(|p| p.earlier.clone()).unwrap_or_default();
    let mut unanswered_before = earlier.clone();
    let mut mine = MaybeSent::default();
    // The next `n` records this run sends after roster position `index` (none: from the start).
    let ahead = |index: Option<usize>, n: usize| {
        pending[index.map_or(0, after)..].iter().take(n).map(|&i| MaybeSent::id_of(&keys[i].identity)).collect::<Vec<_>>()
    };
    let every = options.checkpoint_every.max(1);
    let (mapped, left) = match options.mapping {
        Some(mapping) => {
            read_mapping(mapping, records, &keys, &saved, &mut Steps { client, call, store: options.store, leases: &mut *leases }).await?
        }
        None => (Vec::new(), HashMap::new()),
    };
    if let (Some(p), true) = (progress.as_mut(), !pending.is_empty()) {
        p.begin(ahead(None, every)).await?;
    }
    // The ETA's pace is that of the sends: from here, not from the start, whose loading (the
    // mapping's reads for every record not settled: seconds for a large roster) made a
    // resumed CLI import's first estimates about twice the time left (an outside pass).
    let started = client.runtime().now_ms();
    for ((index, record), k) in records.iter().enumerate().zip(&keys) {
        let (id, email) = (&k.key, &k.email);
        let failed = |e: &VomoError| {
            let fields = if Failure::of(e) == Failure::Refused { e.fields.clone() } else { None };
            Settled::Failed(FailedRecord {
                index,
                external_id: record.external_id.clone(),
                email: email.clone().unwrap_or_default(),
                error: e.into(),
                fields,
            })
        };
        if let Some(why) = &k.repeat {
            unsaved.push((index, failed(&VomoError::invalid_input(why.clone()))));
        } else if saved.outcome(k).is_none() {
            // The caller's abort, and the leases, before each send: a run that lost them (it
            // stalled past their term, and another took them over) sends nothing more.
            match (Steps { client, call, store: options.store, leases: &mut *leases }).next("sent the next record").await {
                Err(e) if e.kind == ErrorKind::Aborted => {
                    outcome = Err(e);
                    break; // its progress is saved below, as on any stop
                }
                other => other?,
            }
            // Read back before each send (another run may hold them by now: see Held::confirm).
            if let Some(store) = options.store {
                for l in leases.iter() {
                    l.confirm(store).await?;
                }
            }
            let identity = MaybeSent::id_of(&k.identity);
            let sent_before = earlier.contains(identity);
            let requests = client.stats().requests;
            let seen = Seen { previous: mapped.get(index).and_then(Option::as_ref), left: &left };
            let result = import_one(client, record, email.as_deref(), seen, options.mapping, call).await;
            // A request went out for the record (answered, unless the call failed).
            let answered = client.stats().requests > requests;
            sent += usize::from(answered);
            let (mut settled, unsettled) = match result {
                Err(e) => {
                    // The mapping's set failed after the upsert went through: the import
                    // stops, and the record is sent again by the rerun (whose answer to it
                    // may be this one's create).
                    mine.insert(identity);
                    outcome = Err(e);
                    break;
                }
                Ok(Ok(settled)) => {
                    // Only an answer from the server ends a run of unanswered failures (an
                    // email change is not sent).
                    unanswered_in_a_row = if answered { 0 } else { unanswered_in_a_row };
                    (settled, false)
                }
                Ok(Err(e)) => match Failure::of(&e) {
                    Failure::Refused => {
                        unanswered_in_a_row = if answered { 0 } else { unanswered_in_a_row };
                        (failed(&e), false)
                    }
                    Failure::Unanswered => {
                        unanswered_in_a_row += 1;
                        mine.insert(identity);
                        let settled = failed(&e);
                        if unanswered_in_a_row >= options.max_consecutive_failures.max(1) {
                            // Counted, as the message counts it, then the run stops (below).
                            stop_after = Some(outage(e, unanswered_in_a_row));
                        }
                        (settled, true)
                    }
                    Failure::Stop => {
                        // Stopped (Ctrl-C, a signal) while the record's upsert was on its way:
                        // it may have reached the server; the others are answers.
                        if e.kind == ErrorKind::Aborted && answered {
                            mine.insert(identity);
                        }
                        outcome = Err(e);
                        break;
                    }
                },
            };
            if let (Settled::Updated(u), true) = (&mut settled, sent_before) {
                u.uncertain = true;
            }
            if !unsettled {
                unanswered_before.remove(identity);
            }
            if !unsettled && kept(&settled, record) {
                settle(&mut saved, &mut progress, id, settled);
            } else {
                unsaved.push((index, settled));
            }
            // Lost to another run: stop before writing the progress log it writes now.
            if let Some(store) = options.store {
                for l in leases.iter_mut() {
                    l.keep(store, client.runtime().now_ms(), client.runtime().monotonic_ms()).await?;
                }
            }
            since_save += 1;
            if since_save >= every {
                if let Some(p) = progress.as_mut() {
                    p.mark(unanswered_before.with(&mine, ahead(Some(index), every)));
                    p.save(&saved).await?;
                }
                since_save = 0;
            }
        }
        match outcome_of(&saved, &unsaved, index, k) {
            Some(Settled::Created(_)) => counts[0] += 1,
            Some(Settled::Updated(_)) => counts[1] += 1,
            Some(Settled::Failed(_)) | None => counts[2] += 1,
            Some(Settled::EmailChanged(_)) => counts[3] += 1,
        }
        let elapsed = client.runtime().now_ms() - started;
        let remaining = pending.len() - after(index);
        // Never faster than the throttle lets records go: the first ones leave at once (the
        // pace of one sent at once would promise the whole roster in moments).
        let slot_ms = Some(1000.0 / client.current_rps()).filter(|s| s.is_finite()).unwrap_or(0.0);
        let eta_ms = (sent > 0).then(|| ((elapsed / sent as f64).max(slot_ms) * remaining as f64).round());
        on_progress(&Progress {
            done: index + 1,
            total,
            created: counts[0],
            updated: counts[1],
            failed: counts[2],
            email_changed: counts[3],
            eta_ms,
        });
        if let Some(e) = stop_after.take() {
            outcome = Err(e);
            break;
        }
    }
    if let Some(p) = progress.as_mut() {
        // A run that went through its whole roster sent again every record an earlier run
        // left unanswered that is still in it: what is left of those is of records gone from it.
        p.mark(if outcome.is_ok() { mine } else { unanswered_before.with(&mine, []) });
        // The key's lease guards the progress (the mapping's, if held, was kept before each record).
        if let (Some(l), Some(store), true) = (leases.first_mut(), options.store, p.needs_save()) {
            l.check(store, client.runtime().now_ms(), client.runtime().monotonic_ms()).await?;
            // the last save: the lease is read back first
        }
        p.save(&saved).await?;
    }
    outcome?;
    Ok(summarize(&keys, &saved, &unsaved))
}

/// Record `index`'s outcome in this run: saved, or one of this run's that is not (`unsaved`
/// holds at most one per record, in record order: found by a binary search, so that the
/// result of a roster of many unsaved outcomes costs n log n, not n²).
fn outcome_of<'a>(saved: &'a SavedImport, unsaved: &'a [(usize, Settled)], index: usize, k: &RecordKey) -> Option<&'a Settled> {
    saved
        .outcome(k)
        .filter(|_| k.repeat.is_none())
        .or_else(|| unsaved.binary_search_by_key(&index, |(i, _)| *i).ok().map(|at| &unsaved[at].1))
}

fn settle<S: Store>(saved: &mut SavedImport, progress: &mut Option<ProgressLog<'_, S>>, id: &str, settled: Settled) {
    if let Some(p) = progress.as_mut() {
        p.unsaved.insert(id.to_string(), settled.clone());
    }
    saved.settled.insert(id.to_string(), settled);
}

/// An import's progress in the store: the whole `SavedImport` under the key (the only
/// value format 1 wrote) plus a log of the records settled since (`<key>/log` holds the
/// log's index, `<key>/log/<slot>` its segments). A save appends just the records settled
/// since the last one; the whole value is rewritten only when the log outgrows it, so the
/// bytes an import writes grow linearly with its records.
struct ProgressLog<'a, S: Store> {
    store: &'a S,
    key: String,
    base_bytes: usize,
    log: Log,
    unsaved: BTreeMap<String, Settled>,
    /// The client's base URL, recorded in the header (`store::bound_api`).
    api: String,
    /// The header records no API or another one taken over: written at the next save.
    rebind: bool,
    /// What the header says the runs so far may have sent without an answer saved
    /// (`MaybeSent`): as loaded, the earlier runs'; from this run's first send, with this run's.
    running: MaybeSent,
    /// The earlier runs', as loaded (what this run's answers are judged by).
    earlier: MaybeSent,
    /// `running` changed since the header was last written.
    header_stale: bool,
}

#[derive(Serialize, Deserialize)]
struct LogHeader {
    v: u32,
    segments: LogIndex,
    /// The API this progress is of; `None` in progress saved before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api: Option<String>,
    /// A forget has begun (`forget_progress`): the progress is gone, whatever else is left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    forgetting: bool,
    /// Every record not settled may have been sent without an answer saved (see `MaybeSent`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sent_all: bool,
    /// The records not settled that may have been sent without an answer saved, by identity
    /// (see `MaybeSent`); absent when the last run ended with its last save and every record it
    /// sent was answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sent: Vec<String>,
}

impl<'a, S: Store> ProgressLog<'a, S> {
    /// Reads the progress under the import `name`, refusing progress of another API than
    /// `api` (unless it is `previous`) before anything is sent.
    async fn load(store: &'a S, name: &str, api: &str, previous: Option<&str>, saved: &mut SavedImport) -> Result<ProgressLog<'a, S>> {
        let key = &Keys::import(name);
        let unreadable = |e: serde_json::Error| unreadable(key, e);
        // A forget cut short: the progress is gone; the run (under the key's lease) finishes
        // removing it before anything of its own is saved.
        if read_marked_header(store, key).await?.is_some_and(|h| h.forgetting) {
            forget_progress(store, key).await?;
        }
        let mut base_bytes = 0;
        if let Some(text) = read_chunked(store, key).await? {
            *saved = serde_json::from_str(&text).map_err(unreadable)?;
            base_bytes = text.len();
        }
        let header_key = format!("{key}/log");
        let (index, bound, running) = read_header(store, key).await?.map_or((LogIndex::default(), None, MaybeSent::default()), |h| {
            (h.segments, h.api, MaybeSent::from_header(h.sent_all, &h.sent))
        });
        let binding = bound_api::check(bound.as_deref(), api, previous).map_err(|bound| {
            VomoError::invalid_input(format!(
                "importRoster: the store holds the progress of the import {name:?} for the API at {bound}, and this client's baseUrl is {api}: \
                 its settled records would count as sent to this API, which never received them; {}",
                bound_api::advice("key", &bound)
            ))
        })?;
        let log = Log::load(store, &header_key, &index, 0).await?;
        for line in log.texts().flat_map(str::lines).filter(|l| !l.is_empty()) {
            let settled: BTreeMap<String, Settled> = serde_json::from_str(line).map_err(unreadable)?;
            saved.settled.extend(settled);
        }
        let rebind = binding == Binding::Rebind;
        Ok(ProgressLog {
            store,
            key: key.to_string(),
            base_bytes,
            log,
            unsaved: BTreeMap::new(),
            api: api.to_string(),
            rebind,
            earlier: running.clone(),
            running,
            header_stale: false,
        })
    }

    /// Before this run's first send: the header says what the earlier runs may have sent, and
    /// the records this run sends before its first save (`ahead`), in case it is cut off first.
    async fn begin(&mut self, ahead: Vec<u64>) -> Result<()> {
        self.running = self.earlier.with(&MaybeSent::default(), ahead);
        self.header_stale = true;
        self.write_header(self.log.index()).await
    }

    /// Before a save: what the runs so far may have sent without an answer saved, this run's
    /// next sends included.
    fn mark(&mut self, sent: MaybeSent) {
        if sent != self.running {
            self.running = sent;
            self.header_stale = true;
        }
    }

    async fn write_header(&mut self, segments: LogIndex) -> Result<()> {
        let (sent_all, sent) = self.running.to_header();
        let header = LogHeader { v: crate::store::STATE_VERSION, segments, api: Some(self.api.clone()), forgetting: false, sent_all, sent };
        self.store.set(&format!("{}/log", self.key), &serde_json::to_string(&header).unwrap_or_default()).await?;
        self.rebind = false;
        self.header_stale = false;
        Ok(())
    }

    /// Whether a save would write anything.
    fn needs_save(&self) -> bool {
        !self.unsaved.is_empty() || self.rebind || self.header_stale
    }

    /// Makes every record settled so far durable; writes about what settled since the last save.
    async fn save(&mut self, saved: &SavedImport) -> Result<()> {
        if !self.needs_save() {
            return Ok(());
        }
        let next = if self.unsaved.is_empty() {
            self.log.clone()
        } else {
            let text = serde_json::to_string(&self.unsaved).unwrap_or_default();
            if self.log.bytes() + text.len() > self.base_bytes {
                let whole = serde_json::to_string(&SavedImport { version: crate::store::STATE_VERSION, settled: saved.settled.clone() })
                    .unwrap_or_default();
                write_chunked(self.store, &self.key, &whole).await?;
                self.base_bytes = whole.len();
                self.log.cleared()
            } else {
                self.log.append(self.store, &text).await?
            }
        };
        if next.index() != self.log.index() || self.rebind || self.header_stale {
            self.write_header(next.index()).await?;
        }
        let previous = std::mem::replace(&mut self.log, next);
        self.log.committed(self.store, &previous).await;
        self.unsaved.clear();
        Ok(())
    }
}

/// The outcome of every record, in roster order (one of this run's unsaved ones where its record is).
fn summarize(keys: &[RecordKey], saved: &SavedImport, unsaved: &[(usize, Settled)]) -> ImportResult {
    let mut result = ImportResult::default();
    for (index, k) in keys.iter().enumerate() {
        match outcome_of(saved, unsaved, index, k) {
            Some(Settled::Created(u)) => result.created.push(u.clone()),
            Some(Settled::Updated(u)) => result.updated.push(u.clone()),
            Some(Settled::Failed(f)) => result.failed.push(FailedRecord { index, ..f.clone() }),
            Some(Settled::EmailChanged(c)) => result.email_changed.push(EmailChange { index, ..c.clone() }),
            None => {}
        }
    }
    result
}

/// What a run checks before each step that may take long (a mapping read, a record's send).
struct Steps<'a, R: Runtime, S: Store> {
    client: &'a Client<R>,
    call: &'a R::Call,
    store: Option<&'a S>,
    leases: &'a mut [Held],
}

impl<R: Runtime, S: Store> Steps<'_, R, S> {
    /// `aborted` when the caller's signal fired (naming the step the run did not take); `busy`
    /// when a lease was taken over; the leases renewed once a quarter of their term has passed
    /// (`Held::keep`: a clock read until then).
    async fn next(&mut self, step: &str) -> Result<()> {
        let rt = self.client.runtime();
        if rt.is_aborted(self.call) {
            return Err(VomoError::new(ErrorKind::Aborted, format!("importRoster: aborted before it {step}")));
        }
        if let Some(store) = self.store {
            for lease in self.leases.iter_mut() {
                lease.keep(store, rt.now_ms(), rt.monotonic_ms()).await?;
            }
        }
        Ok(())
    }
}

/// What the mapping said before the run sent anything (`read_mapping`): the record's own entry,
/// and the emails that records of this roster left (old email, lower-cased -> the record's
/// index, its entry and its new email).
struct Seen<'a> {
    previous: Option<&'a MappedUser>,
    left: &'a HashMap<String, Left>,
}

/// An email a record of this roster had when last synced, and no longer has.
struct Left {
    external_id: String,
    vomo_user_id: UserId,
    new_email: Option<String>,
}

/// The mapping's entry of every record this run will send (in record order; `None` for the
/// rest), read before anything is sent, and the emails those records left. The upsert is keyed
/// on the email: a record that takes an email another record left (the source system gave a
/// leaver's address to someone else) would update the leaver's VOMO user, so it is held until
/// the leaver's email change is resolved. Only records of this roster are seen: an email left
/// by an external id the roster no longer has cannot be told from a new one (the mapping has
/// no lookup by email).
/// This reading can take minutes (a mapping in a remote database, a roster of thousands), so
/// it takes `steps` between reads: the caller's abort ends it, and the leases are renewed.
async fn read_mapping<M: Mapping, R: Runtime, S: Store>(
    mapping: &M,
    records: &[RosterRecord],
    keys: &[RecordKey],
    saved: &SavedImport,
    steps: &mut Steps<'_, R, S>,
) -> Result<(Vec<Option<MappedUser>>, HashMap<String, Left>)> {
    let mut mapped = Vec::with_capacity(records.len());
    let mut left = HashMap::new();
    for (record, k) in records.iter().zip(keys) {
        let external_id = external_id(record);
        let entry = match external_id {
            Some(xid) if k.repeat.is_none() && saved.outcome(k).is_none() => {
                steps.next("read the mapping").await?;
                mapping.get(xid).await?
            }
            _ => None,
        };
        if let (Some(m), Some(xid)) = (&entry, external_id) {
            let old = crate::case::lowercase(m.email.trim());
            if Some(&old) != k.email.as_ref() {
                left.insert(old, Left { external_id: xid.to_string(), vomo_user_id: m.vomo_user_id, new_email: k.email.clone() });
            }
        }
        mapped.push(entry);
    }
    Ok((mapped, left))
}

/// One record: its outcome (`Ok(Err)`: the record's own failure, by the client's checks or the
/// server), or `Err` when the mapping's `set` failed, which stops the import.
async fn import_one<R: Runtime, M: Mapping>(
    client: &Client<R>,
    record: &RosterRecord,
    email: Option<&str>,
    seen: Seen<'_>,
    mapping: Option<&M>,
    call: &R::Call,
) -> Result<Result<Settled>> {
    if let Err(e) = record.input.to_body() {
        return Ok(Err(e));
    }
    let email = email.unwrap_or_default();
    let external_id = external_id(record);
    if let (Some(previous), Some(xid)) = (seen.previous, external_id) {
        if crate::case::lowercase(previous.email.trim()) != email {
            return Ok(Ok(Settled::EmailChanged(EmailChange {
                index: 0, // set by summarize
                external_id: xid.to_string(),
                vomo_user_id: previous.vomo_user_id,
                old_email: previous.email.clone(),
                new_email: email.to_string(),
            })));
        }
    }
    if let Some(l) = seen.left.get(email).filter(|l| Some(l.external_id.as_str()) != external_id) {
        return Ok(Err(VomoError::invalid_input(format!(
            "{email} was the email of external id {} (VOMO user {}) until its email changed to {}: sending this record \
             would update that user; resolve that email change first",
            l.external_id,
            l.vomo_user_id,
            l.new_email.as_deref().unwrap_or("none"),
        ))));
    }
    let outcome = match client.upsert_user(&record.input, call).await {
        Ok(outcome) => outcome,
        Err(e) => return Ok(Err(e)),
    };
    if let (Some(mapping), Some(xid)) = (mapping, external_id) {
        mapping.set(xid, &MappedUser { vomo_user_id: outcome.user.id, email: email.to_string() }).await?;
    }
    // A 201 is this request's own create; a 200 after an attempt that may have reached the
    // server may be that attempt's.
    let uncertain = outcome.uncertain && !outcome.created;
    let imported = ImportedUser { external_id: record.external_id.clone(), email: email.to_string(), user: outcome.user, uncertain };
    Ok(Ok(if outcome.created { Settled::Created(imported) } else { Settled::Updated(imported) }))
}

/// Looks the email up first and creates the user only when no exact match exists.
pub async fn find_or_create_user<R: Runtime>(
    client: &Client<R>,
    email: &str,
    defaults: &UpsertInput,
    call: &R::Call,
) -> Result<(User, bool)> {
    // Checked before anything is sent: which email would be created would otherwise be a guess.
    if let Some(other) = defaults.email.as_deref().filter(|d| crate::case::lowercase(d.trim()) != crate::case::lowercase(email.trim())) {
        return Err(VomoError::invalid_input(format!(
            "findOrCreateUser: defaults.email ({other}) differs from the email looked up ({email}); leave it out of defaults"
        )));
    }
    // The defaults' values too (a gender "x"), whether or not they are needed: found, such a
    // call would have passed, and the same call for a new email fail after its GET.
    // (The names a found user does not need stand in for the check.)
    let names = |v: &Option<String>| {
        Some(match v.as_deref() {
            Some(t) if !t.trim().is_empty() => t.to_string(),
            _ => "-".into(),
        })
    };
    let values = UpsertInput {
        email: Some(email.trim().to_string()),
        first_name: names(&defaults.first_name),
        last_name: names(&defaults.last_name),
        ..defaults.clone()
    };
    values.to_body_for("findOrCreateUser: defaults")?;
    if let Some(user) = client.find_user_by_email(email, call).await? {
        return Ok((user, false));
    }
    let input = UpsertInput { email: Some(email.trim().to_string()), ..defaults.clone() };
    // Here it is the defaults that fall short, not an upsertUser call of the caller's.
    input.to_body_for("findOrCreateUser: no user has this email, and the defaults cannot create one")?;
    let outcome = client.upsert_user(&input, call).await?;
    Ok((outcome.user, outcome.created))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::{block_on, MemStore};

    fn record(external_id: &str, input: UpsertInput) -> RosterRecord {
        RosterRecord { external_id: Some(external_id.into()), input, line: None }
    }

    /// A record's key digests the body it sends; `fields_key` is what releases before that
    /// computed (its fields as JSON), so their saved progress is still found.
    #[test]
    fn record_keys_digest_the_body_sent() {
        let ann = UpsertInput {
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            email: Some("ann@x.org".into()),
            gender: Some("F".into()),
            ..Default::default()
        };
        let spaced = UpsertInput {
            first_name: Some(" Ann ".into()),
            email: Some(" ann@x.org".into()),
            gender: Some("f".into()),
            phone: Some("".into()),
            password: Some("secret".into()),
            ..ann.clone()
        };
        let phoned = UpsertInput { phone: Some("555".into()), ..ann.clone() };
        let refused = UpsertInput { gender: Some("X".into()), ..ann.clone() };
        // One roster each: in one, the same email would make the later records repeats.
        let keys: Vec<RecordKey> = [record("a", ann.clone()), record("b", spaced), record("c", phoned), record("d", refused.clone())]
            .into_iter()
            .flat_map(|r| record_keys(&[r]))
            .collect();
        let digest = |k: &RecordKey| k.key.split_once('#').unwrap().1.to_string();
        assert_eq!(digest(&keys[0]), digest(&keys[1]), "the same body");
        assert_ne!(digest(&keys[0]), digest(&keys[2]), "a new phone is a change");
        let fnv = |text: &str| {
            let mut h = fnv::FnvHasher::default();
            h.write(text.as_bytes());
            format!("{:016x}", h.finish())
        };
        assert_eq!(keys[0].fields_key, format!("x:a#{}", fnv(&serde_json::to_string(&ann).unwrap())), "the earlier releases' key");
        assert_eq!(keys[3].key, keys[3].fields_key, "a refused record has no body: its fields are digested");
        assert_eq!(keys[3].fields_key, format!("x:d#{}", fnv(&serde_json::to_string(&refused).unwrap())));
        let saved = SavedImport {
            version: 1,
            settled: BTreeMap::from([(
                keys[0].fields_key.clone(),
                Settled::Failed(FailedRecord {
                    index: 0,
                    external_id: Some("a".into()),
                    email: "ann@x.org".into(),
                    error: (&VomoError::new(ErrorKind::Validation, "taken")).into(),
                    fields: None,
                }),
            )]),
        };
        assert!(saved.outcome(&keys[0]).is_some(), "progress saved under the fields' digest is found");
        assert!(saved.outcome(&keys[2]).is_none());
    }

    /// Read from the progress log's header alone, as `ProgressLog::save` writes it.
    /// Progress under `name` saved 40 times (a snapshot and log segments, some chunked across
    /// values by their size); returns what it holds.
    fn saved_progress(store: &MemStore, name: &str) -> BTreeMap<String, Settled> {
        block_on(async {
            let mut saved = SavedImport::default();
            let mut progress = Some(ProgressLog::load(store, name, "https://api.example/v1", None, &mut saved).await.unwrap());
            for i in 0..40 {
                let failed = FailedRecord {
                    index: 0,
                    external_id: Some(format!("x{i}")),
                    email: format!("{}{i}@x.org", "n".repeat(4000)),
                    error: (&VomoError::invalid_input("refused")).into(),
                    fields: None,
                };
                settle(&mut saved, &mut progress, &format!("x:{i}"), Settled::Failed(failed));
                progress.as_mut().unwrap().save(&saved).await.unwrap();
            }
            saved.settled
        })
    }

    fn loaded(store: &MemStore, name: &str) -> Result<BTreeMap<String, Settled>> {
        let mut saved = SavedImport::default();
        block_on(ProgressLog::load(store, name, "https://api.example/v1", None, &mut saved))?;
        Ok(saved.settled)
    }

    #[test]
    fn forget_removes_every_key_of_the_import_and_no_other() {
        let store = MemStore { compare_and_set: true, ..Default::default() };
        let full = saved_progress(&store, "roster");
        let other = saved_progress(&store, "roster-2");
        let others: Vec<(String, String)> =
            store.map.borrow().iter().filter(|(k, _)| k.contains("/roster-2")).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert!(
            store.map.borrow().keys().filter(|k| k.contains("/roster/") || k.ends_with("/roster")).count() > 3,
            "snapshot, header, segments"
        );
        assert!(block_on(forget_import(&store, "roster", "1", 1_000.0)).unwrap());
        let left: Vec<String> = store.map.borrow().keys().filter(|k| !k.contains("/roster-2")).cloned().collect();
        assert_eq!(left, [format!("{}/lease", Keys::import("roster"))], "only the released lease");
        assert_eq!(loaded(&store, "roster").unwrap(), BTreeMap::new());
        let now: Vec<(String, String)> =
            store.map.borrow().iter().filter(|(k, _)| k.contains("/roster-2")).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(now, others, "the other import is untouched");
        assert_eq!(loaded(&store, "roster-2").unwrap(), other);
        assert!(!block_on(forget_import(&store, "roster", "1", 2_000.0)).unwrap(), "nothing left to forget");
        assert!(!full.is_empty());
        // A run holding the key: refused, nothing removed.
        block_on(crate::store::lease::acquire(&store, &format!("{}/lease", Keys::import("roster-2")), "run-1", 3_000.0, Holder::IMPORT))
            .unwrap();
        assert_eq!(block_on(forget_import(&store, "roster-2", "1", 3_001.0)).unwrap_err().kind, ErrorKind::Busy);
        assert_eq!(loaded(&store, "roster-2").unwrap(), other);
        for bad in ["", " ", "a/b"] {
            assert_eq!(block_on(forget_import(&store, bad, "1", 0.0)).unwrap_err().kind, ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    /// A forget cut short at every set leaves all the progress (cut before its mark) or none,
    /// never a part: a run on what is left reads one or the other, and finishes the forget (as
    /// a forget run again does); on a store that deletes, nothing of the import is left then
    /// but its released lease, the log segments a dead forget had recorded included.
    #[test]
    fn a_forget_cut_short_at_any_write_leaves_all_the_progress_or_none() {
        // A store that cannot delete: only the blanked values remove anything.
        struct NoDelete<'a>(&'a MemStore);
        impl Store for NoDelete<'_> {
            async fn get(&self, key: &str) -> Result<Option<String>> {
                self.0.get(key).await
            }
            async fn set(&self, key: &str, value: &str) -> Result<()> {
                self.0.set(key, value).await
            }
        }
        let forget = |store: &MemStore, with_delete: bool, now: f64| {
            if with_delete {
                block_on(forget_import(store, "roster", "1", now))
            } else {
                block_on(forget_import(&NoDelete(store), "roster", "1", now))
            }
        };
        let base = Keys::import("roster");
        // What is left of the import: without delete, every value a read starts from blank
        // (chunks stay, unread).
        let left = |store: &MemStore, with_delete: bool| -> Vec<String> {
            store
                .map
                .borrow()
                .iter()
                .filter(|(k, v)| {
                    let chunk = k.rsplit('/').next().is_some_and(|name| name.contains(".g"));
                    k.starts_with(&base) && !k.ends_with("/lease") && (with_delete || (!v.is_empty() && !chunk))
                })
                .map(|(k, _)| k.clone())
                .collect()
        };
        let without_lease = |store: &MemStore| -> BTreeMap<String, String> {
            store.map.borrow().iter().filter(|(k, _)| !k.ends_with("/lease")).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let (mut kept, mut gone) = (0, 0);
        for with_delete in [true, false] {
            for n in 0.. {
                let store = MemStore::default();
                let full = saved_progress(&store, "roster");
                assert!(store.map.borrow().keys().any(|k| k.starts_with(&format!("{base}/log/"))), "the log has segments");
                let before = without_lease(&store);
                store.sets_left.set(Some(n));
                let outcome = forget(&store, with_delete, 1_000.0);
                store.sets_left.set(None);
                let cut = MemStore::default();
                *cut.map.borrow_mut() = store.map.borrow().clone();
                // A run on what the cut left: all or nothing, and then nothing is left.
                let after = loaded(&store, "roster").unwrap_or_else(|e| panic!("cut at set {n}: unreadable: {e}"));
                if after.is_empty() {
                    gone += 1;
                    assert_eq!(
                        left(&store, with_delete),
                        Vec::<String>::new(),
                        "cut at set {n}, delete {with_delete}: the run finished the forget"
                    );
                    assert_eq!(block_on(stored_base_url(&store, "roster")).unwrap(), None);
                } else {
                    kept += 1;
                    // (assert! rather than assert_eq!: the values are hundreds of KB)
                    assert!(after == full, "cut at set {n}: all of the progress or none");
                    assert!(without_lease(&cut) == before, "cut at set {n}: unmarked, so nothing removed");
                }
                // The same cut, forgotten again once the dead forget's lease has run out.
                if outcome.is_err() {
                    forget(&cut, with_delete, 1_000.0 + crate::store::lease::LEASE_MS + 1.0).unwrap();
                    assert_eq!(loaded(&cut, "roster").unwrap(), BTreeMap::new(), "cut at set {n}: forgetting again finishes");
                    assert_eq!(left(&cut, with_delete), Vec::<String>::new(), "cut at set {n}, delete {with_delete}: nothing left");
                }
                if outcome.is_ok() {
                    assert_eq!(after, BTreeMap::new(), "a forget that finished leaves nothing");
                    assert_eq!(left(&store, with_delete), Vec::<String>::new());
                    break;
                }
                assert!(n < 50, "a forget takes a few writes");
            }
        }
        assert!(kept >= 2 && gone >= 6, "cuts before and after the mark: {kept} kept, {gone} gone");
    }

    #[test]
    fn stored_base_url_reads_the_progress_api_alone() {
        let store = MemStore::default();
        assert_eq!(block_on(stored_base_url(&store, "roster")).unwrap(), None, "no progress yet");
        let header_key = format!("{}/log", Keys::import("roster"));
        let header = |api: Option<&str>| {
            serde_json::to_string(&LogHeader {
                v: crate::store::STATE_VERSION,
                segments: LogIndex::default(),
                api: api.map(String::from),
                forgetting: false,
                sent_all: false,
                sent: Vec::new(),
            })
            .unwrap()
        };
        block_on(store.set(&header_key, &header(None))).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "roster")).unwrap(), None, "progress without an API (as before the binding)");
        block_on(store.set(&header_key, &header(Some("https://api.vomo.org/v1")))).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "roster")).unwrap().as_deref(), Some("https://api.vomo.org/v1"));
        assert_eq!(block_on(stored_base_url(&store, "other")).unwrap(), None, "another import's keys");
        for bad in ["", " ", "a/b"] {
            let e = block_on(stored_base_url(&store, bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{bad:?}");
            assert!(e.message.starts_with("importRoster.storedBaseUrl: key must"), "{}", e.message);
        }
        block_on(store.set(&header_key, "{not json")).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "roster")).unwrap_err().kind, ErrorKind::Parse);
        block_on(store.set(&header_key, &header(None).replace(&format!("\"v\":{}", crate::store::STATE_VERSION), "\"v\":99"))).unwrap();
        assert!(block_on(stored_base_url(&store, "roster")).unwrap_err().message.contains("newer than this release reads"));
    }

    #[test]
    fn roster_records_read_every_upsert_field() {
        let all = UpsertInput {
            first_name: Some("a".into()),
            last_name: Some("b".into()),
            email: Some("c@d.org".into()),
            phone: Some("e".into()),
            birthday: Some("2000-01-02".into()),
            gender: Some("F".into()),
            role: Some("ADMIN".into()),
            address: Some("f".into()),
            org: Some("g".into()),
            invite_code: Some("h".into()),
            password: Some("i".into()),
        };
        let mut json = serde_json::to_value(&all).unwrap();
        let fields = json.as_object().unwrap().len();
        assert!(json.as_object().unwrap().values().all(|v| v.is_string()), "a field of UpsertInput is not set above: {json}");
        json["externalId"] = "x1".into();
        json["line"] = 7.into();
        let record: RosterRecord = serde_json::from_value(json).unwrap();
        assert_eq!(record.input, all, "RosterRecordWire misses an UpsertInput field ({fields} fields)");
        assert_eq!(record.external_id.as_deref(), Some("x1"));
        let bare: RosterRecord = serde_json::from_str(r#"{"email":"a@b.org"}"#).unwrap();
        assert_eq!((bare.external_id, bare.input.email.as_deref()), (None, Some("a@b.org")));
        assert!(serde_json::from_str::<RosterRecord>(r#"{"email":3}"#).is_err());
        for bad in [r#""x""#, "-1", "1.5"] {
            assert!(serde_json::from_str::<RosterRecord>(&format!(r#"{{"email":"a@b.org","line":{bad}}}"#)).is_err(), "line {bad}");
        }
        assert!(serde_json::from_str::<RosterRecord>(r#"{"email":"a@b.org","line":null}"#).is_ok());
    }

    #[test]
    fn a_key_that_is_not_a_field_is_refused_not_dropped() {
        let e = serde_json::from_str::<RosterRecord>(r#"{"email":"a@b.org","phoneNumber":"555"}"#).unwrap_err().to_string();
        assert!(e.starts_with("unknown field `phoneNumber`, expected one of `externalId`, `line`, `firstName`"), "{e}");
        let e = serde_json::from_str::<UpsertInput>(r#"{"email":"a@b.org","externalId":"x"}"#).unwrap_err().to_string();
        assert!(e.starts_with("unknown field `externalId`, expected one of `firstName`"), "{e}");
    }

    #[test]
    fn every_saved_outcome_reads_back() {
        let user: User = serde_json::from_value(serde_json::json!({
            "id": 7, "firstName": "A", "lastName": "B", "fullName": "A B", "email": "a@b.org",
            "phone": null, "address": null, "birthday": "2000-01-02", "gender": "F",
            "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z",
            "userStatus": null, "membershipStatus": "ACTIVE", "membershipRole": null
        }))
        .unwrap_or_else(|e| panic!("fixture user: {e}"));
        let imported = ImportedUser { external_id: Some("x".into()), email: "a@b.org".into(), user, uncertain: false };
        let failed = FailedRecord {
            index: 0,
            external_id: None,
            email: "c@d.org".into(),
            error: ErrorInfo { kind: "validation".into(), status: Some(422), message: "m".into(), fields: None },
            fields: Some(BTreeMap::from([("email".to_string(), vec!["bad".to_string()])])),
        };
        let change =
            EmailChange { index: 0, external_id: "x".into(), vomo_user_id: 7, old_email: "o@d.org".into(), new_email: "n@d.org".into() };
        for settled in
            [Settled::Created(imported.clone()), Settled::Updated(imported), Settled::Failed(failed), Settled::EmailChanged(change)]
        {
            let text = serde_json::to_string(&settled).unwrap();
            assert_eq!(serde_json::from_str::<Settled>(&text).unwrap(), settled, "{text}");
        }
        assert!(serde_json::from_str::<Settled>(r#"{"outcome":"created","email":"a@b.org"}"#).unwrap_err().to_string().contains("user"));
        assert!(serde_json::from_str::<Settled>(r#"{"outcome":"lost"}"#).is_err());
    }
}

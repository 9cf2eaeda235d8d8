//! Keeping the refresh token when the keychain misbehaves: which token to present when the
//! store cannot be read or lost its entry, the plain warning while a rotated token lives
//! only in memory, and writing it again on later refreshes and on the machine's re-save
//! timer until the store takes it. A failed read never deletes anything. Every function
//! here runs inside an account operation (the `Kept` lock is held).

use super::keeper::{Failure, Keeper, Kept};
use super::machine::PersistOutcome;
use crate::keychain::{AccountKey, LastUser, StoreError, STORE_TIMEOUT};
use crate::secret::Secret;
use crate::timeline::{Entry, Scope};
use std::time::Duration;

/// How long a re-save waits for another process's refresh lock before trying next time.
const PERSIST_LOCK_WAIT: Duration = Duration::from_secs(1);

/// Where the refresh token presented came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Read from the store inside the lock (possibly rotated by another process).
    Store,
    /// Ours, rotated earlier but refused by the store: newer than what the store holds.
    Unsaved,
    /// The store has no entry any more (deleted by another program, or a sign-out in
    /// another process, which the server's answer will tell).
    Missing,
    /// The store could not be read (locked, gone, no answer).
    Unreadable,
}

impl Source {
    /// The server's 401 reason with what we know about the token we presented.
    pub(super) fn explain_rejection(self, detail: &str) -> String {
        match self {
            Self::Store | Self::Unsaved => detail.to_owned(),
            Self::Missing => format!(
                "{detail}: the keychain entry was gone and the server no longer accepts the token kept in memory (signed out in another DevHive process?)"
            ),
            Self::Unreadable => format!(
                "{detail}: the keychain could not be read and the server no longer accepts the token kept in memory (another DevHive process may have rotated it)"
            ),
        }
    }
}

/// The error for a store whose earlier call has not returned yet.
fn still_waiting() -> StoreError {
    StoreError::TimedOut {
        after: STORE_TIMEOUT,
    }
}

/// The warning shown while the newest refresh token is only in memory.
pub(super) fn unsaved_warning(error: &StoreError) -> String {
    let until = match error {
        StoreError::Locked { .. } | StoreError::TimedOut { .. } => {
            "keychain locked: the new refresh token could not be saved, so the session is kept in memory until the keychain is unlocked"
        }
        StoreError::NoKeychain { .. } => {
            "keychain unavailable: the new refresh token could not be saved, so the session is kept in memory until the keychain is back"
        }
        StoreError::Backend { .. } => {
            "keychain error: the new refresh token could not be saved, so the session is kept in memory until the keychain takes it"
        }
    };
    format!("{until} (until then it would not survive a restart)")
}

impl Keeper {
    /// The token to present, chosen inside the cross-process lock. A token the store refused
    /// earlier is written again first and used. Otherwise the store is read (another process
    /// may have rotated the token); when it cannot be read or has no entry, the token held in
    /// memory is used, so a keychain problem never stops refreshes by itself.
    pub(super) async fn current_refresh_token(
        &self,
        kept: &mut Kept,
        key: &AccountKey,
    ) -> Result<(Secret, Source), Failure> {
        if let Some(unsaved) = kept.unsaved.clone() {
            return Ok(match self.reconcile_unsaved(kept, key, &unsaved).await {
                Some(stored) => (stored, Source::Store),
                None => (unsaved, Source::Unsaved),
            });
        }
        let in_memory = kept.last_used.clone();
        match self.store_get(key).await {
            Ok(Some(stored)) => {
                if in_memory.as_ref().is_some_and(|mine| *mine != stored) {
                    tracing::info!(
                        "another process rotated the refresh token; using the stored one"
                    );
                    self.timeline.record(
                        Scope::Session,
                        Entry::State {
                            state: "refreshing".into(),
                            reason: Some("another DevHive process rotated the refresh token; using the stored one".into()),
                        },
                    );
                }
                Ok((stored, Source::Store))
            }
            Ok(None) => match in_memory {
                Some(mine) => {
                    tracing::warn!(
                        "the keychain entry is missing; refreshing with the token kept in memory"
                    );
                    self.record_error(
                        "the keychain entry of the refresh token is missing (deleted by another program?); refreshing with the token kept in memory and writing it back"
                            .into(),
                    );
                    Ok((mine, Source::Missing))
                }
                None => Err(Failure::Rejected(
                    "no refresh token is stored any more (signed out in another DevHive process?)"
                        .into(),
                )),
            },
            Err(error) => match in_memory {
                Some(mine) => {
                    tracing::warn!(%error, "keychain unreadable; refreshing with the token kept in memory");
                    if kept.warning.is_none() {
                        self.record_error(format!(
                            "{error}; refreshing with the token kept in memory"
                        ));
                    }
                    Ok((mine, Source::Unreadable))
                }
                // Never delete anything on a failed read: retry later.
                None => Err(Failure::Store(error.to_string())),
            },
        }
    }

    /// Stores a rotated refresh token (before its access token is handed out). On failure
    /// it is kept in memory with a warning; returns true then.
    pub(super) async fn store_rotated(
        &self,
        kept: &mut Kept,
        user: &LastUser,
        key: &AccountKey,
        token: &Secret,
        replaced: &Secret,
        source: Source,
    ) -> bool {
        kept.last_used = Some(token.clone());
        match self.store_set(key, token).await {
            Ok(()) => {
                self.saved_again(kept);
                if source == Source::Missing {
                    // The program that deleted the entry may have taken the last-user record.
                    let _ = self.vault.set_last_user(&self.host, user).await;
                    self.record_note("the refresh token is in the keychain again");
                }
                false
            }
            Err(error) => {
                let warning = unsaved_warning(&error);
                tracing::warn!(%error, "rotated refresh token kept in memory only");
                if kept.warning.as_deref() != Some(warning.as_str()) {
                    self.record_error(format!("{warning}: {error}"));
                }
                kept.unsaved = Some(token.clone());
                kept.spent.push(replaced.clone());
                kept.warning = Some(warning);
                true
            }
        }
    }

    /// The re-save timer: writes a token the store refused earlier, unless the store is still
    /// busy with an earlier call or another process holds the refresh lock.
    pub(super) async fn retry_persist(&self, user: &LastUser) -> PersistOutcome {
        let mut kept = self.kept.lock().await;
        let Some(token) = kept.unsaved.clone() else {
            return PersistOutcome::Tried(None);
        };
        if self.vault.is_waiting() {
            return PersistOutcome::Skipped;
        }
        let Ok(lock) = self.lock.acquire(PERSIST_LOCK_WAIT).await else {
            return PersistOutcome::Skipped;
        };
        let key = AccountKey::refresh_token(&self.host, &user.id);
        self.reconcile_unsaved(&mut kept, &key, &token).await;
        if kept.unsaved.is_some() {
            tracing::debug!("keychain still refuses the refresh token");
        }
        drop(lock);
        PersistOutcome::Tried(kept.warning.clone())
    }

    /// Inside the refresh lock, settles a rotated token the store refused: reads the store
    /// first, since the refused write may have landed late and another process may have
    /// rotated since. Returns the stored token when that happened (ours is then spent and
    /// forgotten); otherwise writes ours (again) and returns `None`, ours being the newest.
    async fn reconcile_unsaved(
        &self,
        kept: &mut Kept,
        key: &AccountKey,
        unsaved: &Secret,
    ) -> Option<Secret> {
        match self.store_get(key).await {
            Ok(Some(stored)) if stored == *unsaved => {
                self.saved_again(kept);
                return None;
            }
            Ok(Some(stored)) if !kept.spent.contains(&stored) => {
                self.forget_unsaved(
                    kept,
                    "the keychain took the refresh token late and another DevHive process has rotated it since; using the stored one",
                );
                kept.last_used = Some(stored.clone());
                return Some(stored);
            }
            _ => {}
        }
        if self.store_set(key, unsaved).await.is_ok() {
            self.saved_again(kept);
        }
        None
    }

    /// Reads the store, unless an earlier call still waits (on an unlock prompt, say): then
    /// the store counts as not answering, and no second prompt is opened.
    async fn store_get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        if self.vault.is_waiting() {
            return Err(still_waiting());
        }
        self.vault.get(key).await
    }

    /// Writes the store, unless an earlier call still waits (see [`Keeper::store_get`]).
    async fn store_set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        if self.vault.is_waiting() {
            return Err(still_waiting());
        }
        self.vault.set(key, value).await
    }

    /// A timeline entry about the store that changes nothing about the session's state.
    fn record_note(&self, note: &str) {
        self.timeline.record(
            Scope::Session,
            Entry::State {
                state: "valid".to_owned(),
                reason: Some(note.to_owned()),
            },
        );
    }

    /// The store took our newest token: nothing is unsaved any more (every caller holds the
    /// account lock, and any token kept unsaved is older); clear the warning, saying so.
    fn saved_again(&self, kept: &mut Kept) {
        self.forget_unsaved(
            kept,
            "keychain available again: the refresh token is saved, the session survives a restart",
        );
    }

    /// Nothing is unsaved any more: forget the kept token, and note it in the timeline if a
    /// warning was shown.
    fn forget_unsaved(&self, kept: &mut Kept, note: &str) {
        kept.unsaved = None;
        kept.spent.clear();
        if kept.warning.take().is_some() {
            tracing::info!("{note}");
            self.record_note(note);
        }
    }
}

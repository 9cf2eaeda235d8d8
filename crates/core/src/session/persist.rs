//! Keeping the refresh token when the keychain misbehaves (issue 8): which token to present
//! when the store cannot be read or lost its entry, the plain warning while a rotated token
//! lives only in memory, and writing it again on later refreshes and on the driver's 5 s
//! tick until the store takes it. A failed read never deletes anything.

use super::refresh::Failure;
use super::{Inner, RefreshLock};
use crate::keychain::{AccountKey, StoreError, STORE_TIMEOUT};
use crate::secret::Secret;
use crate::timeline::{Entry, Scope};
use std::time::Duration;

/// How long the 5 s tick waits for another process's refresh lock before trying next time.
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

/// The first and the longest wait between re-save attempts of a refused refresh token.
const PERSIST_RETRY_FIRST: Duration = Duration::from_secs(5);
const PERSIST_RETRY_MAX: Duration = Duration::from_secs(30);

/// The wait after a refused re-save, given the previous one: 5 s, 10 s, 20 s, then 30 s.
/// Each try on a locked desktop keychain opens an unlock prompt: a dismissed one must not
/// come back every 5 s, and an unlocked keychain should get the token within half a minute.
fn next_persist_wait(previous: Option<Duration>) -> Duration {
    previous.map_or(PERSIST_RETRY_FIRST, |wait| {
        (wait * 2).min(PERSIST_RETRY_MAX)
    })
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

impl Inner {
    /// The token to present, chosen inside the cross-process lock. A token the store refused
    /// earlier is written again first and used. Otherwise the store is read (another process
    /// may have rotated the token); when it cannot be read or has no entry, the token held in
    /// memory is used, so a keychain problem never stops refreshes by itself.
    pub(super) async fn current_refresh_token(
        &self,
        key: &AccountKey,
    ) -> Result<(Secret, Source), Failure> {
        let (unsaved, in_memory) = {
            let data = self.data.lock().expect("session lock");
            (data.unsaved_refresh.clone(), data.last_used_refresh.clone())
        };
        if let Some(unsaved) = unsaved {
            return Ok(match self.reconcile_unsaved(key, &unsaved).await {
                Some(stored) => (stored, Source::Store),
                None => (unsaved, Source::Unsaved),
            });
        }
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
                    if self.status.borrow().warning.is_none() {
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

    /// Stores a rotated refresh token (before its access token is published). On failure
    /// it stays in memory and the returned warning is published with the new access token.
    pub(super) async fn store_rotated(
        &self,
        key: &AccountKey,
        token: &Secret,
        replaced: &Secret,
        source: Source,
    ) -> Option<String> {
        match self.store_set(key, token).await {
            Ok(()) => {
                self.saved_again();
                if source == Source::Missing {
                    // The program that deleted the entry may have taken the last-user record.
                    let user = self.data.lock().expect("session lock").user.clone();
                    if let Some(user) = user {
                        let _ = self.vault.set_last_user(&self.host, &user).await;
                    }
                    self.record_note("the refresh token is in the keychain again");
                }
                None
            }
            Err(error) => {
                let warning = unsaved_warning(&error);
                tracing::warn!(%error, "rotated refresh token kept in memory only");
                if self.status.borrow().warning.as_deref() != Some(warning.as_str()) {
                    self.record_error(format!("{warning}: {error}"));
                }
                let mut data = self.data.lock().expect("session lock");
                data.unsaved_refresh = Some(token.clone());
                data.spent_unsaved.push(replaced.clone());
                Some(warning)
            }
        }
    }

    /// The driver's 5 s tick: writes a token the store refused earlier, unless a refresh is
    /// in flight (it writes the token itself) or another process holds the refresh lock.
    pub(super) async fn retry_persist(&self) {
        let pending = {
            let data = self.data.lock().expect("session lock");
            data.unsaved_refresh.clone().zip(data.user.clone())
        };
        let Some((token, user)) = pending else {
            return;
        };
        let now = self.clock.now();
        let backoff = self.data.lock().expect("session lock").persist_retry;
        if backoff.is_some_and(|(next_at, _)| now < next_at) {
            return;
        }
        let Ok(_flight) = self.flight.try_lock() else {
            return;
        };
        if self.vault.is_waiting() {
            return;
        }
        let Ok(lock) = RefreshLock::acquire(&self.lock_path, PERSIST_LOCK_WAIT).await else {
            return;
        };
        let key = AccountKey::refresh_token(&self.host, &user.id);
        self.reconcile_unsaved(&key, &token).await;
        let still_unsaved = self
            .data
            .lock()
            .expect("session lock")
            .unsaved_refresh
            .is_some();
        if still_unsaved {
            let wait = next_persist_wait(backoff.map(|(_, wait)| wait));
            tracing::debug!(
                retry_in_s = wait.as_secs(),
                "keychain still refuses the refresh token"
            );
            self.data.lock().expect("session lock").persist_retry =
                Some((self.clock.now() + wait, wait));
        }
        drop(lock);
    }

    /// Inside the refresh lock, settles a rotated token the store refused: reads the store
    /// first, since the refused write may have landed late and another process may have
    /// rotated since. Returns the stored token when that happened (ours is then spent and
    /// forgotten); otherwise writes ours (again) and returns `None`, ours being the newest.
    async fn reconcile_unsaved(&self, key: &AccountKey, unsaved: &Secret) -> Option<Secret> {
        let spent = self
            .data
            .lock()
            .expect("session lock")
            .spent_unsaved
            .clone();
        match self.store_get(key).await {
            Ok(Some(stored)) if stored == *unsaved => {
                self.saved_again();
                return None;
            }
            Ok(Some(stored)) if !spent.contains(&stored) => {
                self.forget_unsaved(
                    "the keychain took the refresh token late and another DevHive process has rotated it since; using the stored one",
                );
                return Some(stored);
            }
            _ => {}
        }
        if self.store_set(key, unsaved).await.is_ok() {
            self.saved_again();
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

    /// Writes the store, unless an earlier call still waits (see [`Inner::store_get`]).
    async fn store_set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        if self.vault.is_waiting() {
            return Err(still_waiting());
        }
        self.vault.set(key, value).await
    }

    /// A timeline entry about the store that changes nothing about the session's state.
    fn record_note(&self, note: &str) {
        let state = self.status.borrow().state.name().to_owned();
        self.timeline.record(
            Scope::Session,
            Entry::State {
                state,
                reason: Some(note.to_owned()),
            },
        );
    }

    /// The store took our newest token: nothing is unsaved any more (every caller holds the
    /// refresh lock, and any token kept unsaved is older); clear the warning, saying so.
    fn saved_again(&self) {
        self.forget_unsaved(
            "keychain available again: the refresh token is saved, the session survives a restart",
        );
    }

    /// Nothing is unsaved any more: forget the kept token and the retry schedule, and clear
    /// the warning with `note` in the timeline.
    fn forget_unsaved(&self, note: &str) {
        {
            let mut data = self.data.lock().expect("session lock");
            data.unsaved_refresh = None;
            data.spent_unsaved.clear();
            data.persist_retry = None;
        }
        if self.status.borrow().warning.is_some() {
            tracing::info!("{note}");
            self.record_note(note);
            self.update_status(|s| s.warning = None);
        }
    }
}

//! The explicit in-memory store (`--secret-store memory`): the session dies with the process,
//! and every label says so.

use super::{AccountKey, SecretStore, StoreError};
use crate::secret::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

/// Secrets held in this process only. Visible by choice, never a silent fallback.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<AccountKey, Secret>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemoryStore {
    fn may_block(&self) -> bool {
        false
    }
    fn label(&self) -> String {
        "memory (this process only)".into()
    }

    fn is_persistent(&self) -> bool {
        false
    }

    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        Ok(self.entries.lock().expect("store lock").get(key).cloned())
    }

    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        self.entries
            .lock()
            .expect("store lock")
            .insert(key.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.entries.lock().expect("store lock").remove(key);
        Ok(())
    }
}

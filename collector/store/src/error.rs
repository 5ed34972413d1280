//! Errors of the store, and their kinds for callers that branch on them.

use caudal_collector_domain::points::Invalid;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or reached.
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A reading references a channel that the batch does not declare.
    #[error("reading seq {seq} uses undeclared channel {channel}")]
    UnknownChannel {
        /// The reading.
        seq: u64,
        /// The channel.
        channel: u32,
    },
    /// A seq is 0 or does not fit the database.
    #[error("seq {0} is out of range 1..=9223372036854775807")]
    SeqOutOfRange(u64),
    /// No point has this code.
    #[error("point `{0}` not found")]
    PointNotFound(String),
    /// A point with this code exists already.
    #[error("point `{0}` already exists")]
    PointExists(String),
    /// No user has this name.
    #[error("user `{0}` not found")]
    UserNotFound(String),
    /// A user with this name exists already.
    #[error("user `{0}` already exists")]
    UserExists(String),
    /// A stored value cannot be read back as what its column means (a row
    /// written by hand, by another program, or by a newer version). Never
    /// replaced by a default: the read fails, is counted and logged.
    #[error(
        "stored data is corrupt: {table}.{column} holds `{value}`, which this version cannot read"
    )]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// The value, cut to 64 characters.
        value: String,
    },
    /// A value is not acceptable.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// What kind of failure a [`StoreError`] is, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database is unavailable or failed; retrying later may work.
    Unavailable,
    /// The request names something that does not exist.
    NotFound,
    /// The request conflicts with stored state.
    Conflict,
    /// The request itself is wrong; retrying will not help.
    Invalid,
    /// Stored data cannot be read; an operator must look at it.
    Corrupt,
}

impl StoreError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Connect(_)
            | StoreError::DataDir { .. }
            | StoreError::Migrate(_)
            | StoreError::Db(_) => StoreErrorKind::Unavailable,
            StoreError::PointNotFound(_) | StoreError::UserNotFound(_) => StoreErrorKind::NotFound,
            StoreError::PointExists(_) | StoreError::UserExists(_) => StoreErrorKind::Conflict,
            StoreError::UnknownChannel { .. }
            | StoreError::SeqOutOfRange(_)
            | StoreError::Invalid { .. } => StoreErrorKind::Invalid,
            StoreError::Corrupt { .. } => StoreErrorKind::Corrupt,
        }
    }
}

impl StoreError {
    /// [`StoreError::Corrupt`] for `value` found in `table.column`.
    pub fn corrupt(
        table: &'static str,
        column: &'static str,
        value: impl std::fmt::Display,
    ) -> StoreError {
        let mut value = value.to_string();
        if let Some((cut, _)) = value.char_indices().nth(64) {
            value.truncate(cut);
            value.push('…');
        }
        StoreError::Corrupt {
            table,
            column,
            value,
        }
    }
}

impl From<Invalid> for StoreError {
    fn from(e: Invalid) -> StoreError {
        StoreError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

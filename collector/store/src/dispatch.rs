//! Run one `sqlx` expression on whichever pool a [`crate::Store`] has.

/// Run `$body` with `$pool` bound to the read pool (SQLite: the readers;
/// PostgreSQL: the pool).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(s) => {
                let $pool = &s.readers;
                $body
            }
            $crate::Store::Postgres(p) => {
                let $pool = &p.pool;
                $body
            }
        }
    };
}

/// The same, on the writer pool (SQLite has a single writer connection).
macro_rules! on_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(s) => {
                let $pool = &s.writer;
                $body
            }
            $crate::Store::Postgres(p) => {
                let $pool = &p.pool;
                $body
            }
        }
    };
}

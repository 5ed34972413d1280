//! One conformance suite for the storage interface: every case runs on SQLite
//! and on PostgreSQL (PostgreSQL is required: the tests fail when it is
//! unreachable, saying how to start it).

mod fixtures;

use caudal_collector_domain::Role;
use caudal_collector_domain::agents::SessionFacts;
use caudal_collector_domain::points::{PointKind, PointPatch, PointStatus};
use caudal_collector_domain::series::{
    AggRow, Cursor, RawRow, Resolution, SeriesQuery, SeriesRows,
};
use caudal_collector_store::{Store, StoreError, StoreErrorKind, TokenHash};
use caudal_protocol::{Epoch, Quality, Reason, Seq, UtcMillis, Variable};
use fixtures::*;

const AGENT: &str = "gw-01";
const E1: Epoch = Epoch(0xDEAD_BEEF_0000_0001);
/// Above i64::MAX, to check the bit-cast round trip.
const E2: Epoch = Epoch(u64::MAX - 5);

async fn raw_series(store: &Store, point: &str, variable: Variable) -> Vec<RawRow> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .series(&SeriesQuery {
                point: point.to_owned(),
                variable,
                resolution: Resolution::Raw,
                from: UtcMillis(0),
                to: UtcMillis(i64::MAX),
                after,
                limit: 1000,
            })
            .await
            .unwrap();
        let SeriesRows::Raw(rows) = page.rows else {
            panic!("raw rows expected")
        };
        out.extend(rows);
        match page.next {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

async fn agg_series(
    store: &Store,
    point: &str,
    variable: Variable,
    resolution: Resolution,
) -> Vec<AggRow> {
    let page = store
        .series(&SeriesQuery {
            point: point.to_owned(),
            variable,
            resolution,
            from: UtcMillis(0),
            to: UtcMillis(i64::MAX),
            after: None,
            limit: 10_000,
        })
        .await
        .unwrap();
    let SeriesRows::Agg(rows) = page.rows else {
        panic!("aggregate rows expected")
    };
    rows
}

mod cases {
    use super::*;

    pub(crate) async fn in_order_batches_advance_the_resume_point(store: &Store) {
        let ch = channels("W-1");
        assert_eq!(store.resume_point(AGENT, E1).await.unwrap(), Seq(0));
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(1, 100))
                .await
                .unwrap(),
            Seq(100)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(101, 250))
                .await
                .unwrap(),
            Seq(250)
        );
        assert_eq!(store.resume_point(AGENT, E1).await.unwrap(), Seq(250));
        let facts = SessionFacts {
            software: "caudal-agent 0.1.0".to_owned(),
            config_digest: [7; 32],
            clock_skew_ms: -42,
            seen_at: UtcMillis(T0),
        };
        assert_eq!(
            store.upsert_agent_session(AGENT, E1, &facts).await.unwrap(),
            Seq(250)
        );
        assert_eq!(
            store.upsert_agent_session(AGENT, E2, &facts).await.unwrap(),
            Seq(0),
            "a new epoch starts at 0"
        );
        let agents = store.agents().await.unwrap();
        assert_eq!(agents.len(), 1);
        assert_eq!(agents[0].epoch, Some(E2));
        assert_eq!(agents[0].software.as_deref(), Some("caudal-agent 0.1.0"));
        assert_eq!(agents[0].clock_skew_ms, Some(-42));
        assert_eq!(raw_series(store, "W-1", Variable::Level).await.len(), 250);
    }

    pub(crate) async fn replays_are_ignored(store: &Store) {
        let ch = channels("W-1");
        let batch = levels(1, 100);
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &batch).await.unwrap(),
            Seq(100)
        );
        // The replay carries different values: the stored ones must not change.
        let mut replay = batch.clone();
        for r in &mut replay {
            r.value += 1000.0;
        }
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &replay).await.unwrap(),
            Seq(100)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &batch[10..20])
                .await
                .unwrap(),
            Seq(100)
        );
        let rows = raw_series(store, "W-1", Variable::Level).await;
        assert_eq!(rows.len(), 100);
        assert!(
            rows.iter().all(|r| r.value.unwrap() <= 100.0),
            "a replay overwrote a reading"
        );
        let hours = agg_series(store, "W-1", Variable::Level, Resolution::Hour).await;
        assert_eq!(
            hours.iter().map(|h| h.count).sum::<i64>(),
            100,
            "a replay was aggregated twice"
        );
        assert_eq!(store.stats().readings_duplicate(), 110);
    }

    pub(crate) async fn overlaps_store_only_the_new_part(store: &Store) {
        let ch = channels("W-1");
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(1, 100))
                .await
                .unwrap(),
            Seq(100)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(50, 150))
                .await
                .unwrap(),
            Seq(150)
        );
        let rows = raw_series(store, "W-1", Variable::Level).await;
        assert_eq!(rows.len(), 150);
        let values: Vec<f64> = rows.iter().map(|r| r.value.unwrap()).collect();
        let expected: Vec<f64> = (1..=150).map(|v| v as f64).collect();
        assert_eq!(values, expected);
    }

    pub(crate) async fn gaps_hold_the_contiguous_seq_until_filled(store: &Store) {
        let ch = channels("W-1");
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(1, 10))
                .await
                .unwrap(),
            Seq(10)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(21, 30))
                .await
                .unwrap(),
            Seq(10)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(41, 45))
                .await
                .unwrap(),
            Seq(10)
        );
        let a = &store.agents().await.unwrap()[0];
        assert_eq!(
            (
                a.contiguous_seq,
                a.highest_seq,
                a.pending_ranges,
                a.readings
            ),
            (Seq(10), Seq(45), 2, 25)
        );
        // Fill part of the first gap, then the rest plus overlap into the range.
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(11, 15))
                .await
                .unwrap(),
            Seq(15)
        );
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(14, 25))
                .await
                .unwrap(),
            Seq(30)
        );
        assert_eq!(store.resume_point(AGENT, E1).await.unwrap(), Seq(30));
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(31, 40))
                .await
                .unwrap(),
            Seq(45)
        );
        let a = &store.agents().await.unwrap()[0];
        assert_eq!(
            (
                a.contiguous_seq,
                a.highest_seq,
                a.pending_ranges,
                a.readings
            ),
            (Seq(45), Seq(45), 0, 45)
        );
        assert_eq!(raw_series(store, "W-1", Variable::Level).await.len(), 45);
    }

    pub(crate) async fn epochs_are_independent(store: &Store) {
        let ch = channels("W-1");
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &levels(1, 10))
                .await
                .unwrap(),
            Seq(10)
        );
        // A new outbox database: same seqs, different epoch, later times.
        let later: Vec<_> = levels(1, 5)
            .into_iter()
            .map(|mut r| {
                r.time.0 += 10 * HOUR;
                r
            })
            .collect();
        assert_eq!(
            store.write_batch(AGENT, E2, &ch, &later).await.unwrap(),
            Seq(5)
        );
        assert_eq!(store.resume_point(AGENT, E1).await.unwrap(), Seq(10));
        assert_eq!(store.resume_point(AGENT, E2).await.unwrap(), Seq(5));
        assert_eq!(raw_series(store, "W-1", Variable::Level).await.len(), 15);
    }

    pub(crate) async fn bad_batches_write_nothing(store: &Store) {
        let ch = channels("W-1");
        let mut batch = levels(1, 10);
        batch[9].channel = caudal_protocol::ChannelId(99);
        let err = store.write_batch(AGENT, E1, &ch, &batch).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::UnknownChannel {
                    seq: 10,
                    channel: 99
                }
            ),
            "{err}"
        );
        assert_eq!(err.kind(), StoreErrorKind::Invalid);
        let mut batch = levels(1, 3);
        batch[0].seq = Seq(0);
        assert!(matches!(
            store.write_batch(AGENT, E1, &ch, &batch).await,
            Err(StoreError::SeqOutOfRange(0))
        ));
        batch[0].seq = Seq(u64::MAX);
        assert!(matches!(
            store.write_batch(AGENT, E1, &ch, &batch).await,
            Err(StoreError::SeqOutOfRange(_))
        ));
        assert_eq!(store.resume_point(AGENT, E1).await.unwrap(), Seq(0));
        assert!(
            store.list_points().await.unwrap().is_empty(),
            "a rejected batch created a point"
        );
        // An empty batch is fine and stores nothing.
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &[]).await.unwrap(),
            Seq(0)
        );
    }

    pub(crate) async fn aggregates_include_late_data(store: &Store) {
        let ch = channels("W-1");
        // Hour 0: 1, 5; hour 1: 2. Then late data for hour 0: 9 (earlier time) and 3 (latest time).
        let first = vec![
            level(1, T0 + 60_000, 1.0),
            level(2, T0 + 120_000, 5.0),
            level(3, T0 + HOUR + 10, 2.0),
        ];
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &first).await.unwrap(),
            Seq(3)
        );
        let late = vec![level(4, T0 + 30_000, 9.0), level(5, T0 + 3_000_000, 3.0)];
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &late).await.unwrap(),
            Seq(5)
        );
        let hours = agg_series(store, "W-1", Variable::Level, Resolution::Hour).await;
        assert_eq!(hours.len(), 2);
        let h0 = &hours[0];
        assert_eq!(
            (h0.bucket, h0.count, h0.min, h0.max, h0.last),
            (UtcMillis(T0), 4, 1.0, 9.0, 3.0)
        );
        assert!((h0.mean - 4.5).abs() < 1e-12, "mean {}", h0.mean);
        assert_eq!(h0.increase, None, "levels have no increase");
        assert_eq!((hours[1].count, hours[1].last), (1, 2.0));
        let days = agg_series(store, "W-1", Variable::Level, Resolution::Day).await;
        assert_eq!(days.len(), 1);
        assert_eq!(
            (
                days[0].bucket,
                days[0].count,
                days[0].min,
                days[0].max,
                days[0].last
            ),
            (UtcMillis(T0), 5, 1.0, 9.0, 2.0)
        );
        // Bad quality and NaN are stored but not aggregated.
        let mut bad = level(6, T0 + 100, 1000.0);
        bad.quality = Quality::Bad(Reason::Timeout);
        let nan = level(7, T0 + 200, f64::NAN);
        assert_eq!(
            store
                .write_batch(AGENT, E1, &ch, &[bad, nan])
                .await
                .unwrap(),
            Seq(7)
        );
        let hours = agg_series(store, "W-1", Variable::Level, Resolution::Hour).await;
        assert_eq!((hours[0].count, hours[0].max), (4, 9.0));
        let raw = raw_series(store, "W-1", Variable::Level).await;
        assert_eq!(raw.len(), 7);
        assert!(
            raw.iter()
                .any(|r| r.quality == Quality::Bad(Reason::Timeout) && r.value == Some(1000.0))
        );
        assert!(
            raw.iter().any(|r| r.value.is_none()),
            "NaN is stored as no value"
        );
    }

    /// Totals of 3 hours over two epochs, delivered out of order, with gaps and duplicates.
    pub(crate) async fn counter_increases_are_exact_under_late_and_duplicate_data(store: &Store) {
        let ch = channels("W-1");
        // Epoch 1 pulses: hour 0 -> 0, 8, 16; hour 1 -> 24, 40; hour 2 -> 41, 56.
        let e1 = [
            counter(1, T0, 0),
            counter(2, T0 + 600_000, 8),
            counter(3, T0 + 1_200_000, 16),
            counter(4, T0 + HOUR, 24),
            counter(5, T0 + HOUR + 600_000, 40),
            counter(6, T0 + 2 * HOUR, 41),
            counter(7, T0 + 2 * HOUR + 1, 56),
        ];
        // Hour 2 arrives first (a gap), then hour 0 twice, then hour 1 overlapping.
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &e1[5..7]).await.unwrap(),
            Seq(0)
        );
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &e1[0..3]).await.unwrap(),
            Seq(3)
        );
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &e1[0..3]).await.unwrap(),
            Seq(3)
        );
        let hours = agg_series(store, "W-1", Variable::Total, Resolution::Hour).await;
        let inc: Vec<Option<f64>> = hours.iter().map(|h| h.increase).collect();
        // Hour 2 counts from the latest stored bucket of its epoch (hour 0) until hour 1 arrives.
        assert_eq!(
            inc,
            vec![Some(16.0 * M3_PER_PULSE), Some(40.0 * M3_PER_PULSE)],
            "before hour 1 arrives"
        );
        assert_eq!(
            store.write_batch(AGENT, E1, &ch, &e1[2..6]).await.unwrap(),
            Seq(7)
        );
        // Epoch 2 (new agent database) restarts at 0 in hour 2 and counts 8 pulses.
        let e2 = [
            counter(1, T0 + 2 * HOUR + 100, 0),
            counter(2, T0 + 2 * HOUR + 200, 8),
        ];
        assert_eq!(
            store.write_batch(AGENT, E2, &ch, &e2).await.unwrap(),
            Seq(2)
        );
        let hours = agg_series(store, "W-1", Variable::Total, Resolution::Hour).await;
        let inc: Vec<f64> = hours.iter().map(|h| h.increase.unwrap()).collect();
        let expected = [16.0, 24.0, 16.0 + 8.0].map(|p| p * M3_PER_PULSE);
        assert_eq!(inc, expected);
        let days = agg_series(store, "W-1", Variable::Total, Resolution::Day).await;
        assert_eq!(days.len(), 1);
        assert_eq!(
            days[0].increase,
            Some(64.0 * M3_PER_PULSE),
            "the day's volume is both epochs' totals"
        );
        assert_eq!(days[0].max, 56.0 * M3_PER_PULSE);
    }

    pub(crate) async fn unknown_points_are_created_unregistered_and_can_be_completed(
        store: &Store,
    ) {
        assert_eq!(
            store
                .write_batch(AGENT, E1, &channels("W-NEW"), &levels(1, 2))
                .await
                .unwrap(),
            Seq(2)
        );
        let p = store.get_point("W-NEW").await.unwrap();
        assert_eq!(
            (p.status, p.kind, p.name.as_str()),
            (PointStatus::Unregistered, None, "W-NEW")
        );
        let patch = PointPatch {
            name: Some("Pozo Norte".to_owned()),
            kind: Some(PointKind::Well),
            site: Some("FUNDO-1".to_owned()),
            latitude: Some(-33.45),
            longitude: Some(-70.66),
            dga_code: Some("OB-0501-123".to_owned()),
            status: Some(PointStatus::Active),
        };
        let p = store
            .update_point("W-NEW", &patch, UtcMillis(T0))
            .await
            .unwrap();
        assert_eq!(p.name, "Pozo Norte");
        assert_eq!(p.kind, Some(PointKind::Well));
        assert_eq!(p.site.as_deref(), Some("FUNDO-1"));
        assert_eq!((p.latitude, p.longitude), (Some(-33.45), Some(-70.66)));
        assert_eq!(p.status, PointStatus::Active);
        // A partial patch leaves the rest alone.
        let p = store
            .update_point(
                "W-NEW",
                &PointPatch {
                    status: Some(PointStatus::Inactive),
                    ..PointPatch::default()
                },
                UtcMillis(T0 + 1),
            )
            .await
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.status, p.updated),
            ("Pozo Norte", PointStatus::Inactive, UtcMillis(T0 + 1))
        );
        // Create, conflict, not found, invalid.
        let c = store
            .create_point(
                "R-1",
                &PointPatch {
                    kind: Some(PointKind::River),
                    ..PointPatch::default()
                },
                UtcMillis(T0),
            )
            .await
            .unwrap();
        assert_eq!(
            (c.status, c.kind, c.name.as_str()),
            (PointStatus::Active, Some(PointKind::River), "R-1")
        );
        assert!(matches!(
            store
                .create_point("R-1", &PointPatch::default(), UtcMillis(T0))
                .await,
            Err(StoreError::PointExists(_))
        ));
        assert!(matches!(
            store
                .update_point("nope", &PointPatch::default(), UtcMillis(T0))
                .await,
            Err(StoreError::PointNotFound(_))
        ));
        assert!(matches!(
            store.get_point("nope").await,
            Err(StoreError::PointNotFound(_))
        ));
        let bad = PointPatch {
            latitude: Some(91.0),
            ..PointPatch::default()
        };
        assert!(matches!(
            store.create_point("X", &bad, UtcMillis(T0)).await,
            Err(StoreError::Invalid {
                field: "latitude",
                ..
            })
        ));
        assert!(matches!(
            store
                .create_point("bad code", &PointPatch::default(), UtcMillis(T0))
                .await,
            Err(StoreError::Invalid { field: "code", .. })
        ));
        let codes: Vec<String> = store
            .list_points()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(codes, vec!["R-1", "W-NEW"]);
    }

    pub(crate) async fn latest_values_follow_time_not_arrival(store: &Store) {
        let ch = channels("W-1");
        store
            .write_batch(
                AGENT,
                E1,
                &ch,
                &[level(1, T0 + 1000, 1.0), counter(2, T0, 8)],
            )
            .await
            .unwrap();
        store
            .write_batch(AGENT, E1, &ch, &[level(3, T0 + 500, 2.0)])
            .await
            .unwrap();
        store
            .write_batch("gw-02", E1, &channels("W-2"), &[level(1, T0, 7.0)])
            .await
            .unwrap();
        let all = store.latest(&[]).await.unwrap();
        let summary: Vec<(&str, Variable, Option<f64>)> = all
            .iter()
            .map(|l| (l.point.as_str(), l.variable, l.value))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("W-1", Variable::Total, Some(1.0)),
                ("W-1", Variable::Level, Some(1.0)),
                ("W-2", Variable::Level, Some(7.0))
            ]
        );
        let w2 = store
            .latest(&["W-2".to_owned(), "missing".to_owned()])
            .await
            .unwrap();
        assert_eq!(w2.len(), 1);
        assert_eq!((w2[0].time, w2[0].quality), (UtcMillis(T0), Quality::Good));
    }

    pub(crate) async fn series_pages_cover_the_range_once(store: &Store) {
        let ch = channels("W-1");
        store
            .write_batch(AGENT, E1, &ch, &levels(1, 25))
            .await
            .unwrap();
        // Two readings at the same time from another agent: the cursor must keep both.
        store
            .write_batch(
                "gw-02",
                E1,
                &ch,
                &[
                    level(1, T0 + 4 * 60_000, 100.0),
                    level(2, T0 + 4 * 60_000, 101.0),
                ],
            )
            .await
            .unwrap();
        let mut after = None;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let q = SeriesQuery {
                point: "W-1".to_owned(),
                variable: Variable::Level,
                resolution: Resolution::Raw,
                from: UtcMillis(T0 + 60_000),
                to: UtcMillis(T0 + 20 * 60_000),
                after,
                limit: 4,
            };
            let page = store.series(&q).await.unwrap();
            let SeriesRows::Raw(rows) = page.rows else {
                panic!()
            };
            assert!(rows.len() <= 4);
            seen.extend(rows.iter().map(|r| r.value.unwrap()));
            pages += 1;
            match page.next {
                Some(c) => after = Some(Cursor::decode(&c.encode()).unwrap()),
                None => break,
            }
        }
        // Minutes 1..=19 -> seqs 2..=20, plus the two extra readings at minute 4.
        assert_eq!(seen.len(), 21, "{seen:?}");
        assert_eq!(pages, 6);
        assert!(seen.contains(&100.0) && seen.contains(&101.0));
        // Empty or inverted ranges and cursors of another resolution are refused.
        let mut q = SeriesQuery {
            point: "W-1".to_owned(),
            variable: Variable::Level,
            resolution: Resolution::Hour,
            from: UtcMillis(T0),
            to: UtcMillis(T0),
            after: None,
            limit: 10,
        };
        assert!(matches!(
            store.series(&q).await,
            Err(StoreError::Invalid { field: "to", .. })
        ));
        q.to = UtcMillis(T0 + HOUR);
        q.after = Some(Cursor::Raw {
            time: 0,
            agent: 0,
            epoch: 0,
            seq: 0,
        });
        assert!(matches!(
            store.series(&q).await,
            Err(StoreError::Invalid {
                field: "cursor",
                ..
            })
        ));
        q.point = "nope".to_owned();
        assert!(matches!(
            store.series(&q).await,
            Err(StoreError::PointNotFound(_))
        ));
    }

    pub(crate) async fn readings_far_in_time_are_kept(store: &Store) {
        // 1970 and 2200 fall outside the PostgreSQL monthly partitions (default partition).
        let ch = channels("W-1");
        let r = [
            level(1, 5, 1.0),
            level(2, 7_258_118_400_000, 2.0),
            level(3, T0 + 40 * 24 * HOUR, 3.0),
        ];
        assert_eq!(store.write_batch(AGENT, E1, &ch, &r).await.unwrap(), Seq(3));
        assert_eq!(raw_series(store, "W-1", Variable::Level).await.len(), 3);
    }

    pub(crate) async fn users_and_tokens(store: &Store) {
        store
            .add_user("ana", Role::Supervisor, UtcMillis(T0))
            .await
            .unwrap();
        assert!(matches!(
            store.add_user("ana", Role::Guest, UtcMillis(T0)).await,
            Err(StoreError::UserExists(_))
        ));
        let token = "cdl_0123456789abcdef";
        let hash = TokenHash::of(token);
        store.add_token("ana", &hash, UtcMillis(T0)).await.unwrap();
        let user = store
            .user_by_token(&TokenHash::of(token))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((user.name.as_str(), user.role), ("ana", Role::Supervisor));
        assert_eq!(
            store
                .user_by_token(&TokenHash::of("cdl_wrong"))
                .await
                .unwrap(),
            None
        );
        assert!(matches!(
            store.add_token("bob", &hash, UtcMillis(T0)).await,
            Err(StoreError::UserNotFound(_))
        ));
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = caudal_collector_store::testing::TestDb::sqlite();
                    let store = db.open().await;
                    super::cases::$case(&store).await;
                    store.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = caudal_collector_store::testing::TestDb::postgres().await;
                    let store = db.open().await;
                    super::cases::$case(&store).await;
                    store.close().await;
                }
            )*
        }
    };
}

conformance!(
    in_order_batches_advance_the_resume_point,
    replays_are_ignored,
    overlaps_store_only_the_new_part,
    gaps_hold_the_contiguous_seq_until_filled,
    epochs_are_independent,
    bad_batches_write_nothing,
    aggregates_include_late_data,
    counter_increases_are_exact_under_late_and_duplicate_data,
    unknown_points_are_created_unregistered_and_can_be_completed,
    latest_values_follow_time_not_arrival,
    series_pages_cover_the_range_once,
    readings_far_in_time_are_kept,
    users_and_tokens,
);

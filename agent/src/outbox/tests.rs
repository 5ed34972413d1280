use std::num::NonZeroU64;

use proptest::prelude::*;

use super::*;

fn cfg(budget: u64, when_full: WhenFull) -> OutboxConfig {
    OutboxConfig {
        disk_budget_bytes: NonZeroU64::new(budget).unwrap(),
        when_full,
    }
}

fn big() -> OutboxConfig {
    cfg(1 << 40, WhenFull::Block)
}

fn def(name: &str, coding: Coding, regulated: bool) -> ChannelDef {
    ChannelDef {
        name: name.to_owned(),
        point: "W1".to_owned(),
        variable: if matches!(coding, Coding::Counter { .. }) {
            Variable::Pulses
        } else {
            Variable::Level
        },
        unit: "m".to_owned(),
        coding,
        regulated,
    }
}

fn rec(ch: ChannelId, t: i64, raw: i64, coding: Coding) -> Record {
    let total = matches!(coding, Coding::Counter { .. }).then(|| u64::try_from(raw).unwrap());
    Record {
        channel: ch,
        time: UtcMillis(t),
        raw,
        total_pulses: total,
        value: coding.value(raw, total),
        quality: Quality::Good,
        counter: None,
    }
}

const LIN: Coding = Coding::Linear {
    scale: 0.01,
    offset: 0.0,
};
const CNT: Coding = Coding::Counter {
    m3_per_pulse: 0.001,
};

#[test]
fn epoch_is_created_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let e1 = Outbox::open(dir.path(), &big()).unwrap().epoch();
    let e2 = Outbox::open(dir.path(), &big()).unwrap().epoch();
    assert_eq!(e1, e2);
    let other = tempfile::tempdir().unwrap();
    assert_ne!(Outbox::open(other.path(), &big()).unwrap().epoch(), e1);
}

#[test]
fn seqs_are_gap_free_across_reopen_and_values_are_derived() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let lvl = ob.register_channel(&def("l", LIN, false)).unwrap();
    let cnt = ob.register_channel(&def("c", CNT, true)).unwrap();
    let a = ob
        .append(&[rec(lvl, 1, 1234, LIN), rec(cnt, 1, 10, CNT)], &[])
        .unwrap();
    assert_eq!(a.seqs, Some((Seq(1), Seq(2))));
    drop(ob);
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let mut nan = rec(lvl, 2, 0, LIN);
    nan.value = f64::NAN;
    nan.quality = Quality::Bad(Reason::Timeout);
    let a = ob.append(&[nan, rec(cnt, 2, 20, CNT)], &[]).unwrap();
    assert_eq!(a.seqs, Some((Seq(3), Seq(4))));
    let got = ob.read_after(Seq(0), 100).unwrap();
    assert_eq!(
        got.iter().map(|r| r.seq.0).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(got[0].value, LIN.value(1234, None));
    assert_eq!(got[1].value, CNT.value(10, Some(10)));
    assert_eq!(got[1].total_pulses, Some(10));
    assert!(got[2].value.is_nan());
    assert_eq!(got[2].quality, Quality::Bad(Reason::Timeout));
    assert_eq!(ob.read_after(Seq(2), 1).unwrap()[0].seq, Seq(3));
    assert_eq!(ob.backlog(), (Seq(1), Seq(4)));
}

#[test]
fn ack_prunes_and_seqs_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let lvl = ob.register_channel(&def("l", LIN, false)).unwrap();
    ob.append(
        &[
            rec(lvl, 1, 1, LIN),
            rec(lvl, 2, 2, LIN),
            rec(lvl, 3, 3, LIN),
        ],
        &[],
    )
    .unwrap();
    let epoch = ob.epoch();
    assert!(matches!(
        ob.ack(Epoch(epoch.0 ^ 1), Seq(1)),
        Err(OutboxError::EpochMismatch { .. })
    ));
    assert!(matches!(
        ob.ack(epoch, Seq(4)),
        Err(OutboxError::AckBeyondLast { up_to: 4, last: 3 })
    ));
    ob.ack(epoch, Seq(3)).unwrap();
    assert_eq!(ob.backlog(), (Seq(4), Seq(3)));
    assert!(ob.read_after(Seq(0), 10).unwrap().is_empty());
    drop(ob);
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let a = ob.append(&[rec(lvl, 4, 4, LIN)], &[]).unwrap();
    assert_eq!(a.seqs, Some((Seq(4), Seq(4))));
    // An old ack is harmless.
    ob.ack(epoch, Seq(2)).unwrap();
    assert_eq!(ob.read_after(Seq(0), 10).unwrap()[0].seq, Seq(4));
}

#[test]
fn channel_ids_are_stable_and_a_changed_definition_gets_a_new_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let a = ob.register_channel(&def("l", LIN, false)).unwrap();
    let b = ob.register_channel(&def("c", CNT, true)).unwrap();
    drop(ob);
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    assert_eq!(ob.register_channel(&def("c", CNT, true)).unwrap(), b);
    assert_eq!(ob.register_channel(&def("l", LIN, false)).unwrap(), a);
    let changed = ob
        .register_channel(&def(
            "l",
            Coding::Linear {
                scale: 0.1,
                offset: 0.0,
            },
            false,
        ))
        .unwrap();
    assert!(changed.0 > b.0);
    let descs = ob.channels().unwrap();
    assert_eq!(descs.len(), 3);
    assert_eq!(descs[1].coding, CNT);
    assert!(descs[1].regulated);
    assert_eq!(descs[1].variable, Variable::Pulses);
}

#[test]
fn counter_state_is_committed_with_its_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = Outbox::open(dir.path(), &big()).unwrap();
    let cnt = ob.register_channel(&def("c", CNT, true)).unwrap();
    let mut r = rec(cnt, 5, 42, CNT);
    let state = CounterState {
        last_raw: 42,
        total: 42,
        last_time: UtcMillis(5),
    };
    r.counter = Some(state);
    ob.append(&[r], &[]).unwrap();
    drop(ob);
    let ob = Outbox::open(dir.path(), &big()).unwrap();
    assert_eq!(ob.counter_states().unwrap().get(&cnt), Some(&state));
}

#[test]
fn schema_newer_than_the_agent_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Outbox::open(dir.path(), &big()).unwrap());
    let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Outbox::open(dir.path(), &big()).unwrap_err();
    assert!(
        matches!(err, OutboxError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

fn fill(ob: &mut Outbox, reg: ChannelId, unreg: ChannelId, n: i64) -> (u64, u64) {
    let (mut refused, mut dropped) = (0, 0);
    for i in 0..n {
        let recs: Vec<Record> = (0..50)
            .flat_map(|j| {
                [
                    rec(reg, i * 100 + j, 5, LIN),
                    rec(unreg, i * 100 + j, 7, LIN),
                ]
            })
            .collect();
        let a = ob.append(&recs, &[]).unwrap();
        assert!(
            a.refused.iter().all(|r| r.channel == unreg),
            "regulated readings are never refused"
        );
        refused += u64::try_from(a.refused.len()).unwrap();
        dropped += a.dropped;
    }
    (refused, dropped)
}

#[test]
fn full_outbox_blocks_unregulated_but_keeps_regulated() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = Outbox::open(dir.path(), &cfg(64 * 1024, WhenFull::Block)).unwrap();
    let reg = ob.register_channel(&def("r", LIN, true)).unwrap();
    let unreg = ob.register_channel(&def("u", LIN, false)).unwrap();
    let (refused, _) = fill(&mut ob, reg, unreg, 100);
    assert!(ob.is_full());
    assert!(refused > 0);
    let all = ob.read_after(Seq(0), usize::MAX).unwrap();
    assert_eq!(
        all.iter().filter(|r| r.channel == reg).count(),
        5000,
        "every regulated reading stored"
    );
    assert_eq!(u64::try_from(all.len()).unwrap() + refused, 10_000);
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r.seq.0, u64::try_from(i).unwrap() + 1);
    }
    // Acking frees space and unregulated readings are accepted again.
    let (_, last) = ob.backlog();
    ob.ack(ob.epoch(), last).unwrap();
    assert!(!ob.is_full());
    let a = ob.append(&[rec(unreg, 1, 1, LIN)], &[]).unwrap();
    assert!(a.refused.is_empty());
}

#[test]
fn drop_oldest_unregulated_leaves_contiguous_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob =
        Outbox::open(dir.path(), &cfg(64 * 1024, WhenFull::DropOldestUnregulated)).unwrap();
    let reg = ob.register_channel(&def("r", LIN, true)).unwrap();
    let unreg = ob.register_channel(&def("u", LIN, false)).unwrap();
    let (refused, dropped) = fill(&mut ob, reg, unreg, 100);
    assert!(dropped > 0);
    let all = ob.read_after(Seq(0), usize::MAX).unwrap();
    assert_eq!(u64::try_from(all.len()).unwrap() + refused, 10_000);
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r.seq.0, u64::try_from(i).unwrap() + 1, "contiguous seqs");
    }
    assert_eq!(
        all.iter()
            .filter(|r| r.channel == reg && r.quality.is_good())
            .count(),
        5000
    );
    let placeholders: Vec<&Reading> = all
        .iter()
        .filter(|r| r.quality == Quality::Bad(Reason::Other(DROPPED_FOR_DISK_BUDGET)))
        .collect();
    assert_eq!(u64::try_from(placeholders.len()).unwrap(), dropped);
    assert!(
        placeholders
            .iter()
            .all(|r| r.channel == unreg && r.value.is_nan())
    );
    // The oldest were dropped first.
    assert_eq!(placeholders[0].seq, Seq(2));
    // Limit and `after` work across the merge.
    let page = ob.read_after(Seq(1), 3).unwrap();
    assert_eq!(page.iter().map(|r| r.seq.0).collect::<Vec<_>>(), [2, 3, 4]);
}

#[derive(Debug, Clone)]
enum Op {
    Append(u8),
    Ack(u8),
    Reopen,
    Read(u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..20).prop_map(Op::Append),
        2 => any::<u8>().prop_map(Op::Ack),
        1 => Just(Op::Reopen),
        2 => (any::<u8>(), 1u8..30).prop_map(|(a, m)| Op::Read(a, m)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// Model test: random append/ack/reopen against a plain Vec; nothing lost, nothing duplicated.
    #[test]
    fn outbox_matches_a_vec_model(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut ob = Outbox::open(dir.path(), &big()).unwrap();
        let ch = ob.register_channel(&def("l", LIN, false)).unwrap();
        let mut model: Vec<(u64, i64)> = Vec::new();
        let (mut next, mut acked, mut t) = (1u64, 0u64, 0i64);
        for op in ops {
            match op {
                Op::Append(n) => {
                    let recs: Vec<Record> = (0..n).map(|_| { t += 1; rec(ch, t, t, LIN) }).collect();
                    ob.append(&recs, &[]).unwrap();
                    for r in &recs { model.push((next, r.raw)); next += 1; }
                }
                Op::Ack(k) => {
                    let up = std::cmp::min(u64::from(k), next - 1);
                    ob.ack(ob.epoch(), Seq(up)).unwrap();
                    acked = std::cmp::max(acked, up);
                    model.retain(|(s, _)| *s > acked);
                }
                Op::Reopen => {
                    drop(ob);
                    ob = Outbox::open(dir.path(), &big()).unwrap();
                    prop_assert_eq!(ob.register_channel(&def("l", LIN, false)).unwrap(), ch);
                }
                Op::Read(after, max) => {
                    let got = ob.read_after(Seq(u64::from(after)), usize::from(max)).unwrap();
                    let want: Vec<(u64, i64)> = model.iter().filter(|(s, _)| *s > u64::from(after)).take(usize::from(max)).copied().collect();
                    prop_assert_eq!(got.iter().map(|r| (r.seq.0, r.raw)).collect::<Vec<_>>(), want);
                }
            }
            prop_assert_eq!(ob.backlog(), (Seq(acked + 1), Seq(next - 1)));
        }
    }
}

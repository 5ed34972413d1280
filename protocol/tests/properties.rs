//! Round trips of every message, hostile bytes never panic, golden bytes pin the format.

use caudal_protocol::column::encode_batch;
use caudal_protocol::frame::{PREFIX_LEN, decode_payload};
use caudal_protocol::*;
use proptest::prelude::*;

fn reason() -> impl Strategy<Value = Reason> {
    prop_oneof![
        any::<u8>().prop_map(Reason::Exception),
        Just(Reason::Timeout),
        Just(Reason::OutOfRange),
        Just(Reason::CounterReset),
        Just(Reason::TotalReset),
        Just(Reason::LevelAboveMax),
        Just(Reason::FlowWithoutTotal),
        Just(Reason::LevelWithoutVolume),
        Just(Reason::ImpossibleTime),
        Just(Reason::DecodeFailed),
        Just(Reason::SensorFault),
        Just(Reason::Stuck),
        any::<u16>().prop_map(Reason::Other),
    ]
}

fn quality() -> impl Strategy<Value = Quality> {
    prop_oneof![
        Just(Quality::Good),
        reason().prop_map(Quality::Suspect),
        reason().prop_map(Quality::Bad),
    ]
}

fn coding() -> impl Strategy<Value = Coding> {
    prop_oneof![
        (any::<f64>(), any::<f64>()).prop_map(|(scale, offset)| Coding::Linear { scale, offset }),
        (any::<f64>(), any::<f64>()).prop_map(|(scale, offset)| Coding::Float32 { scale, offset }),
        (any::<f64>(), any::<f64>()).prop_map(|(scale, offset)| Coding::Float64 { scale, offset }),
        (any::<u8>(), any::<u8>()).prop_map(|(shift, width)| Coding::Bits { shift, width }),
        any::<f64>().prop_map(|m3_per_pulse| Coding::Counter { m3_per_pulse }),
    ]
}

fn variable() -> impl Strategy<Value = Variable> {
    proptest::sample::select(Variable::ALL.to_vec())
}

fn hello() -> impl Strategy<Value = Hello> {
    (
        any::<u16>(),
        ".{0,20}",
        any::<u64>(),
        ".{0,20}",
        any::<[u8; 32]>(),
        any::<i64>(),
        proptest::collection::vec(
            (
                any::<u32>(),
                ".{0,12}",
                variable(),
                ".{0,4}",
                coding(),
                any::<bool>(),
            ),
            0..5,
        ),
    )
        .prop_map(
            |(version, agent_id, epoch, software, config_digest, t, chans)| Hello {
                version,
                agent_id,
                epoch: Epoch(epoch),
                software,
                config_digest,
                agent_time: UtcMillis(t),
                channels: chans
                    .into_iter()
                    .map(
                        |(id, point, variable, unit, coding, regulated)| ChannelDesc {
                            id: ChannelId(id),
                            point,
                            variable,
                            unit,
                            coding,
                            regulated,
                        },
                    )
                    .collect(),
            },
        )
}

/// Readings with contiguous seqs over a few channels, channel 0..3 linear, 3 counter.
fn readings() -> impl Strategy<Value = (u64, Vec<Reading>)> {
    (
        1u64..1_000_000,
        proptest::collection::vec(
            (
                0u32..4,
                any::<i64>(),
                any::<i64>(),
                any::<u64>(),
                quality(),
                any::<bool>(),
                any::<f64>(),
            ),
            0..200,
        ),
    )
        .prop_map(|(first, rows)| {
            let readings = rows
                .into_iter()
                .enumerate()
                .map(|(i, (ch, time, raw, total, quality, explicit, v))| {
                    let coding = batch_coding(ChannelId(ch)).unwrap();
                    let total_pulses = (ch == 3).then_some(total);
                    let value = if explicit {
                        v
                    } else {
                        coding.value(raw, total_pulses)
                    };
                    Reading {
                        seq: Seq(first + i as u64),
                        channel: ChannelId(ch),
                        time: UtcMillis(time),
                        raw,
                        total_pulses,
                        value,
                        quality,
                    }
                })
                .collect();
            (first, readings)
        })
}

fn batch_coding(c: ChannelId) -> Option<Coding> {
    match c.0 {
        0 => Some(Coding::Linear {
            scale: 0.01,
            offset: -2.5,
        }),
        1 => Some(Coding::Float32 {
            scale: 1.0,
            offset: 0.0,
        }),
        2 => Some(Coding::Bits { shift: 3, width: 2 }),
        3 => Some(Coding::Counter {
            m3_per_pulse: 0.001,
        }),
        _ => None,
    }
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        hello().prop_map(Message::Hello),
        (
            any::<u16>(),
            any::<u64>(),
            any::<i64>(),
            any::<i64>(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(|(version, seq, t, skew, w, b)| Message::Welcome(Welcome {
                version,
                resume_after_seq: Seq(seq),
                server_time: UtcMillis(t),
                clock_skew_ms: skew,
                max_inflight_batches: w,
                max_batch_readings: b,
            })),
        (any::<u64>(), readings()).prop_map(|(epoch, (_, r))| {
            Message::Batch(encode_batch(Epoch(epoch), &r, batch_coding).unwrap())
        }),
        (any::<u64>(), any::<u64>()).prop_map(|(e, s)| Message::Ack(Ack {
            epoch: Epoch(e),
            up_to_seq: Seq(s)
        })),
        (
            prop_oneof![
                (any::<u16>(), any::<u16>())
                    .prop_map(|(min, max)| RejectReason::UnsupportedVersion { min, max }),
                Just(RejectReason::Unauthorized),
                Just(RejectReason::Malformed),
                Just(RejectReason::FrameTooLarge),
                Just(RejectReason::UnexpectedMessage),
                Just(RejectReason::EpochMismatch),
                Just(RejectReason::UnknownChannel),
                Just(RejectReason::Overloaded),
                Just(RejectReason::Internal),
                any::<u16>().prop_map(RejectReason::Other),
            ],
            ".{0,40}"
        )
            .prop_map(|(reason, detail)| Message::Reject(Reject { reason, detail })),
    ]
}

/// Structural equality that treats NaN payloads bit for bit.
fn same(a: &Message, b: &Message) -> bool {
    postcard::to_allocvec(a).unwrap() == postcard::to_allocvec(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_message_round_trips_through_a_frame(msg in message()) {
        let frame = encode_frame(&msg).unwrap();
        let (back, used) = decode_frame(&frame).unwrap().unwrap();
        prop_assert_eq!(used, frame.len());
        prop_assert!(same(&msg, &back));
    }

    #[test]
    fn batches_expand_to_the_readings_they_were_built_from((_, readings) in readings()) {
        let batch = encode_batch(Epoch(1), &readings, batch_coding).unwrap();
        let back = batch.readings(batch_coding).unwrap();
        prop_assert_eq!(back.len(), readings.len());
        for (a, b) in back.iter().zip(&readings) {
            prop_assert!(a.same_as(b), "{:?} != {:?}", a, b);
        }
    }

    #[test]
    fn arbitrary_bytes_are_an_error_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(Some((Message::Batch(b), _))) = decode_frame(&bytes) {
            let _ = b.readings(batch_coding);
        }
        if let Ok(Message::Batch(b)) = decode_payload(&bytes) {
            let _ = b.readings(batch_coding);
        }
    }

    #[test]
    fn truncated_frames_need_more_bytes_or_fail(msg in message(), cut in any::<prop::sample::Index>()) {
        let frame = encode_frame(&msg).unwrap();
        let cut = cut.index(frame.len());
        prop_assert_eq!(decode_frame(&frame[..cut]), Ok(None));
        // The payload cut short, with a prefix claiming the shorter length, is malformed.
        if cut > PREFIX_LEN {
            let mut short = frame[..cut].to_vec();
            let len = u32::try_from(cut - PREFIX_LEN).unwrap();
            short[..PREFIX_LEN].copy_from_slice(&len.to_le_bytes());
            prop_assert!(decode_frame(&short).is_err() || cut == frame.len());
        }
    }

    #[test]
    fn mutated_batches_are_refused_or_stay_consistent(
        (_, readings) in readings(), flip in any::<prop::sample::Index>(), bit in 0u8..8
    ) {
        let batch = encode_batch(Epoch(1), &readings, batch_coding).unwrap();
        let mut frame = encode_frame(&Message::Batch(batch)).unwrap();
        let i = PREFIX_LEN + flip.index(frame.len() - PREFIX_LEN);
        frame[i] ^= 1 << bit;
        if let Ok(Some((Message::Batch(b), _))) = decode_frame(&frame)
            && let Ok(r) = b.readings(batch_coding)
        {
            // Whatever decodes covers every seq of the batch exactly once.
            prop_assert_eq!(r.len(), b.count as usize);
            for (i, x) in r.iter().enumerate() {
                prop_assert_eq!(x.seq.0, b.first_seq.0 + i as u64);
            }
        }
    }
}

/// postcard is not self-describing: these bytes ARE the format of protocol version 1.
/// If this test fails, the wire format changed: bump PROTOCOL_VERSION instead of editing it.
#[test]
fn golden_bytes_of_version_1() {
    let ack = Message::Ack(Ack {
        epoch: Epoch(0x0102_0304),
        up_to_seq: Seq(300),
    });
    assert_eq!(
        encode_frame(&ack).unwrap(),
        [7, 0, 0, 0, 3, 0x84, 0x86, 0x88, 0x08, 0xAC, 0x02]
    );

    let hello = Message::Hello(Hello {
        version: 1,
        agent_id: "gw".into(),
        epoch: Epoch(7),
        software: "s".into(),
        config_digest: [0; 32],
        agent_time: UtcMillis(-1),
        channels: vec![ChannelDesc {
            id: ChannelId(1),
            point: "P".into(),
            variable: Variable::Pulses,
            unit: "m3".into(),
            coding: Coding::Counter { m3_per_pulse: 0.5 },
            regulated: true,
        }],
    });
    let bytes = encode_frame(&hello).unwrap();
    let mut expected = vec![0, 1, 2, b'g', b'w', 7, 1, b's'];
    expected.extend([0; 32]);
    expected.extend([1, 1, 1, 1, b'P', 3, 2, b'm', b'3', 4]);
    expected.extend(0.5f64.to_le_bytes());
    expected.push(1);
    assert_eq!(&bytes[PREFIX_LEN..], &expected[..]);

    let reject = Message::Reject(Reject {
        reason: RejectReason::UnsupportedVersion { min: 1, max: 1 },
        detail: String::new(),
    });
    assert_eq!(encode_frame(&reject).unwrap(), [5, 0, 0, 0, 4, 0, 1, 1, 0]);

    let r = Reading {
        seq: Seq(1),
        channel: ChannelId(2),
        time: UtcMillis(1000),
        raw: 5,
        total_pulses: None,
        value: 5.0,
        quality: Quality::Suspect(Reason::Exception(2)),
    };
    let batch = encode_batch(Epoch(1), &[r], |_| {
        Some(Coding::Linear {
            scale: 1.0,
            offset: 0.0,
        })
    })
    .unwrap();
    assert_eq!(
        encode_frame(&Message::Batch(batch)).unwrap(),
        golden_batch()
    );
}

fn golden_batch() -> Vec<u8> {
    // Computed once from the v1 encoder and checked by hand:
    // Batch{epoch 1, first_seq 1, count 1, columns: [Column{channel 2,
    //   seq_offsets {len 1, order 0, tokens []} (a single zero is a zero run: token 3),
    //   times {len 1, order 0, tokens [zigzag(1000)<<1 = 4000 -> A0 1F]},
    //   raw {len 1, order 0, tokens [zigzag(5)<<1 = 20]}, totals None,
    //   values {overrides []}, quality [Suspect(Exception(2)) x 1]}]}
    let payload = [
        2, // Message::Batch
        1, 1, 1, // epoch, first_seq, count
        1, // one column
        2, // channel
        0, // relative: no (the first column never is)
        1, 0, 1, 3, // seq_offsets: len 1, order 0, 1 token byte: run of 1 zero
        1, 0, 2, 0xA0, 0x1F, // times
        1, 0, 1, 20, // raw
        0,  // totals: None
        0,  // overrides: []
        1, 1, 0, 2, 1, // quality: one run, Suspect(Exception(2)), run 1
    ];
    let mut out = u32::try_from(payload.len()).unwrap().to_le_bytes().to_vec();
    out.extend(payload);
    out
}

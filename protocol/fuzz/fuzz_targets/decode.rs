//! Arbitrary bytes into the frame decoder and the batch expander: never a panic.
#![no_main]

use caudal_protocol::{Coding, Message, decode_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((Message::Batch(batch), _))) = decode_frame(data) {
        let _ = batch.readings(|c| {
            Some(if c.0 % 2 == 0 {
                Coding::Counter {
                    m3_per_pulse: 0.001,
                }
            } else {
                Coding::Linear {
                    scale: 0.1,
                    offset: 0.0,
                }
            })
        });
    }
});

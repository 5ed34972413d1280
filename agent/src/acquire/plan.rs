//! Poll groups: the channels of one device merged into as few reads as the protocol allows.
//!
//! Channels of the same table whose ranges touch or overlap are merged into
//! one request, up to the protocol's limit per read. Gaps are never bridged:
//! reading unmapped registers makes many devices answer with exception 02
//! for the whole request.

use caudal_config::agent::RegisterKind;

use crate::spec::ChannelSpec;

/// Most registers in one FC 03/04 read. Modbus Application Protocol V1.1b3, §6.3 and §6.4.
pub const MAX_REGISTERS_PER_READ: u16 = 125;

/// Most bits in one FC 01/02 read. Modbus Application Protocol V1.1b3, §6.1 and §6.2.
pub const MAX_BITS_PER_READ: u16 = 2000;

/// One read request and the channels it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRequest {
    /// Table.
    pub table: RegisterKind,
    /// First address.
    pub start: u16,
    /// Registers or bits.
    pub count: u16,
    /// `(channel index, offset of the channel's first word in the reply)`.
    pub members: Vec<(usize, u16)>,
}

fn limit(table: RegisterKind) -> u16 {
    match table {
        RegisterKind::Holding | RegisterKind::Input => MAX_REGISTERS_PER_READ,
        RegisterKind::Coil | RegisterKind::Discrete => MAX_BITS_PER_READ,
    }
}

/// Plan the reads of a device's channels.
#[must_use]
pub fn plan(channels: &[ChannelSpec]) -> Vec<ReadRequest> {
    let mut order: Vec<usize> = (0..channels.len()).collect();
    let table_rank = |t: RegisterKind| match t {
        RegisterKind::Input => 0,
        RegisterKind::Holding => 1,
        RegisterKind::Discrete => 2,
        RegisterKind::Coil => 3,
    };
    order.sort_by_key(|&i| (table_rank(channels[i].register), channels[i].address, i));
    let mut out: Vec<ReadRequest> = Vec::new();
    for i in order {
        let ch = &channels[i];
        let start = u32::from(ch.address);
        let end = start + u32::from(ch.width());
        if let Some(req) = out.last_mut().filter(|r| r.table == ch.register) {
            let req_end = u32::from(req.start) + u32::from(req.count);
            let new_end = std::cmp::max(req_end, end);
            if start <= req_end && new_end - u32::from(req.start) <= u32::from(limit(ch.register)) {
                req.count = u16::try_from(new_end - u32::from(req.start)).unwrap_or(u16::MAX);
                req.members.push((i, ch.address - req.start));
                continue;
            }
        }
        out.push(ReadRequest {
            table: ch.register,
            start: ch.address,
            count: ch.width(),
            members: vec![(i, 0)],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use caudal_config::agent::{ByteOrder, DataType};
    use caudal_protocol::{ChannelId, Coding, Variable};

    use super::*;
    use crate::spec::ChannelDef;

    fn ch(table: RegisterKind, address: u16, data_type: DataType) -> ChannelSpec {
        ChannelSpec {
            id: ChannelId(1),
            def: ChannelDef {
                name: String::new(),
                point: String::new(),
                variable: Variable::Level,
                unit: String::new(),
                coding: Coding::Linear {
                    scale: 1.0,
                    offset: 0.0,
                },
                regulated: false,
            },
            register: table,
            address,
            data_type,
            byte_order: ByteOrder::Abcd,
            min: None,
            max: None,
            counter: None,
            stuck_after: None,
            sensor_fault_below: None,
        }
    }

    #[test]
    fn the_sim_map_is_three_register_reads_and_one_bit_read() {
        use DataType::{F32, F64, U16, U32, U64};
        use RegisterKind::{Discrete, Holding, Input};
        let chans = vec![
            ch(Input, 0, U32),
            ch(Input, 2, U16),
            ch(Input, 4, F32),
            ch(Input, 3, U16),
            ch(Input, 6, U16),
            ch(Input, 7, U32),
            ch(Input, 10, U16),
            ch(Input, 10, U16), // a second bit field of the status word
            ch(Holding, 10, F64),
            ch(Holding, 20, U64),
            ch(Discrete, 0, U16),
            ch(Discrete, 1, U16),
        ];
        let p = plan(&chans);
        let shape: Vec<(RegisterKind, u16, u16)> =
            p.iter().map(|r| (r.table, r.start, r.count)).collect();
        assert_eq!(
            shape,
            [
                (Input, 0, 9),
                (Input, 10, 1),
                (Holding, 10, 4),
                (Holding, 20, 4),
                (Discrete, 0, 2)
            ]
        );
        assert_eq!(
            p[0].members,
            [(0, 0), (1, 2), (3, 3), (2, 4), (4, 6), (5, 7)]
        );
        assert_eq!(p[1].members, [(6, 0), (7, 0)]);
    }

    #[test]
    fn a_read_never_exceeds_125_registers() {
        let chans: Vec<ChannelSpec> = (0..100)
            .map(|i| ch(RegisterKind::Holding, i * 2, DataType::U32))
            .collect();
        let p = plan(&chans);
        assert_eq!(p.iter().map(|r| r.count).collect::<Vec<_>>(), [124, 76]);
        assert!(p.iter().all(|r| r.count <= MAX_REGISTERS_PER_READ));
        assert_eq!(p.iter().map(|r| r.members.len()).sum::<usize>(), 100);
        // Contiguous coverage, nothing read twice.
        assert_eq!(p[1].start, 124);
    }
}

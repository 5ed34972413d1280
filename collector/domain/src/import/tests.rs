use super::*;

fn utc(s: &str) -> UtcMillis {
    UtcMillis(DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis())
}

fn rows(p: &Parsed) -> Vec<(UtcMillis, Variable, f64)> {
    p.rows
        .iter()
        .map(|r| (r.time, r.variable, r.value))
        .collect()
}

fn bad(input: &str, options: &ImportOptions) -> Vec<String> {
    match parse(input.as_bytes(), options) {
        Err(ImportError::BadRows { errors, .. }) => {
            errors.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected bad rows, got {other:?}"),
    }
}

const DGA_HEADER: &str = "\"Código OB\",\"Fecha Medición\",\"Hora Medición\",\"Caudal (l/s)\",Totalizador(m3),\"Nivel Freatico(m)\"\n";

#[test]
fn plain_rows_come_out_sorted_by_time_then_variable() {
    let input = "time,variable,value\n\
                 2026-06-11T14:00:00-04:00,total,1010\n\
                 2026-06-11T13:00:00-04:00,total,1000\n\
                 2026-06-11T13:00:00-04:00,flow,15.31\n\
                 \n\
                 2026-06-11 17:00:00Z,level,9.85\n";
    let p = parse(input.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(p.format, Format::Plain);
    assert_eq!(
        rows(&p),
        vec![
            (utc("2026-06-11T17:00:00Z"), Variable::Flow, 15.31),
            (utc("2026-06-11T17:00:00Z"), Variable::Total, 1000.0),
            (utc("2026-06-11T17:00:00Z"), Variable::Level, 9.85),
            (utc("2026-06-11T18:00:00Z"), Variable::Total, 1010.0),
        ]
    );
    assert_eq!(p.rows[0].line, 4);
    assert_eq!(p.data_lines, 4);
}

#[test]
fn the_dga_export_is_read_in_fixed_utc_minus_4_with_decimal_commas_and_empty_cells() {
    let input = format!(
        "{DGA_HEADER}OB-0601-444,11/06/2026,13:00:00,\"15,31\",1010,\"9,85\"\n\
         OB-0601-444,11-06-2026,14:00,15.4,1065,\n\
         OB-0601-444,2026-06-11,15:00:00,,,\n"
    );
    let options = ImportOptions {
        water_table: WaterTable::BelowSensor {
            sensor_depth_m: 60.0,
        },
        ..ImportOptions::default()
    };
    let p = parse(input.as_bytes(), &options).unwrap();
    assert_eq!(p.format, Format::DgaMee);
    assert_eq!(p.obra.as_deref(), Some("OB-0601-444"));
    assert_eq!(
        rows(&p),
        vec![
            (utc("2026-06-11T17:00:00Z"), Variable::Flow, 15.31),
            (utc("2026-06-11T17:00:00Z"), Variable::Total, 1010.0),
            (utc("2026-06-11T17:00:00Z"), Variable::Level, 60.0 - 9.85),
            (utc("2026-06-11T18:00:00Z"), Variable::Flow, 15.4),
            (utc("2026-06-11T18:00:00Z"), Variable::Total, 1065.0),
        ]
    );
    assert_eq!(p.empty_rows, 1);
}

#[test]
fn the_dga_zone_can_be_santiago_civil_time() {
    // January: Santiago is -03:00.
    let input = format!("{DGA_HEADER}OB-1,15/01/2026,12:00,1,2,\n");
    let options = ImportOptions {
        zone: Zone::SANTIAGO,
        ..ImportOptions::default()
    };
    let p = parse(input.as_bytes(), &options).unwrap();
    assert_eq!(p.rows[0].time, utc("2026-01-15T15:00:00Z"));
    let fixed = parse(input.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(fixed.rows[0].time, utc("2026-01-15T16:00:00Z"));
}

#[test]
fn dga_levels_need_a_choice_of_meaning() {
    let input =
        format!("{DGA_HEADER}OB-1,15/01/2026,12:00,1,2,\nOB-1,15/01/2026,13:00,1,3,\"9,5\"\n");
    assert_eq!(
        parse(input.as_bytes(), &ImportOptions::default()),
        Err(ImportError::WaterTableUnspecified { line: 3 })
    );
    let as_is = ImportOptions {
        water_table: WaterTable::AsIs,
        ..ImportOptions::default()
    };
    assert_eq!(parse(input.as_bytes(), &as_is).unwrap().rows.len(), 5);
    let ignore = ImportOptions {
        water_table: WaterTable::Ignore,
        ..ImportOptions::default()
    };
    assert_eq!(parse(input.as_bytes(), &ignore).unwrap().rows.len(), 4);
}

#[test]
fn bad_rows_are_named_by_line_and_column_and_nothing_is_imported() {
    let input = "time,variable,value\n\
                 2026-06-11T13:00:00-04:00,flow,1\n\
                 2026-06-11T13:00:00,flow,1\n\
                 yesterday,flow,1\n\
                 2026-06-11T14:00:00-04:00,caudal,1\n\
                 2026-06-11T14:00:00-04:00,flow,abc\n\
                 2026-06-11T14:00:00-04:00,pulses,3\n\
                 2026-06-11T15:00:00-04:00,flow\n\
                 2026-06-11T16:00:00-04:00,flow,\n";
    let errors = bad(input, &ImportOptions::default());
    assert_eq!(
        errors,
        vec![
            "line 3, column \"time\": `2026-06-11T13:00:00` has no UTC offset (write it as 2026-06-11T13:00:00-04:00)",
            "line 4, column \"time\": `yesterday` is not an RFC 3339 time (e.g. 2026-06-11T13:00:00-04:00)",
            "line 5, column \"variable\": `caudal` is not a variable (one of: flow, total, level, temperature, pressure, ph, conductivity, turbidity, pump_state, motor_current, run_hours, starts)",
            "line 6, column \"value\": `abc` is not a number",
            "line 7, column \"variable\": `pulses` cannot be imported: raw pulse counts depend on the device; import `total` in m³",
            "line 8: has 2 cells, the header has 3",
            "line 9, column \"value\": is empty",
        ]
    );
    let skip = ImportOptions {
        skip_bad_rows: true,
        ..ImportOptions::default()
    };
    let p = parse(input.as_bytes(), &skip).unwrap();
    assert_eq!(
        rows(&p),
        vec![(utc("2026-06-11T17:00:00Z"), Variable::Flow, 1.0)]
    );
    assert_eq!(p.skipped_total, 7);
    assert_eq!(p.skipped.len(), 7);
}

#[test]
fn bad_dga_cells_are_named_by_their_header() {
    let input = format!(
        "{DGA_HEADER}OB-1,31/02/2026,12:00,1,2,\n\
         OB-1,01/03/2026,25:00,1,2,\n\
         OB-2,01/03/2026,12:00,1,2,\n\
         OB-1,01/03/2026,13:00,-1,2,\n\
         OB-1,01/03/2026,14:00,1,2,70\n"
    );
    let options = ImportOptions {
        obra: Some("OB-1".to_owned()),
        water_table: WaterTable::BelowSensor {
            sensor_depth_m: 60.0,
        },
        ..ImportOptions::default()
    };
    assert_eq!(
        bad(&input, &options),
        vec![
            "line 2, column \"Fecha Medición\": `31/02/2026` is not a date (DD/MM/YYYY, DD-MM-YYYY or YYYY-MM-DD)",
            "line 3, column \"Hora Medición\": `25:00` is not a time of day (HH:MM or HH:MM:SS)",
            "line 4, column \"Código OB\": obra `OB-2` is not `OB-1`",
            "line 5, column \"Caudal (l/s)\": -1 is negative",
            "line 6, column \"Nivel Freatico(m)\": depth to water 70 m is below the sensor at 60 m",
        ]
    );
}

#[test]
fn a_mixed_obra_file_is_refused_at_the_first_other_code() {
    let input = format!("{DGA_HEADER}OB-1,01/03/2026,12:00,1,2,\nOB-9,01/03/2026,13:00,1,2,\n");
    assert_eq!(
        bad(&input, &ImportOptions::default()),
        vec!["line 3, column \"Código OB\": obra `OB-9` is not `OB-1`"]
    );
}

#[test]
fn duplicates_collapse_and_conflicts_are_errors() {
    let input = "time,variable,value\n\
                 2026-06-11T13:00:00-04:00,flow,1\n\
                 2026-06-11T17:00:00Z,flow,1\n\
                 2026-06-11T14:00:00-04:00,flow,2\n\
                 2026-06-11T14:00:00-04:00,flow,3\n";
    assert_eq!(
        bad(input, &ImportOptions::default()),
        vec!["line 5: 3 conflicts with 2 on line 4 for the same time and variable"]
    );
    let skip = ImportOptions {
        skip_bad_rows: true,
        ..ImportOptions::default()
    };
    let p = parse(input.as_bytes(), &skip).unwrap();
    assert_eq!(p.duplicates, 1);
    assert_eq!(
        rows(&p),
        vec![
            (utc("2026-06-11T17:00:00Z"), Variable::Flow, 1.0),
            (utc("2026-06-11T18:00:00Z"), Variable::Flow, 2.0)
        ]
    );
}

#[test]
fn an_unknown_header_is_refused_naming_both_formats() {
    let e = parse(b"fecha,caudal\n1,2\n", &ImportOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 1: unknown header `fecha,caudal`: expected `time,variable,value`")
    );
    assert_eq!(
        parse(b"", &ImportOptions::default()),
        Err(ImportError::Empty)
    );
    assert_eq!(
        parse(b"\n \n", &ImportOptions::default()),
        Err(ImportError::Empty)
    );
}

#[test]
fn excel_exports_with_semicolons_bom_and_latin1_are_read() {
    // Latin-1 "Código OB" etc., semicolons and decimal commas.
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice(b"C\xF3digo OB;Fecha Medici\xF3n;Hora Medici\xF3n;Caudal (l/s);Totalizador(m3);Nivel Freatico(m)\r\n");
    input.extend_from_slice(b"OB-1;01/03/2026;12:00;12,5;1.234;\r\n");
    let p = parse(&input, &ImportOptions::default()).unwrap();
    assert_eq!(p.format, Format::DgaMee);
    assert_eq!(p.rows[0].value, 12.5);
    assert_eq!(p.rows[1].value, 1.234, "a single dot is a decimal point");
    let bom = b"\xEF\xBB\xBFtime;variable;value\n2026-03-01T12:00:00-03:00;flow;12,5\n";
    assert_eq!(
        parse(bom, &ImportOptions::default()).unwrap().rows[0].value,
        12.5
    );
}

#[test]
fn re_parsing_is_deterministic_whatever_the_line_order() {
    let lines = [
        "2026-06-11T13:00:00-04:00,flow,1",
        "2026-06-11T13:00:00-04:00,total,10",
        "2026-06-11T12:00:00-04:00,total,9",
        "2026-06-11T14:00:00-04:00,level,3.5",
    ];
    let a = parse(
        format!("time,variable,value\n{}\n", lines.join("\n")).as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap();
    let mut rev = lines;
    rev.reverse();
    let b = parse(
        format!("time,variable,value\n{}\n", rev.join("\n")).as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(rows(&a), rows(&b));
    let grouped = by_variable(&a.rows);
    assert_eq!(grouped[&Variable::Total].len(), 2);
    assert!(grouped[&Variable::Total][0].0 < grouped[&Variable::Total][1].0);
}

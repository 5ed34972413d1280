//! The collector domain's requests against the stand-ins over HTTP: what
//! the builder sends, the stand-in accepts; what the stand-in answers, the
//! classifier understands. With faults (503s, accepted replies lost to the
//! client's timeout, replies lost to a simulated crash) every slot of a day
//! ends accepted exactly once, with the stand-in's folio, and every value
//! string equals the one computed by hand.

use std::time::Duration;

use caudal_collector_domain::compliance::settings::{
    DgaSettings, DgaSettingsInput, SmaParameterInput, SmaSettings, SmaSettingsInput,
};
use caudal_collector_domain::compliance::slot::{Due, Effect, ReceiptStatus};
use caudal_collector_domain::compliance::sma::{self, TokenCache};
use caudal_collector_domain::compliance::{
    Cadence, Exchange, FilingMode, FilingPolicy, HttpMethod, HttpRequest, Outcome, PointData,
    RateLimit, Regulator, Sample, Secret, Series, Slot, SlotStatus, Valuer, dga, plan,
};
use caudal_collector_domain::{MINUTE_MS, PointId, UtcMillis, Zone};
use caudal_standins::dga::{DgaStandIn, Faults, Obra};
use caudal_standins::sma::{SmaConfig, SmaStandIn};

/// 2026-06-11 00:00 at UTC-4.
const T0: i64 = 1_781_150_400_000;

async fn send(
    client: &reqwest::Client,
    base: &str,
    r: &HttpRequest,
    timeout: Duration,
) -> Exchange {
    let url = format!("{base}{}", r.path);
    let mut req = match r.method {
        HttpMethod::Get => client.get(url),
        HttpMethod::Post => client.post(url),
    }
    .timeout(timeout);
    for (k, v) in &r.headers {
        req = req.header(k, v);
    }
    if let Some(b) = &r.body {
        req = req.body(b.clone());
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.text().await {
                Ok(body) => Exchange::Reply { status, body },
                Err(e) if e.is_timeout() => Exchange::TimedOut,
                Err(e) => Exchange::Failed {
                    error: e.to_string(),
                },
            }
        }
        Err(e) if e.is_timeout() => Exchange::TimedOut,
        Err(e) => Exchange::Failed {
            error: e.to_string(),
        },
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn dga_settings(obra: &str, informante: &str) -> DgaSettings {
    DgaSettings::from_input(&DgaSettingsInput {
        obra: obra.to_owned(),
        kind: "subterraneas".to_owned(),
        standard: "mayor".to_owned(),
        mode: "live".to_owned(),
        rut_empresa: "76086428-5".to_owned(),
        rut_usuario: informante.to_owned(),
        password: Secret::new("clave"),
        level_sensor: Some("water_column".to_owned()),
        sensor_depth_m: Some(60.0),
        water_right_lps: Some(20.0),
        ..DgaSettingsInput::default()
    })
    .unwrap()
}

/// A day every 5 minutes: flow 10 + h/2 l/s during hour h (12:00–13:00 is
/// hour 12), the total accumulating it, the water column 50 − h/10 m.
fn readings() -> (Vec<Sample>, Vec<Sample>, Vec<Sample>) {
    let (mut flow, mut total, mut level) = (Vec::new(), Vec::new(), Vec::new());
    let mut volume = 5_000.0;
    for i in 0..=24 * 12 + 1 {
        let at = UtcMillis(T0 + i * 5 * MINUTE_MS);
        let hour = (i - 1).div_euclid(12) as f64; // the hour the 5 minutes before `at` belong to
        let q = 10.0 + hour / 2.0;
        if i > 0 {
            volume += q * 0.3;
        }
        flow.push(Sample::good(at, q));
        total.push(Sample::good(at, volume));
        level.push(Sample::good(at, 50.0 - hour / 10.0));
    }
    (flow, total, level)
}

#[tokio::test]
async fn a_day_of_mayor_slots_is_filed_exactly_once_through_faults() {
    let state = DgaStandIn::new(Faults {
        seed: 11,
        unavailable: 0.2,
        accept_then_time_out: 0.1,
        hold: Duration::from_millis(800),
        ..Faults::default()
    });
    state.register_centro("76086428-5");
    state.register_obra("OB-0601-444", Obra::groundwater("12345678-5", "clave"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(caudal_standins::dga::serve(listener, state.clone()));
    let http = client();
    let s = dga_settings("OB-0601-444", "12345678-5");
    let policy = FilingPolicy {
        // Retry at once in this test; the schedule itself is tested in the domain.
        transient_base_ms: 1,
        transient_cap_ms: 1,
        transient_cap_late_ms: 1,
        ..FilingPolicy::default()
    };

    let (flow, total, level) = readings();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let mut valuer = Valuer::new(&s.values, data);
    let now = UtcMillis(T0 + 25 * 3_600_000);
    let mut slots: Vec<Slot> = plan(
        Cadence::Hourly,
        Zone::utc_minus_4(),
        UtcMillis(T0 + 3_600_000),
        UtcMillis(T0 + 25 * 3_600_000),
    )
    .map(|t| {
        let slot = Slot::planned(PointId(1), Regulator::Dga, t);
        slot.on_valuation(valuer.value(&t), &s.valuing(), None, &policy, now)
            .unwrap()
            .slot
    })
    .collect();
    assert_eq!(slots.len(), 24);
    assert!(
        slots.iter().all(|s| s.status == SlotStatus::Ready),
        "{:?}",
        slots.iter().map(|s| &s.review).collect::<Vec<_>>()
    );

    let mut rate = RateLimit::new(std::num::NonZeroU32::new(2).unwrap());
    let mut ledger = Vec::new();
    let mut attempt = 0u32;
    let mut lost_replies = 0u32;
    for _round in 0..200 {
        let mut pending = false;
        let mut sent = false;
        for slot in &mut slots {
            let t = UtcMillis::now();
            if slot.due(FilingMode::Live, t) != Due::Send {
                pending |= slot.status != SlotStatus::Accepted;
                continue;
            }
            pending = true;
            sent = true;
            while let Err(at) = rate.acquire(UtcMillis::now()) {
                tokio::time::sleep(Duration::from_millis(
                    u64::try_from(at.0 - UtcMillis::now().0).unwrap_or(1),
                ))
                .await;
            }
            let (prepared, sending) = dga::prepare(&s, slot, UtcMillis::now()).unwrap();
            assert!(!prepared.redacted.contains("\"clave\""));
            ledger.push(sending.entry);
            *slot = sending.slot;
            attempt += 1;
            let exchange = send(&http, &base, &prepared.request, Duration::from_millis(300)).await;
            if attempt.is_multiple_of(7) {
                // The collector dies before it records the reply: the slot stays `sending`.
                lost_replies += 1;
                continue;
            }
            let t = dga::complete(&s, slot, &exchange, &policy, UtcMillis::now()).unwrap();
            assert!(t.effects.is_empty(), "{:?}", t.effects);
            ledger.push(t.entry);
            *slot = t.slot;
        }
        if !pending {
            break;
        }
        if !sent {
            // Only retries not yet due: wait for them.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let records = state.records();
    assert_eq!(records.len(), 24, "one record per hour at the stand-in");
    assert!(
        slots.iter().all(|s| s.status == SlotStatus::Accepted),
        "{:?}",
        slots.iter().map(|s| s.status).collect::<Vec<_>>()
    );
    for slot in &slots {
        let m = dga::measurement(&s, slot).unwrap();
        let record = state.record("OB-0601-444", &m.fecha, &m.hora).unwrap();
        assert_eq!(
            slot.folio.as_deref(),
            Some(record.folio.as_str()),
            "the folio kept is the stand-in's"
        );
        assert_eq!(
            (&record.caudal, &record.totalizador, record.nivel.as_ref()),
            (&m.caudal, &m.totalizador, m.nivel.as_ref())
        );
    }
    // By hand, the 13:00 slot: flow 10 + 12/2 = 16 l/s over (12:00, 13:00];
    // the total is 5000 + 0.3 × 12 × Σ_{h=0}^{12} (10 + h/2) = 5000 + 3.6 × 169 = 5608.4 → 5608;
    // the water column at 13:00 is 50 − 1.2 = 48.8 m → nivel 60 − 48.8 = 11.20.
    let thirteen = state
        .record("OB-0601-444", "2026-06-11", "13:00:00")
        .unwrap();
    assert_eq!(
        (
            thirteen.caudal.as_str(),
            thirteen.totalizador.as_str(),
            thirteen.nivel.as_deref()
        ),
        ("16.00", "5608", Some("11.20"))
    );
    let midnight = state
        .record("OB-0601-444", "2026-06-12", "00:00:00")
        .unwrap();
    assert_eq!(midnight.caudal, "21.50", "hour 23: 10 + 23/2");
    // Every lost reply and every held reply was answered "Ya existe" on the resend.
    let held = state
        .requests()
        .iter()
        .filter(|r| r.fault == Some(caudal_standins::dga::Fault::AcceptThenTimeOut))
        .count();
    assert!(
        held > 0 && lost_replies > 0,
        "the faults happened: {held} held, {lost_replies} lost"
    );
    assert!(state.duplicates_refused() > 0);
    assert!(caudal_collector_domain::compliance::ledger_findings(&ledger).is_empty());

    // Every folio is verified by the receipt lookup.
    state.set_faults(Faults::default());
    for slot in &slots {
        let r = dga::receipt_request(&s, slot.folio.as_deref().unwrap()).unwrap();
        let exchange = send(&http, &base, &r, Duration::from_secs(5)).await;
        let t = dga::check_receipt(&s, slot, &exchange, UtcMillis::now()).unwrap();
        assert_eq!(t.slot.receipt, ReceiptStatus::Verified, "{}", t.entry.note);
    }
}

#[tokio::test]
async fn an_informante_mismatch_stops_the_point() {
    let state = DgaStandIn::default();
    state.register_centro("76086428-5");
    state.register_obra("OB-0601-444", Obra::groundwater("11111111-1", "clave"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(caudal_standins::dga::serve(listener, state.clone()));
    let s = dga_settings("OB-0601-444", "12345678-5");
    let (flow, total, level) = readings();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let time = plan(
        Cadence::Hourly,
        Zone::utc_minus_4(),
        UtcMillis(T0 + 13 * 3_600_000),
        UtcMillis(T0 + 14 * 3_600_000),
    )
    .next()
    .unwrap();
    let slot = Slot::planned(PointId(1), Regulator::Dga, time);
    let ready = slot
        .on_valuation(
            Valuer::new(&s.values, data).value(&time),
            &s.valuing(),
            None,
            &FilingPolicy::default(),
            UtcMillis::now(),
        )
        .unwrap()
        .slot;
    let (p, sending) = dga::prepare(&s, &ready, UtcMillis::now()).unwrap();
    let exchange = send(&client(), &base, &p.request, Duration::from_secs(5)).await;
    assert_eq!(
        dga::classify(&exchange),
        Outcome::InformanteMismatch {
            message: "Usuario no es el informante registrado en la Obra".to_owned()
        }
    );
    let t = dga::complete(
        &s,
        &sending.slot,
        &exchange,
        &FilingPolicy::default(),
        UtcMillis::now(),
    )
    .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Held);
    assert!(matches!(t.effects[0], Effect::StopPoint { .. }));
    assert!(state.records().is_empty());
}

#[tokio::test]
async fn an_sma_token_expiring_mid_run_is_renewed_and_nothing_is_lost() {
    let state = SmaStandIn::new(SmaConfig {
        token_lifetime: Duration::from_millis(400),
        ..SmaConfig::default()
    });
    state.register_user("12345678-5", "s3cret");
    state.register_dispositivo(
        "UF-123",
        "77",
        "12345678-5",
        "D-9",
        &[("Q", "l/s"), ("VA", "m3")],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(caudal_standins::sma::serve(listener, state.clone()));
    let http = client();
    let s = SmaSettings::from_input(&SmaSettingsInput {
        uf: "UF-123".to_owned(),
        proceso: "77".to_owned(),
        dispositivo: "D-9".to_owned(),
        parameters: vec![
            SmaParameterInput {
                name: "Q".to_owned(),
                measure: "flow_mean".to_owned(),
                unit: "l/s".to_owned(),
                decimals: 2,
            },
            SmaParameterInput {
                name: "VA".to_owned(),
                measure: "total".to_owned(),
                unit: "m3".to_owned(),
                decimals: 0,
            },
        ],
        cadence_minutes: 15,
        zone: Some("-04:00".to_owned()),
        mode: "live".to_owned(),
        usuario: "12345678-5".to_owned(),
        password: Secret::new("s3cret"),
        ..SmaSettingsInput::default()
    })
    .unwrap();
    let policy = FilingPolicy::default();
    let (flow, total, _) = readings();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::default(),
    };
    let mut valuer = Valuer::new(&s.values, data);
    let mut slots: Vec<Slot> = plan(
        s.cadence,
        s.zone,
        UtcMillis(T0 + 3_600_000),
        UtcMillis(T0 + 3 * 3_600_000),
    )
    .map(|t| {
        Slot::planned(PointId(2), Regulator::Sma, t)
            .on_valuation(
                valuer.value(&t),
                &s.valuing(),
                None,
                &policy,
                UtcMillis::now(),
            )
            .unwrap()
            .slot
    })
    .collect();
    assert_eq!(slots.len(), 8);
    // The cache believes tokens last 24 h; the SMA expires them after 400 ms.
    let mut cache = TokenCache::new(s.token_lifetime_ms);
    let mut unauthorized = 0;
    for slot in &mut slots {
        for _ in 0..3 {
            if cache.needs_renewal(UtcMillis::now()) {
                let auth = sma::auth_request(&s);
                let token = sma::classify_auth(
                    &send(&http, &base, &auth.request, Duration::from_secs(5)).await,
                    UtcMillis::now(),
                )
                .unwrap();
                cache.store(token);
            }
            let token = cache.current(UtcMillis::now()).unwrap().clone();
            let (p, sending) = sma::prepare(&s, slot, &token, UtcMillis::now()).unwrap();
            let exchange = send(&http, &base, &p.request, Duration::from_secs(5)).await;
            let t = sma::complete(
                &s,
                &sending.slot,
                &exchange,
                &token,
                &policy,
                UtcMillis::now(),
            )
            .unwrap();
            *slot = t.slot;
            if slot.status == SlotStatus::Accepted {
                break;
            }
            assert_eq!(sma::classify(&exchange), Outcome::Unauthorized);
            unauthorized += 1;
            cache.invalidate();
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    assert!(unauthorized >= 1, "a token expired mid-run");
    assert!(state.tokens_issued() >= 2);
    assert!(slots.iter().all(|s| s.status == SlotStatus::Accepted));
    let held = state.registros();
    assert_eq!(held.len(), 8, "nothing lost");
    assert_eq!(state.duplicates(), 0, "nothing twice");
    for (slot, r) in slots.iter().zip(&held) {
        assert_eq!(slot.folio.as_deref(), Some(r.id_verificacion.as_str()));
    }
    // The 01:15 slot averages (01:00, 01:15], in hour 1: 10 + 1/2 = 10.5 l/s.
    assert_eq!(held[1].estampa, "2026-06-11T01:15:00");
    assert_eq!(held[1].parametros[0].valor, "10.50");
}

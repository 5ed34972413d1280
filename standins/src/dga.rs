//! Stand-in of the DGA "Monitoreo de Extracciones Efectivas" REST API (apimee), from `../shared/reference/regulators.md`.
//!
//! What it implements, with the reference's confidence:
//! - `POST /api/v1/mediciones/subterraneas` and
//!   `POST /api/v1/mediciones/superficiales/flujometro` \[C\], with the
//!   `codigoObra` and `timeStampOrigen` headers \[C\] and the body
//!   `{autenticacion{password,rutEmpresa,rutUsuario}, medicionSubterranea |
//!   medicionSuperficialFlujometro{…}}` \[C\]. Every header, key, type and
//!   format is checked: exactly the documented keys (no more, no fewer),
//!   every value a string, caudal and nivel with 2 decimals and a dot,
//!   totalizador an integer of at most 15 digits \[I\], `YYYY-MM-DD` and
//!   `HH:mm:ss` (real dates and times), RUTs `NNNNNNNN-D` without dots and
//!   with a valid módulo-11 check digit \[I\], the obra code
//!   `^O[BR]-\d{4}-\d+$` \[I\].
//! - `timeStampOrigen` is accepted in the formats public senders use
//!   (`…-0000`, `…±HH:MM`, `…Z`, or none), since the server seems lenient
//!   \[X\]; anything that is not a date-time is refused.
//! - The obra must be registered (with its kind and informante); the
//!   `rutEmpresa` must be a registered Centro de Control; a `rutUsuario`
//!   other than the obra's informante gets HTTP 400
//!   `"Usuario no es el informante registrado en la Obra"` \[C\]; a wrong
//!   password gets HTTP 401 (the reference gives no shape: \[X\]).
//! - One record per (obra, fecha, hora): a second gets HTTP 400
//!   `"Ya existe un registro en esa fecha, hora para la obra. Comprobante: <folio>"` \[C\].
//! - Success is HTTP 200 `{"status":"00","message":"Medición subterránea
//!   ingresada correctamente","data":{"numeroComprobante":"<32 alphanumeric>"}}` \[C\]/\[I\].
//!   Other errors are HTTP 400 (or 401/415) `{"status":"99","message":…,"data":null}`:
//!   the reference found no list of codes and a test stub used `"99"` \[I\];
//!   the Spanish messages are this stand-in's \[X\].
//! - `GET /api/v1/mediciones/subterraneas?codigoObra=…&numeroComprobante=…`
//!   without credentials \[I\], returning `fechaMedicion` as `DD-MM-YYYY` (the
//!   anomaly S1 reports) \[I\]; unknown folios get HTTP 404.
//! - An empty `nivelFreaticoDelPozo` is accepted only for obras registered
//!   as allowing it (caudales muy pequeños, aguas del minero \[I\]); an empty
//!   `caudal` only for obras registered as totaliser-only \[X\].
//!
//! Faults, drawn per request from a seeded generator in arrival order (so a
//! run with one client is reproducible): a fraction of 503s (not
//! processed), slow replies (processed after a delay), and accept-then-time-
//! out (the record is committed, then the reply is held past the client's
//! timeout).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

/// Groundwater measurements and receipts.
pub const GROUNDWATER_PATH: &str = "/api/v1/mediciones/subterraneas";
/// Surface flowmeter measurements.
pub const SURFACE_FLOWMETER_PATH: &str = "/api/v1/mediciones/superficiales/flujometro";
/// The informante mismatch message \[C\].
pub const INFORMANTE_MISMATCH: &str = "Usuario no es el informante registrado en la Obra";

/// The kind of an obra, which fixes its endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `subterraneas`, block `medicionSubterranea`.
    Groundwater,
    /// `superficiales/flujometro`, block `medicionSuperficialFlujometro`.
    SurfaceFlowmeter,
}

impl Kind {
    fn block(self) -> &'static str {
        match self {
            Kind::Groundwater => "medicionSubterranea",
            Kind::SurfaceFlowmeter => "medicionSuperficialFlujometro",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Groundwater => &[
                "caudal",
                "fechaMedicion",
                "horaMedicion",
                "nivelFreaticoDelPozo",
                "totalizador",
            ],
            Kind::SurfaceFlowmeter => &["caudal", "fechaMedicion", "horaMedicion", "totalizador"],
        }
    }

    fn accepted_message(self) -> &'static str {
        match self {
            Kind::Groundwater => "Medición subterránea ingresada correctamente",
            Kind::SurfaceFlowmeter => "Medición superficial ingresada correctamente",
        }
    }
}

/// A registered obra.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obra {
    /// Groundwater or surface flowmeter.
    pub kind: Kind,
    /// The informante's RUT, `NNNNNNNN-D`.
    pub informante: String,
    /// The informante's password.
    pub password: String,
    /// An empty `nivelFreaticoDelPozo` is accepted (caudales muy pequeños, aguas del minero).
    pub empty_nivel_allowed: bool,
    /// An empty `caudal` is accepted (totaliser-only obras).
    pub empty_caudal_allowed: bool,
}

impl Obra {
    /// A groundwater obra that files every value.
    #[must_use]
    pub fn groundwater(informante: &str, password: &str) -> Obra {
        Obra {
            kind: Kind::Groundwater,
            informante: informante.to_owned(),
            password: password.to_owned(),
            empty_nivel_allowed: false,
            empty_caudal_allowed: false,
        }
    }
}

/// Fault injection. Fractions are of all requests; they are exclusive and
/// drawn in this order: unavailable, accept then time out, slow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// Seed of the generator (faults and folios).
    pub seed: u64,
    /// Fraction answered 503 without processing.
    pub unavailable: f64,
    /// Fraction processed and committed, whose reply is then held for `hold`.
    pub accept_then_time_out: f64,
    /// How long an accepted reply is held (longer than the client's timeout).
    pub hold: Duration,
    /// Fraction processed after `slow_delay`.
    pub slow: f64,
    /// The delay of slow replies.
    pub slow_delay: Duration,
}

impl Default for Faults {
    /// No faults.
    fn default() -> Faults {
        Faults {
            seed: 0,
            unavailable: 0.0,
            accept_then_time_out: 0.0,
            hold: Duration::from_secs(30),
            slow: 0.0,
            slow_delay: Duration::from_secs(2),
        }
    }
}

/// Which fault a request drew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answered 503, not processed.
    Unavailable,
    /// Processed; the reply was held.
    AcceptThenTimeOut,
    /// Processed after a delay.
    Slow,
}

/// One request as received, with what was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// `GET` or `POST`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The body answered.
    pub reply: String,
    /// The fault drawn, if any.
    pub fault: Option<Fault>,
}

/// A measurement the stand-in holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The folio issued.
    pub folio: String,
    /// `codigoObra`.
    pub obra: String,
    /// The endpoint's kind.
    pub kind: Kind,
    /// `fechaMedicion`.
    pub fecha: String,
    /// `horaMedicion`.
    pub hora: String,
    /// `caudal`.
    pub caudal: String,
    /// `totalizador`.
    pub totalizador: String,
    /// `nivelFreaticoDelPozo` (groundwater).
    pub nivel: Option<String>,
    /// `rutUsuario`.
    pub rut_usuario: String,
    /// The `timeStampOrigen` header.
    pub time_stamp_origen: String,
}

#[derive(Debug)]
struct Inner {
    faults: Faults,
    rng: StdRng,
    obras: HashMap<String, Obra>,
    centros: HashSet<String>,
    records: Vec<Record>,
    by_key: HashMap<(String, String, String), usize>,
    duplicates: u64,
    requests: Vec<Received>,
}

/// The stand-in's shared state: configure it, serve it, inspect it.
#[derive(Clone, Debug)]
pub struct DgaStandIn {
    inner: Arc<Mutex<Inner>>,
}

impl Default for DgaStandIn {
    fn default() -> DgaStandIn {
        DgaStandIn::new(Faults::default())
    }
}

impl DgaStandIn {
    /// An empty stand-in with these faults.
    #[must_use]
    pub fn new(faults: Faults) -> DgaStandIn {
        DgaStandIn {
            inner: Arc::new(Mutex::new(Inner {
                faults,
                rng: StdRng::seed_from_u64(faults.seed),
                obras: HashMap::new(),
                centros: HashSet::new(),
                records: Vec::new(),
                by_key: HashMap::new(),
                duplicates: 0,
                requests: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Register an obra.
    pub fn register_obra(&self, code: &str, obra: Obra) {
        self.lock().obras.insert(code.to_owned(), obra);
    }

    /// Register a Centro de Control's RUT (`rutEmpresa`).
    pub fn register_centro(&self, rut: &str) {
        self.lock().centros.insert(rut.to_owned());
    }

    /// Change the faults (the generator keeps its sequence).
    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    /// Every request received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<Received> {
        self.lock().requests.clone()
    }

    /// Every record held, in acceptance order.
    #[must_use]
    pub fn records(&self) -> Vec<Record> {
        self.lock().records.clone()
    }

    /// Every folio issued, in order.
    #[must_use]
    pub fn folios(&self) -> Vec<String> {
        self.lock()
            .records
            .iter()
            .map(|r| r.folio.clone())
            .collect()
    }

    /// The record of (obra, fecha, hora), if held.
    #[must_use]
    pub fn record(&self, obra: &str, fecha: &str, hora: &str) -> Option<Record> {
        let inner = self.lock();
        let i = *inner
            .by_key
            .get(&(obra.to_owned(), fecha.to_owned(), hora.to_owned()))?;
        inner.records.get(i).cloned()
    }

    /// How many POSTs were answered "Ya existe un registro".
    #[must_use]
    pub fn duplicates_refused(&self) -> u64 {
        self.lock().duplicates
    }

    /// The router (for `oneshot` tests).
    pub fn app(&self) -> Router {
        Router::new()
            .route(
                GROUNDWATER_PATH,
                axum::routing::post(post_groundwater).get(get_receipt),
            )
            .route(SURFACE_FLOWMETER_PATH, axum::routing::post(post_surface))
            .fallback(not_found)
            .with_state(self.clone())
    }
}

/// Serve the stand-in on `listener` until the future is dropped.
pub fn serve(
    listener: tokio::net::TcpListener,
    state: DgaStandIn,
) -> impl Future<Output = std::io::Result<()>> {
    let app = state.app();
    async move { axum::serve(listener, app).await }
}

type Reply = (u16, String);

fn error(status: u16, message: &str) -> Reply {
    (
        status,
        json!({"status": "99", "message": message, "data": null}).to_string(),
    )
}

fn respond((status, body): Reply) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    respond(error(
        404,
        &format!("Recurso no encontrado: {method} {}", uri.path()),
    ))
}

async fn post_groundwater(
    State(s): State<DgaStandIn>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    handle(s, Kind::Groundwater, "POST", &uri, &headers, &body).await
}

async fn post_surface(
    State(s): State<DgaStandIn>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    handle(s, Kind::SurfaceFlowmeter, "POST", &uri, &headers, &body).await
}

async fn get_receipt(State(s): State<DgaStandIn>, headers: HeaderMap, uri: Uri) -> Response {
    handle(s, Kind::Groundwater, "GET", &uri, &headers, &Bytes::new()).await
}

async fn handle(
    s: DgaStandIn,
    kind: Kind,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let text = String::from_utf8_lossy(body).into_owned();
    let header_list: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Draw the fault and process under one lock, so records and folios
    // follow arrival order exactly.
    let (reply, fault, delay) = {
        let mut inner = s.lock();
        let f = inner.faults;
        let draw: f64 = inner.rng.random();
        let fault = if draw < f.unavailable {
            Some(Fault::Unavailable)
        } else if draw < f.unavailable + f.accept_then_time_out {
            Some(Fault::AcceptThenTimeOut)
        } else if draw < f.unavailable + f.accept_then_time_out + f.slow {
            Some(Fault::Slow)
        } else {
            None
        };
        let reply = match (fault, method) {
            (Some(Fault::Unavailable), _) => (503, "Service Unavailable".to_owned()),
            (_, "GET") => receipt(&inner, uri.query().unwrap_or("")),
            _ => measurement(&mut inner, kind, headers, &text),
        };
        let delay = match fault {
            Some(Fault::AcceptThenTimeOut) => Some(f.hold),
            Some(Fault::Slow) => Some(f.slow_delay),
            _ => None,
        };
        inner.requests.push(Received {
            method: method.to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: header_list,
            body: text,
            status: reply.0,
            reply: reply.1.clone(),
            fault,
        });
        (reply, fault, delay)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    if fault == Some(Fault::Unavailable) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain")],
            reply.1,
        )
            .into_response();
    }
    respond(reply)
}

/// Check and take one measurement POST.
fn measurement(inner: &mut Inner, kind: Kind, headers: &HeaderMap, body: &str) -> Reply {
    match check_measurement(inner, kind, headers, body) {
        Ok(record) => {
            let key = (
                record.obra.clone(),
                record.fecha.clone(),
                record.hora.clone(),
            );
            if let Some(&i) = inner.by_key.get(&key) {
                inner.duplicates += 1;
                let folio = &inner.records[i].folio;
                return error(
                    400,
                    &format!(
                        "Ya existe un registro en esa fecha, hora para la obra. Comprobante: {folio}"
                    ),
                );
            }
            let folio = Alphanumeric.sample_string(&mut inner.rng, 32);
            let record = Record {
                folio: folio.clone(),
                ..record
            };
            inner.by_key.insert(key, inner.records.len());
            inner.records.push(record);
            (
                200,
                json!({"status": "00", "message": kind.accepted_message(), "data": {"numeroComprobante": folio}}).to_string(),
            )
        }
        Err(reply) => reply,
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn check_measurement(
    inner: &Inner,
    kind: Kind,
    headers: &HeaderMap,
    body: &str,
) -> Result<Record, Reply> {
    let content_type = header_text(headers, "content-type").unwrap_or("");
    if !content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    {
        return Err(error(415, "Content-Type debe ser application/json"));
    }
    let obra_code = header_text(headers, "codigoObra")
        .ok_or_else(|| error(400, "Falta el header codigoObra"))?;
    if !obra_code_ok(obra_code) {
        return Err(error(
            400,
            &format!("codigoObra con formato inválido: {obra_code}"),
        ));
    }
    let stamp = header_text(headers, "timeStampOrigen")
        .ok_or_else(|| error(400, "Falta el header timeStampOrigen"))?;
    if !time_stamp_ok(stamp) {
        return Err(error(
            400,
            &format!("timeStampOrigen con formato inválido: {stamp}"),
        ));
    }
    let json: Value =
        serde_json::from_str(body).map_err(|_| error(400, "El cuerpo no es JSON válido"))?;
    let top = object(&json, "el cuerpo")?;
    exact_keys(top, &["autenticacion", kind.block()])?;
    let auth = object(&top["autenticacion"], "autenticacion")?;
    exact_keys(auth, &["password", "rutEmpresa", "rutUsuario"])?;
    let password = string(auth, "password")?;
    let rut_empresa = string(auth, "rutEmpresa")?;
    let rut_usuario = string(auth, "rutUsuario")?;
    check_rut("rutEmpresa", rut_empresa)?;
    check_rut("rutUsuario", rut_usuario)?;
    let m = object(&top[kind.block()], kind.block())?;
    exact_keys(m, kind.fields())?;
    let caudal = string(m, "caudal")?;
    let fecha = string(m, "fechaMedicion")?;
    let hora = string(m, "horaMedicion")?;
    let totalizador = string(m, "totalizador")?;
    let nivel = match kind {
        Kind::Groundwater => Some(string(m, "nivelFreaticoDelPozo")?),
        Kind::SurfaceFlowmeter => None,
    };
    let obra = inner.obras.get(obra_code);
    if !(two_decimals(caudal)
        || (caudal.is_empty() && obra.is_some_and(|o| o.empty_caudal_allowed)))
    {
        return Err(error(
            400,
            &format!("caudal con formato inválido: \"{caudal}\" (número con 2 decimales y punto)"),
        ));
    }
    if !(1..=15).contains(&totalizador.len()) || !totalizador.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(
            400,
            &format!(
                "totalizador con formato inválido: \"{totalizador}\" (entero sin decimales, hasta 15 dígitos)"
            ),
        ));
    }
    if let Some(n) = nivel
        && !(two_decimals(n) || (n.is_empty() && obra.is_some_and(|o| o.empty_nivel_allowed)))
    {
        return Err(error(
            400,
            &format!(
                "nivelFreaticoDelPozo con formato inválido: \"{n}\" (número con 2 decimales y punto)"
            ),
        ));
    }
    if !date_ok(fecha) {
        return Err(error(
            400,
            &format!("fechaMedicion con formato inválido: \"{fecha}\" (AAAA-MM-DD)"),
        ));
    }
    if !time_ok(hora) {
        return Err(error(
            400,
            &format!("horaMedicion con formato inválido: \"{hora}\" (HH:mm:ss)"),
        ));
    }
    let obra = obra.ok_or_else(|| error(400, &format!("La obra {obra_code} no existe")))?;
    if obra.kind != kind {
        return Err(error(
            400,
            &format!("La obra {obra_code} no corresponde a este tipo de medición"),
        ));
    }
    if !inner.centros.contains(rut_empresa) {
        return Err(error(
            400,
            &format!(
                "El rutEmpresa {rut_empresa} no corresponde a un Centro de Control registrado"
            ),
        ));
    }
    if rut_usuario != obra.informante {
        return Err(error(400, INFORMANTE_MISMATCH));
    }
    if password != obra.password {
        return Err(error(401, "Credenciales inválidas"));
    }
    Ok(Record {
        folio: String::new(),
        obra: obra_code.to_owned(),
        kind,
        fecha: fecha.to_owned(),
        hora: hora.to_owned(),
        caudal: caudal.to_owned(),
        totalizador: totalizador.to_owned(),
        nivel: nivel.map(str::to_owned),
        rut_usuario: rut_usuario.to_owned(),
        time_stamp_origen: stamp.to_owned(),
    })
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Reply> {
    v.as_object()
        .ok_or_else(|| error(400, &format!("{what} debe ser un objeto JSON")))
}

fn exact_keys(o: &Map<String, Value>, keys: &[&str]) -> Result<(), Reply> {
    if let Some(k) = keys.iter().find(|k| !o.contains_key(**k)) {
        return Err(error(400, &format!("Falta el campo {k}")));
    }
    if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(error(400, &format!("Campo no permitido: {k}")));
    }
    Ok(())
}

fn string<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a str, Reply> {
    o[key]
        .as_str()
        .ok_or_else(|| error(400, &format!("El campo {key} debe ser texto")))
}

/// `^O[BR]-\d{4}-\d+$`.
fn obra_code_ok(code: &str) -> bool {
    let Some(rest) = code
        .strip_prefix("OB-")
        .or_else(|| code.strip_prefix("OR-"))
    else {
        return false;
    };
    let Some((region, n)) = rest.split_once('-') else {
        return false;
    };
    region.len() == 4 && digits(region) && digits(n)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `^\d+\.\d{2}$`.
fn two_decimals(s: &str) -> bool {
    s.split_once('.')
        .is_some_and(|(i, d)| digits(i) && d.len() == 2 && digits(d))
}

fn check_rut(field: &str, rut: &str) -> Result<(), Reply> {
    let shape = || {
        error(
            400,
            &format!("{field} con formato inválido: {rut} (NNNNNNNN-D sin puntos)"),
        )
    };
    let (number, dv) = rut.split_once('-').ok_or_else(shape)?;
    if number.is_empty() || number.len() > 8 || !digits(number) || number.starts_with('0') {
        return Err(shape());
    }
    let dv = match dv.as_bytes() {
        [c] if c.is_ascii_digit() || *c == b'K' => char::from(*c),
        _ => return Err(shape()),
    };
    let n: u32 = number.parse().map_err(|_| shape())?;
    if dv != modulo_11(n) {
        return Err(error(
            400,
            &format!("{field} con dígito verificador inválido: {rut}"),
        ));
    }
    Ok(())
}

/// The RUT check digit (SII's módulo 11).
fn modulo_11(mut n: u32) -> char {
    let (mut sum, mut factor) = (0, 2);
    while n > 0 {
        sum += (n % 10) * factor;
        n /= 10;
        factor = if factor == 7 { 2 } else { factor + 1 };
    }
    match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        d => char::from_digit(d, 10).unwrap_or('?'),
    }
}

fn number(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && digits(s))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD`, a real date.
fn date_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts[..] else { return false };
    let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `HH:mm:ss`, 24 h.
fn time_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    let [h, m, sec] = parts[..] else { return false };
    matches!((number(h, 2), number(m, 2), number(sec, 2)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

/// `YYYY-MM-DDTHH:mm:ss` with optional fraction, then nothing, `Z`, `±HHMM` or `±HH:MM`.
fn time_stamp_ok(s: &str) -> bool {
    let Some((date, rest)) = s.split_once('T') else {
        return false;
    };
    if !date_ok(date) || rest.len() < 8 || !rest.is_char_boundary(8) || !time_ok(&rest[..8]) {
        return false;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        zone = &frac[n..];
    }
    match zone.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, m1, m2] | [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn receipt(inner: &Inner, query: &str) -> Reply {
    let mut obra = None;
    let mut folio = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("codigoObra", v)) => obra = Some(percent_decode(v)),
            Some(("numeroComprobante", v)) => folio = Some(percent_decode(v)),
            _ => {}
        }
    }
    let (Some(obra), Some(folio)) = (obra, folio) else {
        return error(400, "Faltan los parámetros codigoObra y numeroComprobante");
    };
    match inner
        .records
        .iter()
        .find(|r| r.obra == obra && r.folio == folio)
    {
        None => error(
            404,
            &format!("No existe el comprobante {folio} para la obra {obra}"),
        ),
        Some(r) => {
            // The lookup answers the date as DD-MM-YYYY (S1's anomaly).
            let fecha = match r.fecha.split('-').collect::<Vec<_>>()[..] {
                [y, m, d] => format!("{d}-{m}-{y}"),
                _ => r.fecha.clone(),
            };
            (
                200,
                json!({"status": "00", "message": "Consulta exitosa", "data": {
                    "fechaMedicion": fecha,
                    "horaMedicion": r.hora,
                    "caudal": r.caudal,
                    "totalizador": r.totalizador,
                    "nivelFreaticoDelPozo": r.nivel.clone().unwrap_or_default(),
                }})
                .to_string(),
            )
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            i += 3;
            continue;
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(obra_code_ok("OB-0601-444") && obra_code_ok("OR-1301-1"));
        assert!(
            !obra_code_ok("OB-601-444") && !obra_code_ok("OX-0601-1") && !obra_code_ok("OB-0601-")
        );
        assert!(two_decimals("15.31") && two_decimals("0.00"));
        assert!(
            !two_decimals("15.3")
                && !two_decimals("15,31")
                && !two_decimals("-1.00")
                && !two_decimals("15")
        );
        assert!(
            date_ok("2024-02-29")
                && !date_ok("2026-02-29")
                && !date_ok("11-06-2026")
                && !date_ok("2026-13-01")
        );
        assert!(time_ok("23:59:59") && !time_ok("24:00:00") && !time_ok("13:00"));
        for ok in [
            "2026-06-11T13:01:30-0000",
            "2026-06-11T13:01:30-04:00",
            "2026-06-11T13:01:30Z",
            "2026-06-11T13:00:00",
            "2026-06-11T13:00:00.123Z",
        ] {
            assert!(time_stamp_ok(ok), "{ok}");
        }
        for bad in [
            "2026-06-11 13:01:30",
            "ayer",
            "2026-06-11T13:01",
            "2026-06-11T13:01:30-4",
            "2026-06-11T13:01:30+0",
        ] {
            assert!(!time_stamp_ok(bad), "{bad}");
        }
        assert_eq!(modulo_11(12_345_678), '5');
        assert_eq!(modulo_11(10_000_013), 'K');
        assert_eq!(percent_decode("AbC%201"), "AbC 1");
        assert_eq!(percent_decode("50%"), "50%");
    }
}

//! Stand-in of the SMA "API REST v1.0" (Res. Ex. 254/2020): 24 h JWT authentication and `registros`.
//!
//! From `../shared/reference/regulators.md` §6, with its confidence:
//! - `POST /api/v1/auth` with the credentials in the body \[C\], as
//!   `{"usuario","password"}` \[I\] (S2), answering 200 `{"token": "<JWT>"}` \[I\]
//!   with a JWT-shaped token valid for a configurable time (the manual: 24 h
//!   \[C\]; short in tests); 400 when a credential is missing, 401 when wrong.
//! - `POST /api/v1/ufs/{uf}/procesos/{proceso}/registros` \[C\] with
//!   `Authorization: Bearer <token>` \[I\]: 401 when the token is missing,
//!   unknown or expired; 404 for an unknown UF or proceso; 403 when the
//!   token's user does not hold that UF. The body is a JSON array \[C\] of
//!   `{"dispositivoId","parametros":[{"nombre","valor","unidad","estampaTiempo"}]}`
//!   \[I\]: every key exactly, every value a string, `valor` a number,
//!   `unidad` the configured one, `estampaTiempo` `YYYY-MM-DDTHH:mm:ss`.
//!   All parameters configured for the dispositivo must come for each
//!   timestamp in this one call: 400 when one is missing, extra or repeated
//!   \[C\]. Success is 201 `{"mensaje","IdVerificacion"}` \[I\].
//! - The SMA is not known to refuse a timestamp it already holds; this
//!   stand-in accepts it and counts it in [`SmaStandIn::duplicates`] \[X\].
//! - The messages (`mensaje`) are this stand-in's own Spanish \[X\].
//!
//! Faults: a seeded fraction of 503s, drawn per request in arrival order.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// The authentication path.
pub const AUTH_PATH: &str = "/api/v1/auth";

/// How the stand-in behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SmaConfig {
    /// How long a token is valid (the manual: 24 h).
    pub token_lifetime: Duration,
    /// Seed of the generator (faults, tokens, ids).
    pub seed: u64,
    /// Fraction of requests answered 503 without processing.
    pub unavailable: f64,
}

impl Default for SmaConfig {
    fn default() -> SmaConfig {
        SmaConfig {
            token_lifetime: Duration::from_secs(24 * 3600),
            seed: 0,
            unavailable: 0.0,
        }
    }
}

/// One parameter as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parametro {
    /// `nombre`.
    pub nombre: String,
    /// `valor`.
    pub valor: String,
    /// `unidad`.
    pub unidad: String,
}

/// The parameters of one dispositivo and timestamp, as held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registro {
    /// The `IdVerificacion` of the call that carried it.
    pub id_verificacion: String,
    /// The UF.
    pub uf: String,
    /// The proceso.
    pub proceso: String,
    /// `dispositivoId`.
    pub dispositivo: String,
    /// `estampaTiempo`.
    pub estampa: String,
    /// The parameters, in the order received.
    pub parametros: Vec<Parametro>,
}

/// One request as received, with what was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The path.
    pub path: String,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The body answered.
    pub reply: String,
}

#[derive(Debug)]
struct Proceso {
    usuario: String,
    /// dispositivo → (nombre → unidad).
    dispositivos: HashMap<String, BTreeMap<String, String>>,
}

#[derive(Debug)]
struct Inner {
    config: SmaConfig,
    rng: StdRng,
    users: HashMap<String, String>,
    tokens: HashMap<String, (String, Instant)>,
    tokens_issued: u64,
    procesos: HashMap<(String, String), Proceso>,
    registros: Vec<Registro>,
    duplicates: u64,
    requests: Vec<Received>,
}

/// The stand-in's shared state: configure it, serve it, inspect it.
#[derive(Clone, Debug)]
pub struct SmaStandIn {
    inner: Arc<Mutex<Inner>>,
}

impl Default for SmaStandIn {
    fn default() -> SmaStandIn {
        SmaStandIn::new(SmaConfig::default())
    }
}

impl SmaStandIn {
    /// An empty stand-in.
    #[must_use]
    pub fn new(config: SmaConfig) -> SmaStandIn {
        SmaStandIn {
            inner: Arc::new(Mutex::new(Inner {
                config,
                rng: StdRng::seed_from_u64(config.seed),
                users: HashMap::new(),
                tokens: HashMap::new(),
                tokens_issued: 0,
                procesos: HashMap::new(),
                registros: Vec::new(),
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

    /// Register a user.
    pub fn register_user(&self, usuario: &str, password: &str) {
        self.lock()
            .users
            .insert(usuario.to_owned(), password.to_owned());
    }

    /// Register a dispositivo of a proceso of a UF held by `usuario`, with
    /// its parameters `(nombre, unidad)`.
    pub fn register_dispositivo(
        &self,
        uf: &str,
        proceso: &str,
        usuario: &str,
        dispositivo: &str,
        parametros: &[(&str, &str)],
    ) {
        let mut inner = self.lock();
        let p = inner
            .procesos
            .entry((uf.to_owned(), proceso.to_owned()))
            .or_insert_with(|| Proceso {
                usuario: usuario.to_owned(),
                dispositivos: HashMap::new(),
            });
        p.dispositivos.insert(
            dispositivo.to_owned(),
            parametros
                .iter()
                .map(|(n, u)| ((*n).to_owned(), (*u).to_owned()))
                .collect(),
        );
    }

    /// Change the token lifetime (for tokens issued from now on).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().config.token_lifetime = lifetime;
    }

    /// Change the fraction of 503s.
    pub fn set_unavailable(&self, fraction: f64) {
        self.lock().config.unavailable = fraction;
    }

    /// Expire every token issued so far.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for (_, exp) in self.lock().tokens.values_mut() {
            *exp = now;
        }
    }

    /// Tokens issued so far.
    #[must_use]
    pub fn tokens_issued(&self) -> u64 {
        self.lock().tokens_issued
    }

    /// Every registro held, in order.
    #[must_use]
    pub fn registros(&self) -> Vec<Registro> {
        self.lock().registros.clone()
    }

    /// Registros received for a (dispositivo, timestamp) already held.
    #[must_use]
    pub fn duplicates(&self) -> u64 {
        self.lock().duplicates
    }

    /// Every request received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<Received> {
        self.lock().requests.clone()
    }

    /// The router (for `oneshot` tests).
    pub fn app(&self) -> Router {
        Router::new()
            .route(AUTH_PATH, axum::routing::post(auth))
            .route(
                "/api/v1/ufs/{uf}/procesos/{proceso}/registros",
                axum::routing::post(registros),
            )
            .fallback(|| async { reply(404, "recurso no encontrado") })
            .with_state(self.clone())
    }
}

/// Serve the stand-in on `listener` until the future is dropped.
pub fn serve(
    listener: tokio::net::TcpListener,
    state: SmaStandIn,
) -> impl Future<Output = std::io::Result<()>> {
    let app = state.app();
    async move { axum::serve(listener, app).await }
}

fn reply(status: u16, mensaje: &str) -> Response {
    respond(status, json!({ "mensaje": mensaje }).to_string())
}

fn respond(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

type Outcome = (u16, String);

fn fail(status: u16, mensaje: &str) -> Outcome {
    (status, json!({ "mensaje": mensaje }).to_string())
}

fn record(inner: &mut Inner, path: &str, headers: &HeaderMap, body: &str, out: &Outcome) {
    inner.requests.push(Received {
        path: path.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_owned(),
        status: out.0,
        reply: out.1.clone(),
    });
}

fn json_body(headers: &HeaderMap, body: &str) -> Result<Value, Outcome> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    {
        return Err(fail(400, "Content-Type debe ser application/json"));
    }
    serde_json::from_str(body).map_err(|_| fail(400, "el cuerpo no es JSON válido"))
}

fn unavailable(inner: &mut Inner) -> bool {
    let p = inner.config.unavailable;
    p > 0.0 && inner.rng.random::<f64>() < p
}

async fn auth(State(s): State<SmaStandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut inner = s.lock();
    let out = if unavailable(&mut inner) {
        fail(503, "servicio no disponible")
    } else {
        authenticate(&mut inner, &headers, &body)
    };
    record(&mut inner, AUTH_PATH, &headers, &body, &out);
    respond(out.0, out.1)
}

fn authenticate(inner: &mut Inner, headers: &HeaderMap, body: &str) -> Outcome {
    let json = match json_body(headers, body) {
        Ok(j) => j,
        Err(e) => return e,
    };
    let field = |k: &str| json.get(k).and_then(Value::as_str);
    let (Some(usuario), Some(password)) = (field("usuario"), field("password")) else {
        return fail(400, "faltan las credenciales usuario y password");
    };
    if inner.users.get(usuario).is_none_or(|p| p != password) {
        return fail(401, "credenciales inválidas");
    }
    let lifetime = inner.config.token_lifetime;
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    inner.tokens_issued += 1;
    let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64url(
        json!({"sub": usuario, "iat": now_s, "exp": now_s + lifetime.as_secs(), "jti": inner.tokens_issued})
            .to_string()
            .as_bytes(),
    );
    let mut signature = [0u8; 32];
    inner.rng.fill_bytes(&mut signature);
    let token = format!("{header}.{payload}.{}", b64url(&signature));
    inner.tokens.insert(
        token.clone(),
        (usuario.to_owned(), Instant::now() + lifetime),
    );
    (200, json!({ "token": token }).to_string())
}

/// Base64url without padding (RFC 4648 §5), as JWTs use.
fn b64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let index = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
            out.push(char::from(ALPHABET[index]));
        }
    }
    out
}

async fn registros(
    State(s): State<SmaStandIn>,
    Path((uf, proceso)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    let path = format!("/api/v1/ufs/{uf}/procesos/{proceso}/registros");
    let mut inner = s.lock();
    let out = if unavailable(&mut inner) {
        fail(503, "servicio no disponible")
    } else {
        take_registros(&mut inner, &uf, &proceso, &headers, &body).unwrap_or_else(|e| e)
    };
    record(&mut inner, &path, &headers, &body, &out);
    respond(out.0, out.1)
}

fn timestamp_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
        && matches!(s[11..13].parse::<u8>(), Ok(0..=23))
        && matches!(s[14..16].parse::<u8>(), Ok(0..=59))
        && matches!(s[17..19].parse::<u8>(), Ok(0..=59))
}

fn exact_keys(o: &Map<String, Value>, keys: &[&str], what: &str) -> Result<(), Outcome> {
    if let Some(k) = keys.iter().find(|k| !o.contains_key(**k)) {
        return Err(fail(400, &format!("falta el campo {k} en el {what}")));
    }
    if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(fail(400, &format!("campo no permitido {k} en el {what}")));
    }
    Ok(())
}

fn take_registros(
    inner: &mut Inner,
    uf: &str,
    proceso: &str,
    headers: &HeaderMap,
    body: &str,
) -> Result<Outcome, Outcome> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| fail(401, "falta el token (Authorization: Bearer)"))?;
    let (user, expiry) = inner
        .tokens
        .get(bearer)
        .ok_or_else(|| fail(401, "token inválido"))?;
    if Instant::now() >= *expiry {
        return Err(fail(401, "token expirado"));
    }
    let user = user.clone();
    let key = (uf.to_owned(), proceso.to_owned());
    let p = inner.procesos.get(&key).ok_or_else(|| {
        fail(
            404,
            &format!("la unidad fiscalizable {uf} o el proceso {proceso} no existe"),
        )
    })?;
    if p.usuario != user {
        return Err(fail(
            403,
            &format!("el usuario no tiene acceso a la unidad fiscalizable {uf}"),
        ));
    }
    let dispositivos = p.dispositivos.clone();
    let json = json_body(headers, body)?;
    let items = json.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
        fail(
            400,
            "el cuerpo debe ser un arreglo JSON de registros no vacío",
        )
    })?;
    let mut taken: Vec<(String, String, Vec<Parametro>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let what = format!("registro {}", i + 1);
        let o = item
            .as_object()
            .ok_or_else(|| fail(400, &format!("el {what} debe ser un objeto")))?;
        exact_keys(o, &["dispositivoId", "parametros"], &what)?;
        let dispositivo = o["dispositivoId"]
            .as_str()
            .ok_or_else(|| fail(400, &format!("dispositivoId del {what} debe ser texto")))?;
        let configured = dispositivos.get(dispositivo).ok_or_else(|| {
            fail(
                400,
                &format!("el dispositivo {dispositivo} no está registrado en el proceso {proceso}"),
            )
        })?;
        let params = o["parametros"]
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                fail(
                    400,
                    &format!("parametros del {what} debe ser un arreglo no vacío"),
                )
            })?;
        // Parameters grouped by timestamp, each group checked against the configuration.
        let mut by_time: BTreeMap<String, Vec<Parametro>> = BTreeMap::new();
        for (j, param) in params.iter().enumerate() {
            let pwhat = format!("parámetro {} del {what}", j + 1);
            let q = param
                .as_object()
                .ok_or_else(|| fail(400, &format!("el {pwhat} debe ser un objeto")))?;
            exact_keys(q, &["nombre", "valor", "unidad", "estampaTiempo"], &pwhat)?;
            let text = |k: &str| {
                q[k].as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| fail(400, &format!("{k} del {pwhat} debe ser texto")))
            };
            let (nombre, valor, unidad, estampa) = (
                text("nombre")?,
                text("valor")?,
                text("unidad")?,
                text("estampaTiempo")?,
            );
            if !timestamp_ok(&estampa) {
                return Err(fail(
                    400,
                    &format!("estampaTiempo inválida: {estampa} (AAAA-MM-DDTHH:mm:ss)"),
                ));
            }
            if valor.trim() != valor || valor.parse::<f64>().map_or(true, |v| !v.is_finite()) {
                return Err(fail(
                    400,
                    &format!("valor inválido para {nombre}: \"{valor}\""),
                ));
            }
            match configured.get(&nombre) {
                Some(u) if *u != unidad => {
                    return Err(fail(
                        400,
                        &format!("la unidad de {nombre} debe ser {u}, no {unidad}"),
                    ));
                }
                _ => {}
            }
            by_time.entry(estampa).or_default().push(Parametro {
                nombre,
                valor,
                unidad,
            });
        }
        for (estampa, group) in &by_time {
            let mut seen: Vec<&str> = Vec::new();
            for g in group {
                if seen.contains(&g.nombre.as_str()) {
                    return Err(fail(
                        400,
                        &format!("el parámetro {} está repetido en {estampa}", g.nombre),
                    ));
                }
                seen.push(&g.nombre);
            }
            let missing: Vec<&str> = configured
                .keys()
                .map(String::as_str)
                .filter(|n| !seen.contains(n))
                .collect();
            if !missing.is_empty() {
                return Err(fail(
                    400,
                    &format!("faltan parámetros en {estampa}: {}", missing.join(", ")),
                ));
            }
            let extra: Vec<&str> = seen
                .iter()
                .copied()
                .filter(|n| !configured.contains_key(*n))
                .collect();
            if !extra.is_empty() {
                return Err(fail(
                    400,
                    &format!(
                        "parámetros no configurados en {estampa}: {}",
                        extra.join(", ")
                    ),
                ));
            }
        }
        for (estampa, group) in by_time {
            taken.push((dispositivo.to_owned(), estampa, group));
        }
    }
    let id = Alphanumeric.sample_string(&mut inner.rng, 24);
    for (dispositivo, estampa, parametros) in taken {
        if inner.registros.iter().any(|r| {
            r.uf == uf
                && r.proceso == proceso
                && r.dispositivo == dispositivo
                && r.estampa == estampa
        }) {
            inner.duplicates += 1;
        }
        inner.registros.push(Registro {
            id_verificacion: id.clone(),
            uf: uf.to_owned(),
            proceso: proceso.to_owned(),
            dispositivo,
            estampa,
            parametros,
        });
    }
    Ok((
        201,
        json!({"mensaje": "registros recibidos", "IdVerificacion": id}).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_follows_rfc_4648() {
        // RFC 4648 §10 vectors, without padding and with the URL alphabet.
        assert_eq!(b64url(b""), "");
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
        assert_eq!(b64url(b"foob"), "Zm9vYg");
        assert_eq!(b64url(b"fooba"), "Zm9vYmE");
        assert_eq!(b64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn timestamps() {
        assert!(timestamp_ok("2026-05-17T14:05:00"));
        assert!(
            !timestamp_ok("2026-05-17 14:05:00")
                && !timestamp_ok("2026-05-17T14:05:00Z")
                && !timestamp_ok("2026-13-17T14:05:00")
        );
    }
}

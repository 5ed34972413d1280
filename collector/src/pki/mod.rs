//! The collector's certificate authority and the agents' identities.
//!
//! Files under `<data_dir>/pki/` (paths configurable in `[tls]`):
//!
//! | file          | what                                                              |
//! |---------------|-------------------------------------------------------------------|
//! | `ca.pem/.key` | self-signed CA (`caudal-collector ca init`)                        |
//! | `server.pem/.key` | the collector's QUIC certificate, signed by the CA, SAN `caudal-collector`, `localhost`, 127.0.0.1, ::1 |
//! | `issued.txt`  | ledger of enrolled certificates: `serial agent_id not_after_unix`  |
//! | `revoked.txt` | revoked serials: `serial agent_id revoked_at_unix`                 |
//!
//! An agent's identity is the common name of its certificate. At the TLS
//! handshake the collector refuses a certificate that does not chain to the
//! CA, is expired, or whose serial is in `revoked.txt` (re-read when the file
//! changes, so `revoke` takes effect without a restart). Each refusal is
//! logged and counted ([`HandshakeRefusals`]).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// Name the server certificate carries; agents verify it (`collector.server_name`).
pub const SERVER_NAME: &str = "caudal-collector";

/// Errors of the PKI commands.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Certificate generation or parsing failed.
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// The CA already exists.
    #[error(
        "a CA already exists at {0}: remove it first to start over (every enrolled agent must then be enrolled again)"
    )]
    CaExists(PathBuf),
    /// No CA yet.
    #[error("no CA at {0}: run `caudal-collector ca init` first")]
    NoCa(PathBuf),
    /// A PEM file holds no usable certificate or key.
    #[error("{0}: no certificate or key found in the PEM file")]
    BadPem(PathBuf),
    /// The agent id cannot be used as a certificate name.
    #[error(
        "agent id `{0}` is not usable: use 1 to 64 characters among letters, digits, `-`, `_` and `.`"
    )]
    BadAgentId(String),
    /// Nothing issued to that agent.
    #[error("no certificate was ever issued to agent `{0}`")]
    UnknownAgent(String),
    /// TLS setup failed.
    #[error("tls: {0}")]
    Tls(#[from] rustls::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the PKI files live.
#[derive(Debug, Clone)]
pub struct PkiPaths {
    /// CA certificate.
    pub ca_cert: PathBuf,
    /// CA key.
    pub ca_key: PathBuf,
    /// Server certificate.
    pub server_cert: PathBuf,
    /// Server key.
    pub server_key: PathBuf,
    /// Ledger of issued certificates.
    pub issued: PathBuf,
    /// Revocation list.
    pub revoked: PathBuf,
}

impl PkiPaths {
    /// Paths from the `[tls]` config, relative ones under `data_dir`.
    #[must_use]
    pub fn new(data_dir: &Path, tls: &caudal_config::collector::Tls) -> PkiPaths {
        let at = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                data_dir.join(p)
            }
        };
        let ca_cert = at(&tls.ca_cert);
        let dir = ca_cert
            .parent()
            .map_or_else(|| data_dir.to_path_buf(), Path::to_path_buf);
        PkiPaths {
            ca_key: at(&tls.ca_key),
            server_cert: at(&tls.server_cert),
            server_key: at(&tls.server_key),
            issued: dir.join("issued.txt"),
            revoked: dir.join("revoked.txt"),
            ca_cert,
        }
    }
}

fn unix_now() -> i64 {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn random_serial() -> (SerialNumber, String) {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7F; // positive
    bytes[0] |= 0x01; // no leading zero byte, so DER keeps all 16
    (SerialNumber::from_slice(&bytes), hex::encode(bytes))
}

fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), PkiError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::write(path, contents).map_err(io(path))?;
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io(path))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(io(path))
}

fn load_issuer(paths: &PkiPaths) -> Result<Issuer<'static, KeyPair>, PkiError> {
    if !paths.ca_cert.exists() {
        return Err(PkiError::NoCa(paths.ca_cert.clone()));
    }
    let key = KeyPair::from_pem(&read(&paths.ca_key)?)?;
    Ok(Issuer::from_ca_cert_pem(&read(&paths.ca_cert)?, key)?)
}

/// `caudal-collector ca init`: create the CA and the server certificate.
///
/// # Errors
/// [`PkiError::CaExists`] when a CA is already there; I/O and certificate errors.
pub fn ca_init(paths: &PkiPaths, extra_server_names: &[String]) -> Result<(), PkiError> {
    if paths.ca_cert.exists() {
        return Err(PkiError::CaExists(paths.ca_cert.clone()));
    }
    let ca_key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Caudal collector CA");
    dn.push(DnType::OrganizationName, "Caudal");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365 * 20);
    params.serial_number = Some(random_serial().0);
    let ca_cert = params.self_signed(&ca_key)?;
    let issuer = Issuer::new(params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut names = vec![SERVER_NAME.to_owned(), "localhost".to_owned()];
    names.extend(extra_server_names.iter().cloned());
    let mut sp = CertificateParams::new(names)?;
    sp.subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    sp.subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
    sp.distinguished_name.push(DnType::CommonName, SERVER_NAME);
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    sp.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    sp.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365 * 5);
    sp.serial_number = Some(random_serial().0);
    let server_cert = sp.signed_by(&server_key, &issuer)?;

    write_file(&paths.ca_key, &issuer_key_pem(&issuer), true)?;
    write_file(&paths.ca_cert, &ca_cert.pem(), false)?;
    write_file(&paths.server_key, &server_key.serialize_pem(), true)?;
    write_file(&paths.server_cert, &server_cert.pem(), false)?;
    Ok(())
}

fn issuer_key_pem(issuer: &Issuer<'_, KeyPair>) -> String {
    issuer.key().serialize_pem()
}

/// What `enroll` hands to a field technician.
#[derive(Debug, Clone)]
pub struct Enrollment {
    /// The agent's certificate (PEM).
    pub cert_pem: String,
    /// The agent's private key (PEM).
    pub key_pem: String,
    /// The CA certificate (PEM) the agent uses to verify the collector.
    pub ca_pem: String,
    /// Serial number (hex), recorded in `issued.txt`.
    pub serial: String,
}

fn check_agent_id(id: &str) -> Result<(), PkiError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(PkiError::BadAgentId(id.to_owned()))
    }
}

/// Issue a certificate for `agent_id`, valid for `valid_for` from `not_before`.
///
/// # Errors
/// [`PkiError::NoCa`], [`PkiError::BadAgentId`], I/O and certificate errors.
pub fn enroll_with_validity(
    paths: &PkiPaths,
    agent_id: &str,
    not_before: time::OffsetDateTime,
    valid_for: Duration,
) -> Result<Enrollment, PkiError> {
    check_agent_id(agent_id)?;
    let issuer = load_issuer(paths)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, agent_id);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Caudal agent");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = not_before;
    params.not_after = not_before + valid_for;
    let (serial, serial_hex) = random_serial();
    params.serial_number = Some(serial);
    let cert = params.signed_by(&key, &issuer)?;
    let mut ledger = std::fs::read_to_string(&paths.issued).unwrap_or_default();
    let _ = writeln!(
        ledger,
        "{serial_hex} {agent_id} {}",
        params.not_after.unix_timestamp()
    );
    write_file(&paths.issued, &ledger, false)?;
    Ok(Enrollment {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        ca_pem: read(&paths.ca_cert)?,
        serial: serial_hex,
    })
}

/// `caudal-collector enroll AGENT_ID`: a certificate valid for `days` days from now.
///
/// # Errors
/// As [`enroll_with_validity`].
pub fn enroll(paths: &PkiPaths, agent_id: &str, days: u32) -> Result<Enrollment, PkiError> {
    let now = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    enroll_with_validity(
        paths,
        agent_id,
        now,
        Duration::from_secs(u64::from(days) * 86_400),
    )
}

/// Write an enrollment bundle: `agent.pem`, `agent.key`, `ca.pem` in `dir`.
///
/// # Errors
/// I/O errors.
pub fn write_bundle(dir: &Path, e: &Enrollment) -> Result<(), PkiError> {
    write_file(&dir.join("agent.pem"), &e.cert_pem, false)?;
    write_file(&dir.join("agent.key"), &e.key_pem, true)?;
    write_file(&dir.join("ca.pem"), &e.ca_pem, false)
}

/// `caudal-collector revoke AGENT_ID`: revoke every certificate issued to the agent.
/// Returns the serials revoked now.
///
/// # Errors
/// [`PkiError::UnknownAgent`] and I/O errors.
pub fn revoke(paths: &PkiPaths, agent_id: &str) -> Result<Vec<String>, PkiError> {
    let issued = std::fs::read_to_string(&paths.issued).unwrap_or_default();
    let serials: Vec<String> = issued
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let serial = f.next()?;
            (f.next()? == agent_id).then(|| serial.to_owned())
        })
        .collect();
    if serials.is_empty() {
        return Err(PkiError::UnknownAgent(agent_id.to_owned()));
    }
    let mut revoked = std::fs::read_to_string(&paths.revoked).unwrap_or_default();
    let already: HashSet<String> = revoked
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let now = unix_now();
    let fresh: Vec<String> = serials
        .into_iter()
        .filter(|s| !already.contains(s))
        .collect();
    for s in &fresh {
        let _ = writeln!(revoked, "{s} {agent_id} {now}");
    }
    write_file(&paths.revoked, &revoked, false)?;
    Ok(fresh)
}

/// Read the certificates of a PEM file.
///
/// # Errors
/// I/O or [`PkiError::BadPem`].
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let text = read(path)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(text.as_bytes())
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        Err(PkiError::BadPem(path.to_path_buf()))
    } else {
        Ok(certs)
    }
}

/// Read a private key from a PEM file.
///
/// # Errors
/// I/O or [`PkiError::BadPem`].
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, PkiError> {
    let text = read(path)?;
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|_| PkiError::BadPem(path.to_path_buf()))
}

/// Common name and serial (hex) of a DER certificate.
#[must_use]
pub fn identity_of(cert: &CertificateDer<'_>) -> Option<(String, String)> {
    let (_, x509) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let cn = x509
        .subject()
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_owned();
    let serial = hex::encode(x509.raw_serial());
    Some((cn, serial))
}

/// Counts of certificates refused at the handshake, by reason.
#[derive(Debug, Default)]
pub struct HandshakeRefusals {
    /// Not signed by our CA, expired, malformed, wrong usage.
    pub invalid: AtomicU64,
    /// Serial on the revocation list.
    pub revoked: AtomicU64,
}

/// The revocation list, re-read when `revoked.txt` changes.
#[derive(Debug)]
struct Revocations {
    path: PathBuf,
    state: Mutex<(Option<SystemTime>, HashSet<String>)>,
}

impl Revocations {
    fn contains(&self, serial: &str) -> bool {
        let mtime = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.0 != mtime {
            let text = std::fs::read_to_string(&self.path).unwrap_or_default();
            state.1 = text
                .lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
                .collect();
            state.0 = mtime;
        }
        state.1.contains(serial)
    }
}

/// Client-certificate verifier: the CA chain and validity (webpki), then the revocation list.
#[derive(Debug)]
pub struct AgentVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    revoked: Revocations,
    refusals: Arc<HandshakeRefusals>,
}

impl ClientCertVerifier for AgentVerifier {
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let who = identity_of(end_entity);
        let agent = who.as_ref().map_or("?", |w| w.0.as_str());
        if let Err(e) = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            self.refusals.invalid.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(agent, error = %e, "agent certificate refused at the handshake");
            return Err(e);
        }
        if let Some((_, serial)) = &who
            && self.revoked.contains(serial)
        {
            self.refusals.revoked.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(agent, serial = %serial, "revoked agent certificate refused at the handshake");
            return Err(rustls::Error::InvalidCertificate(CertificateError::Revoked));
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The rustls server config of the QUIC listener: mutual TLS against our CA, ALPN `caudal/1`.
///
/// # Errors
/// Missing or bad PKI files, TLS setup errors.
pub fn server_tls(
    paths: &PkiPaths,
    refusals: Arc<HandshakeRefusals>,
) -> Result<rustls::ServerConfig, PkiError> {
    if !paths.ca_cert.exists() {
        return Err(PkiError::NoCa(paths.ca_cert.clone()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in load_certs(&paths.ca_cert)? {
        roots.add(c)?;
    }
    let inner = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|e| rustls::Error::General(e.to_string()))?;
    let verifier = AgentVerifier {
        inner,
        revoked: Revocations {
            path: paths.revoked.clone(),
            state: Mutex::new((None, HashSet::new())),
        },
        refusals,
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            load_certs(&paths.server_cert)?,
            load_key(&paths.server_key)?,
        )?;
    cfg.alpn_protocols = vec![caudal_protocol::ALPN.to_vec()];
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enroll_and_revoke_keep_a_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let paths = PkiPaths::new(dir.path(), &caudal_config::collector::Tls::default());
        assert!(matches!(enroll(&paths, "gw-1", 30), Err(PkiError::NoCa(_))));
        ca_init(&paths, &[]).unwrap();
        assert!(matches!(ca_init(&paths, &[]), Err(PkiError::CaExists(_))));
        let e = enroll(&paths, "gw-1", 30).unwrap();
        let cert = &load_certs_from(&e.cert_pem)[0];
        assert_eq!(
            identity_of(cert),
            Some(("gw-1".to_owned(), e.serial.clone()))
        );
        assert!(matches!(
            enroll(&paths, "bad id!", 30),
            Err(PkiError::BadAgentId(_))
        ));
        assert_eq!(revoke(&paths, "gw-1").unwrap(), vec![e.serial.clone()]);
        assert!(
            revoke(&paths, "gw-1").unwrap().is_empty(),
            "revoking twice adds nothing"
        );
        assert!(matches!(
            revoke(&paths, "nobody"),
            Err(PkiError::UnknownAgent(_))
        ));
        let r = Revocations {
            path: paths.revoked.clone(),
            state: Mutex::new((None, HashSet::new())),
        };
        assert!(r.contains(&e.serial));
    }

    fn load_certs_from(pem: &str) -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_slice_iter(pem.as_bytes())
            .map(Result::unwrap)
            .collect()
    }
}

//! The agent's side of mutual TLS: trust the collector's CA, present the enrolled certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use caudal_config::agent::CollectorLink;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why the TLS material could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file is missing or holds nothing usable.
    #[error(
        "{path}: {what} (enroll the agent with `caudal-collector enroll AGENT_ID` and copy the bundle)"
    )]
    Pem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        what: String,
    },
    /// rustls refused the material.
    #[error("tls: {0}")]
    Rustls(#[from] rustls::Error),
    /// quinn refused the config.
    #[error("quic: {0}")]
    Quic(String),
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| TlsError::Pem {
        path: path.to_path_buf(),
        what: e.to_string(),
    })?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_path_buf(),
            what: "no certificate in the file".into(),
        });
    }
    Ok(certs)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| TlsError::Pem {
        path: path.to_path_buf(),
        what: e.to_string(),
    })?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Pem {
        path: path.to_path_buf(),
        what: format!("no private key: {e}"),
    })
}

/// The QUIC client config for the link: TLS 1.3, ALPN `caudal/1`, client certificate,
/// keep-alives that hold cellular NAT bindings open.
///
/// # Errors
/// [`TlsError`] naming the file at fault.
pub fn client_config(link: &CollectorLink) -> Result<quinn::ClientConfig, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for c in certs(&link.ca_cert)? {
        roots.add(c)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs(&link.cert)?, key(&link.key)?)?;
    tls.alpn_protocols = vec![caudal_protocol::ALPN.to_vec()];
    let quic = quinn::crypto::rustls::QuicClientConfig::try_from(tls)
        .map_err(|e| TlsError::Quic(e.to_string()))?;
    let mut client = quinn::ClientConfig::new(Arc::new(quic));
    let mut transport = quinn::TransportConfig::default();
    transport.keep_alive_interval(Some(Duration::from_secs(10)));
    transport.max_idle_timeout(Some(
        quinn::IdleTimeout::try_from(Duration::from_secs(30))
            .map_err(|e| TlsError::Quic(e.to_string()))?,
    ));
    client.transport_config(Arc::new(transport));
    Ok(client)
}

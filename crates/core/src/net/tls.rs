//! The one TLS client configuration REST and the WebSocket share.
//!
//! Certificates are checked by the operating system's verifier (rustls-platform-verifier: the
//! platform's own on macOS and Windows, the system store through rustls-native-certs on
//! Linux, where `SSL_CERT_FILE`/`SSL_CERT_DIR` also count), plus an optional extra CA file.
//! Verification is never turned off. A refused certificate is reported with the name of its
//! issuer, read from the certificate, so the user learns *which* CA is not trusted.
//!
//! Why the platform verifier rather than `rustls-native-certs` alone: native-certs only
//! exports root certificates, and webpki then verifies without the OS's own policy. On macOS
//! and Windows that misses what company IT actually configures — CAs trusted or distrusted
//! through keychain / group-policy trust settings, intermediates fetched by the OS, revocation
//! — while the platform verifier asks the OS itself. On Linux it is native-certs plus webpki,
//! so nothing is lost there. Extra roots (the `--ca-file`) are given to it directly.

use super::dial::BoxStream;
use super::error::NetError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError, OtherError,
    SignatureScheme,
};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tokio_rustls::client::TlsStream;

/// The crypto provider of every TLS connection (ring, as the rest of the workspace).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// CA certificates to trust besides the operating system's (`--ca-file`, `DEVHIVE_CA_FILE`,
/// the app setting), for machines where the company CA is not installed system-wide.
#[derive(Clone)]
pub struct ExtraCa {
    path: PathBuf,
    names: Vec<String>,
    certs: Vec<CertificateDer<'static>>,
}

impl ExtraCa {
    /// Reads one or more PEM certificates (or a single DER one) from `path`.
    pub fn load(path: &Path) -> Result<Self, NetError> {
        let shown = || path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| NetError::ExtraCaUnreadable {
            path: shown(),
            source,
        })?;
        let mut certs = Vec::new();
        for item in CertificateDer::pem_slice_iter(&bytes) {
            certs.push(item.map_err(|e| NetError::ExtraCaInvalid {
                path: shown(),
                reason: e.to_string(),
            })?);
        }
        if certs.is_empty() && x509_parser::parse_x509_certificate(&bytes).is_ok() {
            certs.push(CertificateDer::from(bytes));
        }
        if certs.is_empty() {
            return Err(NetError::ExtraCaInvalid {
                path: shown(),
                reason: "no certificate in it (expected PEM `BEGIN CERTIFICATE` blocks)".into(),
            });
        }
        let mut roots = rustls::RootCertStore::empty();
        for cert in &certs {
            roots
                .add(cert.clone())
                .map_err(|e| NetError::ExtraCaInvalid {
                    path: shown(),
                    reason: e.to_string(),
                })?;
        }
        let names = certs.iter().map(|c| subject_name(c)).collect();
        Ok(Self {
            path: path.to_owned(),
            names,
            certs,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The subject names of its certificates (common name, else the whole name).
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

impl fmt::Debug for ExtraCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtraCa")
            .field("path", &self.path)
            .field("names", &self.names)
            .finish()
    }
}

/// Which trust anchors accepted a server's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustAnchor {
    /// The operating system's trust store.
    OsStore,
    /// The extra CA file.
    ExtraCa,
}

/// The shared client configuration: OS verifier plus `extra`, ring, TLS 1.2 and 1.3.
pub(crate) fn client_config(extra: Option<&ExtraCa>) -> Arc<ClientConfig> {
    let provider = provider();
    let verifier = OsVerifier {
        provider: provider.clone(),
        extra: extra.map(|e| e.certs.clone()).unwrap_or_default(),
        platform: OnceLock::new(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        // rustls calls every custom verifier "dangerous"; this one verifies in full.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Arc::new(config)
}

/// Which anchor accepted `chain` for `host`: the OS store when it accepts the chain alone,
/// else the extra CA (call this only for a chain the shared configuration accepted).
pub(crate) fn anchor_of(
    chain: &[CertificateDer<'static>],
    host: &str,
    extra: Option<&ExtraCa>,
) -> TrustAnchor {
    let (Some(_), Some((leaf, intermediates))) = (extra, chain.split_first()) else {
        return TrustAnchor::OsStore;
    };
    let Ok(name) = ServerName::try_from(host.to_owned()) else {
        return TrustAnchor::ExtraCa;
    };
    let accepted = rustls_platform_verifier::Verifier::new(provider())
        .and_then(|os| os.verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now()));
    match accepted {
        Ok(_) => TrustAnchor::OsStore,
        Err(_) => TrustAnchor::ExtraCa,
    }
}

/// Runs the TLS handshake with `host` over `stream` with the shared configuration.
///
/// Dropping the future abandons the handshake and closes the stream.
pub(crate) async fn handshake(
    config: Arc<ClientConfig>,
    stream: BoxStream,
    host: &str,
) -> Result<TlsStream<BoxStream>, NetError> {
    let name = ServerName::try_from(host.to_owned()).map_err(|_| NetError::BadServerName {
        host: host.to_owned(),
    })?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|io| {
            match io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<TlsError>())
            {
                Some(tls) => tls_failure(host, tls),
                None => NetError::TlsIo {
                    host: host.to_owned(),
                    source: io,
                },
            }
        })
}

/// The typed cause of a TLS failure with `host`.
pub(crate) fn tls_failure(host: &str, error: &TlsError) -> NetError {
    let host = host.to_owned();
    let (issuer, reason, source) = match error {
        TlsError::InvalidCertificate(CertificateError::Other(OtherError(other))) => {
            match other.downcast_ref::<CertificateRefusal>() {
                Some(refusal) => match &refusal.original {
                    TlsError::InvalidCertificate(reason) => (
                        refusal.issuer.clone(),
                        reason,
                        Box::new(refusal.original.clone()),
                    ),
                    other => (
                        refusal.issuer.clone(),
                        &CertificateError::BadEncoding,
                        Box::new(other.clone()),
                    ),
                },
                None => {
                    return NetError::CertificateRefused {
                        host,
                        issuer: None,
                        source: Box::new(error.clone()),
                    }
                }
            }
        }
        TlsError::InvalidCertificate(reason) => (None, reason, Box::new(error.clone())),
        TlsError::General(text) if text.contains("No CA certificates") => {
            return NetError::NoTrustStore {
                source: Box::new(error.clone()),
            }
        }
        TlsError::InvalidMessage(_) => {
            return NetError::NotTls {
                host,
                source: Box::new(error.clone()),
            }
        }
        other => {
            return NetError::Tls {
                host,
                source: Box::new(other.clone()),
            }
        }
    };
    match reason {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            NetError::CertificateNotTrusted {
                host,
                issuer,
                source,
            }
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let expired_on = match reason {
                CertificateError::ExpiredContext { not_after, .. } => date_of(*not_after),
                _ => None,
            };
            NetError::CertificateExpired {
                host,
                issuer,
                expired_on,
                source,
            }
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            NetError::CertificateNotYetValid { host, source }
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let presented = match reason {
                CertificateError::NotValidForNameContext { presented, .. } => presented.join(", "),
                _ => "another name".to_owned(),
            };
            NetError::CertificateWrongHost {
                host,
                presented,
                source,
            }
        }
        CertificateError::Revoked => NetError::CertificateRevoked {
            host,
            issuer,
            source,
        },
        _ => NetError::CertificateRefused {
            host,
            issuer,
            source,
        },
    }
}

fn date_of(time: UnixTime) -> Option<String> {
    let secs = i64::try_from(time.as_secs()).ok()?;
    let at = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    Some(at.date().to_string())
}

/// The issuer of a DER certificate: its common name, else the whole distinguished name.
pub fn issuer_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(name_of(cert.issuer()))
}

/// The subject of a DER certificate, as [`issuer_name`] shows names.
pub fn subject_name(der: &[u8]) -> String {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| name_of(cert.subject()))
        .unwrap_or_else(|_| "an unreadable certificate".to_owned())
}

fn name_of(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| name.to_string())
}

/// A certificate the platform verifier refused, with its issuer: travels inside rustls's
/// error (as `CertificateError::Other`) to where the failure is reported.
#[derive(Debug)]
struct CertificateRefusal {
    issuer: Option<String>,
    original: TlsError,
}

impl fmt::Display for CertificateRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.issuer {
            Some(issuer) => write!(f, "{} (issued by '{issuer}')", self.original),
            None => write!(f, "{}", self.original),
        }
    }
}

impl std::error::Error for CertificateRefusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.original)
    }
}

/// The platform verifier, built on first use (loading the system store costs tens of
/// milliseconds; plain-http sessions never pay it), with the refused certificate's issuer
/// added to its errors.
#[derive(Debug)]
struct OsVerifier {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    platform: OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, TlsError>>,
}

impl ServerCertVerifier for OsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let platform = self
            .platform
            .get_or_init(|| {
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    self.extra.iter().cloned(),
                    self.provider.clone(),
                )
                .map(Arc::new)
            })
            .clone()?;
        platform
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|error| match error {
                TlsError::InvalidCertificate(_) => TlsError::InvalidCertificate(
                    CertificateError::Other(OtherError(Arc::new(CertificateRefusal {
                        issuer: issuer_name(end_entity),
                        original: error,
                    }))),
                ),
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

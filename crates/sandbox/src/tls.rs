//! A TLS front for the sandbox, as a company network puts one before a server: it terminates
//! TLS with the given certificate and pipes the plain bytes to the sandbox. With the
//! `test-ca` feature, [`TestCa`] makes the CA and the server certificate in the test.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A server certificate chain and its private key, both PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The leaf certificate first, then any intermediates.
    pub cert_chain_pem: String,
    /// The leaf's private key (PKCS#8, SEC1 or PKCS#1).
    pub key_pem: String,
}

/// A TLS front serving in the background; stops when dropped.
pub struct TlsFront {
    /// The bound address (`127.0.0.1:<port>`).
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// `https://<host>:<port>` (pass `localhost` or `127.0.0.1`: the name the certificate holds).
    pub fn base_url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves TLS with `identity` on `127.0.0.1:0`, forwarding every connection to `upstream`.
pub async fn front(upstream: SocketAddr, identity: &TlsIdentity) -> std::io::Result<TlsFront> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(identity.cert_chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
        .map_err(|e| invalid(e.to_string()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| invalid(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| invalid(e.to_string()))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                // A client that refuses the certificate ends the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = plain.set_nodelay(true);
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    Ok(TlsFront { addr, task })
}

#[cfg(feature = "test-ca")]
pub use test_ca::TestCa;

#[cfg(feature = "test-ca")]
mod test_ca {
    use super::TlsIdentity;
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };

    /// A certificate authority made in the test, named as a company CA would be.
    pub struct TestCa {
        issuer: CertifiedIssuer<'static, KeyPair>,
        name: String,
    }

    impl TestCa {
        /// A new CA whose common name is `name` (e.g. `Acme Corp CA`).
        pub fn new(name: &str) -> Self {
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            params
                .distinguished_name
                .push(DnType::OrganizationName, name);
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            let key = KeyPair::generate().expect("a key pair");
            let issuer = CertifiedIssuer::self_signed(params, key).expect("a CA certificate");
            Self {
                issuer,
                name: name.to_owned(),
            }
        }

        /// The CA's common name.
        pub fn name(&self) -> &str {
            &self.name
        }

        /// The CA certificate, PEM (what `--ca-file` or `SSL_CERT_FILE` points at).
        pub fn ca_pem(&self) -> String {
            self.issuer.pem()
        }

        /// A server certificate for `names` (DNS names or IP literals) signed by this CA.
        pub fn server_identity(&self, names: &[&str]) -> TlsIdentity {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let mut params = CertificateParams::new(names.clone()).expect("valid names");
            params.distinguished_name.push(
                DnType::CommonName,
                names.first().cloned().unwrap_or_default(),
            );
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let key = KeyPair::generate().expect("a key pair");
            let cert = params.signed_by(&key, &self.issuer).expect("a signed leaf");
            TlsIdentity {
                cert_chain_pem: cert.pem(),
                key_pem: key.serialize_pem(),
            }
        }
    }
}

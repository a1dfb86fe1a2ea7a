//! TLS for cluster nodes (rustls, ring): each node can listen on a TLS port
//! beside its plain one, present a certificate for its TLS name (what the
//! clients verify: the `tls_name` of a seed and of each `peers-tls-*`
//! entry), and with `client_ca_pem` require a client certificate signed by
//! that CA (mutual TLS). [`generate`] makes throw-away certificates with
//! rcgen for tests (and for `feast-aerospike-testserver gen-certs DIR`).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

/// A node's TLS side.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// The name in the certificate, answered in `peers-tls-*` (clients
    /// verify the certificate against it).
    pub tls_name: String,
    /// PEM certificate chain (leaf first) and PEM private key.
    pub cert_pem: String,
    pub key_pem: String,
    /// PEM CA certificates; when set, clients must present a certificate
    /// signed by one of them.
    pub client_ca_pem: Option<String>,
    /// TLS port of node 0 (node i: port + i); 0 = a free port per node.
    pub port: u16,
}

fn bad(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("tls {what}: {e}"))
}

/// The acceptor for a node.
pub fn acceptor(cfg: &TlsConfig) -> io::Result<tokio_rustls::TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cfg.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| bad("certificate", e))?;
    if chain.is_empty() {
        return Err(bad("certificate", "no PEM certificate"));
    }
    let key = PrivateKeyDer::from_pem_slice(cfg.key_pem.as_bytes()).map_err(|e| bad("key", e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("protocol versions", e))?;
    let builder = match &cfg.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(c.map_err(|e| bad("client CA", e))?)
                    .map_err(|e| bad("client CA", e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad("client CA", e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| bad("certificate/key", e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// PEM certificate and key.
#[derive(Debug, Clone)]
pub struct CertPair {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A CA with a server certificate for `server_name` (and 127.0.0.1) and a
/// client certificate (CN `client_name`), all signed by it.
#[derive(Debug, Clone)]
pub struct TestPki {
    pub ca: CertPair,
    pub server: CertPair,
    pub client: CertPair,
}

/// Generates a fresh CA, server and client certificate.
pub fn generate(server_name: &str, client_name: &str) -> io::Result<TestPki> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let err = |e: rcgen::Error| io::Error::other(format!("rcgen: {e}"));
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "feast-aerospike-testserver test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issue = |names: Vec<String>, cn: &str, client: bool| -> io::Result<CertPair> {
        let key = KeyPair::generate().map_err(err)?;
        let mut p = CertificateParams::new(names).map_err(err)?;
        p.distinguished_name.push(DnType::CommonName, cn);
        p.extended_key_usages = vec![if client {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        }];
        let cert = p.signed_by(&key, &ca_cert, &ca_key).map_err(err)?;
        Ok(CertPair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    };
    Ok(TestPki {
        server: issue(
            vec![server_name.to_string(), "127.0.0.1".to_string()],
            server_name,
            false,
        )?,
        client: issue(vec![client_name.to_string()], client_name, true)?,
        ca: CertPair {
            cert_pem: ca_cert.pem(),
            key_pem: ca_key.serialize_pem(),
        },
    })
}

/// Writes `ca.pem`, `server.pem`, `server.key`, `client.pem`, `client.key`
/// and, from a second unrelated CA, `other-ca.pem` into `dir`.
pub fn write_test_pki(dir: &Path, server_name: &str, client_name: &str) -> io::Result<TestPki> {
    std::fs::create_dir_all(dir)?;
    let pki = generate(server_name, client_name)?;
    let other = generate(server_name, client_name)?;
    for (file, text) in [
        ("ca.pem", &pki.ca.cert_pem),
        ("server.pem", &pki.server.cert_pem),
        ("server.key", &pki.server.key_pem),
        ("client.pem", &pki.client.cert_pem),
        ("client.key", &pki.client.key_pem),
        ("other-ca.pem", &other.ca.cert_pem),
    ] {
        std::fs::write(dir.join(file), text)?;
    }
    Ok(pki)
}

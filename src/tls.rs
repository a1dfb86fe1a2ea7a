//! TLS client configuration from Feast's `tls` block: trusted CA
//! certificates (`cafile`) and an optional client certificate
//! (`certfile` + `keyfile`, needed for `auth_mode: pki`), all PEM files.

use std::sync::Arc;

use aerospike::TlsPolicy;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::config::TlsConfig;
use crate::error::{Error, Result};

/// Build the client's TLS policy. Errors name the file that failed.
pub fn tls_policy(tls: &TlsConfig) -> Result<TlsPolicy> {
    let cafile = tls.cafile.as_deref().ok_or_else(|| {
        Error::config("tls.cafile is required: the CA certificate(s) that sign the server's")
    })?;
    let mut roots = RootCertStore::empty();
    let certs = read_certs(cafile)?;
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::config(format!(
            "tls.cafile {cafile}: no usable CA certificate"
        )));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("tls: {e}")))?
        .with_root_certificates(roots);
    let config = match (&tls.certfile, &tls.keyfile) {
        (Some(certfile), Some(keyfile)) => {
            let chain = read_certs(certfile)?;
            let key = PrivateKeyDer::from_pem_file(keyfile)
                .map_err(|e| Error::config(format!("tls.keyfile {keyfile}: {e}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| Error::config(format!("tls.certfile {certfile}: {e}")))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(TlsPolicy::new(config).with_login_only(tls.for_login_only))
}

fn read_certs(path: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: std::result::Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| Error::config(format!("tls: cannot read {path}: {e}")))?
        .collect();
    let certs = certs.map_err(|e| Error::config(format!("tls: {path}: {e}")))?;
    if certs.is_empty() {
        return Err(Error::config(format!(
            "tls: {path} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_config_errors_naming_the_file() {
        let e = tls_policy(&TlsConfig {
            enable: true,
            cafile: Some("/nonexistent/ca.pem".into()),
            ..TlsConfig::default()
        })
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(e.message().contains("/nonexistent/ca.pem"), "{e}");
        let e = tls_policy(&TlsConfig {
            enable: true,
            ..TlsConfig::default()
        })
        .unwrap_err();
        assert!(e.message().contains("cafile"), "{e}");
    }
}

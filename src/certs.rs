//! Certificates read from PEM files: the chain a server serves TLS with (web/tls.rs) and the
//! ones a viewer trusts for a producer's self-signed certificate or private CA
//! (ingest/mirror.rs).

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The certificates of the PEM file at `path`, in order, or why not: the file named as `what`
/// (e.g. "TLS certificate", "CA file") and what is wrong with it. A file with none is refused.
pub fn read_certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect)
        .map_err(|err| format!("{what} {}: {err}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {} holds no certificate (PEM, -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

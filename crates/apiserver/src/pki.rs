//! The cluster's certificates: a CA generated once into the data dir, the API server's
//! serving certificate (re-issued when its names change), the admin client certificate
//! and the kubeconfig that carries it, and the join token.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("reading or writing {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("generating or parsing a certificate for {what}: {source}")]
    Cert {
        what: &'static str,
        #[source]
        source: rcgen::Error,
    },
    #[error("{path} holds no usable PEM data")]
    BadPem { path: PathBuf },
}

/// PEM-encoded certificate and key.
#[derive(Clone, Debug)]
pub struct CertPair {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Everything the API server needs to serve TLS and to hand out credentials.
#[derive(Clone, Debug)]
pub struct ClusterPki {
    pub ca: CertPair,
    pub serving: CertPair,
    pub admin: CertPair,
    /// Where the files live (`DATA_DIR/tls`).
    pub dir: PathBuf,
}

/// The names and addresses the serving certificate must be valid for.
#[derive(Clone, Debug, Default)]
pub struct ServingNames {
    pub dns: Vec<String>,
    pub ips: Vec<IpAddr>,
}

impl ServingNames {
    /// Kubernetes' in-cluster names plus the given host names and addresses.
    pub fn for_cluster(hostnames: &[String], ips: &[IpAddr]) -> Self {
        let mut dns: Vec<String> = vec![
            "localhost".into(),
            "kubernetes".into(),
            "kubernetes.default".into(),
            "kubernetes.default.svc".into(),
            "kubernetes.default.svc.cluster.local".into(),
        ];
        for h in hostnames {
            if !h.is_empty() && !dns.contains(h) {
                dns.push(h.clone());
            }
        }
        let mut all_ips: Vec<IpAddr> = vec!["127.0.0.1".parse().expect("literal"), "::1".parse().expect("literal")];
        for ip in ips {
            if !all_ips.contains(ip) {
                all_ips.push(*ip);
            }
        }
        ServingNames { dns, ips: all_ips }
    }

    fn fingerprint(&self) -> String {
        let mut parts: Vec<String> = self.dns.clone();
        parts.extend(self.ips.iter().map(|ip| ip.to_string()));
        parts.sort();
        parts.join(",")
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io { path: path.to_path_buf(), source }
}

fn cert_err(what: &'static str) -> impl FnOnce(rcgen::Error) -> PkiError {
    move |source| PkiError::Cert { what, source }
}

/// Writes a file atomically (temp file, fsync, rename) with the given mode.
pub fn write_file_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), PkiError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let tmp = path.with_extension("tmp");
    {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        f.write_all(contents).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))?;
    Ok(())
}

fn read_pair(dir: &Path, name: &str) -> Result<Option<CertPair>, PkiError> {
    let crt = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    if !crt.exists() || !key.exists() {
        return Ok(None);
    }
    Ok(Some(CertPair {
        cert_pem: fs::read_to_string(&crt).map_err(io_err(&crt))?,
        key_pem: fs::read_to_string(&key).map_err(io_err(&key))?,
    }))
}

fn write_pair(dir: &Path, name: &str, pair: &CertPair) -> Result<(), PkiError> {
    write_file_atomic(&dir.join(format!("{name}.crt")), pair.cert_pem.as_bytes(), 0o644)?;
    write_file_atomic(&dir.join(format!("{name}.key")), pair.key_pem.as_bytes(), 0o600)
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(days);
}

fn new_ca() -> Result<CertPair, PkiError> {
    let key = KeyPair::generate().map_err(cert_err("cluster CA"))?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err("cluster CA"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("rkube-ca@{}", chrono::Utc::now().timestamp()));
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    validity(&mut params, 3650);
    let cert = params.self_signed(&key).map_err(cert_err("cluster CA"))?;
    Ok(CertPair { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

/// Issues a leaf certificate signed by the CA.
fn issue(
    ca: &CertPair,
    what: &'static str,
    common_name: &str,
    organizations: &[&str],
    names: Option<&ServingNames>,
    usage: ExtendedKeyUsagePurpose,
) -> Result<CertPair, PkiError> {
    let ca_key = KeyPair::from_pem(&ca.key_pem).map_err(cert_err(what))?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, ca_key).map_err(cert_err(what))?;
    let key = KeyPair::generate().map_err(cert_err(what))?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err(what))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    for o in organizations {
        dn.push(DnType::OrganizationName, *o);
    }
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![usage];
    if let Some(names) = names {
        for d in &names.dns {
            params
                .subject_alt_names
                .push(SanType::DnsName(d.clone().try_into().map_err(cert_err(what))?));
        }
        for ip in &names.ips {
            params.subject_alt_names.push(SanType::IpAddress(*ip));
        }
    }
    validity(&mut params, 365);
    let cert = params.signed_by(&key, &issuer).map_err(cert_err(what))?;
    Ok(CertPair { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

/// Issues a client certificate for `user` in `groups` (CN and O, as Kubernetes reads them).
pub fn issue_client_cert(ca: &CertPair, user: &str, groups: &[&str]) -> Result<CertPair, PkiError> {
    issue(ca, "client", user, groups, None, ExtendedKeyUsagePurpose::ClientAuth)
}

impl ClusterPki {
    /// Loads the PKI from `data_dir/tls`, generating what is missing; re-issues the serving
    /// certificate when the set of names changed.
    pub fn load_or_create(data_dir: &Path, names: &ServingNames) -> Result<Self, PkiError> {
        let dir = data_dir.join("tls");
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let ca = match read_pair(&dir, "ca")? {
            Some(ca) => ca,
            None => {
                let ca = new_ca()?;
                write_pair(&dir, "ca", &ca)?;
                ca
            }
        };
        let fp_path = dir.join("serving.names");
        let fingerprint = names.fingerprint();
        let old_fp = fs::read_to_string(&fp_path).unwrap_or_default();
        let serving = match read_pair(&dir, "serving")? {
            Some(pair) if old_fp == fingerprint => pair,
            _ => {
                let pair = issue(
                    &ca,
                    "serving certificate",
                    "kube-apiserver",
                    &[],
                    Some(names),
                    ExtendedKeyUsagePurpose::ServerAuth,
                )?;
                write_pair(&dir, "serving", &pair)?;
                write_file_atomic(&fp_path, fingerprint.as_bytes(), 0o644)?;
                pair
            }
        };
        let admin = match read_pair(&dir, "admin")? {
            Some(pair) => pair,
            None => {
                let pair = issue_client_cert(&ca, "system:admin", &["system:masters"])?;
                write_pair(&dir, "admin", &pair)?;
                pair
            }
        };
        Ok(ClusterPki { ca, serving, admin, dir })
    }

    /// A kubeconfig for the admin user against `server_url`, with credentials embedded.
    pub fn admin_kubeconfig(&self, server_url: &str) -> String {
        kubeconfig(server_url, &self.ca.cert_pem, "default", "default", &self.admin)
    }
}

/// Renders a kubeconfig with one cluster, user and context, all called `name`.
pub fn kubeconfig(server_url: &str, ca_pem: &str, name: &str, user: &str, cred: &CertPair) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {server_url}\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: {user}\n  name: {name}\ncurrent-context: {name}\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n",
        ca = b64(ca_pem),
        cert = b64(&cred.cert_pem),
        key = b64(&cred.key_pem),
    )
}

/// Reads the join token from `path`, creating a random one (`K10<ca hash>::server:<secret>`,
/// the k3s form) when absent or when `wanted` differs.
pub fn load_or_create_token(path: &Path, wanted: Option<&str>, ca_pem: &str) -> Result<String, PkiError> {
    if let Some(t) = wanted {
        write_file_atomic(path, format!("{t}\n").as_bytes(), 0o600)?;
        return Ok(t.to_string());
    }
    if let Ok(existing) = fs::read_to_string(path) {
        let t = existing.trim();
        if !t.is_empty() {
            return Ok(t.to_string());
        }
    }
    use rand::Rng;
    let secret: String = rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect::<String>()
        .to_lowercase();
    // The CA's hash lets an agent pin the server's CA before trusting it (as k3s does).
    let ca_hash = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(ca_pem.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let token = format!("K10{ca_hash}::server:{secret}");
    write_file_atomic(path, format!("{token}\n").as_bytes(), 0o600)?;
    Ok(token)
}

/// Parses the first PEM certificate chain and private key into rustls types.
pub fn rustls_identity(
    pair: &CertPair,
) -> Result<(Vec<rustls::pki_types::CertificateDer<'static>>, rustls::pki_types::PrivateKeyDer<'static>), PkiError> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut pair.cert_pem.as_bytes())
        .filter_map(Result::ok)
        .collect();
    let key = rustls_pemfile::private_key(&mut pair.key_pem.as_bytes())
        .ok()
        .flatten()
        .ok_or_else(|| PkiError::BadPem { path: PathBuf::from("<key>") })?;
    if certs.is_empty() {
        return Err(PkiError::BadPem { path: PathBuf::from("<cert>") });
    }
    Ok((certs, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_and_reuses_pki() {
        let dir = tempfile::tempdir().unwrap();
        let names = ServingNames::for_cluster(&["myhost".into()], &["10.43.0.1".parse().unwrap()]);
        let a = ClusterPki::load_or_create(dir.path(), &names).unwrap();
        let b = ClusterPki::load_or_create(dir.path(), &names).unwrap();
        assert_eq!(a.ca.cert_pem, b.ca.cert_pem);
        assert_eq!(a.serving.cert_pem, b.serving.cert_pem);
        // A new name re-issues the serving cert but keeps the CA.
        let names2 = ServingNames::for_cluster(&["other".into()], &[]);
        let c = ClusterPki::load_or_create(dir.path(), &names2).unwrap();
        assert_eq!(a.ca.cert_pem, c.ca.cert_pem);
        assert_ne!(a.serving.cert_pem, c.serving.cert_pem);
        let (certs, _key) = rustls_identity(&c.serving).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&certs[0]).unwrap();
        let san = parsed.subject_alternative_name().unwrap().unwrap();
        let text = format!("{:?}", san.value);
        assert!(text.contains("kubernetes.default.svc.cluster.local"), "{text}");
        assert!(text.contains("other"), "{text}");
    }

    #[test]
    fn admin_cert_has_user_and_group() {
        let dir = tempfile::tempdir().unwrap();
        let pki = ClusterPki::load_or_create(dir.path(), &ServingNames::for_cluster(&[], &[])).unwrap();
        let (certs, _) = rustls_identity(&pki.admin).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&certs[0]).unwrap();
        let cn: Vec<_> = parsed.subject().iter_common_name().map(|c| c.as_str().unwrap().to_string()).collect();
        let o: Vec<_> = parsed.subject().iter_organization().map(|c| c.as_str().unwrap().to_string()).collect();
        assert_eq!(cn, vec!["system:admin"]);
        assert_eq!(o, vec!["system:masters"]);
        let kc = pki.admin_kubeconfig("https://127.0.0.1:6443");
        assert!(kc.contains("server: https://127.0.0.1:6443"));
    }

    #[test]
    fn token_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token");
        let t1 = load_or_create_token(&p, None, "ca").unwrap();
        let t2 = load_or_create_token(&p, None, "ca").unwrap();
        assert_eq!(t1, t2);
        assert!(t1.starts_with("K10"));
        let t3 = load_or_create_token(&p, Some("mytoken"), "ca").unwrap();
        assert_eq!(t3, "mytoken");
    }
}

//! `Context` for JS: converts arguments and calls `ssl::Context`. Connections find a Context
//! through a registry keyed by a hidden id, because wasm-bindgen's own class check throws a
//! plain `Error` where API.md promises a `TypeError`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::ssl::constants::filetype;
use crate::ssl::pkey::PKey as CorePKey;
use crate::ssl::x509::X509 as CoreX509;
use crate::ssl::{self, pem, Error};
use crate::wasm::callbacks;
use crate::wasm::convert;
use crate::wasm::errors::{to_js, JsResult};
use crate::wasm::host;
use crate::wasm::registry::Registry;

pub(crate) type SharedContext = Rc<RefCell<ssl::Context>>;

thread_local! {
    static CONTEXTS: Registry<Weak<RefCell<ssl::Context>>> = const { Registry::new("__rustlsSslContextId") };
}

/// The Context behind a JS value, or a `TypeError`.
pub(crate) fn lookup(v: &JsValue) -> ssl::Result<SharedContext> {
    CONTEXTS
        .with(|r| r.get(v))
        .and_then(|w| w.upgrade())
        .ok_or_else(|| {
            Error::Type(format!(
                "context must be a Context, not {}",
                convert::type_name(v)
            ))
        })
}

#[wasm_bindgen]
pub struct Context {
    pub(crate) inner: SharedContext,
    id: u32,
    app_data: RefCell<JsValue>,
    passwd: RefCell<Option<(Function, JsValue)>>,
}

impl Drop for Context {
    fn drop(&mut self) {
        let id = self.id;
        let _ = CONTEXTS.try_with(|r| r.remove(id));
    }
}

/// A certificate from an `X509`, PEM text or DER bytes.
pub(crate) fn certificate_arg(v: &JsValue, what: &str) -> ssl::Result<CoreX509> {
    if let Some(der) = convert::der_via_method(v) {
        return CoreX509::from_der(&der?);
    }
    let data = convert::bytes(v, what)?;
    if pem::looks_like_pem(&data) {
        CoreX509::from_pem(&data)
    } else {
        CoreX509::from_der(&data)
    }
}

fn file_type(v: &JsValue) -> ssl::Result<u32> {
    if convert::is_absent(v) {
        return Ok(filetype::PEM);
    }
    match convert::uint(v, "fileType")? {
        t @ (filetype::PEM | filetype::ASN1) => Ok(t),
        other => Err(Error::Range(format!(
            "fileType must be FILETYPE_PEM or FILETYPE_ASN1, not {other}"
        ))),
    }
}

impl Context {
    fn with<T>(&self, f: impl FnOnce(&mut ssl::Context) -> ssl::Result<T>) -> JsResult<T> {
        let mut ctx = self
            .inner
            .try_borrow_mut()
            .map_err(|_| to_js(Error::ssl("context is busy")))?;
        f(&mut ctx).map_err(JsValue::from)
    }

    /// A private key from a `PKey`, PEM or DER; an encrypted PEM key asks the passphrase
    /// callback.
    fn private_key_arg(&self, v: &JsValue) -> JsResult<CorePKey> {
        if convert::is_x509(v) {
            return Err(to_js(Error::Type(
                "key must be a PKey, PEM text or DER bytes, not an X509".into(),
            )));
        }
        if let Some(der) = convert::der_via_method(v) {
            return CorePKey::from_der(&der?).map_err(JsValue::from);
        }
        let data = convert::bytes(v, "key")?;
        if !pem::looks_like_pem(&data) {
            return CorePKey::from_der(&data).map_err(JsValue::from);
        }
        let passphrase = if CorePKey::is_encrypted_pem(&data) {
            self.passphrase()?
        } else {
            None
        };
        CorePKey::from_pem(&data, passphrase.as_deref()).map_err(JsValue::from)
    }

    fn passphrase(&self) -> JsResult<Option<Vec<u8>>> {
        let Some((cb, userdata)) = self.passwd.borrow().clone() else {
            return Ok(None);
        };
        /// OpenSSL's PEM_BUFSIZE, the maxLength pyOpenSSL's callback receives.
        const MAX_PASSPHRASE: u32 = 1024;
        let out = cb.call3(&JsValue::NULL, &MAX_PASSPHRASE.into(), &JsValue::FALSE, &userdata)?;
        if out.as_string().is_none() && out.dyn_ref::<js_sys::Uint8Array>().is_none() {
            return Err(to_js(Error::Type(
                "the passphrase callback must return a string or a Uint8Array".into(),
            )));
        }
        convert::bytes(&out, "passphrase")
            .map(Some)
            .map_err(JsValue::from)
    }
}

#[wasm_bindgen]
impl Context {
    #[wasm_bindgen(constructor)]
    pub fn new(method: JsValue) -> JsResult<Context> {
        let method = convert::uint(&method, "method")?;
        let ctx = ssl::Context::new(method)?;
        let inner = Rc::new(RefCell::new(ctx));
        let id = CONTEXTS.with(|r| r.insert(Rc::downgrade(&inner)));
        Ok(Context {
            inner,
            id,
            app_data: RefCell::new(JsValue::NULL),
            passwd: RefCell::new(None),
        })
    }

    #[wasm_bindgen(getter = __rustlsSslContextId)]
    pub fn registry_id(&self) -> u32 {
        self.id
    }

    // ---- identity ----

    #[wasm_bindgen(js_name = useCertificate)]
    pub fn use_certificate(&self, cert: JsValue) -> JsResult<()> {
        let cert = certificate_arg(&cert, "cert")?;
        self.with(|c| c.settings.set_certificate(cert))
    }

    #[wasm_bindgen(js_name = useCertificateChain)]
    pub fn use_certificate_chain(&self, pem_chain: JsValue) -> JsResult<()> {
        let data = convert::bytes(&pem_chain, "chain")?;
        let certs = pem::certificates(&data)?;
        self.with(|c| c.settings.set_certificate_chain(certs))
    }

    #[wasm_bindgen(js_name = useCertificateFile)]
    pub fn use_certificate_file(&self, path: JsValue, file_type: JsValue) -> JsResult<()> {
        let path = convert::string(&path, "path")?;
        let ft = self::file_type(&file_type)?;
        let data = host::read_file(&path)?;
        let cert = if ft == filetype::PEM {
            CoreX509::from_pem(&data)
        } else {
            CoreX509::from_der(&data)
        };
        let cert = cert?;
        self.with(|c| c.settings.set_certificate(cert))
    }

    #[wasm_bindgen(js_name = useCertificateChainFile)]
    pub fn use_certificate_chain_file(&self, path: JsValue) -> JsResult<()> {
        let path = convert::string(&path, "path")?;
        let data = host::read_file(&path)?;
        let certs = pem::certificates(&data)?;
        self.with(|c| c.settings.set_certificate_chain(certs))
    }

    #[wasm_bindgen(js_name = addExtraChainCert)]
    pub fn add_extra_chain_cert(&self, cert: JsValue) -> JsResult<()> {
        let cert = certificate_arg(&cert, "cert")?;
        self.with(|c| c.settings.add_extra_chain_cert(cert))
    }

    #[wasm_bindgen(js_name = usePrivateKey)]
    pub fn use_private_key(&self, key: JsValue) -> JsResult<()> {
        let key = self.private_key_arg(&key)?;
        self.with(|c| c.settings.set_private_key(key))
    }

    #[wasm_bindgen(js_name = usePrivateKeyFile)]
    pub fn use_private_key_file(&self, path: JsValue, file_type: JsValue) -> JsResult<()> {
        let path = convert::string(&path, "path")?;
        let ft = self::file_type(&file_type)?;
        let data = host::read_file(&path)?;
        let key = if ft == filetype::PEM {
            self.private_key_arg(&js_sys::Uint8Array::from(data.as_slice()).into())?
        } else {
            CorePKey::from_der(&data)?
        };
        self.with(|c| c.settings.set_private_key(key))
    }

    #[wasm_bindgen(js_name = checkPrivateKey)]
    pub fn check_private_key(&self) -> JsResult<()> {
        self.with(|c| c.settings.check_private_key())
    }

    #[wasm_bindgen(js_name = setPasswdCb)]
    pub fn set_passwd_cb(&self, callback: JsValue, userdata: JsValue) -> JsResult<()> {
        let cb = convert::function(&callback, "callback")?;
        let userdata = if userdata.is_undefined() {
            JsValue::NULL
        } else {
            userdata
        };
        *self.passwd.borrow_mut() = Some((cb, userdata));
        Ok(())
    }

    // ---- trust ----

    #[wasm_bindgen(js_name = loadVerifyLocations)]
    pub fn load_verify_locations(&self, cafile: JsValue, capath: JsValue, cadata: JsValue) -> JsResult<()> {
        if convert::is_absent(&cafile) && convert::is_absent(&capath) && convert::is_absent(&cadata) {
            return Err(to_js(Error::Type(
                "loadVerifyLocations needs cafile, capath or cadata".into(),
            )));
        }
        let mut certs = Vec::new();
        if !convert::is_absent(&cafile) {
            let path = convert::string(&cafile, "cafile")?;
            certs.extend(pem::certificates(&host::read_file(&path)?)?);
        }
        if !convert::is_absent(&capath) {
            let dir = convert::string(&capath, "capath")?;
            for name in host::read_dir(&dir)? {
                // c_rehash directories also hold CRLs and stray files: take what parses.
                if let Ok(data) = host::read_file(&format!("{}/{}", dir.trim_end_matches('/'), name)) {
                    certs.extend(pem::certificates(&data).unwrap_or_default());
                }
            }
        }
        if !convert::is_absent(&cadata) {
            let data = convert::bytes(&cadata, "cadata")?;
            certs.extend(pem::certificates(&data)?);
        }
        self.with(|c| c.add_trust(certs))
    }

    #[wasm_bindgen(js_name = setDefaultVerifyPaths)]
    pub fn set_default_verify_paths(&self) -> JsResult<()> {
        self.with(|c| {
            c.set_default_verify_paths();
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = getCertStore)]
    pub fn get_cert_store(&self) -> X509Store {
        X509Store {
            context: Some(self.inner.clone()),
            pending: RefCell::new(Vec::new()),
        }
    }

    #[wasm_bindgen(js_name = setVerify)]
    pub fn set_verify(&self, mode: JsValue, callback: JsValue) -> JsResult<()> {
        let mode = convert::uint(&mode, "mode")?;
        let callback = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.with(|c| {
            c.settings.set_verify(mode)?;
            c.settings.verify_callback = callback;
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = getVerifyMode)]
    pub fn get_verify_mode(&self) -> JsResult<u32> {
        self.with(|c| Ok(c.settings.reported_verify_mode()))
    }

    #[wasm_bindgen(js_name = setVerifyDepth)]
    pub fn set_verify_depth(&self, depth: JsValue) -> JsResult<()> {
        let depth = convert::uint(&depth, "depth")?;
        self.with(|c| {
            c.settings.verify_depth = Some(depth);
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = getVerifyDepth)]
    pub fn get_verify_depth(&self) -> JsResult<u32> {
        // OpenSSL's default depth is 100.
        self.with(|c| Ok(c.settings.verify_depth.unwrap_or(100)))
    }

    #[wasm_bindgen(js_name = loadClientCa)]
    pub fn load_client_ca(&self, cafile: JsValue) -> JsResult<()> {
        let path = convert::string(&cafile, "cafile")?;
        let certs = pem::certificates(&host::read_file(&path)?)?;
        let mut subjects = Vec::new();
        for der in certs {
            subjects.push(CoreX509::from_der(der.as_ref())?.subject().der);
        }
        self.with(|c| {
            c.set_client_ca_list(subjects);
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = setClientCaList)]
    pub fn set_client_ca_list(&self, list: JsValue) -> JsResult<()> {
        if !js_sys::Array::is_array(&list) {
            return Err(to_js(Error::Type(
                "certificateAuthorities must be an array".into(),
            )));
        }
        let mut subjects = Vec::new();
        for item in js_sys::Array::from(&list).iter() {
            subjects.push(subject_der(&item)?);
        }
        self.with(|c| {
            c.set_client_ca_list(subjects);
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = addClientCa)]
    pub fn add_client_ca(&self, cert: JsValue) -> JsResult<()> {
        let der = subject_der(&cert)?;
        self.with(|c| {
            c.add_client_ca(der);
            Ok(())
        })
    }

    // ---- policy ----

    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&self, mask: JsValue) -> JsResult<f64> {
        let mask = convert::mask(&mask, "options")?;
        self.with(|c| Ok(f64::from(c.set_options(mask))))
    }

    #[wasm_bindgen(js_name = getOptions)]
    pub fn get_options(&self) -> JsResult<f64> {
        self.with(|c| Ok(f64::from(c.settings.options)))
    }

    #[wasm_bindgen(js_name = setMode)]
    pub fn set_mode(&self, mask: JsValue) -> JsResult<f64> {
        let mask = convert::mask(&mask, "mode")?;
        self.with(|c| Ok(f64::from(c.set_mode(mask))))
    }

    #[wasm_bindgen(js_name = setCipherList)]
    pub fn set_cipher_list(&self, spec: JsValue) -> JsResult<()> {
        let spec = convert::string(&spec, "cipherList")?;
        self.with(|c| c.set_cipher_list(&spec))
    }

    #[wasm_bindgen(js_name = setTls13Ciphersuites)]
    pub fn set_tls13_ciphersuites(&self, spec: JsValue) -> JsResult<()> {
        let spec = convert::string(&spec, "ciphersuites")?;
        self.with(|c| c.set_tls13_ciphersuites(&spec))
    }

    #[wasm_bindgen(js_name = setMinProtoVersion)]
    pub fn set_min_proto_version(&self, v: JsValue) -> JsResult<()> {
        let v = convert::uint(&v, "version")?;
        self.with(|c| c.set_min_proto_version(v))
    }

    #[wasm_bindgen(js_name = setMaxProtoVersion)]
    pub fn set_max_proto_version(&self, v: JsValue) -> JsResult<()> {
        let v = convert::uint(&v, "version")?;
        self.with(|c| c.set_max_proto_version(v))
    }

    #[wasm_bindgen(js_name = setTmpEcdh)]
    pub fn set_tmp_ecdh(&self, curve: JsValue) -> JsResult<()> {
        let curve = convert::string(&curve, "curve")?;
        self.with(|c| c.set_groups(&curve))
    }

    #[wasm_bindgen(js_name = setGroups)]
    pub fn set_groups(&self, names: JsValue) -> JsResult<()> {
        let spec = if js_sys::Array::is_array(&names) {
            let parts: Result<Vec<String>, _> = js_sys::Array::from(&names)
                .iter()
                .map(|n| convert::string(&n, "group"))
                .collect();
            parts?.join(":")
        } else {
            convert::string(&names, "groups")?
        };
        self.with(|c| c.set_groups(&spec))
    }

    /// rustls has no finite-field DHE: the file must exist and parse, then it is ignored.
    #[wasm_bindgen(js_name = loadTmpDh)]
    pub fn load_tmp_dh(&self, dhfile: JsValue) -> JsResult<()> {
        let path = convert::string(&dhfile, "dhfile")?;
        let data = host::read_file(&path)?;
        if !data.windows(21).any(|w| w == b"BEGIN DH PARAMETERS--") {
            return Err(to_js(Error::pem("no start line (expected DH PARAMETERS)")));
        }
        Ok(())
    }

    // ---- negotiation ----

    #[wasm_bindgen(js_name = setAlpnProtos)]
    pub fn set_alpn_protos(&self, protos: JsValue) -> JsResult<()> {
        let protos = convert::byte_list(&protos, "protos")?;
        self.with(|c| c.settings.set_alpn_protos(protos))
    }

    /// Server side: `callback(conn, offered: string[])` returns the protocol to use, or
    /// `NO_OVERLAPPING_PROTOCOLS` to go on without ALPN; `""` aborts the handshake.
    #[wasm_bindgen(js_name = setAlpnSelectCallback)]
    pub fn set_alpn_select_callback(&self, callback: JsValue) -> JsResult<()> {
        let cb = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.with(|c| {
            c.settings.alpn_select_callback = cb;
            Ok(())
        })
    }

    /// Server side: `callback(conn)` runs when the ClientHello arrives; it may read
    /// `conn.getServername()` and switch certificates with `conn.setContext(other)`.
    #[wasm_bindgen(js_name = setTlsextServernameCallback)]
    pub fn set_tlsext_servername_callback(&self, callback: JsValue) -> JsResult<()> {
        let cb = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.with(|c| {
            c.settings.servername_callback = cb;
            Ok(())
        })
    }

    /// `callback(conn, line: Uint8Array)` with each NSS key-log line (for Wireshark).
    #[wasm_bindgen(js_name = setKeylogCallback)]
    pub fn set_keylog_callback(&self, callback: JsValue) -> JsResult<()> {
        let cb = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.with(|c| {
            c.settings.keylog_callback = cb;
            Ok(())
        })
    }

    /// `callback(conn, where, ret)`: rustls has no state-machine hook, so `where` is
    /// `SSL_CB_HANDSHAKE_START` (with the connect/accept bit) and `SSL_CB_HANDSHAKE_DONE`.
    #[wasm_bindgen(js_name = setInfoCallback)]
    pub fn set_info_callback(&self, callback: JsValue) -> JsResult<()> {
        let cb = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.with(|c| {
            c.settings.info_callback = cb;
            Ok(())
        })
    }

    // ---- sessions ----

    #[wasm_bindgen(js_name = setSessionCacheMode)]
    pub fn set_session_cache_mode(&self, mode: JsValue) -> JsResult<u32> {
        let mode = convert::uint(&mode, "mode")?;
        self.with(|c| Ok(c.set_session_cache_mode(mode)))
    }

    #[wasm_bindgen(js_name = getSessionCacheMode)]
    pub fn get_session_cache_mode(&self) -> JsResult<u32> {
        self.with(|c| Ok(c.settings.session_cache_mode))
    }

    #[wasm_bindgen(js_name = setSessionId)]
    pub fn set_session_id(&self, id: JsValue) -> JsResult<()> {
        let id = convert::bytes(&id, "sessionId")?;
        self.with(|c| c.set_session_id(&id))
    }

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(&self, seconds: JsValue) -> JsResult<u32> {
        let seconds = convert::uint(&seconds, "timeout")?;
        self.with(|c| Ok(c.set_timeout(seconds)))
    }

    #[wasm_bindgen(js_name = getTimeout)]
    pub fn get_timeout(&self) -> JsResult<u32> {
        self.with(|c| Ok(c.settings.timeout))
    }

    // ---- data ----

    #[wasm_bindgen(js_name = setAppData)]
    pub fn set_app_data(&self, data: JsValue) {
        *self.app_data.borrow_mut() = data;
    }

    #[wasm_bindgen(js_name = getAppData)]
    pub fn get_app_data(&self) -> JsValue {
        self.app_data.borrow().clone()
    }
}

/// The DER subject of an `X509Name` or `X509` (both have `toDer`; a name's is its subject).
fn subject_der(v: &JsValue) -> ssl::Result<Vec<u8>> {
    let is_name = js_sys::Reflect::get(v, &"getComponents".into()).is_ok_and(|f| f.is_function());
    let der =
        convert::der_via_method(v).ok_or_else(|| Error::Type("expected an X509Name or an X509".into()))??;
    if is_name {
        return Ok(der);
    }
    Ok(CoreX509::from_der(&der)?.subject().der)
}

/// `X509Store`: a view of a Context's trust anchors (`addCert` adds one).
#[wasm_bindgen]
pub struct X509Store {
    context: Option<SharedContext>,
    pending: RefCell<Vec<CoreX509>>,
}

#[wasm_bindgen]
impl X509Store {
    /// A store on its own, as pyOpenSSL's `X509Store()`; only one from `getCertStore()`
    /// changes what a Context trusts.
    #[wasm_bindgen(constructor)]
    pub fn new() -> X509Store {
        X509Store {
            context: None,
            pending: RefCell::new(Vec::new()),
        }
    }

    #[wasm_bindgen(js_name = addCert)]
    pub fn add_cert(&self, cert: JsValue) -> JsResult<()> {
        let cert = certificate_arg(&cert, "cert")?;
        match &self.context {
            Some(ctx) => ctx
                .try_borrow_mut()
                .map_err(|_| to_js(Error::ssl("context is busy")))?
                .add_trust(vec![cert.der().clone()])
                .map_err(JsValue::from),
            None => {
                self.pending.borrow_mut().push(cert);
                Ok(())
            }
        }
    }
}

impl Default for X509Store {
    fn default() -> Self {
        Self::new()
    }
}

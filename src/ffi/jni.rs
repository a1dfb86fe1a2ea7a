//! JNI entry points for the Java binding on JDK 17–21, where Panama FFM (the
//! binding's path on JDK 22+) does not exist. Each is a thin adapter over the
//! C exports of this module: it copies the Java `byte[]` request into Rust
//! memory, calls the same `fas_*` function (so the same panic boundary and
//! the same checks apply), and answers one `byte[]` framing the outcome:
//!
//! ```text
//! [status: i32 LE][result_code: i32 LE][payload]
//! ```
//!
//! where the payload is the response bytes on `FAS_OK` and the error message
//! (UTF-8) otherwise. `null` means the JVM could not allocate the answer (an
//! `OutOfMemoryError` is then pending) or the adapter itself panicked.
//!
//! Symbol names are fixed by JNI (`Java_<class>_<method>`); every one is under
//! `Java_dev_feastaerospike_JniNative_`, the Java class that declares them
//! (bindings/java/.../JniNative.java). They are left out of the C header.
//!
//! Only five functions of the JNIEnv table are needed, so they are declared by
//! hand (indices from the JNI specification's function table, the same in
//! every JDK since 1.6) instead of pulling in a JNI crate.

// JNI dictates the exported names (Java_<package>_<class>_<method>).
#![allow(non_snake_case)]

use std::ffi::{c_char, c_void, CStr};
use std::ptr;

use super::error::FasError;
use super::panic::guard_value;
use super::status::{FAS_ERR_INTERNAL, FAS_ERR_INVALID_ARGUMENT, FAS_OK};
use super::store::FasStore;

type JInt = i32;
type JLong = i64;
type JSize = i32;
/// A local reference (`jobject`, `jbyteArray`, `jclass`): opaque to us.
type JObject = *mut c_void;
/// `JNIEnv *`: a pointer to a pointer to the JVM's function table.
type JniEnv = *mut *const [*const c_void; JNI_TABLE_LEN];

const JNI_TABLE_LEN: usize = 229;
// Indices into JNINativeInterface_ (JNI specification, "Interface Function Table").
const GET_ARRAY_LENGTH: usize = 171;
const NEW_BYTE_ARRAY: usize = 176;
const GET_BYTE_ARRAY_REGION: usize = 200;
const SET_BYTE_ARRAY_REGION: usize = 208;
const EXCEPTION_CHECK: usize = 228;

type GetArrayLengthFn = unsafe extern "system" fn(JniEnv, JObject) -> JSize;
type NewByteArrayFn = unsafe extern "system" fn(JniEnv, JSize) -> JObject;
type ByteArrayRegionFn = unsafe extern "system" fn(JniEnv, JObject, JSize, JSize, *mut i8);
type ExceptionCheckFn = unsafe extern "system" fn(JniEnv) -> u8;

/// The JNI functions this module calls, read from the table of one `JNIEnv`.
struct Jni {
    env: JniEnv,
}

impl Jni {
    /// # Safety
    /// `env` is the `JNIEnv *` the JVM passed to the current native call.
    unsafe fn new(env: JniEnv) -> Self {
        Jni { env }
    }

    fn slot(&self, index: usize) -> *const c_void {
        // SAFETY: a live JNIEnv points to the JVM's table, which has at least
        // JNI_TABLE_LEN entries in every JNI version since 1.6.
        unsafe { (**self.env)[index] }
    }

    /// A Java `byte[]` as a Rust vector; `null` is the empty request.
    fn read_bytes(&self, array: JObject) -> Result<Vec<u8>, ()> {
        if array.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: the slots hold these functions with these signatures (JNI spec).
        let (len_fn, get_fn, check_fn) = unsafe {
            (
                std::mem::transmute::<*const c_void, GetArrayLengthFn>(self.slot(GET_ARRAY_LENGTH)),
                std::mem::transmute::<*const c_void, ByteArrayRegionFn>(
                    self.slot(GET_BYTE_ARRAY_REGION),
                ),
                std::mem::transmute::<*const c_void, ExceptionCheckFn>(self.slot(EXCEPTION_CHECK)),
            )
        };
        // SAFETY: array is a live byte[] local reference from the JVM.
        let len = unsafe { len_fn(self.env, array) };
        let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0)];
        if !bytes.is_empty() {
            // SAFETY: `bytes` has room for `len` bytes; jbyte is i8.
            unsafe { get_fn(self.env, array, 0, len, bytes.as_mut_ptr().cast()) };
        }
        // SAFETY: plain query of the current thread's JNI state.
        if unsafe { check_fn(self.env) } != 0 {
            return Err(());
        }
        Ok(bytes)
    }

    /// A new Java `byte[]` holding `header` then `payload`, or null when the
    /// JVM could not allocate it (an exception is then pending).
    fn framed(&self, status: i32, result_code: i32, payload: &[u8]) -> JObject {
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&status.to_le_bytes());
        header[4..].copy_from_slice(&result_code.to_le_bytes());
        let Ok(total) = JSize::try_from(payload.len() + header.len()) else {
            let message = b"response exceeds the 2 GiB limit of a Java byte[]";
            return self.framed(FAS_ERR_INTERNAL, -1, message);
        };
        // SAFETY: the slots hold these functions with these signatures (JNI spec).
        let (new_fn, set_fn) = unsafe {
            (
                std::mem::transmute::<*const c_void, NewByteArrayFn>(self.slot(NEW_BYTE_ARRAY)),
                std::mem::transmute::<*const c_void, ByteArrayRegionFn>(
                    self.slot(SET_BYTE_ARRAY_REGION),
                ),
            )
        };
        // SAFETY: a live env; a null answer means an exception is pending.
        let array = unsafe { new_fn(self.env, total) };
        if array.is_null() {
            return array;
        }
        // SAFETY: the array has `total` elements; both regions lie inside it and
        // the JVM only reads from the source pointers.
        unsafe {
            set_fn(self.env, array, 0, 8, header.as_ptr().cast_mut().cast());
            if !payload.is_empty() {
                set_fn(
                    self.env,
                    array,
                    8,
                    total - 8,
                    payload.as_ptr().cast_mut().cast(),
                );
            }
        }
        array
    }

    /// Frames a failed call's error object, releasing it.
    fn framed_error(&self, status: i32, error: *mut FasError) -> JObject {
        // SAFETY: NULL or an error object just handed out by a fas_* call.
        match unsafe { error.as_mut() } {
            None => self.framed(status, -1, b""),
            Some(err) => {
                let answer = self.framed(status, err.result_code(), err.message().to_bytes());
                // SAFETY: owned by us since the call returned it; freed once.
                unsafe { super::fas_error_free(error) };
                answer
            }
        }
    }
}

/// Runs one adapter body inside the panic boundary; a panic answers null.
///
/// # Safety
/// `env` is the `JNIEnv *` the JVM passed to the current native call.
unsafe fn adapter(env: JniEnv, body: impl FnOnce(&Jni) -> JObject) -> JObject {
    // SAFETY: forwarded from this function's contract.
    let jni = unsafe { Jni::new(env) };
    guard_value(ptr::null_mut(), || body(&jni))
}

/// `JniNative.abiVersion0()`: `fas_abi_version()`.
#[no_mangle]
pub extern "system" fn Java_dev_feastaerospike_JniNative_abiVersion0(
    _env: JniEnv,
    _class: JObject,
) -> JInt {
    super::fas_abi_version() as JInt
}

/// `JniNative.version0()`: `fas_version()`, framed with `FAS_OK`.
///
/// # Safety
/// Called by the JVM with a live `env`.
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_version0(
    env: JniEnv,
    _class: JObject,
) -> JObject {
    let body = |jni: &Jni| {
        // SAFETY: fas_version returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(super::fas_version()) };
        jni.framed(FAS_OK, -1, version.to_bytes())
    };
    // SAFETY: the JVM passes a live env.
    unsafe { adapter(env, body) }
}

/// `JniNative.open0(byte[] initRequest)`: `fas_store_open`; the payload on
/// success is the handle as a little-endian u64, to release with `free`.
///
/// # Safety
/// Called by the JVM with a live `env` and a `byte[]` (or null) request.
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_open0(
    env: JniEnv,
    _class: JObject,
    request: JObject,
) -> JObject {
    let body = |jni: &Jni| {
        let Ok(bytes) = jni.read_bytes(request) else {
            return ptr::null_mut();
        };
        let mut store: *mut FasStore = ptr::null_mut();
        let mut error: *mut FasError = ptr::null_mut();
        // SAFETY: bytes outlive the call; both outputs are writable locals.
        let status =
            unsafe { super::fas_store_open(bytes.as_ptr(), bytes.len(), &mut store, &mut error) };
        if status != FAS_OK {
            return jni.framed_error(status, error);
        }
        let handle = (store as usize as u64).to_le_bytes();
        let answer = jni.framed(FAS_OK, -1, &handle);
        if answer.is_null() {
            // The Java side never sees this handle: release it here.
            // SAFETY: just opened, used by no one else.
            unsafe { super::fas_store_free(store) };
        }
        answer
    };
    // SAFETY: the JVM passes a live env.
    unsafe { adapter(env, body) }
}

/// `JniNative.call0(int operation, long store, byte[] request)`: one of the
/// request/response exports, by number: 0 write_batch, 1 read, 2 update,
/// 3 teardown, 4 metrics (the numbers of NativeBackend.Operation; metrics
/// takes no request, so its request bytes are ignored).
///
/// # Safety
/// Called by the JVM with a live `env`; `store` is 0 or a handle from `open`
/// not yet freed (the Java binding guarantees it with its read lock).
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_call0(
    env: JniEnv,
    _class: JObject,
    operation: JInt,
    store: JLong,
    request: JObject,
) -> JObject {
    let body = |jni: &Jni| {
        type CallFn = unsafe extern "C" fn(
            *const FasStore,
            *const u8,
            usize,
            *mut *mut u8,
            *mut usize,
            *mut *mut FasError,
        ) -> i32;
        let function: CallFn = match operation {
            0 => super::fas_store_write_batch,
            1 => super::fas_store_read,
            2 => super::fas_store_update,
            3 => super::fas_store_teardown,
            4 => metrics_call,
            _ => {
                let message = format!("jni: no request/response operation number {operation}");
                return jni.framed(FAS_ERR_INVALID_ARGUMENT, -1, message.as_bytes());
            }
        };
        let Ok(bytes) = jni.read_bytes(request) else {
            return ptr::null_mut();
        };
        let mut response: *mut u8 = ptr::null_mut();
        let mut response_len: usize = 0;
        let mut error: *mut FasError = ptr::null_mut();
        // SAFETY: store is 0 (refused by the export) or live, per the contract;
        // bytes outlive the call; the outputs are writable locals.
        let status = unsafe {
            function(
                store as usize as *const FasStore,
                bytes.as_ptr(),
                bytes.len(),
                &mut response,
                &mut response_len,
                &mut error,
            )
        };
        if status != FAS_OK {
            return jni.framed_error(status, error);
        }
        let payload: &[u8] = if response.is_null() {
            &[]
        } else {
            // SAFETY: the library's buffer of response_len bytes, live until freed below.
            unsafe { std::slice::from_raw_parts(response, response_len) }
        };
        let answer = jni.framed(FAS_OK, -1, payload);
        // SAFETY: the buffer and length the export handed out, freed once.
        unsafe { super::fas_buffer_free(response, response_len) };
        answer
    };
    // SAFETY: the JVM passes a live env.
    unsafe { adapter(env, body) }
}

/// `fas_store_metrics` in the request/response shape of `call0`: the request
/// is ignored.
///
/// # Safety
/// As `fas_store_metrics`; the request pointer is never read.
unsafe extern "C" fn metrics_call(
    store: *const FasStore,
    _request: *const u8,
    _request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    // SAFETY: forwarded from this function's contract.
    unsafe { super::fas_store_metrics(store, out_response, out_response_len, out_error) }
}

/// `JniNative.close0(long store)`: `fas_store_close` (framed, empty payload).
///
/// # Safety
/// Called by the JVM with a live `env`; `store` is 0 or a live handle.
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_close0(
    env: JniEnv,
    _class: JObject,
    store: JLong,
) -> JObject {
    let body = |jni: &Jni| {
        let mut error: *mut FasError = ptr::null_mut();
        // SAFETY: 0 (refused) or a live handle, per the contract.
        let status =
            unsafe { super::fas_store_close(store as usize as *const FasStore, &mut error) };
        if status != FAS_OK {
            return jni.framed_error(status, error);
        }
        jni.framed(FAS_OK, -1, b"")
    };
    // SAFETY: the JVM passes a live env.
    unsafe { adapter(env, body) }
}

/// `JniNative.free0(long store)`: `fas_store_free`.
///
/// # Safety
/// `store` is 0 or a handle from `open` not yet freed, with no call running on it.
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_free0(
    _env: JniEnv,
    _class: JObject,
    store: JLong,
) {
    // SAFETY: forwarded from this function's contract.
    unsafe { super::fas_store_free(store as usize as *mut FasStore) }
}

/// `JniNative.debugPanic0(byte[] message)`: `fas_debug_panic` (TEST ONLY),
/// framed; the message is UTF-8 without NUL.
///
/// # Safety
/// Called by the JVM with a live `env` and a `byte[]` (or null).
#[no_mangle]
pub unsafe extern "system" fn Java_dev_feastaerospike_JniNative_debugPanic0(
    env: JniEnv,
    _class: JObject,
    message: JObject,
) -> JObject {
    let body = |jni: &Jni| {
        let Ok(mut bytes) = jni.read_bytes(message) else {
            return ptr::null_mut();
        };
        bytes.retain(|&b| b != 0);
        bytes.push(0);
        let mut error: *mut FasError = ptr::null_mut();
        // SAFETY: NUL-terminated above; error is a writable local.
        let status = unsafe { super::fas_debug_panic(bytes.as_ptr().cast::<c_char>(), &mut error) };
        jni.framed_error(status, error)
    };
    // SAFETY: the JVM passes a live env.
    unsafe { adapter(env, body) }
}

//! Helpers of the C ABI tests: safe wrappers that call the exports the way a
//! C caller would and collect status, outputs and error.

use std::ffi::CStr;
use std::ptr;

use feast_aerospike::ffi::*;
use feast_aerospike::proto::v1::*;
use prost::Message;

pub use super::driver;

/// Signature shared by write_batch / read / update / teardown.
pub type OpFn = unsafe extern "C" fn(
    *const FasStore,
    *const u8,
    usize,
    *mut *mut u8,
    *mut usize,
    *mut *mut FasError,
) -> i32;

/// A sentinel the library must not overwrite on failure.
pub const SENTINEL: usize = 0xDEAD_BEEF;

#[derive(Debug)]
pub struct ErrorInfo {
    pub code: i32,
    pub result_code: i32,
    pub message: String,
}

#[derive(Debug)]
pub struct Outcome {
    pub status: i32,
    /// Present on FAS_OK (copied out, then freed with fas_buffer_free).
    pub response: Option<Vec<u8>>,
    pub error: Option<ErrorInfo>,
}

/// Reads and frees an error object.
///
/// # Safety
/// `err` is NULL or a live error from the library.
pub unsafe fn take_error(err: *mut FasError) -> Option<ErrorInfo> {
    if err.is_null() {
        return None;
    }
    let info = unsafe {
        ErrorInfo {
            code: fas_error_code(err),
            result_code: fas_error_result_code(err),
            message: CStr::from_ptr(fas_error_message(err))
                .to_str()
                .expect("error message is UTF-8")
                .to_owned(),
        }
    };
    unsafe { fas_error_free(err) };
    Some(info)
}

/// Calls `op` with raw request pointer/length, checking the "outputs only on
/// success" rule with sentinels.
pub fn call_raw(op: OpFn, store: *const FasStore, data: *const u8, len: usize) -> Outcome {
    let mut out = SENTINEL as *mut u8;
    let mut out_len = SENTINEL;
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe { op(store, data, len, &mut out, &mut out_len, &mut err) };
    let error = unsafe { take_error(err) };
    if status == FAS_OK {
        assert!(error.is_none(), "error object written on success");
        assert_ne!(out_len, SENTINEL, "response length not written on success");
        let response = if out.is_null() {
            assert_eq!(out_len, 0, "NULL response with a length");
            Vec::new()
        } else {
            assert_ne!(out as usize, SENTINEL, "response not written on success");
            let v = unsafe { std::slice::from_raw_parts(out, out_len) }.to_vec();
            unsafe { fas_buffer_free(out, out_len) };
            v
        };
        Outcome {
            status,
            response: Some(response),
            error,
        }
    } else {
        assert_eq!(out as usize, SENTINEL, "response written on failure");
        assert_eq!(out_len, SENTINEL, "response length written on failure");
        let e = error.as_ref().expect("no error object on failure");
        assert_eq!(e.code, status, "error code differs from the status");
        Outcome {
            status,
            response: None,
            error,
        }
    }
}

pub fn call(op: OpFn, store: *const FasStore, request: &[u8]) -> Outcome {
    call_raw(op, store, request.as_ptr(), request.len())
}

/// Calls `op` and decodes its response, panicking with the error on failure.
pub fn call_ok<M: Message + Default>(
    op: OpFn,
    store: *const FasStore,
    request: &impl Message,
) -> M {
    let outcome = call(op, store, &request.encode_to_vec());
    assert_eq!(outcome.status, FAS_OK, "call failed: {:?}", outcome.error);
    M::decode(outcome.response.unwrap().as_slice()).expect("response decodes")
}

/// Opens a store with `config_json`; Err carries the status and error.
pub fn open(config_json: &str) -> Result<*mut FasStore, (i32, Option<ErrorInfo>)> {
    let init = InitRequest {
        config_json: config_json.to_owned(),
    }
    .encode_to_vec();
    let mut store = SENTINEL as *mut FasStore;
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe { fas_store_open(init.as_ptr(), init.len(), &mut store, &mut err) };
    let error = unsafe { take_error(err) };
    if status == FAS_OK {
        assert!(!store.is_null() && store as usize != SENTINEL);
        Ok(store)
    } else {
        assert_eq!(store as usize, SENTINEL, "out_store written on failure");
        Err((status, error))
    }
}

pub fn config_for(addr: std::net::SocketAddr, project: &str) -> String {
    format!(
        r#"{{"project": "{project}", "hosts": [["{}", {}]], "namespace": "feast"}}"#,
        addr.ip(),
        addr.port()
    )
}

pub fn int64(v: i64) -> Value {
    Value {
        val: Some(value::Val::Int64Val(v)),
    }
}

pub fn double(v: f64) -> Value {
    Value {
        val: Some(value::Val::DoubleVal(v)),
    }
}

/// A view `name` with INT64 feature `trips` and DOUBLE feature `rate`.
pub fn view(name: &str) -> FeatureView {
    FeatureView {
        name: name.into(),
        features: vec![
            Feature {
                name: "trips".into(),
                value_type: value_type::Enum::Int64 as i32,
            },
            Feature {
                name: "rate".into(),
                value_type: value_type::Enum::Double as i32,
            },
        ],
    }
}

pub fn write_request(view_name: &str, ids: std::ops::Range<i64>) -> WriteBatchRequest {
    WriteBatchRequest {
        feature_view: Some(view(view_name)),
        rows: ids
            .map(|id| WriteRow {
                entity_key: Some(driver(id)),
                values: [
                    ("trips".to_string(), int64(id * 10)),
                    ("rate".to_string(), double(id as f64 / 4.0)),
                ]
                .into_iter()
                .collect(),
                event_timestamp: Some(prost_types::Timestamp {
                    seconds: 1_704_067_200 + id,
                    nanos: 0,
                }),
                created_timestamp: None,
            })
            .collect(),
        timeout_ms: 0,
    }
}

pub fn read_request(view_name: &str, ids: &[i64]) -> ReadRequest {
    ReadRequest {
        entity_keys: ids.iter().map(|&id| driver(id)).collect(),
        views: vec![ViewRead {
            feature_view: Some(view(view_name)),
            requested_features: vec![],
        }],
        timeout_ms: 0,
    }
}

/// Asserts that `response` holds the values `write_request` wrote for `ids`
/// (ids < `written_below`) and misses for the others.
pub fn assert_rows(response: &ReadResponse, ids: &[i64], written_below: i64) {
    assert_eq!(response.views.len(), 1);
    let rows = &response.views[0].rows;
    assert_eq!(rows.len(), ids.len());
    for (row, &id) in rows.iter().zip(ids) {
        if id < written_below {
            assert!(row.found, "driver {id} not found");
            assert_eq!(row.values, vec![int64(id * 10), double(id as f64 / 4.0)]);
            assert_eq!(row.event_timestamp.unwrap().seconds, 1_704_067_200 + id);
        } else {
            assert!(!row.found, "driver {id} found but never written");
            assert!(row.values.is_empty());
        }
    }
}

//! The C ABI without a server: versions, the panic boundary, NULL pointers,
//! `(NULL, 0)`, garbage and truncated bytes, huge lengths and the error
//! accessors. Every call goes through the exported `extern "C"` functions.

mod common;

use std::ffi::{CStr, CString};
use std::ptr;

use common::ffi::*;
use feast_aerospike::ffi::*;
use feast_aerospike::proto::v1::InitRequest;
use prost::Message;

const OPS: [(&str, OpFn); 4] = [
    ("write_batch", fas_store_write_batch),
    ("read", fas_store_read),
    ("update", fas_store_update),
    ("teardown", fas_store_teardown),
];

#[test]
fn versions() {
    assert_eq!(fas_abi_version(), FAS_ABI_VERSION);
    let v = unsafe { CStr::from_ptr(fas_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn status_numbers_never_change() {
    let expected = [
        (FAS_OK, 0),
        (FAS_ERR_INVALID_ARGUMENT, 1),
        (FAS_ERR_DECODE, 2),
        (FAS_ERR_CONFIG, 3),
        (FAS_ERR_CONNECTION, 4),
        (FAS_ERR_TIMEOUT, 5),
        (FAS_ERR_SERVER, 6),
        (FAS_ERR_CLOSED, 7),
        (FAS_ERR_PANIC, 8),
        (FAS_ERR_INTERNAL, 9),
    ];
    for (constant, number) in expected {
        assert_eq!(constant, number);
    }
}

#[test]
fn a_panic_becomes_fas_err_panic() {
    let msg = CString::new("boom from the test").unwrap();
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe { fas_debug_panic(msg.as_ptr(), &mut err) };
    assert_eq!(status, FAS_ERR_PANIC);
    let e = unsafe { take_error(err) }.expect("error object");
    assert_eq!(e.code, FAS_ERR_PANIC);
    assert_eq!(e.result_code, -1);
    assert!(e.message.contains("boom from the test"), "{}", e.message);
    assert!(e.message.starts_with("debug_panic: panic"), "{}", e.message);

    // Without out_error, and with a NULL message: still a status, no unwind.
    assert_eq!(
        unsafe { fas_debug_panic(ptr::null(), ptr::null_mut()) },
        FAS_ERR_PANIC
    );
    // The library keeps working after a panic.
    assert_eq!(fas_abi_version(), FAS_ABI_VERSION);
}

#[test]
fn null_store_is_an_invalid_argument_for_every_operation() {
    for (name, op) in OPS {
        let out = call_raw(op, ptr::null(), ptr::null(), 0);
        assert_eq!(out.status, FAS_ERR_INVALID_ARGUMENT, "{name}");
        let msg = out.error.unwrap().message;
        assert!(
            msg.starts_with(name) && msg.contains("store is NULL"),
            "{msg}"
        );
    }
    let mut err: *mut FasError = ptr::null_mut();
    assert_eq!(
        unsafe { fas_store_close(ptr::null(), &mut err) },
        FAS_ERR_INVALID_ARGUMENT
    );
    assert!(unsafe { take_error(err) }.is_some());
    // A NULL out_error is allowed: the status alone is returned.
    assert_eq!(
        unsafe { fas_store_close(ptr::null(), ptr::null_mut()) },
        FAS_ERR_INVALID_ARGUMENT
    );
}

#[test]
fn open_refuses_null_outputs_and_bad_bytes_without_writing_outputs() {
    // out_store NULL.
    let init = InitRequest {
        config_json: "{}".into(),
    }
    .encode_to_vec();
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe { fas_store_open(init.as_ptr(), init.len(), ptr::null_mut(), &mut err) };
    assert_eq!(status, FAS_ERR_INVALID_ARGUMENT);
    assert!(unsafe { take_error(err) }
        .unwrap()
        .message
        .contains("out_store must not be NULL"));

    let cases: Vec<(&str, *const u8, usize, i32)> = vec![
        (
            "NULL with a length",
            ptr::null(),
            7,
            FAS_ERR_INVALID_ARGUMENT,
        ),
        (
            "length over 2 GiB",
            init.as_ptr(),
            i32::MAX as usize + 1,
            FAS_ERR_INVALID_ARGUMENT,
        ),
        (
            "length usize::MAX",
            init.as_ptr(),
            usize::MAX,
            FAS_ERR_INVALID_ARGUMENT,
        ),
        ("garbage", b"\xff\xff\xff\xff".as_ptr(), 4, FAS_ERR_DECODE),
        // Field 1 (config_json) announces 10 bytes but 3 follow.
        ("truncated", b"\x0a\x0a{}}".as_ptr(), 5, FAS_ERR_DECODE),
    ];
    for (what, data, len, want) in cases {
        let mut store = SENTINEL as *mut FasStore;
        let mut err: *mut FasError = ptr::null_mut();
        let status = unsafe { fas_store_open(data, len, &mut store, &mut err) };
        assert_eq!(status, want, "{what}");
        assert_eq!(
            store as usize, SENTINEL,
            "{what}: out_store written on failure"
        );
        let e = unsafe { take_error(err) }.expect("error object");
        assert_eq!(e.code, want);
        assert!(e.message.starts_with("open: "), "{what}: {}", e.message);
    }
}

#[test]
fn error_accessors_and_frees_accept_null() {
    unsafe {
        assert_eq!(fas_error_code(ptr::null()), FAS_ERR_INVALID_ARGUMENT);
        assert_eq!(fas_error_result_code(ptr::null()), -1);
        let msg = CStr::from_ptr(fas_error_message(ptr::null()));
        assert_eq!(msg.to_str().unwrap(), "fas_error is NULL");
        fas_error_free(ptr::null_mut());
        fas_buffer_free(ptr::null_mut(), 0);
        fas_buffer_free(ptr::null_mut(), 42);
        fas_store_free(ptr::null_mut());
    }
}

#[test]
fn calling_from_inside_a_tokio_runtime_is_reported_not_unwound() {
    // The exports block on the library's runtime; nesting that inside a
    // runtime is a caller bug, and the boundary turns tokio's panic into a status.
    let init = InitRequest {
        config_json: r#"{"project": "p", "hosts": [["127.0.0.1", 1]]}"#.into(),
    }
    .encode_to_vec();
    let status = feast_aerospike::runtime::runtime().block_on(async {
        let mut store = SENTINEL as *mut FasStore;
        let mut err: *mut FasError = ptr::null_mut();
        let status = unsafe { fas_store_open(init.as_ptr(), init.len(), &mut store, &mut err) };
        assert_eq!(store as usize, SENTINEL);
        let e = unsafe { take_error(err) }.expect("error object");
        assert!(e.message.contains("runtime"), "{}", e.message);
        status
    });
    assert_eq!(status, FAS_ERR_PANIC);
}

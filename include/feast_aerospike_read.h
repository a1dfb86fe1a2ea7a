/*
 * feast_aerospike_read.h: a zero-allocation reader for the ReadResponse bytes
 * that fas_store_read returns (proto/feast_aerospike/v1/store.proto, types.proto).
 *
 * Header-only, C11 and C++17, no dependency beyond the C library. Nothing here
 * allocates: every name, string and bytes value is a pointer into the
 * response buffer, so results are valid until that buffer is passed to
 * fas_buffer_free. Lists are walked with an iterator, also without allocating.
 *
 * Every length is checked against the bytes that remain before it is used:
 * malformed or truncated input makes a function return FAS_RR_MALFORMED, never
 * read outside [buf, buf + len). After FAS_RR_MALFORMED, stop using that
 * iterator (and the objects it produced) for the same message.
 *
 *   fas_rr_iter views = fas_rr_response(buf, len);
 *   fas_rr_view view;
 *   while ((rc = fas_rr_next_view(&views, &view)) == FAS_RR_OK) {
 *     fas_rr_iter rows = fas_rr_view_rows(&view);
 *     fas_rr_row row;
 *     while ((rc = fas_rr_next_row(&rows, &row)) == FAS_RR_OK) {
 *       fas_rr_iter values = fas_rr_row_values(&row);
 *       fas_rr_value v;
 *       while ((rc = fas_rr_next_value(&values, &v)) == FAS_RR_OK) { ... v.kind ... }
 *       if (rc != FAS_RR_END) ...malformed...
 *     }
 *   }
 *
 * Protobuf rules followed: fields may come in any order; unknown fields are
 * skipped; for a scalar field or a oneof the last occurrence wins; repeated
 * numbers are read packed or unpacked. One simplification: a Value that holds
 * the same message-typed kind twice (which protobuf would merge) yields only
 * the last occurrence; the library never writes that. Strings are not checked
 * for UTF-8 (the library writes only valid UTF-8).
 */
#ifndef FEAST_AEROSPIKE_READ_H
#define FEAST_AEROSPIKE_READ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes of every fas_rr_next_* function. */
#define FAS_RR_OK 0
#define FAS_RR_END 1        /* no more items */
#define FAS_RR_MALFORMED -1 /* the bytes are not a valid message of the expected type */

/* fas_rr_value.kind: the field number of the Value oneof in types.proto (the same
 * numbers as ValueType). FAS_RR_KIND_UNSET is a Value with no field: a feature
 * the stored record lacks. */
enum {
  FAS_RR_KIND_UNSET = 0,
  FAS_RR_KIND_BYTES = 1,
  FAS_RR_KIND_STRING = 2,
  FAS_RR_KIND_INT32 = 3,
  FAS_RR_KIND_INT64 = 4,
  FAS_RR_KIND_DOUBLE = 5,
  FAS_RR_KIND_FLOAT = 6,
  FAS_RR_KIND_BOOL = 7,
  FAS_RR_KIND_UNIX_TIMESTAMP = 8,
  FAS_RR_KIND_BYTES_LIST = 11,
  FAS_RR_KIND_STRING_LIST = 12,
  FAS_RR_KIND_INT32_LIST = 13,
  FAS_RR_KIND_INT64_LIST = 14,
  FAS_RR_KIND_DOUBLE_LIST = 15,
  FAS_RR_KIND_FLOAT_LIST = 16,
  FAS_RR_KIND_BOOL_LIST = 17,
  FAS_RR_KIND_UNIX_TIMESTAMP_LIST = 18,
  FAS_RR_KIND_NULL = 19,
  FAS_RR_KIND_MAP = 20,
  FAS_RR_KIND_MAP_LIST = 21,
  FAS_RR_KIND_BYTES_SET = 22,
  FAS_RR_KIND_STRING_SET = 23,
  FAS_RR_KIND_INT32_SET = 24,
  FAS_RR_KIND_INT64_SET = 25,
  FAS_RR_KIND_DOUBLE_SET = 26,
  FAS_RR_KIND_FLOAT_SET = 27,
  FAS_RR_KIND_BOOL_SET = 28,
  FAS_RR_KIND_UNIX_TIMESTAMP_SET = 29,
  FAS_RR_KIND_JSON = 32,
  FAS_RR_KIND_JSON_LIST = 33,
  FAS_RR_KIND_STRUCT = 34,
  FAS_RR_KIND_STRUCT_LIST = 35,
  FAS_RR_KIND_UUID = 36,
  FAS_RR_KIND_TIME_UUID = 37,
  FAS_RR_KIND_UUID_LIST = 38,
  FAS_RR_KIND_TIME_UUID_LIST = 39,
  FAS_RR_KIND_UUID_SET = 40,
  FAS_RR_KIND_TIME_UUID_SET = 41,
  FAS_RR_KIND_VALUE_LIST = 42,
  FAS_RR_KIND_VALUE_SET = 43,
  FAS_RR_KIND_DECIMAL = 44,
  FAS_RR_KIND_DECIMAL_LIST = 45,
  FAS_RR_KIND_DECIMAL_SET = 46,
  FAS_RR_KIND_SCALAR_MAP = 47,
  FAS_RR_KIND_ZONED_TIMESTAMP = 48
};

/* A byte range inside the response buffer (not NUL-terminated). */
typedef struct fas_rr_bytes {
  const uint8_t *ptr;
  size_t len;
} fas_rr_bytes;

/* Walks the fields of one message. Treat as opaque. */
typedef struct fas_rr_iter {
  const uint8_t *p, *end;
  const uint8_t *packed, *packed_end; /* inside a packed run (lists only) */
  uint32_t kind;                      /* list iterators: the Value kind they walk */
} fas_rr_iter;

/* One ViewResult. n_features and n_rows are counted when the view is read. */
typedef struct fas_rr_view {
  fas_rr_bytes name;
  size_t n_features;
  size_t n_rows;
  fas_rr_bytes msg;
} fas_rr_view;

/* One EntityRow. */
typedef struct fas_rr_row {
  int found;
  int has_event_timestamp;
  int64_t event_seconds;
  int32_t event_nanos;
  size_t n_values;
  fas_rr_bytes msg;
} fas_rr_row;

/* One Value. Scalars are decoded; STRING, BYTES, JSON, UUID, TIME_UUID and
 * DECIMAL are in `bytes`; every list and set kind of scalars is walked with
 * fas_rr_value_list (VALUE_LIST and VALUE_SET with fas_rr_next_list_value);
 * the remaining message kinds (MAP, MAP_LIST, STRUCT, STRUCT_LIST, SCALAR_MAP,
 * ZONED_TIMESTAMP, NULL) leave their encoded message in `bytes`. */
typedef struct fas_rr_value {
  uint32_t kind;
  union {
    int64_t i64; /* INT64, UNIX_TIMESTAMP */
    int32_t i32;
    double f64;
    float f32;
    int boolean;
  } as;
  fas_rr_bytes bytes;
} fas_rr_value;

/* ---- wire primitives (internal) ---- */

enum { FAS_RR_WT_VARINT = 0, FAS_RR_WT_I64 = 1, FAS_RR_WT_LEN = 2, FAS_RR_WT_I32 = 5 };

static inline int fas_rr_varint_(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  const uint8_t *q = *p;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (q == end) return FAS_RR_MALFORMED;
    uint8_t b = *q++;
    if (shift == 63 && b > 1) return FAS_RR_MALFORMED; /* more than 64 bits */
    v |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *p = q;
      *out = v;
      return FAS_RR_OK;
    }
  }
  return FAS_RR_MALFORMED;
}

/* One field: its number, wire type, and either its scalar (`num_val`, the raw
 * bits for I32/I64) or its payload (`payload`, for LEN). FAS_RR_END at the end. */
typedef struct fas_rr_field_ {
  uint32_t num, wt;
  uint64_t num_val;
  fas_rr_bytes payload;
} fas_rr_field_;

static inline int fas_rr_field_next_(const uint8_t **p, const uint8_t *end, fas_rr_field_ *f) {
  if (*p == end) return FAS_RR_END;
  uint64_t tag;
  if (fas_rr_varint_(p, end, &tag) != FAS_RR_OK) return FAS_RR_MALFORMED;
  if ((tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF) return FAS_RR_MALFORMED;
  f->num = (uint32_t)(tag >> 3);
  f->wt = (uint32_t)(tag & 7);
  f->num_val = 0;
  f->payload.ptr = NULL;
  f->payload.len = 0;
  size_t left = (size_t)(end - *p);
  switch (f->wt) {
    case FAS_RR_WT_VARINT:
      return fas_rr_varint_(p, end, &f->num_val);
    case FAS_RR_WT_I64:
      if (left < 8) return FAS_RR_MALFORMED;
      f->num_val = 0;
      for (int i = 7; i >= 0; i--) f->num_val = (f->num_val << 8) | (*p)[i];
      *p += 8;
      return FAS_RR_OK;
    case FAS_RR_WT_I32:
      if (left < 4) return FAS_RR_MALFORMED;
      f->num_val = (uint64_t)(*p)[0] | (uint64_t)(*p)[1] << 8 | (uint64_t)(*p)[2] << 16 |
                   (uint64_t)(*p)[3] << 24;
      *p += 4;
      return FAS_RR_OK;
    case FAS_RR_WT_LEN: {
      uint64_t n;
      if (fas_rr_varint_(p, end, &n) != FAS_RR_OK) return FAS_RR_MALFORMED;
      if (n > (uint64_t)(end - *p)) return FAS_RR_MALFORMED;
      f->payload.ptr = *p;
      f->payload.len = (size_t)n;
      *p += n;
      return FAS_RR_OK;
    }
    default: /* groups (3, 4) and reserved wire types: never written by the library */
      return FAS_RR_MALFORMED;
  }
}

static inline fas_rr_iter fas_rr_iter_over_(fas_rr_bytes b, uint32_t kind) {
  fas_rr_iter it;
  it.p = b.ptr;
  it.end = b.ptr + b.len;
  it.packed = it.packed_end = NULL;
  it.kind = kind;
  return it;
}

/* Next field numbered `num` with wire type LEN; skips all others (validating them). */
static inline int fas_rr_next_len_field_(fas_rr_iter *it, uint32_t num, fas_rr_bytes *out) {
  fas_rr_field_ f;
  int rc;
  while ((rc = fas_rr_field_next_(&it->p, it->end, &f)) == FAS_RR_OK) {
    if (f.num != num) continue;
    if (f.wt != FAS_RR_WT_LEN) return FAS_RR_MALFORMED;
    *out = f.payload;
    return FAS_RR_OK;
  }
  return rc;
}

static inline double fas_rr_f64_(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static inline float fas_rr_f32_(uint64_t bits) {
  uint32_t b32 = (uint32_t)bits;
  float f;
  memcpy(&f, &b32, sizeof f);
  return f;
}

/* ---- response, views, rows ---- */

/* An iterator over the views of a ReadResponse of `len` bytes at `buf`. */
static inline fas_rr_iter fas_rr_response(const uint8_t *buf, size_t len) {
  fas_rr_bytes b;
  b.ptr = buf;
  b.len = buf ? len : 0;
  return fas_rr_iter_over_(b, 0);
}

/* The next ViewResult; scans it once to validate it and count features and rows. */
static inline int fas_rr_next_view(fas_rr_iter *views, fas_rr_view *out) {
  fas_rr_bytes msg;
  int rc = fas_rr_next_len_field_(views, 1, &msg);
  if (rc != FAS_RR_OK) return rc;
  fas_rr_view v;
  memset(&v, 0, sizeof v);
  v.msg = msg;
  v.name.ptr = msg.ptr; /* empty unless the field is present */
  const uint8_t *p = msg.ptr, *end = msg.ptr + msg.len;
  fas_rr_field_ f;
  while ((rc = fas_rr_field_next_(&p, end, &f)) == FAS_RR_OK) {
    if (f.num >= 1 && f.num <= 3 && f.wt != FAS_RR_WT_LEN) return FAS_RR_MALFORMED;
    if (f.num == 1) v.name = f.payload;
    else if (f.num == 2) v.n_features++;
    else if (f.num == 3) v.n_rows++;
  }
  if (rc != FAS_RR_END) return rc;
  *out = v;
  return FAS_RR_OK;
}

/* An iterator over a view's feature names (fas_rr_next_feature_name). */
static inline fas_rr_iter fas_rr_view_feature_names(const fas_rr_view *view) {
  return fas_rr_iter_over_(view->msg, 0);
}

static inline int fas_rr_next_feature_name(fas_rr_iter *names, fas_rr_bytes *out) {
  return fas_rr_next_len_field_(names, 2, out);
}

/* An iterator over a view's rows, in request order (fas_rr_next_row). */
static inline fas_rr_iter fas_rr_view_rows(const fas_rr_view *view) {
  return fas_rr_iter_over_(view->msg, 0);
}

static inline int fas_rr_timestamp_(fas_rr_bytes msg, int64_t *seconds, int32_t *nanos) {
  const uint8_t *p = msg.ptr, *end = msg.ptr + msg.len;
  fas_rr_field_ f;
  int rc;
  *seconds = 0;
  *nanos = 0;
  while ((rc = fas_rr_field_next_(&p, end, &f)) == FAS_RR_OK) {
    if ((f.num == 1 || f.num == 2) && f.wt != FAS_RR_WT_VARINT) return FAS_RR_MALFORMED;
    if (f.num == 1) *seconds = (int64_t)f.num_val;
    else if (f.num == 2) *nanos = (int32_t)(uint32_t)f.num_val;
  }
  return rc == FAS_RR_END ? FAS_RR_OK : rc;
}

/* The next EntityRow; scans it once to validate it and count its values. */
static inline int fas_rr_next_row(fas_rr_iter *rows, fas_rr_row *out) {
  fas_rr_bytes msg;
  int rc = fas_rr_next_len_field_(rows, 3, &msg);
  if (rc != FAS_RR_OK) return rc;
  fas_rr_row r;
  memset(&r, 0, sizeof r);
  r.msg = msg;
  const uint8_t *p = msg.ptr, *end = msg.ptr + msg.len;
  fas_rr_field_ f;
  while ((rc = fas_rr_field_next_(&p, end, &f)) == FAS_RR_OK) {
    if (f.num == 1) {
      if (f.wt != FAS_RR_WT_VARINT) return FAS_RR_MALFORMED;
      r.found = f.num_val != 0;
    } else if (f.num == 2) {
      if (f.wt != FAS_RR_WT_LEN) return FAS_RR_MALFORMED;
      if (fas_rr_timestamp_(f.payload, &r.event_seconds, &r.event_nanos) != FAS_RR_OK)
        return FAS_RR_MALFORMED;
      r.has_event_timestamp = 1;
    } else if (f.num == 3) {
      if (f.wt != FAS_RR_WT_LEN) return FAS_RR_MALFORMED;
      r.n_values++;
    }
  }
  if (rc != FAS_RR_END) return rc;
  *out = r;
  return FAS_RR_OK;
}

/* ---- values ---- */

/* The wire type a Value kind's field must have, 0xFF for an unknown kind. */
static inline uint32_t fas_rr_kind_wire_type_(uint32_t kind) {
  switch (kind) {
    case FAS_RR_KIND_INT32: case FAS_RR_KIND_INT64: case FAS_RR_KIND_BOOL:
    case FAS_RR_KIND_UNIX_TIMESTAMP: case FAS_RR_KIND_NULL:
      return FAS_RR_WT_VARINT;
    case FAS_RR_KIND_DOUBLE: return FAS_RR_WT_I64;
    case FAS_RR_KIND_FLOAT: return FAS_RR_WT_I32;
    default:
      return (kind >= 1 && kind <= 48 && !(kind >= 9 && kind <= 10) && !(kind >= 30 && kind <= 31))
                 ? (uint32_t)FAS_RR_WT_LEN
                 : 0xFFu;
  }
}

/* Decodes one Value message. */
static inline int fas_rr_value_decode(fas_rr_bytes msg, fas_rr_value *out) {
  fas_rr_value v;
  memset(&v, 0, sizeof v);
  const uint8_t *p = msg.ptr, *end = msg.ptr + msg.len;
  fas_rr_field_ f;
  int rc;
  while ((rc = fas_rr_field_next_(&p, end, &f)) == FAS_RR_OK) {
    uint32_t want = fas_rr_kind_wire_type_(f.num);
    if (want == 0xFFu) continue; /* a field this header does not know: skipped */
    if (f.wt != want) return FAS_RR_MALFORMED;
    memset(&v, 0, sizeof v); /* oneof: the last field wins */
    v.kind = f.num;
    switch (f.num) {
      case FAS_RR_KIND_INT64: case FAS_RR_KIND_UNIX_TIMESTAMP: v.as.i64 = (int64_t)f.num_val; break;
      case FAS_RR_KIND_INT32: v.as.i32 = (int32_t)(uint32_t)f.num_val; break;
      case FAS_RR_KIND_BOOL: v.as.boolean = f.num_val != 0; break;
      case FAS_RR_KIND_NULL: break;
      case FAS_RR_KIND_DOUBLE: v.as.f64 = fas_rr_f64_(f.num_val); break;
      case FAS_RR_KIND_FLOAT: v.as.f32 = fas_rr_f32_(f.num_val); break;
      default: v.bytes = f.payload; break;
    }
  }
  if (rc != FAS_RR_END) return rc;
  *out = v;
  return FAS_RR_OK;
}

/* An iterator over a row's values, aligned with the view's feature names. */
static inline fas_rr_iter fas_rr_row_values(const fas_rr_row *row) {
  return fas_rr_iter_over_(row->msg, 0);
}

static inline int fas_rr_next_value(fas_rr_iter *values, fas_rr_value *out) {
  fas_rr_bytes msg;
  int rc = fas_rr_next_len_field_(values, 3, &msg);
  if (rc != FAS_RR_OK) return rc;
  return fas_rr_value_decode(msg, out);
}

/* ---- lists and sets ---- */

/* The element wire type of a list/set kind: VARINT, I64, I32, or LEN for
 * bytes/string elements and for VALUE_LIST/VALUE_SET (elements are Values). */
static inline int fas_rr_list_elem_wt_(uint32_t kind, uint32_t *wt) {
  switch (kind) {
    case FAS_RR_KIND_INT32_LIST: case FAS_RR_KIND_INT64_LIST: case FAS_RR_KIND_BOOL_LIST:
    case FAS_RR_KIND_UNIX_TIMESTAMP_LIST: case FAS_RR_KIND_INT32_SET: case FAS_RR_KIND_INT64_SET:
    case FAS_RR_KIND_BOOL_SET: case FAS_RR_KIND_UNIX_TIMESTAMP_SET:
      *wt = FAS_RR_WT_VARINT; return FAS_RR_OK;
    case FAS_RR_KIND_DOUBLE_LIST: case FAS_RR_KIND_DOUBLE_SET:
      *wt = FAS_RR_WT_I64; return FAS_RR_OK;
    case FAS_RR_KIND_FLOAT_LIST: case FAS_RR_KIND_FLOAT_SET:
      *wt = FAS_RR_WT_I32; return FAS_RR_OK;
    case FAS_RR_KIND_BYTES_LIST: case FAS_RR_KIND_STRING_LIST: case FAS_RR_KIND_BYTES_SET:
    case FAS_RR_KIND_STRING_SET: case FAS_RR_KIND_JSON_LIST: case FAS_RR_KIND_UUID_LIST:
    case FAS_RR_KIND_TIME_UUID_LIST: case FAS_RR_KIND_UUID_SET: case FAS_RR_KIND_TIME_UUID_SET:
    case FAS_RR_KIND_DECIMAL_LIST: case FAS_RR_KIND_DECIMAL_SET: case FAS_RR_KIND_VALUE_LIST:
    case FAS_RR_KIND_VALUE_SET:
      *wt = FAS_RR_WT_LEN; return FAS_RR_OK;
    default:
      return FAS_RR_MALFORMED;
  }
}

/* An iterator over the elements of a list or set value. Returns FAS_RR_MALFORMED
 * (and an empty iterator) when `v` is not a list or set of scalars or Values. */
static inline int fas_rr_value_list(const fas_rr_value *v, fas_rr_iter *out) {
  uint32_t wt;
  fas_rr_bytes none = {NULL, 0};
  if (fas_rr_list_elem_wt_(v->kind, &wt) != FAS_RR_OK) {
    *out = fas_rr_iter_over_(none, 0);
    return FAS_RR_MALFORMED;
  }
  *out = fas_rr_iter_over_(v->bytes, v->kind);
  return FAS_RR_OK;
}

/* The next element's raw scalar: the varint, or the I64/I32 bits. Numeric
 * elements may be packed (one LEN field holding a run) or not. */
static inline int fas_rr_next_list_scalar_(fas_rr_iter *it, uint32_t wt, uint64_t *out) {
  for (;;) {
    if (it->packed != it->packed_end) {
      size_t left = (size_t)(it->packed_end - it->packed);
      if (wt == FAS_RR_WT_VARINT) return fas_rr_varint_(&it->packed, it->packed_end, out);
      size_t w = wt == FAS_RR_WT_I64 ? 8 : 4;
      if (left < w) return FAS_RR_MALFORMED;
      uint64_t v = 0;
      for (size_t i = w; i-- > 0;) v = (v << 8) | it->packed[i];
      it->packed += w;
      *out = v;
      return FAS_RR_OK;
    }
    fas_rr_field_ f;
    int rc = fas_rr_field_next_(&it->p, it->end, &f);
    if (rc != FAS_RR_OK) return rc;
    if (f.num != 1) continue;
    if (f.wt == wt) {
      *out = f.num_val;
      return FAS_RR_OK;
    }
    if (f.wt != FAS_RR_WT_LEN) return FAS_RR_MALFORMED;
    it->packed = f.payload.ptr; /* a packed run; an empty one is simply skipped */
    it->packed_end = f.payload.ptr + f.payload.len;
  }
}

static inline int fas_rr_list_check_(const fas_rr_iter *it, uint32_t wt, int is_bool) {
  uint32_t got;
  if (fas_rr_list_elem_wt_(it->kind, &got) != FAS_RR_OK || got != wt) return FAS_RR_MALFORMED;
  int bool_kind = it->kind == FAS_RR_KIND_BOOL_LIST || it->kind == FAS_RR_KIND_BOOL_SET;
  return bool_kind == is_bool ? FAS_RR_OK : FAS_RR_MALFORMED;
}

/* INT64, UNIX_TIMESTAMP and INT32 lists/sets (INT32 elements sign-extended). */
static inline int fas_rr_next_list_i64(fas_rr_iter *it, int64_t *out) {
  uint64_t raw;
  int rc = fas_rr_list_check_(it, FAS_RR_WT_VARINT, 0);
  if (rc == FAS_RR_OK) rc = fas_rr_next_list_scalar_(it, FAS_RR_WT_VARINT, &raw);
  if (rc != FAS_RR_OK) return rc;
  int is32 = it->kind == FAS_RR_KIND_INT32_LIST || it->kind == FAS_RR_KIND_INT32_SET;
  *out = is32 ? (int64_t)(int32_t)(uint32_t)raw : (int64_t)raw;
  return FAS_RR_OK;
}

static inline int fas_rr_next_list_bool(fas_rr_iter *it, int *out) {
  uint64_t raw;
  int rc = fas_rr_list_check_(it, FAS_RR_WT_VARINT, 1);
  if (rc == FAS_RR_OK) rc = fas_rr_next_list_scalar_(it, FAS_RR_WT_VARINT, &raw);
  if (rc == FAS_RR_OK) *out = raw != 0;
  return rc;
}

static inline int fas_rr_next_list_f64(fas_rr_iter *it, double *out) {
  uint64_t raw;
  int rc = fas_rr_list_check_(it, FAS_RR_WT_I64, 0);
  if (rc == FAS_RR_OK) rc = fas_rr_next_list_scalar_(it, FAS_RR_WT_I64, &raw);
  if (rc == FAS_RR_OK) *out = fas_rr_f64_(raw);
  return rc;
}

static inline int fas_rr_next_list_f32(fas_rr_iter *it, float *out) {
  uint64_t raw;
  int rc = fas_rr_list_check_(it, FAS_RR_WT_I32, 0);
  if (rc == FAS_RR_OK) rc = fas_rr_next_list_scalar_(it, FAS_RR_WT_I32, &raw);
  if (rc == FAS_RR_OK) *out = fas_rr_f32_(raw);
  return rc;
}

/* String, bytes, JSON, UUID and decimal lists/sets. */
static inline int fas_rr_next_list_bytes(fas_rr_iter *it, fas_rr_bytes *out) {
  if (fas_rr_list_check_(it, FAS_RR_WT_LEN, 0) != FAS_RR_OK ||
      it->kind == FAS_RR_KIND_VALUE_LIST || it->kind == FAS_RR_KIND_VALUE_SET)
    return FAS_RR_MALFORMED;
  return fas_rr_next_len_field_(it, 1, out);
}

/* VALUE_LIST and VALUE_SET: each element is a Value. */
static inline int fas_rr_next_list_value(fas_rr_iter *it, fas_rr_value *out) {
  if (it->kind != FAS_RR_KIND_VALUE_LIST && it->kind != FAS_RR_KIND_VALUE_SET)
    return FAS_RR_MALFORMED;
  fas_rr_bytes msg;
  int rc = fas_rr_next_len_field_(it, 1, &msg);
  if (rc != FAS_RR_OK) return rc;
  return fas_rr_value_decode(msg, out);
}

#ifdef __cplusplus
}
#endif

#endif /* FEAST_AEROSPIKE_READ_H */

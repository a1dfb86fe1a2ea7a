/*
 * feast_aerospike_write.h: a writer of the WriteBatchRequest bytes that
 * fas_store_write_batch takes (proto/feast_aerospike/v1/store.proto,
 * types.proto), without a message object per value.
 *
 * Header-only, C11 and C++17, no dependency beyond the C library. The request
 * is encoded straight into one growable buffer; reuse a writer (one per
 * thread) across calls and, once its buffer has grown to the size of a batch,
 * building a request allocates nothing.
 *
 *   fas_ww w;
 *   fas_ww_init(&w);                        (grows with realloc; or fas_ww_init_with)
 *   fas_ww_feature features[] = {{"conv_rate", FAS_WW_TYPE_DOUBLE}, {"trips", FAS_WW_TYPE_INT64}};
 *   fas_ww_begin(&w, "driver_stats", features, 2, 0);     (timeout_ms 0: the store's)
 *   for each driver:
 *     fas_ww_key key = fas_ww_key_int64("driver_id", id);
 *     fas_ww_row_begin(&w, &key, 1, fas_ww_ts(event_seconds, 0), NULL);  (NULL: no created ts)
 *     fas_ww_double(&w, "conv_rate", rate);
 *     fas_ww_int64(&w, "trips", trips);
 *     fas_ww_row_end(&w);
 *   const uint8_t *req; size_t len;
 *   if (fas_ww_finish(&w, &req, &len) == FAS_WW_OK)
 *     fas_store_write_batch(store, req, len, &out, &out_len, &err);
 *   ...
 *   fas_ww_free(&w);                        (once, when done with the writer)
 *
 * A row is fas_ww_row_begin, its values, fas_ww_row_end; like
 * WriteRow.values, a row replaces the view's whole slot in the record.
 * Appending a feature name twice in a row keeps the last value (protobuf map
 * semantics). Names and strings are NUL-terminated unless a length is given;
 * every string (names, join keys, string values) must be valid UTF-8, as
 * protobuf requires (bytes values are not checked).
 *
 * Errors: every function returns FAS_WW_OK or a negative FAS_WW_ERR_*. Bad
 * use (a value outside a row, fas_ww_row_end without a row, fas_ww_finish
 * inside a row, a NULL name or array, invalid UTF-8) and running out of
 * memory or past protobuf's 2 GiB limit never write out of bounds: the
 * writer is poisoned, every later call returns the same first error, and
 * fas_ww_error reports it (fas_ww_rows: rows completed before it). Only
 * fas_ww_begin clears it. A NULL writer is FAS_WW_ERR_ARGUMENT.
 *
 * Encoding: fields in field-number order, proto3 defaults omitted, numeric
 * lists packed, exact lengths everywhere except each row's own length, which
 * is written as a 5-byte padded varint (0x80-continued; valid protobuf, read
 * by prost, protobuf-c and every conforming parser) and filled in by
 * fas_ww_row_end. The result decodes into the same message protobuf-c packs
 * from the equivalent objects (examples/write_writer_test.c checks this).
 */
#ifndef FEAST_AEROSPIKE_WRITE_H
#define FEAST_AEROSPIKE_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define FAS_WW_OK 0
#define FAS_WW_ERR_STATE -1     /* a call out of order (value outside a row, ...) */
#define FAS_WW_ERR_ARGUMENT -2  /* NULL writer, name or array; unsupported key kind */
#define FAS_WW_ERR_UTF8 -3      /* a name or string is not valid UTF-8 */
#define FAS_WW_ERR_NO_MEMORY -4 /* the buffer could not grow */
#define FAS_WW_ERR_TOO_LARGE -5 /* the request would pass 2 GiB - 1 bytes */

/* The largest request: protobuf's limit (fas_* refuse longer inputs). */
#define FAS_WW_MAX_LEN 0x7FFFFFFFu

/* Feature.value_type: ValueType.Enum of types.proto (the scalar and list types;
 * any other number of the enum may be passed as well). */
enum {
  FAS_WW_TYPE_INVALID = 0,
  FAS_WW_TYPE_BYTES = 1,
  FAS_WW_TYPE_STRING = 2,
  FAS_WW_TYPE_INT32 = 3,
  FAS_WW_TYPE_INT64 = 4,
  FAS_WW_TYPE_DOUBLE = 5,
  FAS_WW_TYPE_FLOAT = 6,
  FAS_WW_TYPE_BOOL = 7,
  FAS_WW_TYPE_UNIX_TIMESTAMP = 8,
  FAS_WW_TYPE_BYTES_LIST = 11,
  FAS_WW_TYPE_STRING_LIST = 12,
  FAS_WW_TYPE_INT32_LIST = 13,
  FAS_WW_TYPE_INT64_LIST = 14,
  FAS_WW_TYPE_DOUBLE_LIST = 15,
  FAS_WW_TYPE_FLOAT_LIST = 16,
  FAS_WW_TYPE_BOOL_LIST = 17,
  FAS_WW_TYPE_UNIX_TIMESTAMP_LIST = 18,
  FAS_WW_TYPE_NULL = 19
};

/* Grows (size > 0: like realloc(ptr, size), NULL when it cannot) or releases
 * (size == 0: like free(ptr), returns NULL) the writer's buffer. */
typedef void *(*fas_ww_alloc_fn)(void *ctx, void *ptr, size_t size);

/* The writer. Fields are private: use the functions. */
typedef struct fas_ww {
  uint8_t *buf;
  size_t len, cap;
  fas_ww_alloc_fn alloc; /* NULL: a fixed buffer, never grown */
  void *alloc_ctx;
  size_t row_start; /* offset of the open row's padded length */
  size_t rows;      /* rows completed */
  uint32_t timeout_ms;
  int state;
  int err;
} fas_ww;

/* One feature of the view: its name and ValueType (FAS_WW_TYPE_*). */
typedef struct fas_ww_feature {
  const char *name;
  int32_t value_type;
} fas_ww_feature;

/* One entity key column: a join key and its value. kind is the Value field
 * the value goes in: FAS_WW_TYPE_INT64 (i64), INT32 (i64, truncated),
 * UNIX_TIMESTAMP (i64), STRING or BYTES (ptr, len); the store accepts no others. */
typedef struct fas_ww_key {
  const char *join_key;
  int32_t kind;
  int64_t i64;
  const void *ptr;
  size_t len;
} fas_ww_key;

/* A google.protobuf.Timestamp. */
typedef struct fas_ww_timestamp {
  int64_t seconds;
  int32_t nanos;
} fas_ww_timestamp;

static inline fas_ww_key fas_ww_key_int64(const char *join_key, int64_t value) {
  fas_ww_key k;
  k.join_key = join_key;
  k.kind = FAS_WW_TYPE_INT64;
  k.i64 = value;
  k.ptr = NULL;
  k.len = 0;
  return k;
}

/* A string key; `value` is NUL-terminated (set .len yourself for another length). */
static inline fas_ww_key fas_ww_key_string(const char *join_key, const char *value) {
  fas_ww_key k;
  k.join_key = join_key;
  k.kind = FAS_WW_TYPE_STRING;
  k.i64 = 0;
  k.ptr = value;
  k.len = value ? strlen(value) : 0;
  return k;
}

static inline fas_ww_timestamp fas_ww_ts(int64_t seconds, int32_t nanos) {
  fas_ww_timestamp t;
  t.seconds = seconds;
  t.nanos = nanos;
  return t;
}

/* ---- buffer and state (internal) ---- */

enum { FAS_WW_IDLE_ = 0, FAS_WW_BATCH_ = 1, FAS_WW_ROW_ = 2, FAS_WW_DONE_ = 3 };
enum { FAS_WW_PAD_ = 5 }; /* width of a row's padded length */

/* realloc and free, as a fas_ww_alloc_fn. */
static inline void *fas_ww_libc_alloc(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, size);
}

/* A writer over `buf` (`cap` bytes, may be NULL/0) grown with `alloc`
 * (fas_ww_libc_alloc, your own, or NULL for a fixed buffer that is never
 * grown: FAS_WW_ERR_NO_MEMORY when it is full). With `alloc`, the writer owns
 * the buffer from now on (it may replace it) and fas_ww_free releases it. */
static inline void fas_ww_init_with(fas_ww *w, uint8_t *buf, size_t cap, fas_ww_alloc_fn alloc,
                                    void *ctx) {
  if (!w) return;
  memset(w, 0, sizeof *w);
  w->buf = buf;
  w->cap = buf ? cap : 0;
  w->alloc = alloc;
  w->alloc_ctx = ctx;
}

/* A writer whose buffer starts empty and grows with realloc. */
static inline void fas_ww_init(fas_ww *w) { fas_ww_init_with(w, NULL, 0, fas_ww_libc_alloc, NULL); }

/* Releases the buffer (when the writer has an allocator); the writer is then
 * empty and may be used again (it grows anew). */
static inline void fas_ww_free(fas_ww *w) {
  if (!w) return;
  if (w->alloc && w->buf) w->alloc(w->alloc_ctx, w->buf, 0);
  fas_ww_init_with(w, NULL, 0, w->alloc, w->alloc_ctx);
}

/* The first error since fas_ww_begin (FAS_WW_OK if none). */
static inline int fas_ww_error(const fas_ww *w) { return w ? w->err : FAS_WW_ERR_ARGUMENT; }

/* Rows completed (fas_ww_row_end) since fas_ww_begin. */
static inline size_t fas_ww_rows(const fas_ww *w) { return w ? w->rows : 0; }

static inline int fas_ww_fail_(fas_ww *w, int err) {
  if (w->err == FAS_WW_OK) w->err = err;
  return w->err;
}

/* Entry check of every appender: a live writer in `state`. */
static inline int fas_ww_check_(fas_ww *w, int state) {
  if (!w) return FAS_WW_ERR_ARGUMENT;
  if (w->err != FAS_WW_OK) return w->err;
  if (w->state != state) return fas_ww_fail_(w, FAS_WW_ERR_STATE);
  return FAS_WW_OK;
}

/* Room for `need` more bytes. */
static inline int fas_ww_reserve_(fas_ww *w, uint64_t need) {
  if (need <= (uint64_t)(w->cap - w->len)) return FAS_WW_OK;
  if (need > (uint64_t)FAS_WW_MAX_LEN - w->len) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  if (!w->alloc) return fas_ww_fail_(w, FAS_WW_ERR_NO_MEMORY);
  uint64_t want = (uint64_t)w->len + need;
  uint64_t cap = w->cap < 256 ? 256 : (uint64_t)w->cap * 2;
  if (cap < want) cap = want;
  if (cap > FAS_WW_MAX_LEN) cap = FAS_WW_MAX_LEN;
  if (cap > (uint64_t)SIZE_MAX) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  void *p = w->alloc(w->alloc_ctx, w->buf, (size_t)cap);
  if (!p) return fas_ww_fail_(w, FAS_WW_ERR_NO_MEMORY);
  w->buf = (uint8_t *)p;
  w->cap = (size_t)cap;
  return FAS_WW_OK;
}

/* ---- wire primitives (internal; callers reserve first) ---- */

enum { FAS_WW_WT_VARINT_ = 0, FAS_WW_WT_I64_ = 1, FAS_WW_WT_LEN_ = 2, FAS_WW_WT_I32_ = 5 };

static inline uint64_t fas_ww_varint_len_(uint64_t v) {
  uint64_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static inline void fas_ww_put_varint_(fas_ww *w, uint64_t v) {
  uint8_t *p = w->buf + w->len;
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  w->len = (size_t)(p - w->buf);
}

/* A tag of a field number below 16 (one byte) or up to 2047 (two). */
static inline uint64_t fas_ww_tag_len_(uint32_t num) { return num < 16 ? 1 : 2; }

static inline void fas_ww_put_tag_(fas_ww *w, uint32_t num, uint32_t wt) {
  fas_ww_put_varint_(w, (uint64_t)num << 3 | wt);
}

static inline void fas_ww_put_bytes_(fas_ww *w, const void *p, size_t n) {
  if (n) memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static inline void fas_ww_put_fixed_(fas_ww *w, uint64_t bits, int width) {
  for (int i = 0; i < width; i++) w->buf[w->len++] = (uint8_t)(bits >> (8 * i));
}

/* Size of a LEN field holding `n` bytes. */
static inline uint64_t fas_ww_len_field_size_(uint32_t num, uint64_t n) {
  return fas_ww_tag_len_(num) + fas_ww_varint_len_(n) + n;
}

static inline void fas_ww_put_len_field_(fas_ww *w, uint32_t num, const void *p, size_t n) {
  fas_ww_put_tag_(w, num, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, n);
  fas_ww_put_bytes_(w, p, n);
}

static inline uint64_t fas_ww_f64_bits_(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static inline uint64_t fas_ww_f32_bits_(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static inline int fas_ww_utf8_ok_(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) k = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
      k = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      k = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (n - i <= k) return 0;
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (size_t j = 2; j <= k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    i += k + 1;
  }
  return 1;
}

/* Checks a string argument (NULL with n > 0, over the limit, bad UTF-8). */
static inline int fas_ww_check_str_(fas_ww *w, const void *s, size_t n, int utf8) {
  if (!s && n) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  if (n > FAS_WW_MAX_LEN) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  if (utf8 && !fas_ww_utf8_ok_((const uint8_t *)s, n)) return fas_ww_fail_(w, FAS_WW_ERR_UTF8);
  return FAS_WW_OK;
}

/* Checks a NUL-terminated name and sets its length. */
static inline int fas_ww_name_(fas_ww *w, const char *name, size_t *len) {
  if (!name) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  *len = strlen(name);
  return fas_ww_check_str_(w, name, *len, 1);
}

/* Timestamp message size (proto3: zero fields omitted). */
static inline uint64_t fas_ww_ts_size_(fas_ww_timestamp t) {
  return (t.seconds ? 1 + fas_ww_varint_len_((uint64_t)t.seconds) : 0) +
         (t.nanos ? 1 + fas_ww_varint_len_((uint64_t)(int64_t)t.nanos) : 0);
}

static inline void fas_ww_put_ts_(fas_ww *w, uint32_t num, fas_ww_timestamp t) {
  fas_ww_put_tag_(w, num, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, fas_ww_ts_size_(t));
  if (t.seconds) {
    fas_ww_put_tag_(w, 1, FAS_WW_WT_VARINT_);
    fas_ww_put_varint_(w, (uint64_t)t.seconds);
  }
  if (t.nanos) {
    fas_ww_put_tag_(w, 2, FAS_WW_WT_VARINT_);
    fas_ww_put_varint_(w, (uint64_t)(int64_t)t.nanos);
  }
}

/* ---- request and rows ---- */

/* Starts a new request for `view_name` with its declared features (the view
 * the store reads back with; n_features may be 0). Discards whatever the
 * writer held and clears its error; keeps its buffer. timeout_ms > 0 bounds
 * the whole call (WriteBatchRequest.timeout_ms). */
static inline int fas_ww_begin(fas_ww *w, const char *view_name, const fas_ww_feature *features,
                               size_t n_features, uint32_t timeout_ms) {
  if (!w) return FAS_WW_ERR_ARGUMENT;
  w->len = 0;
  w->rows = 0;
  w->err = FAS_WW_OK;
  w->state = FAS_WW_BATCH_;
  w->timeout_ms = timeout_ms;
  size_t name_len;
  if (fas_ww_name_(w, view_name, &name_len) != FAS_WW_OK) return w->err;
  if (!features && n_features) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  uint64_t size = name_len ? fas_ww_len_field_size_(1, name_len) : 0;
  for (size_t i = 0; i < n_features; i++) {
    size_t n;
    if (fas_ww_name_(w, features[i].name, &n) != FAS_WW_OK) return w->err;
    uint64_t fsize = (n ? fas_ww_len_field_size_(1, n) : 0) +
                     (features[i].value_type
                          ? 1 + fas_ww_varint_len_((uint64_t)(int64_t)features[i].value_type)
                          : 0);
    size += fas_ww_len_field_size_(2, fsize);
    if (size > FAS_WW_MAX_LEN) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  }
  if (fas_ww_reserve_(w, fas_ww_len_field_size_(1, size)) != FAS_WW_OK) return w->err;
  fas_ww_put_tag_(w, 1, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, size);
  if (name_len) fas_ww_put_len_field_(w, 1, view_name, name_len);
  for (size_t i = 0; i < n_features; i++) {
    size_t n = strlen(features[i].name);
    int32_t t = features[i].value_type;
    fas_ww_put_tag_(w, 2, FAS_WW_WT_LEN_);
    fas_ww_put_varint_(w, (n ? fas_ww_len_field_size_(1, n) : 0) +
                              (t ? 1 + fas_ww_varint_len_((uint64_t)(int64_t)t) : 0));
    if (n) fas_ww_put_len_field_(w, 1, features[i].name, n);
    if (t) {
      fas_ww_put_tag_(w, 2, FAS_WW_WT_VARINT_);
      fas_ww_put_varint_(w, (uint64_t)(int64_t)t);
    }
  }
  return FAS_WW_OK;
}

/* The encoded Value of one entity key column, and its size. */
static inline uint64_t fas_ww_key_value_size_(const fas_ww_key *k) {
  switch (k->kind) {
    case FAS_WW_TYPE_INT64:
    case FAS_WW_TYPE_UNIX_TIMESTAMP:
      return 1 + fas_ww_varint_len_((uint64_t)k->i64);
    case FAS_WW_TYPE_INT32:
      return 1 + fas_ww_varint_len_((uint64_t)(int64_t)(int32_t)k->i64);
    default: /* STRING, BYTES */
      return fas_ww_len_field_size_(1, k->len);
  }
}

static inline void fas_ww_put_key_value_(fas_ww *w, const fas_ww_key *k) {
  switch (k->kind) {
    case FAS_WW_TYPE_INT64:
    case FAS_WW_TYPE_UNIX_TIMESTAMP:
      fas_ww_put_tag_(w, (uint32_t)k->kind, FAS_WW_WT_VARINT_);
      fas_ww_put_varint_(w, (uint64_t)k->i64);
      return;
    case FAS_WW_TYPE_INT32:
      fas_ww_put_tag_(w, (uint32_t)k->kind, FAS_WW_WT_VARINT_);
      fas_ww_put_varint_(w, (uint64_t)(int64_t)(int32_t)k->i64);
      return;
    default:
      fas_ww_put_len_field_(w, (uint32_t)k->kind, k->ptr, k->len);
      return;
  }
}

/* Starts a row: its entity key (n_keys columns, join key and value each, in
 * the order of the entity's join keys), its event timestamp and, when
 * `created` is not NULL, its created timestamp. */
static inline int fas_ww_row_begin(fas_ww *w, const fas_ww_key *keys, size_t n_keys,
                                   fas_ww_timestamp event, const fas_ww_timestamp *created) {
  int rc = fas_ww_check_(w, FAS_WW_BATCH_);
  if (rc != FAS_WW_OK) return rc;
  if (!keys && n_keys) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  uint64_t key_size = 0;
  for (size_t i = 0; i < n_keys; i++) {
    const fas_ww_key *k = &keys[i];
    size_t n;
    if (fas_ww_name_(w, k->join_key, &n) != FAS_WW_OK) return w->err;
    int32_t kind = k->kind;
    if (kind != FAS_WW_TYPE_INT64 && kind != FAS_WW_TYPE_INT32 && kind != FAS_WW_TYPE_STRING &&
        kind != FAS_WW_TYPE_BYTES && kind != FAS_WW_TYPE_UNIX_TIMESTAMP)
      return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
    if ((kind == FAS_WW_TYPE_STRING || kind == FAS_WW_TYPE_BYTES) &&
        fas_ww_check_str_(w, k->ptr, k->len, kind == FAS_WW_TYPE_STRING) != FAS_WW_OK)
      return w->err;
    key_size += fas_ww_len_field_size_(1, n) + fas_ww_len_field_size_(2, fas_ww_key_value_size_(k));
    if (key_size > FAS_WW_MAX_LEN) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  }
  uint64_t need = 1 + FAS_WW_PAD_ + fas_ww_len_field_size_(1, key_size) +
                  fas_ww_len_field_size_(3, fas_ww_ts_size_(event)) +
                  (created ? fas_ww_len_field_size_(4, fas_ww_ts_size_(*created)) : 0);
  if (fas_ww_reserve_(w, need) != FAS_WW_OK) return w->err;
  fas_ww_put_tag_(w, 2, FAS_WW_WT_LEN_);
  w->row_start = w->len;
  w->len += FAS_WW_PAD_;
  fas_ww_put_tag_(w, 1, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, key_size);
  /* Join keys then values: the two repeated fields, each in order. */
  for (size_t i = 0; i < n_keys; i++) fas_ww_put_len_field_(w, 1, keys[i].join_key, strlen(keys[i].join_key));
  for (size_t i = 0; i < n_keys; i++) {
    fas_ww_put_tag_(w, 2, FAS_WW_WT_LEN_);
    fas_ww_put_varint_(w, fas_ww_key_value_size_(&keys[i]));
    fas_ww_put_key_value_(w, &keys[i]);
  }
  fas_ww_put_ts_(w, 3, event);
  if (created) fas_ww_put_ts_(w, 4, *created);
  w->state = FAS_WW_ROW_;
  return FAS_WW_OK;
}

/* Ends the row: fills in its length. */
static inline int fas_ww_row_end(fas_ww *w) {
  int rc = fas_ww_check_(w, FAS_WW_ROW_);
  if (rc != FAS_WW_OK) return rc;
  uint64_t n = (uint64_t)(w->len - w->row_start - FAS_WW_PAD_);
  uint8_t *p = w->buf + w->row_start;
  for (int i = 0; i < FAS_WW_PAD_ - 1; i++) p[i] = (uint8_t)((n >> (7 * i)) | 0x80);
  p[FAS_WW_PAD_ - 1] = (uint8_t)(n >> 28); /* n < 2^31: fits */
  w->rows++;
  w->state = FAS_WW_BATCH_;
  return FAS_WW_OK;
}

/* Ends the request: *out and *out_len (both may not be NULL) are the bytes for
 * fas_store_write_batch, valid until the writer's next fas_ww_begin or
 * fas_ww_free. Zero rows is a valid request. */
static inline int fas_ww_finish(fas_ww *w, const uint8_t **out, size_t *out_len) {
  int rc = fas_ww_check_(w, FAS_WW_BATCH_);
  if (rc != FAS_WW_OK) return rc;
  if (!out || !out_len) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  if (w->timeout_ms) {
    if (fas_ww_reserve_(w, 1 + fas_ww_varint_len_(w->timeout_ms)) != FAS_WW_OK) return w->err;
    fas_ww_put_tag_(w, 3, FAS_WW_WT_VARINT_);
    fas_ww_put_varint_(w, w->timeout_ms);
  }
  w->state = FAS_WW_DONE_;
  *out = w->buf;
  *out_len = w->len;
  return FAS_WW_OK;
}

/* ---- values ---- */

/* Opens the map entry of `name` whose Value holds `value_size` bytes; reserves
 * them. Returns the check's error, if any. */
static inline int fas_ww_entry_(fas_ww *w, const char *name, uint64_t value_size) {
  int rc = fas_ww_check_(w, FAS_WW_ROW_);
  if (rc != FAS_WW_OK) return rc;
  size_t n;
  if (fas_ww_name_(w, name, &n) != FAS_WW_OK) return w->err;
  if (value_size > FAS_WW_MAX_LEN) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  /* proto3: an empty key is the default, left out. */
  uint64_t entry = (n ? fas_ww_len_field_size_(1, n) : 0) + fas_ww_len_field_size_(2, value_size);
  if (fas_ww_reserve_(w, fas_ww_len_field_size_(2, entry)) != FAS_WW_OK) return w->err;
  fas_ww_put_tag_(w, 2, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, entry);
  if (n) fas_ww_put_len_field_(w, 1, name, n);
  fas_ww_put_tag_(w, 2, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, value_size);
  return FAS_WW_OK;
}

/* A Value whose oneof field `num` is a varint. */
static inline int fas_ww_varint_value_(fas_ww *w, const char *name, uint32_t num, uint64_t v) {
  int rc = fas_ww_entry_(w, name, fas_ww_tag_len_(num) + fas_ww_varint_len_(v));
  if (rc != FAS_WW_OK) return rc;
  fas_ww_put_tag_(w, num, FAS_WW_WT_VARINT_);
  fas_ww_put_varint_(w, v);
  return FAS_WW_OK;
}

static inline int fas_ww_int64(fas_ww *w, const char *name, int64_t v) {
  return fas_ww_varint_value_(w, name, FAS_WW_TYPE_INT64, (uint64_t)v);
}

static inline int fas_ww_int32(fas_ww *w, const char *name, int32_t v) {
  return fas_ww_varint_value_(w, name, FAS_WW_TYPE_INT32, (uint64_t)(int64_t)v);
}

static inline int fas_ww_bool(fas_ww *w, const char *name, int v) {
  return fas_ww_varint_value_(w, name, FAS_WW_TYPE_BOOL, v ? 1u : 0u);
}

/* UNIX_TIMESTAMP: seconds since the epoch. */
static inline int fas_ww_unix_ts(fas_ww *w, const char *name, int64_t seconds) {
  return fas_ww_varint_value_(w, name, FAS_WW_TYPE_UNIX_TIMESTAMP, (uint64_t)seconds);
}

/* NULL (Value.null_val): a null feature. */
static inline int fas_ww_null(fas_ww *w, const char *name) {
  return fas_ww_varint_value_(w, name, FAS_WW_TYPE_NULL, 0);
}

static inline int fas_ww_double(fas_ww *w, const char *name, double v) {
  int rc = fas_ww_entry_(w, name, 9);
  if (rc != FAS_WW_OK) return rc;
  fas_ww_put_tag_(w, FAS_WW_TYPE_DOUBLE, FAS_WW_WT_I64_);
  fas_ww_put_fixed_(w, fas_ww_f64_bits_(v), 8);
  return FAS_WW_OK;
}

static inline int fas_ww_float(fas_ww *w, const char *name, float v) {
  int rc = fas_ww_entry_(w, name, 5);
  if (rc != FAS_WW_OK) return rc;
  fas_ww_put_tag_(w, FAS_WW_TYPE_FLOAT, FAS_WW_WT_I32_);
  fas_ww_put_fixed_(w, fas_ww_f32_bits_(v), 4);
  return FAS_WW_OK;
}

/* A Value whose oneof field `num` holds `n` bytes. */
static inline int fas_ww_len_value_(fas_ww *w, const char *name, uint32_t num, const void *p,
                                    size_t n, int utf8) {
  if (w && w->err == FAS_WW_OK && fas_ww_check_str_(w, p, n, utf8) != FAS_WW_OK) return w->err;
  int rc = fas_ww_entry_(w, name, fas_ww_len_field_size_(num, n));
  if (rc != FAS_WW_OK) return rc;
  fas_ww_put_len_field_(w, num, p, n);
  return FAS_WW_OK;
}

/* A string of `len` bytes (UTF-8; need not be NUL-terminated). */
static inline int fas_ww_string_n(fas_ww *w, const char *name, const char *s, size_t len) {
  return fas_ww_len_value_(w, name, FAS_WW_TYPE_STRING, s, len, 1);
}

/* A NUL-terminated string. */
static inline int fas_ww_string(fas_ww *w, const char *name, const char *s) {
  if (w && w->err == FAS_WW_OK && !s) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  return fas_ww_string_n(w, name, s, s ? strlen(s) : 0);
}

static inline int fas_ww_bytes(fas_ww *w, const char *name, const void *p, size_t len) {
  return fas_ww_len_value_(w, name, FAS_WW_TYPE_BYTES, p, len, 0);
}

/* ---- lists ---- */

/* Packed numeric lists: the Value's field `num` holds a list message whose
 * field 1 is one packed run of `payload` bytes (omitted when empty). */
static inline int fas_ww_packed_open_(fas_ww *w, const char *name, uint32_t num, uint64_t payload) {
  uint64_t list = payload ? fas_ww_len_field_size_(1, payload) : 0;
  int rc = fas_ww_entry_(w, name, fas_ww_len_field_size_(num, list));
  if (rc != FAS_WW_OK) return rc;
  fas_ww_put_tag_(w, num, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, list);
  if (payload) {
    fas_ww_put_tag_(w, 1, FAS_WW_WT_LEN_);
    fas_ww_put_varint_(w, payload);
  }
  return FAS_WW_OK;
}

/* Checks a list argument before its size is computed. */
static inline int fas_ww_list_arg_(fas_ww *w, const void *vals, size_t n, size_t elem_max) {
  if (!w) return FAS_WW_ERR_ARGUMENT;
  if (w->err != FAS_WW_OK) return w->err;
  if (!vals && n) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  if (n > FAS_WW_MAX_LEN / elem_max) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  return FAS_WW_OK;
}

static inline int fas_ww_varint_list_(fas_ww *w, const char *name, uint32_t num, const int64_t *vals,
                                      size_t n) {
  int rc = fas_ww_list_arg_(w, vals, n, 10);
  if (rc != FAS_WW_OK) return rc;
  uint64_t payload = 0;
  for (size_t i = 0; i < n; i++) payload += fas_ww_varint_len_((uint64_t)vals[i]);
  if ((rc = fas_ww_packed_open_(w, name, num, payload)) != FAS_WW_OK) return rc;
  for (size_t i = 0; i < n; i++) fas_ww_put_varint_(w, (uint64_t)vals[i]);
  return FAS_WW_OK;
}

static inline int fas_ww_int64_list(fas_ww *w, const char *name, const int64_t *vals, size_t n) {
  return fas_ww_varint_list_(w, name, FAS_WW_TYPE_INT64_LIST, vals, n);
}

/* UNIX_TIMESTAMP_LIST: seconds since the epoch. */
static inline int fas_ww_unix_ts_list(fas_ww *w, const char *name, const int64_t *vals, size_t n) {
  return fas_ww_varint_list_(w, name, FAS_WW_TYPE_UNIX_TIMESTAMP_LIST, vals, n);
}

static inline int fas_ww_int32_list(fas_ww *w, const char *name, const int32_t *vals, size_t n) {
  int rc = fas_ww_list_arg_(w, vals, n, 10);
  if (rc != FAS_WW_OK) return rc;
  uint64_t payload = 0;
  for (size_t i = 0; i < n; i++) payload += fas_ww_varint_len_((uint64_t)(int64_t)vals[i]);
  if ((rc = fas_ww_packed_open_(w, name, FAS_WW_TYPE_INT32_LIST, payload)) != FAS_WW_OK) return rc;
  for (size_t i = 0; i < n; i++) fas_ww_put_varint_(w, (uint64_t)(int64_t)vals[i]);
  return FAS_WW_OK;
}

/* Booleans: any nonzero int is true. */
static inline int fas_ww_bool_list(fas_ww *w, const char *name, const int *vals, size_t n) {
  int rc = fas_ww_list_arg_(w, vals, n, 1);
  if (rc != FAS_WW_OK) return rc;
  if ((rc = fas_ww_packed_open_(w, name, FAS_WW_TYPE_BOOL_LIST, n)) != FAS_WW_OK) return rc;
  for (size_t i = 0; i < n; i++) w->buf[w->len++] = (uint8_t)(vals[i] != 0);
  return FAS_WW_OK;
}

static inline int fas_ww_double_list(fas_ww *w, const char *name, const double *vals, size_t n) {
  int rc = fas_ww_list_arg_(w, vals, n, 8);
  if (rc != FAS_WW_OK) return rc;
  if ((rc = fas_ww_packed_open_(w, name, FAS_WW_TYPE_DOUBLE_LIST, (uint64_t)n * 8)) != FAS_WW_OK)
    return rc;
  for (size_t i = 0; i < n; i++) fas_ww_put_fixed_(w, fas_ww_f64_bits_(vals[i]), 8);
  return FAS_WW_OK;
}

static inline int fas_ww_float_list(fas_ww *w, const char *name, const float *vals, size_t n) {
  int rc = fas_ww_list_arg_(w, vals, n, 4);
  if (rc != FAS_WW_OK) return rc;
  if ((rc = fas_ww_packed_open_(w, name, FAS_WW_TYPE_FLOAT_LIST, (uint64_t)n * 4)) != FAS_WW_OK)
    return rc;
  for (size_t i = 0; i < n; i++) fas_ww_put_fixed_(w, fas_ww_f32_bits_(vals[i]), 4);
  return FAS_WW_OK;
}

/* STRING_LIST (`lens` NULL: NUL-terminated) and BYTES_LIST elements: one
 * field 1 per element. */
static inline int fas_ww_len_list_(fas_ww *w, const char *name, uint32_t num,
                                   const void *const *vals, const size_t *lens, size_t n, int utf8) {
  int rc = fas_ww_list_arg_(w, vals, n, 2);
  if (rc != FAS_WW_OK) return rc;
  uint64_t list = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = lens ? lens[i] : vals[i] ? strlen((const char *)vals[i]) : 0;
    if ((!lens && !vals[i]) || fas_ww_check_str_(w, vals[i], len, utf8) != FAS_WW_OK)
      return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
    list += fas_ww_len_field_size_(1, len);
    if (list > FAS_WW_MAX_LEN) return fas_ww_fail_(w, FAS_WW_ERR_TOO_LARGE);
  }
  if ((rc = fas_ww_entry_(w, name, fas_ww_len_field_size_(num, list))) != FAS_WW_OK) return rc;
  fas_ww_put_tag_(w, num, FAS_WW_WT_LEN_);
  fas_ww_put_varint_(w, list);
  for (size_t i = 0; i < n; i++)
    fas_ww_put_len_field_(w, 1, vals[i], lens ? lens[i] : strlen((const char *)vals[i]));
  return FAS_WW_OK;
}

/* NUL-terminated strings. */
static inline int fas_ww_string_list(fas_ww *w, const char *name, const char *const *vals, size_t n) {
  return fas_ww_len_list_(w, name, FAS_WW_TYPE_STRING_LIST, (const void *const *)vals, NULL, n, 1);
}

static inline int fas_ww_bytes_list(fas_ww *w, const char *name, const void *const *vals,
                                    const size_t *lens, size_t n) {
  if (w && w->err == FAS_WW_OK && !lens && n) return fas_ww_fail_(w, FAS_WW_ERR_ARGUMENT);
  return fas_ww_len_list_(w, name, FAS_WW_TYPE_BYTES_LIST, vals, lens, n, 0);
}

#ifdef __cplusplus
}
#endif

#endif /* FEAST_AEROSPIKE_WRITE_H */

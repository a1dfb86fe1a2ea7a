/*
 * write_writer_test.c: tests of feast_aerospike_write.h, run under ASan+UBSan in CI.
 *
 * 1. Differential: random WriteBatchRequests (every value kind the writer
 *    has, multi-column entity keys, with and without created timestamps,
 *    empty rows, unicode and empty names, negative numbers) are packed with
 *    protobuf-c and written with the writer from the same messages; the
 *    writer's bytes, unpacked and re-packed by protobuf-c, must equal
 *    protobuf-c's own bytes, and be exactly 5 - varint_len(row) bytes longer
 *    per row (the padded row lengths, nothing else).
 * 2. Fixed cases: an empty request, rows and strings whose lengths straddle
 *    the varint boundaries 2^7, 2^14 and 2^21, no allocation once the buffer
 *    has grown, and misuse (out-of-order calls, NULL arguments, invalid UTF-8,
 *    a full fixed buffer, a failing allocator, sizes over 2 GiB): an error
 *    code, a poisoned writer, nothing written out of bounds.
 * 3. With --port P: a write through fas_store_write_batch to the server at
 *    127.0.0.1:P (the test server in CI), read back and checked value by value.
 *
 * Usage: write_writer_test [--iterations N] [--seed S] [--port P]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feast_aerospike.h"
#include "feast_aerospike/v1/store.pb-c.h"
#include "feast_aerospike_write.h"
#include "test_support.h"

typedef FeastAerospike__V1__Value Value;
typedef FeastAerospike__V1__WriteBatchRequest Request;

/* Names and strings: ASCII, empty, or multi-byte UTF-8 (2, 3 and 4 bytes). */
static char *rnd_string(void) {
  static const char *const pieces[] = {"a", "z", "_", "9", "\xC3\xA9", "\xE2\x82\xAC",
                                       "\xE5\x90\x8D", "\xF0\x9F\x98\x80"};
  size_t n = rnd_below(8);
  char *s = take(4 * n + 1);
  for (size_t i = 0; i < n; i++) strcat(s, pieces[rnd_below(8)]);
  return s;
}

static int64_t rnd_i64(void) { return (int64_t)(rnd() >> (rnd_below(4) * 20)) * (rnd() & 1 ? -1 : 1); }

static double rnd_double(void) {
  uint64_t bits = rnd();
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static float rnd_float(void) {
  uint32_t bits = (uint32_t)rnd();
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Every kind the writer has an appender for. */
static void rnd_value(Value *v) {
  static const int kinds[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  int kind = kinds[rnd_below(sizeof kinds / sizeof kinds[0])];
  feast_aerospike__v1__value__init(v);
  switch (kind) {
    case 1: v->bytes_val = rnd_bytes(); break;
    case 2: v->string_val = rnd_string(); break;
    case 3: v->int32_val = (int32_t)rnd_i64(); break;
    case 4: v->int64_val = rnd_i64(); break;
    case 5: v->double_val = rnd_double(); break;
    case 6: v->float_val = rnd_float(); break;
    case 7: v->bool_val = (protobuf_c_boolean)(rnd() & 1); break;
    case 8: v->unix_timestamp_val = rnd_i64(); break;
    case 11: RND_LIST(FeastAerospike__V1__BytesList, feast_aerospike__v1__bytes_list__init,
                      ProtobufCBinaryData, rnd_bytes(), bytes_list_val); break;
    case 12: RND_LIST(FeastAerospike__V1__StringList, feast_aerospike__v1__string_list__init, char *,
                      rnd_string(), string_list_val); break;
    case 13: RND_LIST(FeastAerospike__V1__Int32List, feast_aerospike__v1__int32_list__init, int32_t,
                      (int32_t)rnd_i64(), int32_list_val); break;
    case 14: RND_LIST(FeastAerospike__V1__Int64List, feast_aerospike__v1__int64_list__init, int64_t,
                      rnd_i64(), int64_list_val); break;
    case 15: RND_LIST(FeastAerospike__V1__DoubleList, feast_aerospike__v1__double_list__init, double,
                      rnd_double(), double_list_val); break;
    case 16: RND_LIST(FeastAerospike__V1__FloatList, feast_aerospike__v1__float_list__init, float,
                      rnd_float(), float_list_val); break;
    case 17: RND_LIST(FeastAerospike__V1__BoolList, feast_aerospike__v1__bool_list__init,
                      protobuf_c_boolean, (protobuf_c_boolean)(rnd() & 1), bool_list_val); break;
    case 18: RND_LIST(FeastAerospike__V1__Int64List, feast_aerospike__v1__int64_list__init, int64_t,
                      rnd_i64(), unix_timestamp_list_val); break;
    case 19: v->null_val = FEAST_AEROSPIKE__V1__NULL__NULL; break;
  }
  v->val_case = (FeastAerospike__V1__Value__ValCase)kind;
}

static Google__Protobuf__Timestamp *rnd_ts(void) {
  Google__Protobuf__Timestamp *t = take(sizeof *t);
  google__protobuf__timestamp__init(t);
  if (rnd_below(4)) t->seconds = rnd_i64();
  if (rnd_below(2)) t->nanos = (int32_t)rnd_below(1000000000) * (rnd() & 1 ? -1 : 1);
  return t;
}

static Value *rnd_key_value(void) {
  Value *v = take(sizeof *v);
  feast_aerospike__v1__value__init(v);
  switch (rnd_below(5)) {
    case 0: v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL; v->int64_val = rnd_i64(); break;
    case 1: v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_VAL; v->int32_val = (int32_t)rnd_i64(); break;
    case 2: v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL; v->string_val = rnd_string(); break;
    case 3: v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_VAL; v->bytes_val = rnd_bytes(); break;
    default:
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_VAL;
      v->unix_timestamp_val = rnd_i64();
  }
  return v;
}

/* A random request as the writer can express it: a view, an event timestamp
 * on every row, as many join keys as entity values. */
static Request *rnd_request(void) {
  Request *r = take(sizeof *r);
  feast_aerospike__v1__write_batch_request__init(r);
  r->timeout_ms = rnd_below(2) ? (uint32_t)rnd() : 0;
  FeastAerospike__V1__FeatureView *view = r->feature_view = take(sizeof *view);
  feast_aerospike__v1__feature_view__init(view);
  view->name = rnd_string();
  view->n_features = rnd_below(5);
  view->features = take(view->n_features * sizeof *view->features);
  for (size_t i = 0; i < view->n_features; i++) {
    FeastAerospike__V1__Feature *f = view->features[i] = take(sizeof *f);
    feast_aerospike__v1__feature__init(f);
    f->name = rnd_string();
    f->value_type = (FeastAerospike__V1__ValueType__Enum)rnd_below(49);
  }
  r->n_rows = rnd_below(5);
  r->rows = take(r->n_rows * sizeof *r->rows);
  for (size_t i = 0; i < r->n_rows; i++) {
    FeastAerospike__V1__WriteRow *row = r->rows[i] = take(sizeof *row);
    feast_aerospike__v1__write_row__init(row);
    FeastAerospike__V1__EntityKey *key = row->entity_key = take(sizeof *key);
    feast_aerospike__v1__entity_key__init(key);
    key->n_join_keys = key->n_entity_values = rnd_below(3);
    key->join_keys = take(key->n_join_keys * sizeof(char *));
    key->entity_values = take(key->n_entity_values * sizeof(Value *));
    for (size_t k = 0; k < key->n_join_keys; k++) {
      key->join_keys[k] = rnd_string();
      key->entity_values[k] = rnd_key_value();
    }
    row->event_timestamp = rnd_ts();
    if (rnd_below(2)) row->created_timestamp = rnd_ts();
    row->n_values = rnd_below(6);
    row->values = take(row->n_values * sizeof *row->values);
    for (size_t k = 0; k < row->n_values; k++) {
      FeastAerospike__V1__WriteRow__ValuesEntry *e = row->values[k] = take(sizeof *e);
      feast_aerospike__v1__write_row__values_entry__init(e);
      e->key = rnd_string();
      e->value = take(sizeof(Value));
      rnd_value(e->value);
    }
  }
  return r;
}

/* ---- the writer, driven from a protobuf-c message ---- */

static int write_value(fas_ww *w, const char *name, const Value *v) {
  switch (v->val_case) {
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_VAL:
      return fas_ww_bytes(w, name, v->bytes_val.data, v->bytes_val.len);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL:
      /* Both forms: NUL-terminated, and with a length into a larger buffer. */
      if (rnd() & 1) return fas_ww_string(w, name, v->string_val);
      return fas_ww_string_n(w, name, v->string_val, strlen(v->string_val));
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_VAL: return fas_ww_int32(w, name, v->int32_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL: return fas_ww_int64(w, name, v->int64_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL: return fas_ww_double(w, name, v->double_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL: return fas_ww_float(w, name, v->float_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL: return fas_ww_bool(w, name, v->bool_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_VAL:
      return fas_ww_unix_ts(w, name, v->unix_timestamp_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_NULL_VAL: return fas_ww_null(w, name);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_LIST_VAL: {
      const FeastAerospike__V1__BytesList *l = v->bytes_list_val;
      const void *ptrs[8];
      size_t lens[8];
      for (size_t i = 0; i < l->n_val; i++) {
        ptrs[i] = l->val[i].data;
        lens[i] = l->val[i].len;
      }
      return fas_ww_bytes_list(w, name, ptrs, lens, l->n_val);
    }
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_LIST_VAL:
      return fas_ww_string_list(w, name, (const char *const *)v->string_list_val->val,
                                v->string_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_LIST_VAL:
      return fas_ww_int32_list(w, name, v->int32_list_val->val, v->int32_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_LIST_VAL:
      return fas_ww_int64_list(w, name, v->int64_list_val->val, v->int64_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_LIST_VAL:
      return fas_ww_unix_ts_list(w, name, v->unix_timestamp_list_val->val,
                                 v->unix_timestamp_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_LIST_VAL:
      return fas_ww_double_list(w, name, v->double_list_val->val, v->double_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_LIST_VAL:
      return fas_ww_float_list(w, name, v->float_list_val->val, v->float_list_val->n_val);
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_LIST_VAL: {
      int bools[8];
      for (size_t i = 0; i < v->bool_list_val->n_val; i++) bools[i] = v->bool_list_val->val[i];
      return fas_ww_bool_list(w, name, bools, v->bool_list_val->n_val);
    }
    default: return -100;
  }
}

static fas_ww_key key_of(const char *join_key, const Value *v) {
  fas_ww_key k = fas_ww_key_int64(join_key, 0);
  switch (v->val_case) {
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_VAL: k.kind = FAS_WW_TYPE_INT32; k.i64 = v->int32_val; break;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_VAL:
      k.kind = FAS_WW_TYPE_UNIX_TIMESTAMP; k.i64 = v->unix_timestamp_val; break;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL: k = fas_ww_key_string(join_key, v->string_val); break;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_VAL:
      k.kind = FAS_WW_TYPE_BYTES; k.ptr = v->bytes_val.data; k.len = v->bytes_val.len; break;
    default: k.i64 = v->int64_val; break;
  }
  return k;
}

static fas_ww_timestamp ts_of(const Google__Protobuf__Timestamp *t) {
  return fas_ww_ts(t->seconds, t->nanos);
}

/* Writes `r` with the writer; returns its first error. */
static int write_request(fas_ww *w, const Request *r, const uint8_t **out, size_t *out_len) {
  fas_ww_feature features[8];
  const FeastAerospike__V1__FeatureView *view = r->feature_view;
  for (size_t i = 0; i < view->n_features; i++) {
    features[i].name = view->features[i]->name;
    features[i].value_type = (int32_t)view->features[i]->value_type;
  }
  fas_ww_begin(w, view->name, features, view->n_features, r->timeout_ms);
  for (size_t i = 0; i < r->n_rows; i++) {
    const FeastAerospike__V1__WriteRow *row = r->rows[i];
    fas_ww_key keys[4];
    for (size_t k = 0; k < row->entity_key->n_join_keys; k++)
      keys[k] = key_of(row->entity_key->join_keys[k], row->entity_key->entity_values[k]);
    fas_ww_timestamp created = {0, 0};
    if (row->created_timestamp) created = ts_of(row->created_timestamp);
    fas_ww_row_begin(w, keys, row->entity_key->n_join_keys, ts_of(row->event_timestamp),
                     row->created_timestamp ? &created : NULL);
    for (size_t k = 0; k < row->n_values; k++) write_value(w, row->values[k]->key, row->values[k]->value);
    fas_ww_row_end(w);
  }
  return fas_ww_finish(w, out, out_len);
}

static size_t varint_len(size_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

/* protobuf-c's bytes for `r` against the writer's, unpacked and re-packed. */
static void compare_request(fas_ww *w, const Request *r) {
  size_t want_len = feast_aerospike__v1__write_batch_request__get_packed_size(r);
  uint8_t *want = malloc(want_len + 1);
  if (!want) abort();
  feast_aerospike__v1__write_batch_request__pack(r, want);
  const uint8_t *got;
  size_t got_len = 0;
  int rc = write_request(w, r, &got, &got_len);
  size_t padded = want_len;
  for (size_t i = 0; i < r->n_rows; i++)
    padded += 5 - varint_len(feast_aerospike__v1__write_row__get_packed_size(r->rows[i]));
  Request *back = NULL;
  uint8_t *repacked = NULL;
  if (rc == FAS_WW_OK && got_len == padded) {
    /* Exactly its size, so a read past the end trips ASan. */
    uint8_t *exact = malloc(got_len ? got_len : 1);
    if (!exact) abort();
    memcpy(exact, got, got_len);
    back = feast_aerospike__v1__write_batch_request__unpack(NULL, got_len, exact);
    free(exact);
  }
  size_t back_len = back ? feast_aerospike__v1__write_batch_request__get_packed_size(back) : 0;
  if (back && back_len == want_len && (repacked = malloc(back_len + 1)))
    feast_aerospike__v1__write_batch_request__pack(back, repacked);
  int same = repacked && (want_len == 0 || !memcmp(repacked, want, want_len));
  if (back) feast_aerospike__v1__write_batch_request__free_unpacked(back, NULL);
  free(repacked);
  free(want);
  if (!same)
    fprintf(stderr, "request of %zu rows: writer rc %d, %zu bytes (want %zu), decoded %s, %s\n",
            r->n_rows, rc, got_len, padded, back_len ? "yes" : "no", "differs from protobuf-c");
  CHECK(same);
}

/* ---- fixed cases ---- */

static size_t allocs;
static size_t alloc_limit = (size_t)-1; /* bytes a grow may ask for */
static void *counting_alloc(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  if (size > alloc_limit) return NULL;
  allocs++;
  return realloc(ptr, size);
}

/* A view, a row and its values of chosen sizes, as a protobuf-c request. */
static Request *sized_request(size_t string_len, size_t n_rows) {
  Request *r = take(sizeof *r);
  feast_aerospike__v1__write_batch_request__init(r);
  FeastAerospike__V1__FeatureView *view = r->feature_view = take(sizeof *view);
  feast_aerospike__v1__feature_view__init(view);
  view->name = (char *)"v\xC3\xA9w";
  r->n_rows = n_rows;
  r->rows = take(n_rows * sizeof *r->rows);
  char *s = take(string_len + 1);
  memset(s, 'x', string_len);
  for (size_t i = 0; i < n_rows; i++) {
    FeastAerospike__V1__WriteRow *row = r->rows[i] = take(sizeof *row);
    feast_aerospike__v1__write_row__init(row);
    row->entity_key = take(sizeof *row->entity_key);
    feast_aerospike__v1__entity_key__init(row->entity_key);
    row->event_timestamp = take(sizeof *row->event_timestamp);
    google__protobuf__timestamp__init(row->event_timestamp);
    row->event_timestamp->seconds = 1704067200;
    row->n_values = 1;
    row->values = take(sizeof *row->values);
    FeastAerospike__V1__WriteRow__ValuesEntry *e = row->values[0] = take(sizeof *e);
    feast_aerospike__v1__write_row__values_entry__init(e);
    e->key = (char *)"s";
    e->value = take(sizeof(Value));
    feast_aerospike__v1__value__init(e->value);
    e->value->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL;
    e->value->string_val = s;
  }
  return r;
}

static void test_sizes(void) {
  fas_ww w;
  fas_ww_init(&w);
  /* Rows whose length is exactly 2^k - 1 and 2^k, and strings crossing 2^k. */
  static const size_t bounds[] = {128, 16384, 2097152};
  for (size_t b = 0; b < 3; b++) {
    int hit_below = 0, hit_at = 0;
    for (size_t len = bounds[b] - 40; len < bounds[b] + 8 && !failures; len++) {
      Request *r = sized_request(len, 1);
      size_t row = feast_aerospike__v1__write_row__get_packed_size(r->rows[0]);
      hit_below |= row == bounds[b] - 1;
      hit_at |= row == bounds[b];
      compare_request(&w, r);
      arena_free();
    }
    CHECK(hit_below && hit_at);
  }
  /* Empty request; empty row (no key columns, no values, zero timestamp). */
  Request empty = FEAST_AEROSPIKE__V1__WRITE_BATCH_REQUEST__INIT;
  FeastAerospike__V1__FeatureView view = FEAST_AEROSPIKE__V1__FEATURE_VIEW__INIT;
  view.name = (char *)"";
  empty.feature_view = &view;
  compare_request(&w, &empty);
  FeastAerospike__V1__WriteRow row = FEAST_AEROSPIKE__V1__WRITE_ROW__INIT, *rows[1] = {&row};
  FeastAerospike__V1__EntityKey key = FEAST_AEROSPIKE__V1__ENTITY_KEY__INIT;
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  row.entity_key = &key;
  row.event_timestamp = &ts;
  empty.n_rows = 1;
  empty.rows = rows;
  compare_request(&w, &empty);
  /* Steady state: the same batch again allocates nothing. */
  fas_ww_free(&w);
  fas_ww_init_with(&w, NULL, 0, counting_alloc, NULL);
  Request *r = sized_request(40, 1000);
  const uint8_t *out;
  size_t len;
  CHECK(write_request(&w, r, &out, &len) == FAS_WW_OK);
  size_t grown = allocs;
  CHECK(write_request(&w, r, &out, &len) == FAS_WW_OK && allocs == grown && grown > 0);
  compare_request(&w, r);
  arena_free();
  fas_ww_free(&w);
}

static void test_misuse(void) {
  fas_ww w;
  const uint8_t *out;
  size_t len;
  fas_ww_feature f = {"f", FAS_WW_TYPE_INT64};
  fas_ww_key key = fas_ww_key_int64("id", 1);
  fas_ww_timestamp ts = fas_ww_ts(1, 0);

  /* A NULL writer. */
  CHECK(fas_ww_begin(NULL, "v", &f, 1, 0) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_int64(NULL, "f", 1) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_row_end(NULL) == FAS_WW_ERR_ARGUMENT && fas_ww_error(NULL) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_finish(NULL, &out, &len) == FAS_WW_ERR_ARGUMENT);

  fas_ww_init(&w);
  /* Use before begin. */
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_ERR_STATE);
  CHECK(fas_ww_finish(&w, &out, &len) == FAS_WW_ERR_STATE);
  /* A value outside a row; the error sticks until begin. */
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK);
  CHECK(fas_ww_int64(&w, "f", 1) == FAS_WW_ERR_STATE);
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_ERR_STATE);
  CHECK(fas_ww_error(&w) == FAS_WW_ERR_STATE && fas_ww_rows(&w) == 0);
  /* row_end without a row, finish inside a row, row_begin inside a row. */
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK && fas_ww_row_end(&w) == FAS_WW_ERR_STATE);
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_finish(&w, &out, &len) == FAS_WW_ERR_STATE);
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_ERR_STATE);
  /* After finish, only begin. */
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK && fas_ww_finish(&w, &out, &len) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_ERR_STATE);
  /* NULL arguments. */
  CHECK(fas_ww_begin(&w, NULL, &f, 1, 0) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 1, 0) == FAS_WW_ERR_ARGUMENT);
  fas_ww_feature unnamed = {NULL, 0};
  CHECK(fas_ww_begin(&w, "v", &unnamed, 1, 0) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, NULL, 1, ts, NULL) == FAS_WW_ERR_ARGUMENT);
  fas_ww_key bad_key = fas_ww_key_int64(NULL, 1);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &bad_key, 1, ts, NULL) == FAS_WW_ERR_ARGUMENT);
  bad_key = fas_ww_key_int64("id", 1);
  bad_key.kind = FAS_WW_TYPE_DOUBLE; /* the store takes no double keys */
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK);
  CHECK(fas_ww_row_begin(&w, &bad_key, 1, ts, NULL) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_double(&w, NULL, 1.0) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_row_end(&w) == FAS_WW_ERR_ARGUMENT && fas_ww_finish(&w, &out, &len) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_string(&w, "s", NULL) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_bytes(&w, "b", NULL, 3) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_int64_list(&w, "l", NULL, 2) == FAS_WW_ERR_ARGUMENT);
  const char *with_null[2] = {"a", NULL};
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_string_list(&w, "l", with_null, 2) == FAS_WW_ERR_ARGUMENT);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_row_end(&w) == FAS_WW_OK && fas_ww_finish(&w, NULL, &len) == FAS_WW_ERR_ARGUMENT);
  /* Invalid UTF-8: a lone continuation byte, an overlong, a surrogate, a truncated sequence. */
  static const char *const bad_utf8[] = {"a\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80"};
  for (size_t i = 0; i < 5; i++) {
    CHECK(fas_ww_begin(&w, bad_utf8[i], NULL, 0, 0) == FAS_WW_ERR_UTF8);
    CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
    CHECK(fas_ww_int64(&w, bad_utf8[i], 1) == FAS_WW_ERR_UTF8);
    CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
    CHECK(fas_ww_string(&w, "s", bad_utf8[i]) == FAS_WW_ERR_UTF8);
    fas_ww_key k = fas_ww_key_string("id", bad_utf8[i]);
    CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, &k, 1, ts, NULL) == FAS_WW_ERR_UTF8);
  }
  /* Bytes values are not UTF-8 checked. */
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_bytes(&w, "b", "\xFF\xFE", 2) == FAS_WW_OK);
  /* Over 2 GiB: refused before a byte is read. */
  static const char small[4] = "abc";
  CHECK(fas_ww_string_n(&w, "s", small, (size_t)FAS_WW_MAX_LEN + 1) == FAS_WW_ERR_TOO_LARGE);
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_bytes(&w, "b", small, (size_t)1 << 31) == FAS_WW_ERR_TOO_LARGE);
  static const double d[1] = {1.0};
  CHECK(fas_ww_begin(&w, "v", NULL, 0, 0) == FAS_WW_OK && fas_ww_row_begin(&w, NULL, 0, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_double_list(&w, "l", d, (size_t)1 << 29) == FAS_WW_ERR_TOO_LARGE);
  fas_ww_free(&w);

  /* A fixed buffer: exactly enough works, one byte less is NO_MEMORY and
   * nothing past the buffer is touched (ASan: it is a heap block of that size). */
  fas_ww_init(&w);
  CHECK(fas_ww_begin(&w, "v", &f, 1, 7) == FAS_WW_OK && fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_OK);
  CHECK(fas_ww_int64(&w, "f", -1) == FAS_WW_OK && fas_ww_row_end(&w) == FAS_WW_OK);
  CHECK(fas_ww_finish(&w, &out, &len) == FAS_WW_OK);
  size_t need = len;
  fas_ww_free(&w);
  for (size_t cap = need; cap + 1 >= need && cap > 0; cap--) {
    uint8_t *buf = malloc(cap);
    if (!buf) abort();
    fas_ww_init_with(&w, buf, cap, NULL, NULL);
    fas_ww_begin(&w, "v", &f, 1, 7);
    fas_ww_row_begin(&w, &key, 1, ts, NULL);
    fas_ww_int64(&w, "f", -1);
    fas_ww_row_end(&w);
    int rc = fas_ww_finish(&w, &out, &len);
    fas_ww_free(&w); /* no allocator: does not free the caller's buffer */
    free(buf);
    CHECK(cap == need ? rc == FAS_WW_OK && len == need : rc == FAS_WW_ERR_NO_MEMORY);
  }
  /* A failing allocator: NO_MEMORY, poisoned, the old buffer still released by fas_ww_free. */
  alloc_limit = 300;
  fas_ww_init_with(&w, NULL, 0, counting_alloc, NULL);
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK && fas_ww_row_begin(&w, &key, 1, ts, NULL) == FAS_WW_OK);
  int rc = FAS_WW_OK;
  for (int i = 0; i < 100 && rc == FAS_WW_OK; i++) rc = fas_ww_double(&w, "f", 1.0);
  CHECK(rc == FAS_WW_ERR_NO_MEMORY && fas_ww_row_end(&w) == FAS_WW_ERR_NO_MEMORY);
  CHECK(fas_ww_error(&w) == FAS_WW_ERR_NO_MEMORY);
  alloc_limit = (size_t)-1;
  CHECK(fas_ww_begin(&w, "v", &f, 1, 0) == FAS_WW_OK && fas_ww_error(&w) == FAS_WW_OK);
  fas_ww_free(&w);
}

/* ---- end to end, against a server ---- */

static int32_t check_status(const char *what, int32_t status, fas_error *err) {
  if (status != FAS_OK) {
    fprintf(stderr, "%s failed: status %d: %s\n", what, (int)status, fas_error_message(err));
    fas_error_free(err);
    failures++;
  }
  return status;
}

#define E2E_ROWS 50

static void test_server(int port) {
  char config[256];
  snprintf(config, sizeof config,
           "{\"project\": \"writer_test\", \"hosts\": [[\"127.0.0.1\", %d]], \"namespace\": \"feast\"}",
           port);
  FeastAerospike__V1__InitRequest init = FEAST_AEROSPIKE__V1__INIT_REQUEST__INIT;
  init.config_json = config;
  uint8_t init_buf[512];
  size_t init_len = feast_aerospike__v1__init_request__pack(&init, init_buf);
  fas_store *store = NULL;
  fas_error *err = NULL;
  if (check_status("open", fas_store_open(init_buf, init_len, &store, &err), err)) return;

  static const fas_ww_feature features[] = {
      {"i64", FAS_WW_TYPE_INT64},   {"i32", FAS_WW_TYPE_INT32},      {"f64", FAS_WW_TYPE_DOUBLE},
      {"f32", FAS_WW_TYPE_FLOAT},   {"ok", FAS_WW_TYPE_BOOL},        {"s\xC3\xA9", FAS_WW_TYPE_STRING},
      {"raw", FAS_WW_TYPE_BYTES},   {"at", FAS_WW_TYPE_UNIX_TIMESTAMP}, {"l64", FAS_WW_TYPE_INT64_LIST},
      {"ls", FAS_WW_TYPE_STRING_LIST}};
  enum { NF = sizeof features / sizeof features[0] };
  fas_ww w;
  fas_ww_init(&w);
  fas_ww_begin(&w, "writer_e2e", features, NF, 30000);
  char str[E2E_ROWS][24];
  for (int64_t id = 0; id < E2E_ROWS; id++) {
    fas_ww_key key = fas_ww_key_int64("driver_id", 900000 + id);
    fas_ww_timestamp created = fas_ww_ts(1704067200 + id + 1, 0);
    fas_ww_row_begin(&w, &key, 1, fas_ww_ts(1704067200 + id, 0), id % 2 ? &created : NULL);
    snprintf(str[id], sizeof str[id], "caf\xC3\xA9 %" PRId64, id);
    int64_t l64[3] = {id, -id, 1LL << 40};
    const char *ls[2] = {"\xE2\x82\xAC", str[id]};
    uint8_t raw[3] = {0xFF, (uint8_t)id, 0};
    fas_ww_int64(&w, "i64", id * 1000003 - 7);
    fas_ww_int32(&w, "i32", (int32_t)-id);
    fas_ww_double(&w, "f64", (double)id / 3);
    fas_ww_float(&w, "f32", (float)id / 8);
    fas_ww_bool(&w, "ok", (int)(id & 1));
    fas_ww_string(&w, "s\xC3\xA9", str[id]);
    fas_ww_bytes(&w, "raw", raw, sizeof raw);
    fas_ww_unix_ts(&w, "at", 1700000000 + id);
    fas_ww_int64_list(&w, "l64", l64, 3);
    fas_ww_string_list(&w, "ls", ls, 2);
    fas_ww_row_end(&w);
  }
  const uint8_t *req;
  size_t req_len;
  CHECK(fas_ww_finish(&w, &req, &req_len) == FAS_WW_OK);
  uint8_t *out = NULL;
  size_t out_len = 0;
  err = NULL;
  if (check_status("write_batch", fas_store_write_batch(store, req, req_len, &out, &out_len, &err), err))
    return;
  FeastAerospike__V1__WriteBatchResponse *wr =
      feast_aerospike__v1__write_batch_response__unpack(NULL, out_len, out);
  fas_buffer_free(out, out_len);
  CHECK(wr && wr->rows_written == E2E_ROWS && wr->n_failures == 0);
  feast_aerospike__v1__write_batch_response__free_unpacked(wr, NULL);

  /* Read back every row (the view as protobuf-c declares it). */
  FeastAerospike__V1__Feature pf[NF], *pfp[NF];
  FeastAerospike__V1__FeatureView view = FEAST_AEROSPIKE__V1__FEATURE_VIEW__INIT;
  for (int i = 0; i < NF; i++) {
    feast_aerospike__v1__feature__init(&pf[i]);
    pf[i].name = (char *)features[i].name;
    pf[i].value_type = (FeastAerospike__V1__ValueType__Enum)features[i].value_type;
    pfp[i] = &pf[i];
  }
  view.name = (char *)"writer_e2e";
  view.n_features = NF;
  view.features = pfp;
  Value kv[E2E_ROWS], *kvp[E2E_ROWS];
  FeastAerospike__V1__EntityKey keys[E2E_ROWS], *keyp[E2E_ROWS];
  char *join_key = (char *)"driver_id";
  for (int i = 0; i < E2E_ROWS; i++) {
    feast_aerospike__v1__value__init(&kv[i]);
    kv[i].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL;
    kv[i].int64_val = 900000 + i;
    kvp[i] = &kv[i];
    feast_aerospike__v1__entity_key__init(&keys[i]);
    keys[i].n_join_keys = keys[i].n_entity_values = 1;
    keys[i].join_keys = &join_key;
    keys[i].entity_values = &kvp[i];
    keyp[i] = &keys[i];
  }
  FeastAerospike__V1__ViewRead vr = FEAST_AEROSPIKE__V1__VIEW_READ__INIT, *vrp = &vr;
  vr.feature_view = &view;
  FeastAerospike__V1__ReadRequest rr = FEAST_AEROSPIKE__V1__READ_REQUEST__INIT;
  rr.n_entity_keys = E2E_ROWS;
  rr.entity_keys = keyp;
  rr.n_views = 1;
  rr.views = &vrp;
  size_t rr_len = feast_aerospike__v1__read_request__get_packed_size(&rr);
  uint8_t *rr_buf = malloc(rr_len);
  if (!rr_buf) abort();
  feast_aerospike__v1__read_request__pack(&rr, rr_buf);
  err = NULL;
  int32_t status = fas_store_read(store, rr_buf, rr_len, &out, &out_len, &err);
  free(rr_buf);
  if (check_status("read", status, err)) return;
  FeastAerospike__V1__ReadResponse *resp = feast_aerospike__v1__read_response__unpack(NULL, out_len, out);
  fas_buffer_free(out, out_len);
  CHECK(resp && resp->n_views == 1 && resp->views[0]->n_rows == E2E_ROWS);
  int bad = 0;
  for (int64_t id = 0; id < E2E_ROWS && !bad; id++) {
    const FeastAerospike__V1__EntityRow *row = resp->views[0]->rows[id];
    Value *const *v = row->values;
    bad |= !row->found || row->n_values != NF || !row->event_timestamp ||
           row->event_timestamp->seconds != 1704067200 + id;
    if (bad) break;
    bad |= v[0]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL || v[0]->int64_val != id * 1000003 - 7;
    bad |= v[1]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_VAL || v[1]->int32_val != (int32_t)-id;
    bad |= v[2]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL || v[2]->double_val != (double)id / 3;
    bad |= v[3]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL || v[3]->float_val != (float)id / 8;
    bad |= v[4]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL || !v[4]->bool_val != !(id & 1);
    bad |= v[5]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL || strcmp(v[5]->string_val, str[id]);
    bad |= v[6]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_VAL || v[6]->bytes_val.len != 3 ||
           v[6]->bytes_val.data[0] != 0xFF || v[6]->bytes_val.data[1] != (uint8_t)id;
    bad |= v[7]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_VAL ||
           v[7]->unix_timestamp_val != 1700000000 + id;
    bad |= v[8]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_LIST_VAL ||
           v[8]->int64_list_val->n_val != 3 || v[8]->int64_list_val->val[1] != -id ||
           v[8]->int64_list_val->val[2] != 1LL << 40;
    bad |= v[9]->val_case != FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_LIST_VAL ||
           v[9]->string_list_val->n_val != 2 || strcmp(v[9]->string_list_val->val[0], "\xE2\x82\xAC") ||
           strcmp(v[9]->string_list_val->val[1], str[id]);
    if (bad) fprintf(stderr, "end to end: row %" PRId64 " read back differently\n", id);
  }
  feast_aerospike__v1__read_response__free_unpacked(resp, NULL);
  CHECK(!bad);
  fas_ww_free(&w);
  err = NULL;
  check_status("close", fas_store_close(store, &err), err);
  fas_store_free(store);
  printf("write_writer_test: %d rows written with the writer and read back\n", E2E_ROWS);
}

int main(int argc, char **argv) {
  long iterations = 5000;
  int port = 0;
  rng_state = 20240101;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--iterations")) iterations = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: %s [--iterations N] [--seed S] [--port P]\n", argv[0]);
      return 2;
    }
  }
  test_misuse();
  if (!failures) test_sizes();
  fas_ww w;
  fas_ww_init(&w); /* one writer for every request: reuse is part of the test */
  for (long n = 0; n < iterations && !failures; n++) {
    compare_request(&w, rnd_request());
    arena_free();
  }
  fas_ww_free(&w);
  if (!failures) printf("write_writer_test: %ld random requests match protobuf-c\n", iterations);
  if (!failures && port) test_server(port);
  if (failures) {
    fprintf(stderr, "write_writer_test: %d failures\n", failures);
    return 1;
  }
  return 0;
}

/*
 * read_reader_test.c: tests of feast_aerospike_read.h, run under ASan+UBSan in CI.
 *
 * 1. Differential: random ReadResponses (every value kind the header decodes,
 *    lists packed by protobuf-c) are packed with protobuf-c, read with the
 *    header, and compared field by field with protobuf-c's own unpacking.
 * 2. Hand-made encodings protobuf-c does not produce: unpacked and split
 *    packed lists, fields out of order, unknown fields, repeated oneof fields.
 * 3. Malformed input: fixed cases, then mutations (bit flips, truncations,
 *    insertions, overwritten lengths) of valid messages and random bytes, each
 *    in a buffer of exactly its size so any read past the end trips ASan. Every
 *    function must return FAS_RR_OK, FAS_RR_END or FAS_RR_MALFORMED.
 *
 * Usage: read_reader_test [--iterations N] [--seed S]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feast_aerospike/v1/store.pb-c.h"
#include "feast_aerospike_read.h"
#include "test_support.h"

typedef FeastAerospike__V1__Value Value;

static char *rnd_string(void) {
  size_t n = rnd_below(12);
  char *s = take(n + 1);
  for (size_t i = 0; i < n; i++) s[i] = (char)('a' + rnd_below(26));
  return s;
}

static double rnd_double(void) {
  uint64_t bits = rnd();
  double d;
  memcpy(&d, &bits, sizeof d);
  return d != d ? 0.5 : d; /* keep NaN out: compared with == below */
}

static void rnd_value(Value *v, int depth);

static void rnd_value(Value *v, int depth) {
  feast_aerospike__v1__value__init(v);
  static const int kinds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19, 23,
                              25, 32, 33, 36, 42, 44};
  int kind = kinds[rnd_below(sizeof kinds / sizeof kinds[0])];
  if (kind == 42 && depth > 1) kind = 5;
  switch (kind) {
    case 0: return;
    case 1: v->bytes_val = rnd_bytes(); break;
    case 2: v->string_val = rnd_string(); break;
    case 3: v->int32_val = (int32_t)rnd(); break;
    case 4: v->int64_val = (int64_t)rnd(); break;
    case 5: v->double_val = rnd_double(); break;
    case 6: v->float_val = (float)rnd_below(1u << 20) / 1024.0f; break;
    case 7: v->bool_val = (protobuf_c_boolean)(rnd() & 1); break;
    case 8: v->unix_timestamp_val = (int64_t)rnd(); break;
    case 11: RND_LIST(FeastAerospike__V1__BytesList, feast_aerospike__v1__bytes_list__init,
                      ProtobufCBinaryData, rnd_bytes(), bytes_list_val); break;
    case 12: RND_LIST(FeastAerospike__V1__StringList, feast_aerospike__v1__string_list__init, char *,
                      rnd_string(), string_list_val); break;
    case 13: RND_LIST(FeastAerospike__V1__Int32List, feast_aerospike__v1__int32_list__init, int32_t,
                      (int32_t)rnd(), int32_list_val); break;
    case 14: RND_LIST(FeastAerospike__V1__Int64List, feast_aerospike__v1__int64_list__init, int64_t,
                      (int64_t)rnd(), int64_list_val); break;
    case 15: RND_LIST(FeastAerospike__V1__DoubleList, feast_aerospike__v1__double_list__init, double,
                      rnd_double(), double_list_val); break;
    case 16: RND_LIST(FeastAerospike__V1__FloatList, feast_aerospike__v1__float_list__init, float,
                      (float)rnd_below(4096) / 8.0f, float_list_val); break;
    case 17: RND_LIST(FeastAerospike__V1__BoolList, feast_aerospike__v1__bool_list__init,
                      protobuf_c_boolean, (protobuf_c_boolean)(rnd() & 1), bool_list_val); break;
    case 18: RND_LIST(FeastAerospike__V1__Int64List, feast_aerospike__v1__int64_list__init, int64_t,
                      (int64_t)rnd(), unix_timestamp_list_val); break;
    case 19: v->null_val = FEAST_AEROSPIKE__V1__NULL__NULL; break;
    case 23: RND_LIST(FeastAerospike__V1__StringSet, feast_aerospike__v1__string_set__init, char *,
                      rnd_string(), string_set_val); break;
    case 25: RND_LIST(FeastAerospike__V1__Int64Set, feast_aerospike__v1__int64_set__init, int64_t,
                      (int64_t)rnd(), int64_set_val); break;
    case 32: v->json_val = rnd_string(); break;
    case 33: RND_LIST(FeastAerospike__V1__StringList, feast_aerospike__v1__string_list__init, char *,
                      rnd_string(), json_list_val); break;
    case 36: v->uuid_val = rnd_string(); break;
    case 44: v->decimal_val = rnd_string(); break;
    case 42: {
      FeastAerospike__V1__RepeatedValue *l = take(sizeof *l);
      feast_aerospike__v1__repeated_value__init(l);
      l->n_val = rnd_below(4);
      l->val = take(l->n_val * sizeof *l->val);
      for (size_t i = 0; i < l->n_val; i++) {
        l->val[i] = take(sizeof(Value));
        rnd_value(l->val[i], depth + 1);
      }
      v->list_val = l;
      break;
    }
  }
  v->val_case = (FeastAerospike__V1__Value__ValCase)kind;
}

static FeastAerospike__V1__ReadResponse *rnd_response(void) {
  FeastAerospike__V1__ReadResponse *r = take(sizeof *r);
  feast_aerospike__v1__read_response__init(r);
  r->n_views = rnd_below(4);
  r->views = take(r->n_views * sizeof *r->views);
  for (size_t v = 0; v < r->n_views; v++) {
    FeastAerospike__V1__ViewResult *view = r->views[v] = take(sizeof *view);
    feast_aerospike__v1__view_result__init(view);
    view->feature_view = rnd_string();
    view->n_feature_names = rnd_below(6);
    view->feature_names = take(view->n_feature_names * sizeof(char *));
    for (size_t f = 0; f < view->n_feature_names; f++) view->feature_names[f] = rnd_string();
    view->n_rows = rnd_below(6);
    view->rows = take(view->n_rows * sizeof *view->rows);
    for (size_t i = 0; i < view->n_rows; i++) {
      FeastAerospike__V1__EntityRow *row = view->rows[i] = take(sizeof *row);
      feast_aerospike__v1__entity_row__init(row);
      row->found = (protobuf_c_boolean)(rnd_below(4) != 0);
      if (rnd_below(4)) {
        row->event_timestamp = take(sizeof *row->event_timestamp);
        google__protobuf__timestamp__init(row->event_timestamp);
        row->event_timestamp->seconds = (int64_t)rnd() >> (rnd_below(2) * 30);
        row->event_timestamp->nanos = (int32_t)rnd_below(1000000000);
      }
      row->n_values = row->found ? view->n_feature_names : 0;
      row->values = take(row->n_values * sizeof *row->values);
      for (size_t f = 0; f < row->n_values; f++) {
        row->values[f] = take(sizeof(Value));
        rnd_value(row->values[f], 0);
      }
    }
  }
  return r;
}

/* ---- comparison of the reader with protobuf-c ---- */

static int bytes_eq(fas_rr_bytes a, const void *b, size_t len) {
  return a.len == len && (len == 0 || !memcmp(a.ptr, b, len));
}
static int str_eq(fas_rr_bytes a, const char *s) { return bytes_eq(a, s, strlen(s)); }

static void compare_value(const fas_rr_value *got, const Value *want);

/* Walks a list value's elements with the typed iterator and compares them. */
static void compare_list(const fas_rr_value *got, const Value *want) {
  fas_rr_iter it;
  CHECK(fas_rr_value_list(got, &it) == FAS_RR_OK);
  size_t n = 0;
  int rc;
  switch (want->val_case) {
#define NUMERIC(CASE, FIELD, T, NEXT)                                  \
  case CASE: {                                                         \
    T x;                                                               \
    while ((rc = NEXT(&it, &x)) == FAS_RR_OK) {                        \
      CHECK(n < want->FIELD->n_val && x == want->FIELD->val[n]);       \
      n++;                                                             \
    }                                                                  \
    CHECK(rc == FAS_RR_END && n == want->FIELD->n_val);                \
    return;                                                            \
  }
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_LIST_VAL, int32_list_val, int64_t, fas_rr_next_list_i64)
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_LIST_VAL, int64_list_val, int64_t, fas_rr_next_list_i64)
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_SET_VAL, int64_set_val, int64_t, fas_rr_next_list_i64)
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_LIST_VAL, unix_timestamp_list_val, int64_t,
            fas_rr_next_list_i64)
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_LIST_VAL, double_list_val, double, fas_rr_next_list_f64)
    NUMERIC(FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_LIST_VAL, float_list_val, float, fas_rr_next_list_f32)
#undef NUMERIC
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_LIST_VAL: {
      int x;
      while ((rc = fas_rr_next_list_bool(&it, &x)) == FAS_RR_OK) {
        CHECK(n < want->bool_list_val->n_val && !x == !want->bool_list_val->val[n]);
        n++;
      }
      CHECK(rc == FAS_RR_END && n == want->bool_list_val->n_val);
      return;
    }
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_LIST_VAL: {
      fas_rr_bytes x;
      while ((rc = fas_rr_next_list_bytes(&it, &x)) == FAS_RR_OK) {
        CHECK(n < want->bytes_list_val->n_val &&
              bytes_eq(x, want->bytes_list_val->val[n].data, want->bytes_list_val->val[n].len));
        n++;
      }
      CHECK(rc == FAS_RR_END && n == want->bytes_list_val->n_val);
      return;
    }
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_LIST_VAL:
    case FEAST_AEROSPIKE__V1__VALUE__VAL_JSON_LIST_VAL:
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_SET_VAL: {
      /* StringList and StringSet share one layout. */
      const FeastAerospike__V1__StringList *l =
          want->val_case == FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_LIST_VAL ? want->string_list_val
          : want->val_case == FEAST_AEROSPIKE__V1__VALUE__VAL_JSON_LIST_VAL
              ? want->json_list_val
              : (const FeastAerospike__V1__StringList *)want->string_set_val;
      fas_rr_bytes x;
      while ((rc = fas_rr_next_list_bytes(&it, &x)) == FAS_RR_OK) {
        CHECK(n < l->n_val && str_eq(x, l->val[n]));
        n++;
      }
      CHECK(rc == FAS_RR_END && n == l->n_val);
      return;
    }
    case FEAST_AEROSPIKE__V1__VALUE__VAL_LIST_VAL: {
      fas_rr_value x;
      while ((rc = fas_rr_next_list_value(&it, &x)) == FAS_RR_OK) {
        CHECK(n < want->list_val->n_val);
        compare_value(&x, want->list_val->val[n]);
        n++;
      }
      CHECK(rc == FAS_RR_END && n == want->list_val->n_val);
      return;
    }
    default:
      CHECK(!"list kind not covered by the test");
  }
}

static void compare_value(const fas_rr_value *got, const Value *want) {
  CHECK(got->kind == (uint32_t)want->val_case);
  switch (want->val_case) {
    case FEAST_AEROSPIKE__V1__VALUE__VAL__NOT_SET: return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BYTES_VAL:
      CHECK(bytes_eq(got->bytes, want->bytes_val.data, want->bytes_val.len)); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL: CHECK(str_eq(got->bytes, want->string_val)); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_JSON_VAL: CHECK(str_eq(got->bytes, want->json_val)); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_UUID_VAL: CHECK(str_eq(got->bytes, want->uuid_val)); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_DECIMAL_VAL: CHECK(str_eq(got->bytes, want->decimal_val)); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT32_VAL: CHECK(got->as.i32 == want->int32_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL: CHECK(got->as.i64 == want->int64_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_UNIX_TIMESTAMP_VAL:
      CHECK(got->as.i64 == want->unix_timestamp_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL: CHECK(got->as.f64 == want->double_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL: CHECK(got->as.f32 == want->float_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL: CHECK(!got->as.boolean == !want->bool_val); return;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_NULL_VAL: return;
    default: compare_list(got, want); return;
  }
}

static void compare_response(const uint8_t *buf, size_t len,
                             const FeastAerospike__V1__ReadResponse *want) {
  fas_rr_iter views = fas_rr_response(buf, len);
  fas_rr_view view;
  size_t v = 0;
  int rc;
  while ((rc = fas_rr_next_view(&views, &view)) == FAS_RR_OK) {
    CHECK(v < want->n_views);
    const FeastAerospike__V1__ViewResult *wv = want->views[v++];
    CHECK(str_eq(view.name, wv->feature_view));
    CHECK(view.n_features == wv->n_feature_names && view.n_rows == wv->n_rows);
    fas_rr_iter names = fas_rr_view_feature_names(&view);
    fas_rr_bytes name;
    size_t f = 0;
    while ((rc = fas_rr_next_feature_name(&names, &name)) == FAS_RR_OK) {
      CHECK(f < wv->n_feature_names && str_eq(name, wv->feature_names[f]));
      f++;
    }
    CHECK(rc == FAS_RR_END && f == wv->n_feature_names);
    fas_rr_iter rows = fas_rr_view_rows(&view);
    fas_rr_row row;
    size_t r = 0;
    while ((rc = fas_rr_next_row(&rows, &row)) == FAS_RR_OK) {
      CHECK(r < wv->n_rows);
      const FeastAerospike__V1__EntityRow *wr = wv->rows[r++];
      CHECK(!row.found == !wr->found && row.n_values == wr->n_values);
      CHECK(row.has_event_timestamp == (wr->event_timestamp != NULL));
      if (wr->event_timestamp)
        CHECK(row.event_seconds == wr->event_timestamp->seconds &&
              row.event_nanos == wr->event_timestamp->nanos);
      fas_rr_iter values = fas_rr_row_values(&row);
      fas_rr_value value;
      size_t k = 0;
      while ((rc = fas_rr_next_value(&values, &value)) == FAS_RR_OK) {
        CHECK(k < wr->n_values);
        compare_value(&value, wr->values[k++]);
      }
      CHECK(rc == FAS_RR_END && k == wr->n_values);
    }
    CHECK(rc == FAS_RR_END && r == wv->n_rows);
  }
  CHECK(rc == FAS_RR_END && v == want->n_views);
}

/* ---- walking arbitrary bytes: every path, every return code checked ---- */

static int valid_rc(int rc) { return rc == FAS_RR_OK || rc == FAS_RR_END || rc == FAS_RR_MALFORMED; }

static uint64_t walk_sink;

static int walk_value(const fas_rr_value *v, int depth) {
  fas_rr_iter it;
  if (fas_rr_value_list(v, &it) != FAS_RR_OK) {
    walk_sink += v->bytes.len ? v->bytes.ptr[0] + v->bytes.ptr[v->bytes.len - 1] : 0;
    return FAS_RR_OK;
  }
  int rc;
  int64_t i;
  double d;
  float f;
  int b;
  fas_rr_bytes s;
  fas_rr_value x;
  /* Every typed iterator is tried on every list kind: the wrong ones must refuse. */
  fas_rr_iter a = it, c = it, e = it, g = it, h = it;
  while ((rc = fas_rr_next_list_i64(&a, &i)) == FAS_RR_OK) walk_sink += (uint64_t)i;
  if (!valid_rc(rc)) return -9;
  while ((rc = fas_rr_next_list_f64(&c, &d)) == FAS_RR_OK) walk_sink += (uint64_t)(d == d);
  if (!valid_rc(rc)) return -9;
  while ((rc = fas_rr_next_list_f32(&e, &f)) == FAS_RR_OK) walk_sink += (uint64_t)(f == f);
  if (!valid_rc(rc)) return -9;
  while ((rc = fas_rr_next_list_bool(&g, &b)) == FAS_RR_OK) walk_sink += (uint64_t)b;
  if (!valid_rc(rc)) return -9;
  while ((rc = fas_rr_next_list_bytes(&h, &s)) == FAS_RR_OK)
    walk_sink += s.len ? s.ptr[0] + s.ptr[s.len - 1] : 0;
  if (!valid_rc(rc)) return -9;
  if (depth < 8) {
    while ((rc = fas_rr_next_list_value(&it, &x)) == FAS_RR_OK)
      if (walk_value(&x, depth + 1) != FAS_RR_OK) return -9;
    if (!valid_rc(rc)) return -9;
  }
  return FAS_RR_OK;
}

/* Returns FAS_RR_END for a fully valid response, FAS_RR_MALFORMED where the
 * reader refused it, anything else for a reader bug. */
static int walk(const uint8_t *buf, size_t len) {
  fas_rr_iter views = fas_rr_response(buf, len);
  fas_rr_view view;
  int rc, bad = 0;
  while ((rc = fas_rr_next_view(&views, &view)) == FAS_RR_OK) {
    fas_rr_iter names = fas_rr_view_feature_names(&view);
    fas_rr_bytes name;
    while ((rc = fas_rr_next_feature_name(&names, &name)) == FAS_RR_OK) walk_sink += name.len;
    if (!valid_rc(rc)) return -9;
    bad |= rc == FAS_RR_MALFORMED;
    fas_rr_iter rows = fas_rr_view_rows(&view);
    fas_rr_row row;
    while ((rc = fas_rr_next_row(&rows, &row)) == FAS_RR_OK) {
      fas_rr_iter values = fas_rr_row_values(&row);
      fas_rr_value value;
      while ((rc = fas_rr_next_value(&values, &value)) == FAS_RR_OK)
        if (walk_value(&value, 0) != FAS_RR_OK) return -9;
      if (!valid_rc(rc)) return -9;
      bad |= rc == FAS_RR_MALFORMED;
    }
    if (!valid_rc(rc)) return -9;
    bad |= rc == FAS_RR_MALFORMED;
  }
  if (!valid_rc(rc)) return -9;
  return bad || rc == FAS_RR_MALFORMED ? FAS_RR_MALFORMED : FAS_RR_END;
}

/* Walks a copy of exactly `len` bytes, so ASan sees any read past the end. */
static int walk_exact(const uint8_t *src, size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) abort();
  if (len) memcpy(copy, src, len);
  int rc = walk(len ? copy : NULL, len);
  free(copy);
  return rc;
}

/* ---- fixed cases ---- */

static void test_fixed(void) {
  /* Empty response: no views. */
  CHECK(walk_exact(NULL, 0) == FAS_RR_END);
  /* One view, out-of-order fields, an unknown field (99, varint), a row whose
   * value list holds an unpacked int64 list, a split packed list, and a Value
   * with two oneof fields (the last wins). */
  static const uint8_t msg[] = {
      0x0A, 0x2A,                         /* views, 42 bytes */
      0x1A, 0x1F,                         /* row, 31 bytes */
      0x1A, 0x08, 0x72, 0x06,             /* value: int64_list_val (14), 6 bytes */
      0x08, 0x05, 0x08, 0x7F, 0x0A, 0x00, /* unpacked 5, 127, an empty packed run */
      0x1A, 0x0B, 0x72, 0x09,             /* value: int64_list_val, 9 bytes */
      0x0A, 0x02, 0x01, 0x02,             /* packed run 1, 2 */
      0x0A, 0x01, 0x03, 0x08, 0x04,       /* packed run 3, then unpacked 4 */
      0x1A, 0x04, 0x20, 0x07, 0x18, 0x01, /* value: int64 7 then int32 1: int32 wins */
      0x08, 0x01,                         /* found (after the values) */
      0x0A, 0x01, 0x76,                   /* name "v" (after the row) */
      0x98, 0x06, 0x2A,                   /* unknown field 99 = 42 */
      0x12, 0x01, 0x66,                   /* feature "f" */
  };
  fas_rr_iter views = fas_rr_response(msg, sizeof msg);
  fas_rr_view view;
  CHECK(fas_rr_next_view(&views, &view) == FAS_RR_OK);
  CHECK(str_eq(view.name, "v") && view.n_features == 1 && view.n_rows == 1);
  fas_rr_iter rows = fas_rr_view_rows(&view);
  fas_rr_row row;
  CHECK(fas_rr_next_row(&rows, &row) == FAS_RR_OK && row.found && row.n_values == 3);
  fas_rr_iter values = fas_rr_row_values(&row);
  fas_rr_value v;
  int64_t x, want1[] = {5, 127}, want2[] = {1, 2, 3, 4};
  CHECK(fas_rr_next_value(&values, &v) == FAS_RR_OK && v.kind == FAS_RR_KIND_INT64_LIST);
  fas_rr_iter it;
  CHECK(fas_rr_value_list(&v, &it) == FAS_RR_OK);
  for (int i = 0; i < 2; i++) CHECK(fas_rr_next_list_i64(&it, &x) == FAS_RR_OK && x == want1[i]);
  CHECK(fas_rr_next_list_i64(&it, &x) == FAS_RR_END);
  double d;
  CHECK(fas_rr_next_list_f64(&it, &d) == FAS_RR_MALFORMED); /* wrong element type */
  CHECK(fas_rr_next_value(&values, &v) == FAS_RR_OK && fas_rr_value_list(&v, &it) == FAS_RR_OK);
  for (int i = 0; i < 4; i++) CHECK(fas_rr_next_list_i64(&it, &x) == FAS_RR_OK && x == want2[i]);
  CHECK(fas_rr_next_list_i64(&it, &x) == FAS_RR_END);
  CHECK(fas_rr_next_value(&values, &v) == FAS_RR_OK && v.kind == FAS_RR_KIND_INT32 && v.as.i32 == 1);
  CHECK(fas_rr_next_value(&values, &v) == FAS_RR_END);
  CHECK(fas_rr_value_list(&v, &it) == FAS_RR_MALFORMED); /* a scalar is not a list */
  CHECK(fas_rr_next_row(&rows, &row) == FAS_RR_END);
  CHECK(fas_rr_next_view(&views, &view) == FAS_RR_END);
  CHECK(walk_exact(msg, sizeof msg) == FAS_RR_END);

  /* Malformed: each must be refused, not read past its end. */
  static const struct {
    const char *what;
    uint8_t bytes[16];
    size_t len;
  } bad[] = {
      {"truncated tag varint", {0x80}, 1},
      {"length past the end", {0x0A, 0x05, 0x00}, 3},
      {"huge length", {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 11},
      {"varint of 11 bytes", {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 12},
      {"varint over 64 bits", {0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, 11},
      {"field number 0", {0x02, 0x00}, 2},
      {"group wire type", {0x0B, 0x0C}, 2},
      {"views with varint wire type", {0x08, 0x01}, 2},
      {"row with fixed64 found", {0x0A, 0x0B, 0x1A, 0x09, 0x09, 1, 2, 3, 4, 5, 6, 7, 8}, 13},
      {"truncated fixed64 double", {0x0A, 0x06, 0x1A, 0x04, 0x1A, 0x02, 0x29, 0x00}, 8},
      {"truncated fixed32 float", {0x0A, 0x06, 0x1A, 0x04, 0x1A, 0x02, 0x35, 0x00}, 8},
      {"value kind with wrong wire type", {0x0A, 0x06, 0x1A, 0x04, 0x1A, 0x02, 0x2A, 0x00}, 8},
      {"timestamp with bytes seconds", {0x0A, 0x06, 0x1A, 0x04, 0x12, 0x02, 0x0A, 0x00}, 8},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = walk_exact(bad[i].bytes, bad[i].len);
    if (rc != FAS_RR_MALFORMED) {
      fprintf(stderr, "malformed case \"%s\": walk returned %d\n", bad[i].what, rc);
      failures++;
    }
  }
}

/* ---- differential and mutation runs ---- */

static void mutate(uint8_t *buf, size_t *len, size_t cap) {
  switch (rnd_below(5)) {
    case 0: if (*len) buf[rnd_below(*len)] ^= (uint8_t)(1u << rnd_below(8)); break;
    case 1: *len = rnd_below(*len + 1); break;
    case 2:
      if (*len < cap) {
        size_t at = rnd_below(*len + 1);
        memmove(buf + at + 1, buf + at, *len - at);
        buf[at] = (uint8_t)rnd();
        (*len)++;
      }
      break;
    case 3: if (*len) buf[rnd_below(*len)] = (uint8_t)(rnd_below(2) ? 0xFF : 0x7F); break;
    default: if (*len) buf[rnd_below(*len)] = (uint8_t)rnd(); break;
  }
}

static void run(long iterations) {
  static uint8_t packed[1 << 16], mutated[(1 << 16) + 64];
  long mutated_valid = 0, mutated_refused = 0;
  for (long n = 0; n < iterations && !failures; n++) {
    FeastAerospike__V1__ReadResponse *want = rnd_response();
    size_t len = feast_aerospike__v1__read_response__get_packed_size(want);
    if (len > sizeof packed) abort();
    feast_aerospike__v1__read_response__pack(want, packed);
    /* protobuf-c reads its own bytes back; the header must agree with it. */
    FeastAerospike__V1__ReadResponse *unpacked =
        feast_aerospike__v1__read_response__unpack(NULL, len, packed);
    if (!unpacked) abort();
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) abort();
    memcpy(exact, packed, len);
    compare_response(len ? exact : NULL, len, unpacked);
    compare_response(len ? exact : NULL, len, want);
    free(exact);
    feast_aerospike__v1__read_response__free_unpacked(unpacked, NULL);
    arena_free();
    for (int m = 0; m < 20; m++) {
      size_t mlen = len;
      memcpy(mutated, packed, len);
      for (size_t k = 1 + rnd_below(3); k > 0; k--) mutate(mutated, &mlen, sizeof mutated);
      int rc = walk_exact(mutated, mlen);
      if (rc == FAS_RR_END) mutated_valid++;
      else if (rc == FAS_RR_MALFORMED) mutated_refused++;
      else {
        fprintf(stderr, "mutated input: walk returned %d\n", rc);
        failures++;
      }
    }
    size_t rlen = rnd_below(48);
    for (size_t k = 0; k < rlen; k++) mutated[k] = (uint8_t)rnd();
    if (!valid_rc(walk_exact(mutated, rlen))) failures++;
  }
  printf("read_reader_test: %ld random responses matched protobuf-c; %ld mutations "
         "(%ld still valid, %ld refused as malformed), none read out of bounds\n",
         iterations, mutated_valid + mutated_refused, mutated_valid, mutated_refused);
}

int main(int argc, char **argv) {
  long iterations = 20000;
  rng_state = 20240101;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--iterations")) iterations = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[i + 1], NULL, 0);
    else {
      fprintf(stderr, "usage: %s [--iterations N] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  test_fixed();
  if (!failures) run(iterations);
  if (failures) {
    fprintf(stderr, "read_reader_test: %d failures\n", failures);
    return 1;
  }
  return 0;
}

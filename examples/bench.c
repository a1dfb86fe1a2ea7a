/*
 * bench.c: the project's one benchmark workload (docs/benchmark-workload.md) through
 * the C ABI. Writes NARROW then WIDE (calls of 1000 rows, rows/s), then reads
 * batches of 1, 10, 100, 1000 random existing ids (p50/p90/p99 latency and
 * entities/s), a projected WIDE read (5 features, batch 100) and a
 * missing-keys read (batch 100, every other id absent). Every read response
 * is checked against the generated data, untimed, before the timed calls.
 *
 * Timed calls cover the full caller path: building the request, the fas_*
 * call, reading the response. Write requests are built with
 * feast_aerospike_write.h (straight into one reused buffer per thread);
 * --encoder protobuf-c (or both, interleaved view by view) builds them as this
 * program did before, one protobuf-c message per value, then packs them; the
 * write table shows the thread CPU time of building the request bytes beside
 * rows/s. Read requests are packed with protobuf-c. Responses are read in
 * place with feast_aerospike_read.h (no allocation); --decoder protobuf-c (or
 * both, interleaved case by case) unpacks them with protobuf-c instead, as
 * this program did before, and walks every value the same way.
 *
 * Allocations per read call: malloc, calloc, realloc, posix_memalign and
 * aligned_alloc are counted by wrappers in this program (all threads, so the
 * library's own allocations are included), and separately those made while
 * reading the response (zero with the reader). Builds with ASan have no wrappers and print "-".
 *
 * Usage: bench [--host H] [--port P] [--namespace NS] [--n N] [--threads T]
 *              [--repeat R] [--warmup W] [--iters I] [--iters-1000 I]
 *              [--timeout-ms T] [--decoder reader|protobuf-c|both]
 *              [--encoder writer|protobuf-c|both] [--writes-only 1] [--serve 1]
 *              [--event-time-safe 0|1]
 * Each measurement runs R times; the table shows the median and [min-max].
 *
 * With --serve 1 it is the C driver of scripts/bench-compare.sh instead: it
 * reads the harness's commands on stdin and answers each with one JSON line
 * (protocol in scripts/bench-compare.py); its writes use the writer unless
 * --encoder protobuf-c is given.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feast_aerospike.h"
#include "feast_aerospike_read.h"
#include "feast_aerospike_write.h"
#include "feast_aerospike/v1/store.pb-c.h"

typedef FeastAerospike__V1__Value Value;

/* ---- allocation counting ---- */

#if defined(__SANITIZE_ADDRESS__)
#define COUNTS_ALLOCATIONS 0 /* ASan owns malloc */
#else
#define COUNTS_ALLOCATIONS 1
/* glibc's own entry points; defining malloc & co. here replaces them for the
 * whole process (glibc supports this), including the Rust library. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
#endif
static atomic_ullong allocs_all;
static _Thread_local unsigned long long allocs_here, allocs_reading;
#if COUNTS_ALLOCATIONS
static void count_alloc(void) {
  atomic_fetch_add_explicit(&allocs_all, 1, memory_order_relaxed);
  allocs_here++;
}
void *malloc(size_t n) { count_alloc(); return __libc_malloc(n); }
void *calloc(size_t n, size_t size) { count_alloc(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { count_alloc(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *aligned_alloc(size_t align, size_t n) { count_alloc(); return __libc_memalign(align, n); }
int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
  count_alloc();
  void *p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
#endif

/* ---- workload (docs/benchmark-workload.md) ---- */

#define SEED 20240101ULL
#define TAG_NARROW 1
#define TAG_WIDE 2
#define N_NARROW 10
#define N_WIDE 100
#define EPOCH_2024 1704067200LL

#define GOLDEN 0x9E3779B97F4A7C15ULL

/* splitmix64's output finalizer. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t x) { return mix64(x + GOLDEN); }

static uint64_t feature_hash(uint64_t tag, uint64_t id, uint64_t index) {
  return splitmix64(SEED + (tag << 40) + (id << 8) + index);
}

static const char *NARROW_NAMES[N_NARROW] = {"i64_0", "i64_1", "i64_2", "f64_0", "f64_1",
                                             "f64_2", "str_0", "str_1", "bool_0", "f32_0"};
static const FeastAerospike__V1__ValueType__Enum NARROW_TYPES[N_NARROW] = {
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__INT64,  FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__INT64,
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__INT64,  FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE,
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE, FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE,
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__STRING, FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__STRING,
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__BOOL,   FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__FLOAT};
static char WIDE_NAMES[N_WIDE][5];
static const char *WIDE_NAME_PTRS[N_WIDE];
static FeastAerospike__V1__ValueType__Enum WIDE_TYPES[N_WIDE];
static const int PROJECTED[5] = {3, 17, 42, 68, 91};

static double unit_double(uint64_t h) { return (double)(h >> 11) * 0x1.0p-53; }

/* The value of feature `index` of `tag` for `id`; strings go to `str` (13 bytes). */
static void feature_value(int tag, int64_t id, int index, Value *v, char *str) {
  uint64_t h = feature_hash((uint64_t)tag, (uint64_t)id, (uint64_t)index);
  feast_aerospike__v1__value__init(v);
  if (tag == TAG_WIDE) {
    v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL;
    v->double_val = unit_double(h);
    return;
  }
  switch (index) {
    case 0: case 1: case 2:
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL;
      v->int64_val = index == 0 ? (int64_t)(h % 1000) : index == 1 ? (int64_t)(h & 0xFFFFFFFFULL)
                                                                    : (int64_t)h;
      break;
    case 3: case 4: case 5:
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL;
      v->double_val = unit_double(h);
      break;
    case 6: case 7: {
      static const char ALPHABET[] = "abcdefghijklmnopqrstuvwxyz0123456789";
      for (int i = 0; i < 12; i++) {
        str[i] = ALPHABET[h % 36];
        h /= 36;
      }
      str[12] = '\0';
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL;
      v->string_val = str;
      break;
    }
    case 8:
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL;
      v->bool_val = (protobuf_c_boolean)(h & 1);
      break;
    default:
      v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL;
      v->float_val = (float)((double)(h >> 40) * 0x1.0p-24);
      break;
  }
}

static int values_equal(const Value *a, const Value *b) {
  if (a->val_case != b->val_case) return 0;
  switch (a->val_case) {
    case FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL: return a->int64_val == b->int64_val;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL: return a->double_val == b->double_val;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL: return a->float_val == b->float_val;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL: return !a->bool_val == !b->bool_val;
    case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL: return !strcmp(a->string_val, b->string_val);
    default: return 0;
  }
}

/* The same comparison for a value read in place (kinds are the same numbers). */
static int read_value_equal(const fas_rr_value *a, const Value *b) {
  if (a->kind != (uint32_t)b->val_case) return 0;
  switch (a->kind) {
    case FAS_RR_KIND_INT64: return a->as.i64 == b->int64_val;
    case FAS_RR_KIND_DOUBLE: return a->as.f64 == b->double_val;
    case FAS_RR_KIND_FLOAT: return a->as.f32 == b->float_val;
    case FAS_RR_KIND_BOOL: return !a->as.boolean == !b->bool_val;
    case FAS_RR_KIND_STRING:
      return a->bytes.len == strlen(b->string_val) &&
             !memcmp(a->bytes.ptr, b->string_val, a->bytes.len);
    default: return 0;
  }
}

/* ---- options and the store ---- */

static struct {
  const char *host, *ns;
  int port, threads, repeat, warmup, iters, iters_1000, timeout_ms, serve;
  int64_t n;
  int event_time_safe;
  int use_writer, use_pbc_writes; /* --encoder */
} opt = {"127.0.0.1", "feast", 3000, 1, 3, 10, 200, 50, 0, 0, 100000, 0, 1, 0};

/* Serve mode: per-call write latencies (seconds, one per chunk) and the seed
 * of the readers' id streams. */
static double *write_lat;
static uint64_t read_seed = SEED;

static fas_store *store;

static void die(const char *what, int32_t status, fas_error *err) {
  fprintf(stderr, "bench: %s failed: status %d, result code %d: %s\n", what, (int)status,
          (int)fas_error_result_code(err), fas_error_message(err));
  fas_error_free(err);
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  FeastAerospike__V1__FeatureView view;
  FeastAerospike__V1__Feature features[N_WIDE];
  FeastAerospike__V1__Feature *ptrs[N_WIDE];
  fas_ww_feature ww_features[N_WIDE]; /* the same view, for the writer */
  int tag, n_features;
  const char **names;
} view_def;

static view_def narrow, wide;

static void define_view(view_def *d, const char *name, int tag, int n, const char **names,
                        const FeastAerospike__V1__ValueType__Enum *types) {
  feast_aerospike__v1__feature_view__init(&d->view);
  d->view.name = (char *)name;
  for (int i = 0; i < n; i++) {
    feast_aerospike__v1__feature__init(&d->features[i]);
    d->features[i].name = (char *)names[i];
    d->features[i].value_type = types[i];
    d->ptrs[i] = &d->features[i];
    d->ww_features[i].name = names[i];
    d->ww_features[i].value_type = (int32_t)types[i];
  }
  d->view.n_features = (size_t)n;
  d->view.features = d->ptrs;
  d->tag = tag;
  d->n_features = n;
  d->names = names;
}

/* Entity keys {driver_id: id}, storage owned by the caller. */
typedef struct {
  FeastAerospike__V1__EntityKey key;
  Value value;
  Value *value_ptr;
} entity;

static char *JOIN_KEY = "driver_id";

static void set_entity(entity *e, int64_t id) {
  feast_aerospike__v1__entity_key__init(&e->key);
  feast_aerospike__v1__value__init(&e->value);
  e->value.val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL;
  e->value.int64_val = id;
  e->value_ptr = &e->value;
  e->key.n_join_keys = 1;
  e->key.join_keys = &JOIN_KEY;
  e->key.n_entity_values = 1;
  e->key.entity_values = &e->value_ptr;
}

/* Packs `req`, calls `op`; returns the response bytes (free with fas_buffer_free). */
static uint8_t *call(int32_t (*op)(const fas_store *, const uint8_t *, size_t, uint8_t **,
                                   size_t *, fas_error **),
                     const char *what, const ProtobufCMessage *req, size_t *out_len) {
  size_t len = protobuf_c_message_get_packed_size(req);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) die("malloc", FAS_ERR_INTERNAL, NULL);
  protobuf_c_message_pack(req, buf);
  uint8_t *out = NULL;
  fas_error *err = NULL;
  int32_t status = op(store, buf, len, &out, out_len, &err);
  free(buf);
  if (status != FAS_OK) die(what, status, err);
  return out;
}

/* ---- writes ---- */

#define WRITE_CHUNK 1000

enum encoder { ENCODE_WRITER, ENCODE_PROTOBUF_C };

/* CPU time spent building write requests (up to the packed bytes), summed
 * over the writing threads of one write_all. */
static double encode_cpu_total;
static pthread_mutex_t encode_cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local double encode_cpu;

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  const view_def *view;
  enum encoder encoder;
  atomic_llong *next;
} write_job;

/* Checks a write_batch response (every row written) and frees it. */
static void check_written(const view_def *view, int64_t first, int64_t count, uint8_t *out,
                          size_t out_len) {
  FeastAerospike__V1__WriteBatchResponse *resp =
      feast_aerospike__v1__write_batch_response__unpack(NULL, out_len, out);
  fas_buffer_free(out, out_len);
  if (!resp) die("write_batch response decode", FAS_ERR_DECODE, NULL);
  if (resp->n_failures != 0 || resp->rows_written != (uint64_t)count) {
    fprintf(stderr, "bench: write_batch %s rows %" PRId64 "..: %zu failures, first: %s\n",
            view->view.name, first, resp->n_failures,
            resp->n_failures ? resp->failures[0]->message : "(rows_written mismatch)");
    feast_aerospike__v1__write_batch_response__free_unpacked(resp, NULL);
    exit(1);
  }
  feast_aerospike__v1__write_batch_response__free_unpacked(resp, NULL);
}

/* The writer path: the request is written straight into `w`'s buffer (kept
 * by the calling thread, so it allocates only while the buffer grows). The
 * values come from feature_value, as on the protobuf-c path. */
static void write_chunk_writer(fas_ww *w, const view_def *view, int64_t first, int64_t count) {
  double cpu0 = thread_cpu_s();
  fas_ww_begin(w, view->view.name, view->ww_features, (size_t)view->n_features, 0);
  for (int64_t r = 0; r < count; r++) {
    int64_t id = first + r;
    fas_ww_key key = fas_ww_key_int64(JOIN_KEY, id);
    fas_ww_timestamp created = fas_ww_ts(EPOCH_2024 + id + 1, 0);
    fas_ww_row_begin(w, &key, 1, fas_ww_ts(EPOCH_2024 + id, 0), &created);
    for (int f = 0; f < view->n_features; f++) {
      Value v;
      char str[13];
      const char *name = view->names[f];
      feature_value(view->tag, id, f, &v, str);
      switch (v.val_case) {
        case FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL: fas_ww_int64(w, name, v.int64_val); break;
        case FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL: fas_ww_double(w, name, v.double_val); break;
        case FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL: fas_ww_float(w, name, v.float_val); break;
        case FEAST_AEROSPIKE__V1__VALUE__VAL_BOOL_VAL: fas_ww_bool(w, name, v.bool_val); break;
        case FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL: fas_ww_string(w, name, v.string_val); break;
        default: die("writer: value kind", FAS_ERR_INTERNAL, NULL);
      }
    }
    fas_ww_row_end(w);
  }
  const uint8_t *req;
  size_t req_len;
  if (fas_ww_finish(w, &req, &req_len) != FAS_WW_OK) {
    fprintf(stderr, "bench: writer error %d at row %zu\n", fas_ww_error(w), fas_ww_rows(w));
    exit(1);
  }
  encode_cpu += thread_cpu_s() - cpu0;
  uint8_t *out = NULL;
  size_t out_len = 0;
  fas_error *err = NULL;
  int32_t status = fas_store_write_batch(store, req, req_len, &out, &out_len, &err);
  if (status != FAS_OK) die("write_batch", status, err);
  check_written(view, first, count, out, out_len);
}

/* The protobuf-c path: one message per value, row and map entry, then packed. */
static void write_chunk_protobuf_c(const view_def *view, int64_t first, int64_t count) {
  double cpu0 = thread_cpu_s();
  int nf = view->n_features;
  entity *ents = calloc((size_t)count, sizeof *ents);
  FeastAerospike__V1__WriteRow *rows = calloc((size_t)count, sizeof *rows);
  FeastAerospike__V1__WriteRow **row_ptrs = calloc((size_t)count, sizeof *row_ptrs);
  FeastAerospike__V1__WriteRow__ValuesEntry *entries = calloc((size_t)(count * nf), sizeof *entries);
  FeastAerospike__V1__WriteRow__ValuesEntry **entry_ptrs =
      calloc((size_t)(count * nf), sizeof *entry_ptrs);
  Value *values = calloc((size_t)(count * nf), sizeof *values);
  char *strs = calloc((size_t)(count * nf), 13);
  Google__Protobuf__Timestamp *ts = calloc((size_t)(2 * count), sizeof *ts);
  if (!ents || !rows || !row_ptrs || !entries || !entry_ptrs || !values || !strs || !ts)
    die("calloc", FAS_ERR_INTERNAL, NULL);
  for (int64_t r = 0; r < count; r++) {
    int64_t id = first + r;
    set_entity(&ents[r], id);
    feast_aerospike__v1__write_row__init(&rows[r]);
    rows[r].entity_key = &ents[r].key;
    for (int f = 0; f < nf; f++) {
      size_t k = (size_t)(r * nf + f);
      feature_value(view->tag, id, f, &values[k], &strs[k * 13]);
      feast_aerospike__v1__write_row__values_entry__init(&entries[k]);
      entries[k].key = (char *)view->names[f];
      entries[k].value = &values[k];
      entry_ptrs[k] = &entries[k];
    }
    rows[r].n_values = (size_t)nf;
    rows[r].values = &entry_ptrs[r * nf];
    google__protobuf__timestamp__init(&ts[2 * r]);
    ts[2 * r].seconds = EPOCH_2024 + id;
    google__protobuf__timestamp__init(&ts[2 * r + 1]);
    ts[2 * r + 1].seconds = EPOCH_2024 + id + 1;
    rows[r].event_timestamp = &ts[2 * r];
    rows[r].created_timestamp = &ts[2 * r + 1];
    row_ptrs[r] = &rows[r];
  }
  FeastAerospike__V1__WriteBatchRequest req = FEAST_AEROSPIKE__V1__WRITE_BATCH_REQUEST__INIT;
  req.feature_view = (FeastAerospike__V1__FeatureView *)&view->view;
  req.n_rows = (size_t)count;
  req.rows = row_ptrs;
  size_t len = protobuf_c_message_get_packed_size(&req.base);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) die("malloc", FAS_ERR_INTERNAL, NULL);
  protobuf_c_message_pack(&req.base, buf);
  encode_cpu += thread_cpu_s() - cpu0;
  uint8_t *out = NULL;
  size_t out_len = 0;
  fas_error *err = NULL;
  int32_t status = fas_store_write_batch(store, buf, len, &out, &out_len, &err);
  free(buf);
  if (status != FAS_OK) die("write_batch", status, err);
  check_written(view, first, count, out, out_len);
  free(ents); free(rows); free(row_ptrs); free(entries); free(entry_ptrs); free(values);
  free(strs); free(ts);
}

static void *write_worker(void *arg) {
  write_job *job = arg;
  fas_ww w; /* this thread's writer, reused for every chunk */
  fas_ww_init(&w);
  for (;;) {
    long long first = atomic_fetch_add(job->next, WRITE_CHUNK);
    if (first >= opt.n) break;
    int64_t count = opt.n - first < WRITE_CHUNK ? opt.n - first : WRITE_CHUNK;
    double t0 = now_s();
    if (job->encoder == ENCODE_WRITER) write_chunk_writer(&w, job->view, first, count);
    else write_chunk_protobuf_c(job->view, first, count);
    if (write_lat) write_lat[first / WRITE_CHUNK] = now_s() - t0;
  }
  fas_ww_free(&w);
  pthread_mutex_lock(&encode_cpu_lock);
  encode_cpu_total += encode_cpu;
  pthread_mutex_unlock(&encode_cpu_lock);
  encode_cpu = 0;
  return NULL;
}

/* Writes all N rows of `view`; returns rows/s. */
static double write_all(const view_def *view, enum encoder encoder) {
  atomic_llong next = 0;
  write_job job = {view, encoder, &next};
  pthread_t th[64];
  double t0 = now_s();
  for (int t = 0; t < opt.threads; t++) pthread_create(&th[t], NULL, write_worker, &job);
  for (int t = 0; t < opt.threads; t++) pthread_join(th[t], NULL);
  return (double)opt.n / (now_s() - t0);
}

/* ---- reads ---- */

enum decoder { DECODE_READER, DECODE_PROTOBUF_C };

typedef struct {
  const view_def *view;
  const int *projection; /* feature indexes, or NULL for all */
  int n_projection;
  int batch;
  int missing; /* every other id absent */
  enum decoder decoder;
} read_case;

/* The ids of one batch: distinct draws from a splitmix64 stream. */
static void draw_ids(uint64_t *state, const read_case *c, int64_t *ids) {
  for (int i = 0; i < c->batch; i++) {
    for (;;) {
      *state += GOLDEN;
      int64_t id = (int64_t)(mix64(*state) % (uint64_t)opt.n);
      if (c->missing && (i % 2 == 1)) id += opt.n; /* absent: drawn from [N, 2N) */
      int dup = 0;
      for (int j = 0; j < i; j++) dup |= ids[j] == id;
      if (!dup) {
        ids[i] = id;
        break;
      }
    }
  }
}

/* Mixes every value read into a sink, so both decoders do the same work. */
static _Thread_local uint64_t sink;

static void bad_row(const read_case *c, int64_t id, const char *what) {
  fprintf(stderr, "bench: read %s id %" PRId64 ": %s\n", c->view->view.name, id, what);
  exit(1);
}

/* Checks one row's found flag and timestamp; returns the number of values expected. */
static int check_row(const read_case *c, int64_t id, int found, int has_ts, int64_t seconds,
                     size_t n_values) {
  int nf = c->projection ? c->n_projection : c->view->n_features;
  int expect_found = id < opt.n;
  if (!found != !expect_found) bad_row(c, id, found ? "found, expected absent" : "not found");
  if (expect_found && (n_values != (size_t)nf || !has_ts || seconds != EPOCH_2024 + id))
    bad_row(c, id, "wrong number of values or event timestamp");
  return expect_found ? nf : 0;
}

static void expected_value(const read_case *c, int64_t id, int f, Value *want, char *str) {
  feature_value(c->view->tag, id, c->projection ? c->projection[f] : f, want, str);
}

/* Reads the response in place with feast_aerospike_read.h. */
static void walk_reader(const read_case *c, const int64_t *ids, const uint8_t *out,
                        size_t out_len, int verify) {
  fas_rr_iter views = fas_rr_response(out, out_len);
  fas_rr_view view;
  if (fas_rr_next_view(&views, &view) != FAS_RR_OK || view.n_rows != (size_t)c->batch ||
      fas_rr_next_view(&views, &view) != FAS_RR_END)
    die("read response shape", FAS_ERR_INTERNAL, NULL);
  fas_rr_iter rows = fas_rr_view_rows(&view);
  fas_rr_row row;
  for (int i = 0; i < c->batch; i++) {
    if (fas_rr_next_row(&rows, &row) != FAS_RR_OK) die("read response row", FAS_ERR_INTERNAL, NULL);
    int nf = verify ? check_row(c, ids[i], row.found, row.has_event_timestamp, row.event_seconds,
                                row.n_values)
                    : 0;
    sink += (uint64_t)row.event_seconds;
    fas_rr_iter values = fas_rr_row_values(&row);
    fas_rr_value v;
    int rc, f = 0;
    for (; (rc = fas_rr_next_value(&values, &v)) == FAS_RR_OK; f++) {
      sink += v.kind == FAS_RR_KIND_STRING ? v.bytes.len : (uint64_t)v.as.i64;
      if (f < nf) {
        Value want;
        char str[13];
        expected_value(c, ids[i], f, &want, str);
        if (!read_value_equal(&v, &want)) bad_row(c, ids[i], c->view->names[f]);
      }
    }
    if (rc != FAS_RR_END) die("read response value", FAS_ERR_INTERNAL, NULL);
  }
}

/* Unpacks the response with protobuf-c (one allocation per message). */
static void walk_protobuf_c(const read_case *c, const int64_t *ids, const uint8_t *out,
                            size_t out_len, int verify) {
  FeastAerospike__V1__ReadResponse *resp =
      feast_aerospike__v1__read_response__unpack(NULL, out_len, out);
  if (!resp || resp->n_views != 1 || resp->views[0]->n_rows != (size_t)c->batch)
    die("read response shape", FAS_ERR_INTERNAL, NULL);
  const FeastAerospike__V1__ViewResult *r = resp->views[0];
  for (int i = 0; i < c->batch; i++) {
    const FeastAerospike__V1__EntityRow *row = r->rows[i];
    int64_t seconds = row->event_timestamp ? row->event_timestamp->seconds : 0;
    int nf = verify ? check_row(c, ids[i], row->found, row->event_timestamp != NULL, seconds,
                                row->n_values)
                    : 0;
    sink += (uint64_t)seconds;
    for (size_t f = 0; f < row->n_values; f++) {
      const Value *v = row->values[f];
      sink += v->val_case == FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL ? strlen(v->string_val)
                                                                        : (uint64_t)v->int64_val;
      if ((int)f < nf) {
        Value want;
        char str[13];
        expected_value(c, ids[i], (int)f, &want, str);
        if (!values_equal(v, &want)) bad_row(c, ids[i], c->view->names[f]);
      }
    }
  }
  feast_aerospike__v1__read_response__free_unpacked(resp, NULL);
}

/* One read call; verifies the response when `verify` is set. */
static void read_once(const read_case *c, const int64_t *ids, int verify) {
  entity ents[1000];
  FeastAerospike__V1__EntityKey *keys[1000];
  for (int i = 0; i < c->batch; i++) {
    set_entity(&ents[i], ids[i]);
    keys[i] = &ents[i].key;
  }
  char *proj_names[N_WIDE];
  FeastAerospike__V1__ViewRead vr = FEAST_AEROSPIKE__V1__VIEW_READ__INIT;
  vr.feature_view = (FeastAerospike__V1__FeatureView *)&c->view->view;
  if (c->projection) {
    for (int i = 0; i < c->n_projection; i++)
      proj_names[i] = (char *)c->view->names[c->projection[i]];
    vr.n_requested_features = (size_t)c->n_projection;
    vr.requested_features = proj_names;
  }
  FeastAerospike__V1__ViewRead *views[1] = {&vr};
  FeastAerospike__V1__ReadRequest req = FEAST_AEROSPIKE__V1__READ_REQUEST__INIT;
  req.n_entity_keys = (size_t)c->batch;
  req.entity_keys = keys;
  req.n_views = 1;
  req.views = views;
  size_t out_len = 0;
  uint8_t *out = call(fas_store_read, "read", &req.base, &out_len);
  unsigned long long before = allocs_here;
  if (c->decoder == DECODE_READER) walk_reader(c, ids, out, out_len, verify);
  else walk_protobuf_c(c, ids, out, out_len, verify);
  allocs_reading += allocs_here - before;
  fas_buffer_free(out, out_len);
}

typedef struct {
  const read_case *c;
  int thread, calls;
  double *latencies; /* seconds, `calls` of them */
  pthread_barrier_t *start;
  unsigned long long reading_allocs; /* reading responses, during the timed calls */
  unsigned long long all_allocs_at_end; /* process-wide counter after the last call */
} read_job;

static void *read_worker(void *arg) {
  read_job *job = arg;
  uint64_t state = read_seed + 7919ULL * (uint64_t)job->thread;
  int64_t ids[1000];
  for (int i = 0; i < opt.warmup; i++) {
    draw_ids(&state, job->c, ids);
    read_once(job->c, ids, i == 0); /* the first call of every thread is verified */
  }
  pthread_barrier_wait(job->start);
  unsigned long long reading0 = allocs_reading;
  for (int i = 0; i < job->calls; i++) {
    draw_ids(&state, job->c, ids);
    double t0 = now_s();
    read_once(job->c, ids, 0);
    job->latencies[i] = now_s() - t0;
  }
  job->reading_allocs = allocs_reading - reading0;
  job->all_allocs_at_end = atomic_load(&allocs_all);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  double p50, p90, p99, entities_per_s;
  double allocs_per_call, reading_allocs_per_call; /* -1 when not counted */
} read_result;

static read_result run_read(const read_case *c) {
  int calls = c->batch >= 1000 ? opt.iters_1000 : opt.iters;
  int total = calls * opt.threads;
  double *lat = calloc((size_t)total, sizeof *lat);
  read_job jobs[64];
  pthread_t th[64];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)opt.threads + 1);
  for (int t = 0; t < opt.threads; t++) {
    jobs[t] = (read_job){c, t, calls, lat + (size_t)t * (size_t)calls, &start, 0, 0};
    pthread_create(&th[t], NULL, read_worker, &jobs[t]);
  }
  pthread_barrier_wait(&start);
  double t0 = now_s();
  unsigned long long all0 = atomic_load(&allocs_all), all1 = all0, reading = 0;
  for (int t = 0; t < opt.threads; t++) pthread_join(th[t], NULL);
  double wall = now_s() - t0;
  for (int t = 0; t < opt.threads; t++) {
    reading += jobs[t].reading_allocs;
    if (jobs[t].all_allocs_at_end > all1) all1 = jobs[t].all_allocs_at_end;
  }
  pthread_barrier_destroy(&start);
  qsort(lat, (size_t)total, sizeof *lat, cmp_double);
  read_result r = {lat[(total - 1) * 50 / 100] * 1e3, lat[(total - 1) * 90 / 100] * 1e3,
                   lat[(total - 1) * 99 / 100] * 1e3, (double)total * c->batch / wall,
                   COUNTS_ALLOCATIONS ? (double)(all1 - all0) / total : -1,
                   COUNTS_ALLOCATIONS ? (double)reading / total : -1};
  free(lat);
  return r;
}

/* ---- report ---- */

#define MAX_REPEAT 32

static double median_of(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "median [min-max]" of `n` samples. */
static void cell(char *buf, size_t size, double *v, int n, const char *fmt) {
  char med[24], lo[24], hi[24];
  double m = median_of(v, n);
  snprintf(med, sizeof med, fmt, m);
  snprintf(lo, sizeof lo, fmt, v[0]);
  snprintf(hi, sizeof hi, fmt, v[n - 1]);
  snprintf(buf, size, "%s [%s-%s]", med, lo, hi);
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s [--host H] [--port P] [--namespace NS] [--n N] [--threads T]\n"
          "          [--repeat R] [--warmup W] [--iters I] [--iters-1000 I]\n"
          "          [--timeout-ms T]   (all client timeouts; default: the store's)\n"
          "          [--decoder reader|protobuf-c|both]   (default: reader)\n"
          "          [--encoder writer|protobuf-c|both]   (write requests; default: writer)\n"
          "          [--writes-only 1]  (skip the read cases)\n"
          "          [--serve 1]        (driver of scripts/bench-compare.sh)\n"
          "          [--event-time-safe 0|1]   (event_time_safe_writes; default 0)\n",
          argv0);
  exit(2);
}

/* ---- serve mode (scripts/bench-compare.sh) ---- */

static void serve_reply(double p50_s, double p99_s, double per_s, int calls) {
  printf("{\"p50_us\":%.1f,\"p99_us\":%.1f,\"per_s\":%.1f,\"calls\":%d,"
         "\"allocs\":null,\"bytes\":null}\n",
         p50_s * 1e6, p99_s * 1e6, per_s, calls);
  fflush(stdout);
}

static int serve_view(const char *name, const view_def **view) {
  if (!strcmp(name, "narrow")) *view = &narrow;
  else if (!strcmp(name, "wide")) *view = &wide;
  else return 0;
  return 1;
}

/* One command; 0 on a malformed one. */
static int serve_command(char *line) {
  char v[16], kind[16];
  int k, batch, callers, warmup, iters;
  unsigned long long seed;
  const view_def *view;
  if (sscanf(line, "write %15s %d", v, &k) == 2) {
    if (!serve_view(v, &view) || k < 1 || k > 64) return 0;
    int chunks = (int)((opt.n + WRITE_CHUNK - 1) / WRITE_CHUNK);
    write_lat = calloc((size_t)chunks, sizeof *write_lat);
    if (!write_lat) die("calloc", FAS_ERR_INTERNAL, NULL);
    opt.threads = k;
    double rows_per_s = write_all(view, opt.use_writer ? ENCODE_WRITER : ENCODE_PROTOBUF_C);
    qsort(write_lat, (size_t)chunks, sizeof *write_lat, cmp_double);
    serve_reply(write_lat[(chunks - 1) * 50 / 100], write_lat[(chunks - 1) * 99 / 100], rows_per_s,
                chunks);
    free(write_lat);
    write_lat = NULL;
    return 1;
  }
  if (sscanf(line, "read %15s %15s %d %d %d %d %llu", v, kind, &batch, &callers, &warmup, &iters,
             &seed) == 7) {
    if (!serve_view(v, &view) || batch < 1 || batch > 1000 || callers < 1 || callers > 64 ||
        warmup < 1 || iters < 1)
      return 0;
    read_case c = {view, NULL, 0, batch, 0, DECODE_READER};
    if (!strcmp(kind, "proj")) {
      if (view != &wide) return 0;
      c.projection = PROJECTED;
      c.n_projection = 5;
    } else if (!strcmp(kind, "half")) {
      c.missing = 1;
    } else if (strcmp(kind, "whole")) {
      return 0;
    }
    opt.threads = callers;
    opt.warmup = warmup;
    opt.iters = opt.iters_1000 = iters;
    read_seed = (uint64_t)seed;
    read_result r = run_read(&c);
    serve_reply(r.p50 / 1e3, r.p99 / 1e3, r.entities_per_s, callers * iters);
    return 1;
  }
  return 0;
}

static void serve(void) {
  printf("{\"ready\":\"c\"}\n");
  fflush(stdout);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (!strncmp(line, "quit", 4)) break;
    if (!serve_command(line)) {
      printf("{\"error\":\"bad command\"}\n");
      fflush(stdout);
      exit(2);
    }
  }
}

int main(int argc, char **argv) {
  const char *decoder = "reader", *encoder = "writer";
  int writes_only = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const char *v = argv[++i];
    if (!strcmp(a, "--host")) opt.host = v;
    else if (!strcmp(a, "--port")) opt.port = atoi(v);
    else if (!strcmp(a, "--namespace")) opt.ns = v;
    else if (!strcmp(a, "--n")) opt.n = atoll(v);
    else if (!strcmp(a, "--threads")) opt.threads = atoi(v);
    else if (!strcmp(a, "--repeat")) opt.repeat = atoi(v);
    else if (!strcmp(a, "--warmup")) opt.warmup = atoi(v);
    else if (!strcmp(a, "--iters")) opt.iters = atoi(v);
    else if (!strcmp(a, "--iters-1000")) opt.iters_1000 = atoi(v);
    else if (!strcmp(a, "--timeout-ms")) opt.timeout_ms = atoi(v);
    else if (!strcmp(a, "--decoder")) decoder = v;
    else if (!strcmp(a, "--encoder")) encoder = v;
    else if (!strcmp(a, "--writes-only")) writes_only = atoi(v) != 0;
    else if (!strcmp(a, "--serve")) opt.serve = atoi(v);
    else if (!strcmp(a, "--event-time-safe")) opt.event_time_safe = atoi(v) != 0;
    else usage(argv[0]);
  }
  if (opt.n < 2000 || opt.threads < 1 || opt.threads > 64 || opt.repeat < 1 ||
      opt.repeat > MAX_REPEAT || opt.warmup < 1 || opt.iters < 1 || opt.iters_1000 < 1) {
    fprintf(stderr, "bench: need --n >= 2000, 1 <= --threads <= 64, 1 <= --repeat <= %d, "
                    "--warmup/--iters >= 1\n", MAX_REPEAT);
    return 2;
  }
  int use_reader = !strcmp(decoder, "reader") || !strcmp(decoder, "both");
  int use_pbc = !strcmp(decoder, "protobuf-c") || !strcmp(decoder, "both");
  if (!use_reader && !use_pbc) usage(argv[0]);
  opt.use_writer = !strcmp(encoder, "writer") || !strcmp(encoder, "both");
  opt.use_pbc_writes = !strcmp(encoder, "protobuf-c") || !strcmp(encoder, "both");
  if (!opt.use_writer && !opt.use_pbc_writes) usage(argv[0]);
  if (fas_abi_version() != FAS_ABI_VERSION) {
    fprintf(stderr, "bench: library ABI %u, header ABI %u\n", (unsigned)fas_abi_version(),
            (unsigned)FAS_ABI_VERSION);
    return 1;
  }
  for (int i = 0; i < N_WIDE; i++) {
    snprintf(WIDE_NAMES[i], sizeof WIDE_NAMES[i], "w%03d", i);
    WIDE_NAME_PTRS[i] = WIDE_NAMES[i];
    WIDE_TYPES[i] = FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE;
  }
  define_view(&narrow, "driver_narrow", TAG_NARROW, N_NARROW, NARROW_NAMES, NARROW_TYPES);
  define_view(&wide, "driver_wide", TAG_WIDE, N_WIDE, WIDE_NAME_PTRS, WIDE_TYPES);

  char config[512], timeouts[160] = "";
  if (opt.timeout_ms > 0)
    snprintf(timeouts, sizeof timeouts,
             ", \"read_timeout_ms\": %d, \"write_timeout_ms\": %d, "
             "\"batch_total_timeout_ms\": %d",
             opt.timeout_ms, opt.timeout_ms, opt.timeout_ms);
  snprintf(config, sizeof config,
           "{\"project\": \"bench\", \"hosts\": [[\"%s\", %d]], \"namespace\": \"%s\"%s%s}",
           opt.host, opt.port, opt.ns, timeouts,
           opt.event_time_safe ? ", \"event_time_safe_writes\": true" : "");
  FeastAerospike__V1__InitRequest init = FEAST_AEROSPIKE__V1__INIT_REQUEST__INIT;
  init.config_json = config;
  uint8_t init_buf[1024];
  size_t init_len = feast_aerospike__v1__init_request__pack(&init, init_buf);
  fas_error *err = NULL;
  int32_t status = fas_store_open(init_buf, init_len, &store, &err);
  if (status != FAS_OK) die("open", status, err);
  if (opt.serve) {
    serve();
    err = NULL;
    status = fas_store_close(store, &err);
    if (status != FAS_OK) die("close", status, err);
    fas_store_free(store);
    return 0;
  }

  static const read_case workload[] = {
      {&narrow, NULL, 0, 1, 0, 0},    {&narrow, NULL, 0, 10, 0, 0},  {&narrow, NULL, 0, 100, 0, 0},
      {&narrow, NULL, 0, 1000, 0, 0}, {&wide, NULL, 0, 1, 0, 0},     {&wide, NULL, 0, 10, 0, 0},
      {&wide, NULL, 0, 100, 0, 0},    {&wide, NULL, 0, 1000, 0, 0},  {&wide, PROJECTED, 5, 100, 0, 0},
      {&narrow, NULL, 0, 100, 1, 0},
  };
  /* With --decoder both, each case runs with protobuf-c then the reader, back to back. */
  enum { N_WORKLOAD = sizeof workload / sizeof workload[0], N_CASES = 2 * N_WORKLOAD };
  read_case cases[N_CASES];
  int n_cases = 0;
  for (int w = 0; w < N_WORKLOAD; w++) {
    if (use_pbc) {
      cases[n_cases] = workload[w];
      cases[n_cases++].decoder = DECODE_PROTOBUF_C;
    }
    if (use_reader) {
      cases[n_cases] = workload[w];
      cases[n_cases++].decoder = DECODE_READER;
    }
  }
  /* Writes: [view: NARROW, WIDE][encoder: writer, protobuf-c][run]. */
  static double w_rate[2][2][MAX_REPEAT], w_allocs[2][2][MAX_REPEAT], w_build[2][2][MAX_REPEAT];
  double chunks = (double)((opt.n + WRITE_CHUNK - 1) / WRITE_CHUNK);
  const view_def *w_views[2] = {&narrow, &wide};
  static double p50[N_CASES][MAX_REPEAT], p90[N_CASES][MAX_REPEAT], p99[N_CASES][MAX_REPEAT],
      eps[N_CASES][MAX_REPEAT], allocs[N_CASES][MAX_REPEAT], reading_allocs[N_CASES][MAX_REPEAT];
  for (int r = 0; r < opt.repeat; r++) {
    /* With --encoder both, protobuf-c then the writer, back to back, per view. */
    for (int v = 0; v < 2; v++) {
      for (int e = 1; e >= 0; e--) {
        if (!(e ? opt.use_pbc_writes : opt.use_writer)) continue;
        unsigned long long a0 = atomic_load(&allocs_all);
        encode_cpu_total = 0;
        w_rate[v][e][r] = write_all(w_views[v], e ? ENCODE_PROTOBUF_C : ENCODE_WRITER);
        w_build[v][e][r] = encode_cpu_total / chunks * 1e3;
        w_allocs[v][e][r] =
            COUNTS_ALLOCATIONS ? (double)(atomic_load(&allocs_all) - a0) / chunks : -1;
        fprintf(stderr, "run %d: write %s %s %.0f rows/s\n", r + 1, v ? "WIDE" : "NARROW",
                e ? "protobuf-c" : "writer", w_rate[v][e][r]);
      }
    }
    for (int c = 0; c < n_cases && !writes_only; c++) {
      read_result res = run_read(&cases[c]);
      allocs[c][r] = res.allocs_per_call;
      reading_allocs[c][r] = res.reading_allocs_per_call;
      p50[c][r] = res.p50;
      p90[c][r] = res.p90;
      p99[c][r] = res.p99;
      eps[c][r] = res.entities_per_s;
    }
  }

  printf("feast-aerospike C ABI bench: N=%" PRId64 ", threads=%d, repeat=%d "
         "(median [min-max] over runs), server %s:%d namespace %s%s\n\n",
         opt.n, opt.threads, opt.repeat, opt.host, opt.port, opt.ns,
         opt.event_time_safe ? ", event_time_safe_writes" : "");
  char a[128], b[128], c_[128], d[128];
  printf("| write | encoder | rows/s | building the request, CPU ms/call | allocs/call (all "
         "threads) |\n|---|---|---|---|---|\n");
  for (int v = 0; v < 2; v++) {
    for (int e = 1; e >= 0; e--) {
      if (!(e ? opt.use_pbc_writes : opt.use_writer)) continue;
      char al[128] = "-";
      cell(a, sizeof a, w_rate[v][e], opt.repeat, "%.0f");
      cell(b, sizeof b, w_build[v][e], opt.repeat, "%.2f");
      if (COUNTS_ALLOCATIONS) cell(al, sizeof al, w_allocs[v][e], opt.repeat, "%.1f");
      printf("| %s (calls of %d rows) | %s | %s | %s | %s |\n", v ? "WIDE" : "NARROW",
             WRITE_CHUNK, e ? "protobuf-c" : "writer", a, b, al);
    }
  }
  printf("\n");
  if (writes_only) n_cases = 0;
  if (n_cases)
    printf("| read | batch | decoder | p50 ms | p90 ms | p99 ms | entities/s | allocs/call "
         "(all threads) | of which reading the response |\n|---|---|---|---|---|---|---|---|---|\n");
  for (int c = 0; c < n_cases; c++) {
    const read_case *k = &cases[c];
    const char *label = k->missing ? "NARROW, half missing"
                        : k->projection ? "WIDE projected 5"
                        : k->view == &narrow ? "NARROW" : "WIDE";
    cell(a, sizeof a, p50[c], opt.repeat, "%.3f");
    cell(b, sizeof b, p90[c], opt.repeat, "%.3f");
    cell(c_, sizeof c_, p99[c], opt.repeat, "%.3f");
    cell(d, sizeof d, eps[c], opt.repeat, "%.0f");
    char e[128] = "-", f[128] = "-";
    if (COUNTS_ALLOCATIONS) {
      cell(e, sizeof e, allocs[c], opt.repeat, "%.1f");
      cell(f, sizeof f, reading_allocs[c], opt.repeat, "%.1f");
    }
    printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", label, k->batch,
           k->decoder == DECODE_READER ? "reader" : "protobuf-c", a, b, c_, d, e, f);
  }

  err = NULL;
  status = fas_store_close(store, &err);
  if (status != FAS_OK) die("close", status, err);
  fas_store_free(store);
  return 0;
}

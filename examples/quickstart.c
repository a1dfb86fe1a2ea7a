/*
 * quickstart.c: the whole life of a feast-aerospike store through the C ABI:
 * open, write two feature views, read them back (full and projected, with a
 * missing entity), drop one view (update), teardown, close and free. Every
 * status is checked. Its output is deterministic, so CI compares it with
 * examples/expected/quickstart.out.
 *
 * Usage: quickstart [--host H] [--port P] [--namespace NS]
 * Requests are built with protobuf-c from proto/ (generated at build time);
 * read responses are read in place with feast_aerospike_read.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feast_aerospike.h"
#include "feast_aerospike_read.h"
#include "feast_aerospike/v1/store.pb-c.h"

typedef int32_t (*fas_op)(const fas_store *, const uint8_t *, size_t, uint8_t **,
                          size_t *, fas_error **);

/* Prints a failed call's error and releases it. Returns 1 on failure. */
static int failed(const char *what, int32_t status, fas_error *err) {
  if (status == FAS_OK) return 0;
  fprintf(stderr, "%s failed: status %d, result code %d: %s\n", what, (int)status,
          (int)fas_error_result_code(err), fas_error_message(err));
  fas_error_free(err);
  return 1;
}

/* Packs `req`, calls `op`, and returns the response bytes in *out (library
 * owned, release with fas_buffer_free). Returns the status. */
static int32_t call(fas_op op, const char *what, const fas_store *store,
                    const ProtobufCMessage *req, uint8_t **out, size_t *out_len) {
  size_t len = protobuf_c_message_get_packed_size(req);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    fprintf(stderr, "%s: out of memory\n", what);
    return FAS_ERR_INTERNAL;
  }
  protobuf_c_message_pack(req, buf);
  fas_error *err = NULL;
  int32_t status = op(store, buf, len, out, out_len, &err);
  free(buf);
  if (failed(what, status, err)) return status;
  return FAS_OK;
}

static FeastAerospike__V1__Value *int64_value(FeastAerospike__V1__Value *v, int64_t x) {
  feast_aerospike__v1__value__init(v);
  v->val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL;
  v->int64_val = x;
  return v;
}

static void print_value(const fas_rr_value *v) {
  switch (v->kind) {
    case FAS_RR_KIND_INT64: printf("%" PRId64, v->as.i64); break;
    case FAS_RR_KIND_DOUBLE: printf("%.3f", v->as.f64); break;
    case FAS_RR_KIND_FLOAT: printf("%.3f", (double)v->as.f32); break;
    case FAS_RR_KIND_STRING: printf("\"%.*s\"", (int)v->bytes.len, (const char *)v->bytes.ptr); break;
    case FAS_RR_KIND_BOOL: printf("%s", v->as.boolean ? "true" : "false"); break;
    case FAS_RR_KIND_UNSET: printf("null"); break;
    default: printf("<value case %d>", (int)v->kind); break;
  }
}

/* The two feature views of the example. */
#define N_STATS 4
static const char *STATS_NAMES[N_STATS] = {"conv_rate", "acc_rate", "avg_daily_trips", "city"};
static const FeastAerospike__V1__ValueType__Enum STATS_TYPES[N_STATS] = {
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE, FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__FLOAT,
    FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__INT64, FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__STRING};

typedef struct {
  FeastAerospike__V1__FeatureView view;
  FeastAerospike__V1__Feature features[N_STATS];
  FeastAerospike__V1__Feature *feature_ptrs[N_STATS];
} view_def;

static void define_view(view_def *d, const char *name, size_t n, const char **names,
                        const FeastAerospike__V1__ValueType__Enum *types) {
  feast_aerospike__v1__feature_view__init(&d->view);
  d->view.name = (char *)name;
  for (size_t i = 0; i < n; i++) {
    feast_aerospike__v1__feature__init(&d->features[i]);
    d->features[i].name = (char *)names[i];
    d->features[i].value_type = types[i];
    d->feature_ptrs[i] = &d->features[i];
  }
  d->view.n_features = n;
  d->view.features = d->feature_ptrs;
}

/* One entity key {driver_id: id}. */
typedef struct {
  FeastAerospike__V1__EntityKey key;
  FeastAerospike__V1__Value value;
  FeastAerospike__V1__Value *value_ptr;
  char *join_key;
} entity_def;

static void define_entity(entity_def *e, int64_t id) {
  feast_aerospike__v1__entity_key__init(&e->key);
  e->join_key = "driver_id";
  e->value_ptr = int64_value(&e->value, id);
  e->key.n_join_keys = 1;
  e->key.join_keys = &e->join_key;
  e->key.n_entity_values = 1;
  e->key.entity_values = &e->value_ptr;
}

static int write_rows(const fas_store *store, const view_def *view, int64_t event_seconds,
                      size_t n_rows, const int64_t *ids, size_t n_values, const char **names,
                      FeastAerospike__V1__Value values[][N_STATS]) {
  entity_def entities[8];
  FeastAerospike__V1__WriteRow rows[8], *row_ptrs[8];
  FeastAerospike__V1__WriteRow__ValuesEntry entries[8][N_STATS], *entry_ptrs[8][N_STATS];
  Google__Protobuf__Timestamp event_ts[8], created_ts[8];
  for (size_t r = 0; r < n_rows; r++) {
    define_entity(&entities[r], ids[r]);
    feast_aerospike__v1__write_row__init(&rows[r]);
    rows[r].entity_key = &entities[r].key;
    for (size_t f = 0; f < n_values; f++) {
      feast_aerospike__v1__write_row__values_entry__init(&entries[r][f]);
      entries[r][f].key = (char *)names[f];
      entries[r][f].value = &values[r][f];
      entry_ptrs[r][f] = &entries[r][f];
    }
    rows[r].n_values = n_values;
    rows[r].values = entry_ptrs[r];
    google__protobuf__timestamp__init(&event_ts[r]);
    event_ts[r].seconds = event_seconds;
    google__protobuf__timestamp__init(&created_ts[r]);
    created_ts[r].seconds = 1704067201;
    rows[r].event_timestamp = &event_ts[r];
    rows[r].created_timestamp = &created_ts[r];
    row_ptrs[r] = &rows[r];
  }
  FeastAerospike__V1__WriteBatchRequest req = FEAST_AEROSPIKE__V1__WRITE_BATCH_REQUEST__INIT;
  req.feature_view = (FeastAerospike__V1__FeatureView *)&view->view;
  req.n_rows = n_rows;
  req.rows = row_ptrs;

  uint8_t *out = NULL;
  size_t out_len = 0;
  if (call(fas_store_write_batch, "write_batch", store, &req.base, &out, &out_len) != FAS_OK)
    return 1;
  FeastAerospike__V1__WriteBatchResponse *resp =
      feast_aerospike__v1__write_batch_response__unpack(NULL, out_len, out);
  fas_buffer_free(out, out_len);
  if (!resp) {
    fprintf(stderr, "write_batch: cannot decode the response\n");
    return 1;
  }
  printf("write_batch %s: %" PRIu64 " rows written, %zu skipped as stale, %zu failures\n",
         view->view.name, resp->rows_written, resp->n_skipped_stale_rows, resp->n_failures);
  for (size_t i = 0; i < resp->n_skipped_stale_rows; i++)
    printf("  row %u skipped: the store holds a newer event for it\n",
           resp->skipped_stale_rows[i]);
  int bad = resp->n_failures != 0;
  for (size_t i = 0; i < resp->n_failures; i++)
    fprintf(stderr, "  row %u: result code %d: %s\n", resp->failures[i]->row_index,
            (int)resp->failures[i]->result_code, resp->failures[i]->message);
  feast_aerospike__v1__write_batch_response__free_unpacked(resp, NULL);
  return bad;
}

/* Prints the store's counters (fas_store_metrics); latencies vary from run to
 * run, so only their count is shown. */
static int print_metrics(const fas_store *store) {
  uint8_t *out = NULL;
  size_t out_len = 0;
  fas_error *err = NULL;
  if (failed("metrics", fas_store_metrics(store, &out, &out_len, &err), err)) return 1;
  FeastAerospike__V1__MetricsSnapshot *m =
      feast_aerospike__v1__metrics_snapshot__unpack(NULL, out_len, out);
  fas_buffer_free(out, out_len);
  if (!m) {
    fprintf(stderr, "metrics: cannot decode the response\n");
    return 1;
  }
  printf("metrics:\n");
  for (size_t i = 0; i < m->n_operations; i++) {
    const FeastAerospike__V1__OperationMetrics *op = m->operations[i];
    uint64_t errors = 0;
    for (size_t e = 0; e < op->n_errors; e++) errors += op->errors[e]->count;
    printf("  %s: %" PRIu64 " calls, %" PRIu64 " errors, %" PRIu64 " items, %" PRIu64
           " latencies (<= %" PRIu64 " us: %" PRIu64 ")\n",
           op->operation, op->calls, errors, op->items, op->latency_count,
           m->latency_bounds_us[m->n_latency_bounds_us - 1],
           op->latency_buckets[op->n_latency_buckets - 1]);
  }
  printf("  write rows: %" PRIu64 " written, %" PRIu64 " skipped as stale, %zu failure codes\n",
         m->rows_written, m->rows_skipped_stale, m->n_row_failures);
  printf("  read rows: %" PRIu64 " found, %" PRIu64 " not found\n", m->read_found,
         m->read_not_found);
  feast_aerospike__v1__metrics_snapshot__free_unpacked(m, NULL);
  return 0;
}

/* Reads `views` (with optional projections) for `ids` and prints every row. */
static int read_and_print(const fas_store *store, const char *title, size_t n_ids,
                          const int64_t *ids, size_t n_views,
                          FeastAerospike__V1__ViewRead **views) {
  entity_def entities[8];
  FeastAerospike__V1__EntityKey *key_ptrs[8];
  for (size_t i = 0; i < n_ids; i++) {
    define_entity(&entities[i], ids[i]);
    key_ptrs[i] = &entities[i].key;
  }
  FeastAerospike__V1__ReadRequest req = FEAST_AEROSPIKE__V1__READ_REQUEST__INIT;
  req.n_entity_keys = n_ids;
  req.entity_keys = key_ptrs;
  req.n_views = n_views;
  req.views = views;

  uint8_t *out = NULL;
  size_t out_len = 0;
  if (call(fas_store_read, "read", store, &req.base, &out, &out_len) != FAS_OK) return 1;
  /* The response is read in place (feast_aerospike_read.h): no allocation. */
  printf("read (%s):\n", title);
  fas_rr_iter views_it = fas_rr_response(out, out_len);
  fas_rr_view view;
  int rc;
  while ((rc = fas_rr_next_view(&views_it, &view)) == FAS_RR_OK) {
    fas_rr_iter rows = fas_rr_view_rows(&view);
    fas_rr_row row;
    for (size_t r = 0; (rc = fas_rr_next_row(&rows, &row)) == FAS_RR_OK; r++) {
      printf("  %.*s driver_id=%" PRId64 ":", (int)view.name.len, (const char *)view.name.ptr,
             r < n_ids ? ids[r] : (int64_t)-1);
      if (!row.found) {
        printf(" not found\n");
        continue;
      }
      fas_rr_iter names = fas_rr_view_feature_names(&view), values = fas_rr_row_values(&row);
      fas_rr_bytes name;
      fas_rr_value value;
      while ((rc = fas_rr_next_feature_name(&names, &name)) == FAS_RR_OK &&
             (rc = fas_rr_next_value(&values, &value)) == FAS_RR_OK) {
        printf(" %.*s=", (int)name.len, (const char *)name.ptr);
        print_value(&value);
      }
      if (rc == FAS_RR_MALFORMED) break;
      printf(" event_ts=%" PRId64 "\n", row.has_event_timestamp ? row.event_seconds : (int64_t)-1);
    }
    if (rc == FAS_RR_MALFORMED) break;
  }
  fas_buffer_free(out, out_len);
  if (rc == FAS_RR_MALFORMED) {
    fprintf(stderr, "read: cannot decode the response\n");
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *ns = "feast";
  int port = 3000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--namespace") && i + 1 < argc) ns = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--host H] [--port P] [--namespace NS]\n", argv[0]);
      return 2;
    }
  }
  if (fas_abi_version() != FAS_ABI_VERSION) {
    fprintf(stderr, "library ABI %u, header ABI %u: refusing to run\n",
            (unsigned)fas_abi_version(), (unsigned)FAS_ABI_VERSION);
    return 1;
  }
  printf("feast-aerospike ABI %u\n", (unsigned)fas_abi_version());

  /* open */
  char config[512];
  snprintf(config, sizeof config,
           "{\"project\": \"quickstart\", \"hosts\": [[\"%s\", %d]], \"namespace\": \"%s\", "
           "\"event_time_safe_writes\": true}",
           host, port, ns);
  FeastAerospike__V1__InitRequest init = FEAST_AEROSPIKE__V1__INIT_REQUEST__INIT;
  init.config_json = config;
  size_t init_len = feast_aerospike__v1__init_request__get_packed_size(&init);
  uint8_t init_buf[1024];
  feast_aerospike__v1__init_request__pack(&init, init_buf);
  fas_store *store = NULL;
  fas_error *err = NULL;
  int32_t status = fas_store_open(init_buf, init_len, &store, &err);
  if (failed("open", status, err)) return 1;
  printf("opened store (project quickstart, namespace %s)\n", ns);

  /* write */
  view_def stats, profile;
  define_view(&stats, "driver_hourly_stats", N_STATS, STATS_NAMES, STATS_TYPES);
  static const char *PROFILE_NAMES[1] = {"rating"};
  static const FeastAerospike__V1__ValueType__Enum PROFILE_TYPES[1] = {
      FEAST_AEROSPIKE__V1__VALUE_TYPE__ENUM__DOUBLE};
  define_view(&profile, "driver_profile", 1, PROFILE_NAMES, PROFILE_TYPES);

  const int64_t ids[3] = {1001, 1002, 1003};
  static char *cities[3] = {"Lisbon", "Oslo", "Quito"};
  FeastAerospike__V1__Value values[3][N_STATS];
  for (int r = 0; r < 3; r++) {
    for (int f = 0; f < N_STATS; f++) feast_aerospike__v1__value__init(&values[r][f]);
    values[r][0].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL;
    values[r][0].double_val = 0.25 * (r + 1);
    values[r][1].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_FLOAT_VAL;
    values[r][1].float_val = 0.5f + 0.125f * (float)r;
    values[r][2].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_INT64_VAL;
    values[r][2].int64_val = 10 * (r + 1);
    values[r][3].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_STRING_VAL;
    values[r][3].string_val = cities[r];
  }
  FeastAerospike__V1__Value rating[1][N_STATS];
  feast_aerospike__v1__value__init(&rating[0][0]);
  rating[0][0].val_case = FEAST_AEROSPIKE__V1__VALUE__VAL_DOUBLE_VAL;
  rating[0][0].double_val = 4.5;

  int rc = 1;
  const int64_t jan1 = 1704067200; /* 2024-01-01T00:00:00Z */
  if (write_rows(store, &stats, jan1, 3, ids, N_STATS, STATS_NAMES, values)) goto out;
  if (write_rows(store, &profile, jan1, 1, ids, 1, PROFILE_NAMES, rating)) goto out;
  /* a late, older event for 1001 (event_time_safe_writes): skipped, not applied */
  if (write_rows(store, &stats, jan1 - 3600, 1, ids, N_STATS, STATS_NAMES, &values[2])) goto out;

  /* read: both views, the second projected; 1004 was never written */
  const int64_t read_ids[3] = {1001, 1002, 1004};
  FeastAerospike__V1__ViewRead stats_read = FEAST_AEROSPIKE__V1__VIEW_READ__INIT;
  stats_read.feature_view = &stats.view;
  FeastAerospike__V1__ViewRead profile_read = FEAST_AEROSPIKE__V1__VIEW_READ__INIT;
  profile_read.feature_view = &profile.view;
  char *projection[1] = {"rating"};
  profile_read.n_requested_features = 1;
  profile_read.requested_features = projection;
  FeastAerospike__V1__ViewRead *both[2] = {&stats_read, &profile_read};
  if (read_and_print(store, "two views", 3, read_ids, 2, both)) goto out;

  /* update: driver_profile was dropped by `feast apply` */
  {
    FeastAerospike__V1__FeatureView *del[1] = {&profile.view}, *keep[1] = {&stats.view};
    FeastAerospike__V1__UpdateRequest req = FEAST_AEROSPIKE__V1__UPDATE_REQUEST__INIT;
    req.n_views_to_delete = 1;
    req.views_to_delete = del;
    req.n_views_to_keep = 1;
    req.views_to_keep = keep;
    req.wait = 1;
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (call(fas_store_update, "update", store, &req.base, &out, &out_len) != FAS_OK) goto out;
    FeastAerospike__V1__UpdateResponse *resp =
        feast_aerospike__v1__update_response__unpack(NULL, out_len, out);
    fas_buffer_free(out, out_len);
    if (!resp) {
      fprintf(stderr, "update: cannot decode the response\n");
      goto out;
    }
    for (size_t j = 0; j < resp->n_jobs; j++) {
      printf("update: removed");
      for (size_t v = 0; v < resp->jobs[j]->n_removed_views; v++)
        printf(" %s", resp->jobs[j]->removed_views[v]);
      printf(" from %s/%s (completed: %s)\n", resp->jobs[j]->namespace_,
             resp->jobs[j]->set_name, resp->jobs[j]->completed ? "yes" : "no");
    }
    feast_aerospike__v1__update_response__free_unpacked(resp, NULL);
  }
  FeastAerospike__V1__ViewRead *profile_only[1] = {&profile_read};
  if (read_and_print(store, "after update", 1, ids, 1, profile_only)) goto out;

  /* teardown */
  {
    FeastAerospike__V1__FeatureView *views[1] = {&stats.view};
    FeastAerospike__V1__TeardownRequest req = FEAST_AEROSPIKE__V1__TEARDOWN_REQUEST__INIT;
    req.n_views = 1;
    req.views = views;
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (call(fas_store_teardown, "teardown", store, &req.base, &out, &out_len) != FAS_OK)
      goto out;
    FeastAerospike__V1__TeardownResponse *resp =
        feast_aerospike__v1__teardown_response__unpack(NULL, out_len, out);
    fas_buffer_free(out, out_len);
    if (!resp) {
      fprintf(stderr, "teardown: cannot decode the response\n");
      goto out;
    }
    for (size_t i = 0; i < resp->n_truncated; i++)
      printf("teardown: truncated %s/%s\n", resp->truncated[i]->namespace_,
             resp->truncated[i]->set_name);
    feast_aerospike__v1__teardown_response__free_unpacked(resp, NULL);
  }
  FeastAerospike__V1__ViewRead *stats_only[1] = {&stats_read};
  if (read_and_print(store, "after teardown", 1, ids, 1, stats_only)) goto out;

  if (print_metrics(store)) goto out;

  /* close: later calls answer FAS_ERR_CLOSED; the handle lives until free */
  err = NULL;
  status = fas_store_close(store, &err);
  if (failed("close", status, err)) goto out;
  {
    uint8_t *out = NULL;
    size_t out_len = 0;
    err = NULL;
    status = fas_store_read(store, NULL, 0, &out, &out_len, &err);
    printf("read after close: status %d (FAS_ERR_CLOSED is %d): %s\n", (int)status,
           FAS_ERR_CLOSED, fas_error_message(err));
    fas_error_free(err);
    if (status != FAS_ERR_CLOSED) goto out;
  }
  printf("closed\n");
  rc = 0;
out:
  fas_store_free(store);
  return rc;
}

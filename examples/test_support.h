/*
 * test_support.h: the scaffolding shared by read_reader_test.c and
 * write_writer_test.c: a CHECK macro that counts failures, a deterministic
 * RNG (splitmix64) and an arena for generated protobuf-c messages.
 */
#ifndef FEAST_AEROSPIKE_TEST_SUPPORT_H
#define FEAST_AEROSPIKE_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <protobuf-c/protobuf-c.h>

static int failures;
#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                             \
      return;                                                                 \
    }                                                                         \
  } while (0)

/* ---- a small deterministic RNG ---- */

static uint64_t rng_state;
static inline uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static inline size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* ---- arena for the generated messages (freed per message) ---- */

static void *arena[1 << 15];
static size_t arena_n;
static inline void *take(size_t size) {
  if (arena_n == sizeof arena / sizeof arena[0]) abort();
  void *p = calloc(1, size ? size : 1);
  if (!p) abort();
  return arena[arena_n++] = p;
}
static inline void arena_free(void) {
  while (arena_n) free(arena[--arena_n]);
}

/* 0 to 8 random bytes. */
static inline ProtobufCBinaryData rnd_bytes(void) {
  ProtobufCBinaryData b;
  b.len = rnd_below(9);
  b.data = (uint8_t *)take(b.len);
  for (size_t i = 0; i < b.len; i++) b.data[i] = (uint8_t)rnd();
  return b;
}

/* A random list message (0 to 4 elements from GEN) in v->FIELD. */
#define RND_LIST(LIST_T, INIT, ELEM_T, GEN, FIELD) \
  do {                                             \
    LIST_T *l = take(sizeof *l);                   \
    INIT(l);                                       \
    l->n_val = rnd_below(5);                       \
    l->val = take(l->n_val * sizeof(ELEM_T));      \
    for (size_t i = 0; i < l->n_val; i++) l->val[i] = GEN; \
    v->FIELD = l;                                  \
  } while (0)

#endif /* FEAST_AEROSPIKE_TEST_SUPPORT_H */

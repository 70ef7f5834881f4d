/*
 * gen_rng.h - the generator's randomness: splitmix64 streams, one per (seed, salt, a, b, c),
 * so that any row is made without making the rows before it.  Private to src/domain
 * (gen_stock.c, gen_schedule.c); header only.
 */
#ifndef MESODESK_GEN_RNG_H
#define MESODESK_GEN_RNG_H

#include <stdint.h>

typedef struct md__rng {
    uint64_t s;
} md__rng;

static inline uint64_t md__rng_next(md__rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (n > 0). */
static inline uint32_t md__rng_below(md__rng *r, uint32_t n)
{
    return (uint32_t)(((md__rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* The stream of (seed, a, b, c) under salt (each user of the generator its own salt). */
static inline md__rng md__rng_stream(uint64_t seed, uint64_t salt, uint64_t a, uint64_t b,
                                     uint64_t c)
{
    md__rng r = {seed ^ salt};
    r.s ^= (a + 1) * 0xD1B54A32D192ED03ull;
    md__rng_next(&r);
    r.s ^= (b + 1) * 0x8CB92BA72F3D8DD7ull;
    md__rng_next(&r);
    r.s ^= (c + 1) * 0xA0761D6478BD642Full;
    md__rng_next(&r);
    return r;
}

#endif

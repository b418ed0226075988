/*
 * hash.h - a small seeded hash for table keys (QPs, paths).
 *
 * Multiply-xorshift mixing of 64-bit words (the finaliser of SplitMix64 /
 * MurmurHash3 fmix64), seeded per process so a hostile capture cannot aim
 * keys at one bucket (Suricata's habit for flow keys).
 */
#ifndef SPINETAP_HASH_H
#define SPINETAP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static inline uint64_t hash_bytes(uint64_t seed, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = hash_mix(h ^ w) * 0x9e3779b97f4a7c15ull;
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, b, n);
		h = hash_mix(h ^ w ^ ((uint64_t)n << 56)) * 0x9e3779b97f4a7c15ull;
	}
	return hash_mix(h);
}

/* A per-process seed from the kernel's random pool (0 if unavailable). */
uint64_t hash_seed(void);

#endif

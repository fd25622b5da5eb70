/* SPDX-License-Identifier: MIT */
/*
 * Kernel-style timing baseline for the dm-crypt keys blob: the work the kernel does,
 * in plain C, in a loop, so the C# codec can be compared with it on the same machine
 * (bench/compare-c.sh prints the ratio C# / C).
 *
 * serialise = build_keys_header(): a zeroed buffer (kzalloc: here memset of a buffer
 *             allocated once), total_keys, then per key strscpy() of the description,
 *             memcpy() of the payload and key_size.
 * restore   = restore_dm_crypt_keys_to_thread_keyring(): the blob copied out of "old
 *             memory" into the working buffer (read_from_oldmem), the count checked
 *             against KEY_NUM_MAX, then per key the description measured (key code
 *             copies it as a C string) and the payload copied out (key_create_or_update
 *             copies it into the new key) into a scratch buffer that is then cleared;
 *             last, the working buffer is cleared.
 * No keyring is involved; neither side of the comparison has one.
 *
 * Keys: 64 bytes, descriptions "cryptsetup:<uuid>", 1/16/128 keys, both byte orders
 * (the kernel writes its own order; big-endian is shown for s390x and ppc64).
 *
 * Usage: kstyle_bench [batches]   (default 15; 3 is a quick check)
 * Output: one line per case, whitespace-separated:
 *         op order keys ns_median ns_min iterations_per_batch
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dm_crypt_keys.h"

#define BENCH_KEY_SIZE 64
#define BENCH_DESC_LEN 47 /* "cryptsetup:" + 36-character UUID */
#define BATCH_NS 20000000.0 /* aim for 20 ms per timed batch */
#define MAX_BATCHES 101

struct bench_key {
	char desc[BENCH_DESC_LEN + 1];
	uint8_t data[BENCH_KEY_SIZE];
	uint32_t size;
};

/* Where results go so the compiler cannot drop the loop that computed them. */
static volatile unsigned int bench_sink;

/* Keeps the compiler from dropping stores that nothing reads afterwards. */
#define CLOBBER(p) __asm__ __volatile__("" : : "r"(p) : "memory")

/* The kernel's strscpy(): at most size - 1 characters, always NUL-terminated; -E2BIG on truncation. */
static long kstyle_strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (long)len;
}

#define put_u32 dmk_put_u32
#define get_u32 dmk_get_u32

/* build_keys_header(): zeroed buffer, then strscpy + memcpy + key_size per key. */
static void kstyle_serialise(struct keys_header *hdr, size_t size, const struct bench_key *keys,
			     unsigned int count, int big)
{
	memset(hdr, 0, size);
	put_u32(&hdr->total_keys, count, big);
	for (unsigned int i = 0; i < count; i++) {
		struct dm_crypt_key *key = &hdr->keys[i];

		kstyle_strscpy(key->key_desc, keys[i].desc, KEY_DESC_MAX_LEN);
		memcpy(key->data, keys[i].data, keys[i].size);
		put_u32(&key->key_size, keys[i].size, big);
	}
	CLOBBER(hdr);
}

/* restore_dm_crypt_keys_to_thread_keyring(): copy in, check the count, copy each key out, clear. */
static unsigned int kstyle_restore(struct keys_header *work, const struct keys_header *old, size_t size,
				   uint8_t *scratch, int big)
{
	unsigned int touched = 0;
	uint32_t count;

	memcpy(work, old, size);
	count = get_u32(&work->total_keys, big);
	if (count > KEY_NUM_MAX)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		const struct dm_crypt_key *key = &work->keys[i];
		uint32_t key_size = get_u32(&key->key_size, big);

		touched += (unsigned int)strnlen(key->key_desc, KEY_DESC_MAX_LEN);
		memcpy(scratch, key->data, key_size);
		touched += scratch[0];
		CLOBBER(scratch);
		memset(scratch, 0, key_size);
		CLOBBER(scratch);
	}
	memset(work, 0, size);
	CLOBBER(work);
	return touched;
}

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64*: fixed seed, so every run times the same keys. */
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void make_keys(struct bench_key *keys, unsigned int count)
{
	uint64_t state = 0x20260000u + count;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t a = next_random(&state), b = next_random(&state);

		snprintf(keys[i].desc, sizeof(keys[i].desc), "cryptsetup:%08x-%04x-%04x-%04x-%012llx",
			 (unsigned int)(a >> 32), (unsigned int)(a >> 16) & 0xffffu, (unsigned int)a & 0xffffu,
			 (unsigned int)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
		for (unsigned int j = 0; j < BENCH_KEY_SIZE; j++)
			keys[i].data[j] = (uint8_t)next_random(&state);
		keys[i].size = BENCH_KEY_SIZE;
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_case {
	int restore;
	int big;
	unsigned int count;
	size_t size;
	const struct bench_key *keys;
	struct keys_header *buffer;
	const struct keys_header *blob;
	uint8_t *scratch;
};

static unsigned int run(const struct bench_case *c, uint64_t iterations)
{
	unsigned int sum = 0;

	for (uint64_t i = 0; i < iterations; i++) {
		if (c->restore)
			sum += kstyle_restore(c->buffer, c->blob, c->size, c->scratch, c->big);
		else
			kstyle_serialise(c->buffer, c->size, c->keys, c->count, c->big);
	}
	return sum;
}

static void time_case(const struct bench_case *c, int batches)
{
	double samples[MAX_BATCHES];
	uint64_t iterations = 1;
	unsigned int sink = 0;

	/* Warm up and size a batch: double the iterations until one batch takes BATCH_NS. */
	for (;;) {
		double start = now_ns();

		sink += run(c, iterations);
		if (now_ns() - start >= BATCH_NS || iterations >= (1ULL << 40))
			break;
		iterations *= 2;
	}
	for (int b = 0; b < batches; b++) {
		double start = now_ns();

		sink += run(c, iterations);
		samples[b] = (now_ns() - start) / (double)iterations;
	}
	qsort(samples, (size_t)batches, sizeof(samples[0]), compare_double);
	printf("%-9s %-2s %3u %12.1f %12.1f %12llu\n", c->restore ? "restore" : "serialise", c->big ? "BE" : "LE",
	       c->count, samples[batches / 2], samples[0], (unsigned long long)iterations);
	bench_sink = sink;
}

int main(int argc, char **argv)
{
	static const unsigned int counts[] = { 1, 16, 128 };
	int batches = 15;

	if (argc > 1) {
		char *end;
		long value = strtol(argv[1], &end, 10);

		if (*end != '\0' || value < 1 || value > MAX_BATCHES) {
			fprintf(stderr, "usage: %s [batches 1..%d]\n", argv[0], MAX_BATCHES);
			return 2;
		}
		batches = (int)value;
	}

	printf("# kstyle_bench: kernel-style build_keys_header / restore, %d batches of ~%.0f ms\n", batches,
	       BATCH_NS / 1e6);
	printf("# %-7s %-2s %3s %12s %12s %12s\n", "op", "bo", "keys", "ns_median", "ns_min", "iterations");
	for (size_t n = 0; n < sizeof(counts) / sizeof(counts[0]); n++) {
		unsigned int count = counts[n];
		size_t size = keys_header_size(count);
		struct bench_key *keys = calloc(count, sizeof(*keys));
		struct keys_header *buffer = calloc(1, size);
		struct keys_header *blob = calloc(1, size);
		uint8_t *scratch = calloc(1, KEY_SIZE_MAX);

		if (!keys || !buffer || !blob || !scratch) {
			fputs("out of memory\n", stderr);
			return 1;
		}
		make_keys(keys, count);
		for (int big = 0; big <= 1; big++) {
			struct bench_case c = { 0, big, count, size, keys, buffer, blob, scratch };

			kstyle_serialise(blob, size, keys, count, big);
			time_case(&c, batches);
			c.restore = 1;
			time_case(&c, batches);
		}
		memset(blob, 0, size);
		memset(keys, 0, count * sizeof(*keys));
		CLOBBER(blob);
		CLOBBER(keys);
		free(scratch);
		free(blob);
		free(buffer);
		free(keys);
	}
	return 0;
}

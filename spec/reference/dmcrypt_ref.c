/* SPDX-License-Identifier: MIT */
/*
 * dmcrypt_ref: an independent C11 restatement of how Linux writes and reads the
 * dm-crypt keys blob that kdump keeps in reserved memory. Written from
 * /work/shared/reference/KERNEL-FACTS.md and spec/FORMAT.md, not copied from
 * the kernel. It is deliberately small and plain so that it can serve as a
 * second opinion on the C# codec.
 *
 *   dmcrypt_ref read [--be] FILE...
 *       Reads each file the way restore_dm_crypt_keys_to_thread_keyring does,
 *       but reports (instead of performing) any read past an entry.
 *   dmcrypt_ref build [--be] OUT DESC=HEX ...
 *       Writes a blob the way build_keys_header does.
 *   dmcrypt_ref gen-vectors DIR
 *       Writes the golden vectors of spec/vectors (valid ones and mutations).
 *
 * The output of `read` is a fixed contract (see spec/FORMAT.md, "The C reference").
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dm_crypt_keys.h"

/* Offsets derived from the struct, never typed twice. */
#define ENTRY_SIZE sizeof(struct dm_crypt_key)
#define ENTRIES_OFFSET offsetof(struct keys_header, keys)
#define KEY_SIZE_OFFSET offsetof(struct dm_crypt_key, key_size)
#define DESC_OFFSET offsetof(struct dm_crypt_key, key_desc)
#define DATA_OFFSET offsetof(struct dm_crypt_key, data)
/* In kernel mode a description may run on to the end of its entry: 384 bytes. */
#define DESC_SEARCH_LEN (ENTRY_SIZE - DESC_OFFSET)

/* configfs accepts a 129th item (config_keys_make_item checks key_count > KEY_NUM_MAX). */
#define BUILD_KEYS_MAX (KEY_NUM_MAX + 1)

/* Largest file `read` accepts; far above the largest blob (49,668 bytes). */
#define READ_FILE_MAX (64u * 1024u * 1024u)

_Static_assert(ENTRY_SIZE == 388, "entry is 388 bytes");
_Static_assert(DESC_SEARCH_LEN == 384, "key_desc to end of entry is 384 bytes");
_Static_assert(DATA_OFFSET + KEY_SIZE_MAX == ENTRY_SIZE, "data ends the entry");

enum byte_order { ORDER_LITTLE, ORDER_BIG };

/* Explicit byte order with shifts (dm_crypt_keys.h): never the host's. */
static uint32_t get_u32(const uint8_t *p, enum byte_order order)
{
	return dmk_get_u32(p, order == ORDER_BIG);
}

static void put_u32(uint8_t *p, uint32_t v, enum byte_order order)
{
	dmk_put_u32(p, v, order == ORDER_BIG);
}

/* Key material is cleared through a volatile pointer so the store is not optimised away. */
static void secure_zero(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

static void free_secret(uint8_t *p, size_t n)
{
	if (p) {
		secure_zero(p, n);
		free(p);
	}
}

static void print_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 15]);
	}
}

/* ---- read ------------------------------------------------------------------ */

struct verdict {
	const char *error; /* NULL when the blob is accepted */
	long entry;        /* entry index, or -1 for the header */
	size_t offset;     /* byte offset of the fault */
	uint32_t count;    /* total_keys when accepted */
};

/*
 * restore_dm_crypt_keys_to_thread_keyring: read total_keys, refuse more than
 * KEY_NUM_MAX (compared unsigned, so top-bit values too), read 4 + 388 * count
 * bytes, then hand key_desc as a C string and key_size bytes of data to
 * key_create_or_update. The kernel checks neither key_size nor the NUL; here
 * either fault is reported where the kernel would read past the entry.
 */
static struct verdict check_blob(const uint8_t *blob, size_t len, enum byte_order order)
{
	struct verdict v = { NULL, -1, 0, 0 };
	uint32_t count;

	if (len < sizeof(struct keys_header)) {
		v.error = "TruncatedHeader";
		v.offset = len;
		return v;
	}

	count = get_u32(blob, order);
	if (count > KEY_NUM_MAX) {
		v.error = "CountTooLarge";
		v.offset = 0;
		return v;
	}

	if (len < keys_header_size(count)) {
		v.error = "TruncatedEntries";
		v.offset = len;
		return v;
	}

	for (uint32_t i = 0; i < count; i++) {
		size_t at = ENTRIES_OFFSET + ENTRY_SIZE * (size_t)i;
		const uint8_t *entry = blob + at;

		if (get_u32(entry + KEY_SIZE_OFFSET, order) > KEY_SIZE_MAX) {
			v.error = "KeySizeTooLarge";
			v.entry = (long)i;
			v.offset = at + KEY_SIZE_OFFSET;
			return v;
		}
		if (!memchr(entry + DESC_OFFSET, 0, DESC_SEARCH_LEN)) {
			v.error = "DescriptionNotTerminated";
			v.entry = (long)i;
			v.offset = at + DESC_OFFSET;
			return v;
		}
	}

	v.count = count;
	return v;
}

static int read_whole_file(const char *path, uint8_t **out, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0;
	uint8_t *buf;

	if (!f)
		return -1;
	buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *bigger;

			if (cap >= READ_FILE_MAX)
				goto fail;
			bigger = malloc(cap * 2);
			if (!bigger)
				goto fail;
			memcpy(bigger, buf, len);
			free_secret(buf, cap);
			buf = bigger;
			cap *= 2;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	*out = buf;
	*out_len = len;
	return 0;
fail:
	free_secret(buf, cap);
	fclose(f);
	return -1;
}

static int cmd_read(int argc, char **argv)
{
	enum byte_order order = ORDER_LITTLE;
	int first = 0, status = 0;

	if (argc > 0 && strcmp(argv[0], "--be") == 0) {
		order = ORDER_BIG;
		first = 1;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: dmcrypt_ref read [--be] FILE...\n");
		return 2;
	}

	for (int a = first; a < argc; a++) {
		uint8_t *blob;
		size_t len;
		struct verdict v;

		if (read_whole_file(argv[a], &blob, &len) != 0) {
			fprintf(stderr, "dmcrypt_ref: cannot read %s: %s\n", argv[a], strerror(errno));
			status = 2;
			continue;
		}

		printf("file %s\n", argv[a]);
		v = check_blob(blob, len, order);
		if (v.error) {
			printf("error %s entry=%ld offset=%zu\n", v.error, v.entry, v.offset);
		} else {
			printf("ok count=%u size=%zu\n", (unsigned)v.count, keys_header_size(v.count));
			for (uint32_t i = 0; i < v.count; i++) {
				const uint8_t *entry = blob + ENTRIES_OFFSET + ENTRY_SIZE * (size_t)i;
				const uint8_t *desc = entry + DESC_OFFSET;
				const uint8_t *nul = memchr(desc, 0, DESC_SEARCH_LEN);
				uint32_t key_size = get_u32(entry + KEY_SIZE_OFFSET, order);

				printf("entry %u keysize=%u desc=", (unsigned)i, (unsigned)key_size);
				print_hex(desc, (size_t)(nul - desc));
				printf(" key=");
				print_hex(entry + DATA_OFFSET, key_size);
				putchar('\n');
			}
		}
		printf("end\n");
		free_secret(blob, len);
	}

	if (fflush(stdout) != 0)
		return 2;
	return status;
}

/* ---- build ----------------------------------------------------------------- */

struct key_spec {
	const char *desc;    /* C string, as configfs stored it */
	const uint8_t *data; /* the logon key's payload */
	size_t size;
};

/*
 * build_keys_header: a zeroed buffer of 4 + 388 * n bytes; total_keys = n;
 * per key, strscpy(key_desc, desc, KEY_DESC_MAX_LEN) (at most 127 characters
 * and a NUL, longer strings silently cut), then key_size and memcpy of the
 * payload, which must not exceed KEY_SIZE_MAX. Returns NULL on that error.
 */
static uint8_t *build_blob(const struct key_spec *keys, size_t n, enum byte_order order, size_t *out_len,
			   size_t *bad_key)
{
	size_t len = keys_header_size(n);
	uint8_t *blob = calloc(1, len);

	if (!blob)
		return NULL;
	put_u32(blob, (uint32_t)n, order);
	for (size_t i = 0; i < n; i++) {
		uint8_t *entry = blob + ENTRIES_OFFSET + ENTRY_SIZE * i;
		size_t desc_len = strlen(keys[i].desc);

		if (desc_len > KEY_DESC_MAX_LEN - 1)
			desc_len = KEY_DESC_MAX_LEN - 1;
		memcpy(entry + DESC_OFFSET, keys[i].desc, desc_len);
		entry[DESC_OFFSET + desc_len] = 0;

		if (keys[i].size > KEY_SIZE_MAX) {
			*bad_key = i;
			free_secret(blob, len);
			return NULL;
		}
		put_u32(entry + KEY_SIZE_OFFSET, (uint32_t)keys[i].size, order);
		if (keys[i].size)
			memcpy(entry + DATA_OFFSET, keys[i].data, keys[i].size);
	}
	*out_len = len;
	return blob;
}

/* Writes to a temporary file beside OUT, then renames, so OUT is whole or absent. */
static int write_file_atomically(const char *path, const uint8_t *bytes, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	FILE *f;
	int ok;

	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f) {
		free(tmp);
		return -1;
	}
	ok = fwrite(bytes, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses HEX into a new buffer; returns -1 when it is not an even run of hex digits. */
static int parse_hex(const char *hex, uint8_t **out, size_t *out_len)
{
	size_t digits = strlen(hex), n = digits / 2;
	uint8_t *buf;

	if (digits % 2)
		return -1;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free_secret(buf, n);
			return -1;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = buf;
	*out_len = n;
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	enum byte_order order = ORDER_LITTLE;
	struct key_spec keys[BUILD_KEYS_MAX];
	uint8_t *data[BUILD_KEYS_MAX];
	size_t n = 0, first = 0, len = 0, bad = 0;
	uint8_t *blob;
	int status = 0;

	if (argc > 0 && strcmp(argv[0], "--be") == 0) {
		order = ORDER_BIG;
		first = 1;
	}
	if ((size_t)argc < first + 1) {
		fprintf(stderr, "usage: dmcrypt_ref build [--be] OUT DESC=HEX ...\n");
		return 2;
	}
	/* crash_load_dm_crypt_keys writes nothing when there are no key items. */
	if ((size_t)argc == first + 1) {
		fprintf(stderr, "dmcrypt_ref: no keys: the kernel writes no blob\n");
		return 1;
	}
	if ((size_t)argc - first - 1 > BUILD_KEYS_MAX) {
		fprintf(stderr, "dmcrypt_ref: more than %d keys: configfs refuses the item\n", BUILD_KEYS_MAX);
		return 1;
	}

	for (int a = (int)first + 1; a < argc; a++, n++) {
		/* Split at the last '=': HEX never holds one, a description may. */
		char *eq = strrchr(argv[a], '=');

		if (!eq || parse_hex(eq + 1, &data[n], &keys[n].size) != 0) {
			fprintf(stderr, "dmcrypt_ref: argument %d is not DESC=HEX\n", a);
			status = 2;
			goto out;
		}
		*eq = 0;
		keys[n].desc = argv[a];
		keys[n].data = data[n];
	}

	blob = build_blob(keys, n, order, &len, &bad);
	if (!blob) {
		fprintf(stderr, "dmcrypt_ref: key %zu: more than %d bytes (build_keys_header: -EINVAL)\n", bad,
			KEY_SIZE_MAX);
		status = 1;
		goto out;
	}
	if (write_file_atomically(argv[first], blob, len) != 0) {
		fprintf(stderr, "dmcrypt_ref: cannot write %s: %s\n", argv[first], strerror(errno));
		status = 2;
	}
	free_secret(blob, len);
out:
	for (size_t i = 0; i < n; i++)
		free_secret(data[i], keys[i].size);
	return status;
}

/* ---- gen-vectors ----------------------------------------------------------- */

/* splitmix64: a fixed, documented generator so the vectors never change. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void fill_random(uint8_t *p, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(next_random(state) >> 56);
}

/* Fills with random bytes that are never 0, for data that must not hold a NUL. */
static void fill_random_nonzero(uint8_t *p, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(1 + (next_random(state) >> 56) % 255);
}

/* "cryptsetup:" and a random lowercase UUID, the form kdump-utils uses: 47 characters. */
static void make_luks_desc(char out[48], uint64_t *state)
{
	static const char digits[] = "0123456789abcdef";
	static const int groups[] = { 8, 4, 4, 4, 12 };
	char *p = out + sprintf(out, "cryptsetup:");

	for (int g = 0; g < 5; g++) {
		if (g)
			*p++ = '-';
		for (int i = 0; i < groups[g]; i++)
			*p++ = digits[next_random(state) >> 60];
	}
	*p = 0;
}

struct gen {
	const char *dir;
	int failed;
};

static void emit(struct gen *g, const char *name, const uint8_t *bytes, size_t len)
{
	size_t n = strlen(g->dir) + strlen(name) + 2;
	char *path = malloc(n);

	if (!path || (snprintf(path, n, "%s/%s", g->dir, name), write_file_atomically(path, bytes, len) != 0)) {
		fprintf(stderr, "dmcrypt_ref: cannot write %s/%s\n", g->dir, name);
		g->failed = 1;
	}
	free(path);
}

/* Builds n keys with random data of the given sizes; descriptions as given. */
static uint8_t *gen_blob(const char *const *descs, const size_t *sizes, size_t n, enum byte_order order,
			 uint64_t seed, size_t *len)
{
	static uint8_t data[BUILD_KEYS_MAX][KEY_SIZE_MAX];
	struct key_spec keys[BUILD_KEYS_MAX];
	size_t bad;
	uint8_t *blob;

	for (size_t i = 0; i < n; i++) {
		fill_random(data[i], sizes[i], &seed);
		keys[i].desc = descs[i];
		keys[i].data = data[i];
		keys[i].size = sizes[i];
	}
	blob = build_blob(keys, n, order, len, &bad);
	if (!blob) {
		fprintf(stderr, "dmcrypt_ref: gen-vectors: bad key set\n");
		exit(2);
	}
	return blob;
}

static uint8_t *entry_at(uint8_t *blob, size_t index)
{
	return blob + ENTRIES_OFFSET + ENTRY_SIZE * index;
}

static int cmd_gen_vectors(int argc, char **argv)
{
	static char luks[BUILD_KEYS_MAX][48];
	const char *descs[BUILD_KEYS_MAX];
	size_t sizes[BUILD_KEYS_MAX];
	struct gen g;
	uint64_t state = 0x6B64756D70ull; /* "kdump" */
	uint8_t *one, *b, *copy;
	size_t one_len, len;
	char long_desc[KEY_DESC_MAX_LEN + 1];

	if (argc != 1) {
		fprintf(stderr, "usage: dmcrypt_ref gen-vectors DIR\n");
		return 2;
	}
	g.dir = argv[0];
	g.failed = 0;
	for (size_t i = 0; i < BUILD_KEYS_MAX; i++) {
		make_luks_desc(luks[i], &state);
		descs[i] = luks[i];
	}

	/* ---- valid in both modes ---- */

	sizes[0] = 64; /* aes-xts-plain64 with a 512-bit volume key */
	one = gen_blob(descs, sizes, 1, ORDER_LITTLE, 1, &one_len);
	emit(&g, "one-key.bin", one, one_len);

	sizes[1] = 32;
	b = gen_blob(descs, sizes, 2, ORDER_LITTLE, 2, &len);
	emit(&g, "two-keys.bin", b, len);
	free(b);

	{
		static const size_t cycle[] = { 64, 32, 16, 48, 128, 256, 1, 24 };

		for (size_t i = 0; i < KEY_NUM_MAX + 1; i++)
			sizes[i] = cycle[i % 8];
	}
	b = gen_blob(descs, sizes, KEY_NUM_MAX, ORDER_LITTLE, 3, &len);
	emit(&g, "max-keys-128.bin", b, len);
	free(b);

	/* build_keys_header sizes the blob from the count, so a 129th configfs item is written too. */
	b = gen_blob(descs, sizes, KEY_NUM_MAX + 1, ORDER_LITTLE, 3, &len);
	emit(&g, "count-129-from-configfs.bin", b, len);
	free(b);

	sizes[0] = KEY_SIZE_MAX;
	b = gen_blob(descs, sizes, 1, ORDER_LITTLE, 4, &len);
	emit(&g, "key-256-bytes.bin", b, len);
	free(b);

	sizes[0] = 1;
	b = gen_blob(descs, sizes, 1, ORDER_LITTLE, 5, &len);
	emit(&g, "key-1-byte.bin", b, len);
	free(b);

	{
		const char *d[1] = { long_desc };
		size_t s[1] = { 64 };

		/* 127 characters: the longest description strscpy keeps whole. */
		memcpy(long_desc, "cryptsetup:", 11);
		for (size_t i = 11; i < KEY_DESC_MAX_LEN - 1; i++)
			long_desc[i] = (char)('a' + i % 26);
		long_desc[KEY_DESC_MAX_LEN - 1] = 0;
		b = gen_blob(d, s, 1, ORDER_LITTLE, 6, &len);
		emit(&g, "desc-127-chars.bin", b, len);
		free(b);
	}

	{
		const char *d[1] = { "a:" };
		size_t s[1] = { 32 };

		/* logon_vet_description: a ':' that is not first; nothing needs to follow it. */
		b = gen_blob(d, s, 1, ORDER_LITTLE, 7, &len);
		emit(&g, "desc-shortest-logon.bin", b, len);
		free(b);
	}

	{
		const char *d[1] = { "cryptsetup:cl\xc3\xa9" };
		size_t s[1] = { 32 };

		/* Descriptions are bytes; nothing in the kernel restricts them to ASCII. */
		b = gen_blob(d, s, 1, ORDER_LITTLE, 8, &len);
		emit(&g, "desc-utf8.bin", b, len);
		free(b);
	}

	sizes[0] = 64;
	sizes[1] = 32;
	sizes[2] = 256;
	b = gen_blob(descs, sizes, 3, ORDER_BIG, 9, &len);
	emit(&g, "big-endian-3-keys.bin", b, len);
	/* Entry 1's key_size with the top bit set: refused as unsigned, in big-endian order. */
	put_u32(entry_at(b, 1) + KEY_SIZE_OFFSET, 0x80000020u, ORDER_BIG);
	emit(&g, "big-endian-key-size-top-bit.bin", b, len);
	free(b);

	/* ---- header faults ---- */

	emit(&g, "empty.bin", one, 0);
	emit(&g, "truncated-header.bin", one, 3);
	{
		uint8_t zero[4] = { 0 };

		emit(&g, "count-zero.bin", zero, sizeof(zero));
	}
	copy = malloc(one_len + 4);
	if (!copy)
		return 2;

	memcpy(copy, one, one_len);
	put_u32(copy, 0x80000001u, ORDER_LITTLE);
	emit(&g, "count-top-bit.bin", copy, one_len);

	/* A little-endian blob read as big-endian: count 1 becomes 0x01000000. */
	emit(&g, "little-endian-read-as-big.bin", one, one_len);

	emit(&g, "truncated-entries.bin", one, one_len - 1);

	memcpy(copy, one, one_len);
	put_u32(copy, 2, ORDER_LITTLE);
	emit(&g, "count-2-one-entry.bin", copy, one_len);

	memcpy(copy, one, one_len);
	memset(copy + one_len, 0, 4);
	emit(&g, "trailing-bytes.bin", copy, one_len + 4);

	/* ---- entry faults, each on a copy of one-key.bin ---- */

	memcpy(copy, one, one_len);
	put_u32(entry_at(copy, 0) + KEY_SIZE_OFFSET, 0, ORDER_LITTLE);
	memset(entry_at(copy, 0) + DATA_OFFSET, 0, KEY_SIZE_MAX);
	emit(&g, "key-size-zero.bin", copy, one_len);

	memcpy(copy, one, one_len);
	put_u32(entry_at(copy, 0) + KEY_SIZE_OFFSET, KEY_SIZE_MAX + 1, ORDER_LITTLE);
	emit(&g, "key-size-257.bin", copy, one_len);

	/* No NUL in key_desc, but one in data: the kernel's string runs on into the key. */
	memcpy(copy, one, one_len);
	put_u32(entry_at(copy, 0) + KEY_SIZE_OFFSET, 32, ORDER_LITTLE);
	memset(entry_at(copy, 0) + DATA_OFFSET, 0, KEY_SIZE_MAX);
	memcpy(entry_at(copy, 0) + DESC_OFFSET, long_desc, KEY_DESC_MAX_LEN - 1);
	entry_at(copy, 0)[DESC_OFFSET + KEY_DESC_MAX_LEN - 1] = 'z';
	{
		uint64_t s = 10;

		fill_random_nonzero(entry_at(copy, 0) + DATA_OFFSET, 32, &s);
	}
	emit(&g, "desc-unterminated-nul-in-data.bin", copy, one_len);

	/* No NUL anywhere from key_desc to the end of the entry. */
	put_u32(entry_at(copy, 0) + KEY_SIZE_OFFSET, KEY_SIZE_MAX, ORDER_LITTLE);
	{
		uint64_t s = 11;

		fill_random_nonzero(entry_at(copy, 0) + DATA_OFFSET, KEY_SIZE_MAX, &s);
	}
	emit(&g, "desc-unterminated-whole-entry.bin", copy, one_len);

	/* key_size is checked before the description, in both modes. */
	put_u32(entry_at(copy, 0) + KEY_SIZE_OFFSET, 300, ORDER_LITTLE);
	emit(&g, "order-key-size-before-description.bin", copy, one_len);

	memcpy(copy, one, one_len);
	memset(entry_at(copy, 0) + DESC_OFFSET, 0, KEY_DESC_MAX_LEN);
	emit(&g, "desc-empty.bin", copy, one_len);

	{
		static const char *const bad_descs[] = {
			"cryptsetup:abc\ndef", "cryptsetup-no-colon", ":cryptsetup", NULL,
		};
		static const char *const names[] = {
			"desc-newline.bin", "desc-no-colon.bin", "desc-leading-colon.bin",
		};

		for (size_t i = 0; bad_descs[i]; i++) {
			memcpy(copy, one, one_len);
			memset(entry_at(copy, 0) + DESC_OFFSET, 0, KEY_DESC_MAX_LEN);
			memcpy(entry_at(copy, 0) + DESC_OFFSET, bad_descs[i], strlen(bad_descs[i]));
			emit(&g, names[i], copy, one_len);
		}
	}

	memcpy(copy, one, one_len);
	entry_at(copy, 0)[DESC_OFFSET + KEY_DESC_MAX_LEN - 1] = 0x01;
	emit(&g, "desc-padding-not-zero.bin", copy, one_len);

	memcpy(copy, one, one_len);
	entry_at(copy, 0)[DATA_OFFSET + KEY_SIZE_MAX - 1] = 0xff;
	emit(&g, "data-padding-not-zero.bin", copy, one_len);

	/* An empty description with stray bytes after it: the description rule comes first. */
	memcpy(copy, one, one_len);
	memset(entry_at(copy, 0) + DESC_OFFSET, 0, KEY_DESC_MAX_LEN);
	entry_at(copy, 0)[DESC_OFFSET + 5] = 'x';
	emit(&g, "order-empty-before-padding.bin", copy, one_len);

	free(copy);

	/* ---- faults in later entries ---- */

	{
		const char *d[2] = { luks[0], luks[0] };
		size_t s[2] = { 64, 32 };

		/* key_create_or_update would replace key 0 with key 1. */
		b = gen_blob(d, s, 2, ORDER_LITTLE, 12, &len);
		emit(&g, "duplicate-description.bin", b, len);
		free(b);
	}

	{
		const char *d[3] = { luks[0], luks[1], luks[0] };
		size_t s[3] = { 64, 32, 64 };

		/* Entry 1 has stray data and entries 0 and 2 share a description: entry rules run first. */
		b = gen_blob(d, s, 3, ORDER_LITTLE, 13, &len);
		entry_at(b, 1)[DATA_OFFSET + 100] = 0x5a;
		emit(&g, "order-entry-before-duplicates.bin", b, len);
		free(b);
	}

	sizes[0] = 64;
	sizes[1] = 32;
	b = gen_blob(descs, sizes, 2, ORDER_LITTLE, 14, &len);
	put_u32(entry_at(b, 1) + KEY_SIZE_OFFSET, KEY_SIZE_MAX, ORDER_LITTLE);
	memset(entry_at(b, 1) + DESC_OFFSET, 'k', KEY_DESC_MAX_LEN);
	{
		uint64_t s = 15;

		fill_random_nonzero(entry_at(b, 1) + DATA_OFFSET, KEY_SIZE_MAX, &s);
	}
	emit(&g, "second-entry-unterminated.bin", b, len);
	free(b);

	free(one);
	return g.failed ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "read") == 0)
		return cmd_read(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "gen-vectors") == 0)
		return cmd_gen_vectors(argc - 2, argv + 2);
	fprintf(stderr, "usage: dmcrypt_ref read [--be] FILE...\n"
			"       dmcrypt_ref build [--be] OUT DESC=HEX ...\n"
			"       dmcrypt_ref gen-vectors DIR\n");
	return 2;
}

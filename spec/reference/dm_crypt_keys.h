/* SPDX-License-Identifier: MIT */
/*
 * Independent restatement of the kernel's dm-crypt keys blob layout
 * (kernel/crash_dump_dm_crypt.c: struct keys_header, struct dm_crypt_key).
 * Written from the layout facts, not copied from the kernel. Shared by the
 * reference program (dmcrypt_ref.c) and the kernel-style timing program.
 */
#ifndef CRASHDMCRYPT_DM_CRYPT_KEYS_H
#define CRASHDMCRYPT_DM_CRYPT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEY_NUM_MAX 128
#define KEY_SIZE_MAX 256
#define KEY_DESC_MAX_LEN 128

/* C layout, natural alignment, no packing: the same as the kernel's. */
struct dm_crypt_key {
	uint32_t key_size;
	char key_desc[KEY_DESC_MAX_LEN];
	uint8_t data[KEY_SIZE_MAX];
};

struct keys_header {
	uint32_t total_keys;
	struct dm_crypt_key keys[];
};

_Static_assert(offsetof(struct dm_crypt_key, key_size) == 0, "key_size at 0");
_Static_assert(offsetof(struct dm_crypt_key, key_desc) == 4, "key_desc at 4");
_Static_assert(offsetof(struct dm_crypt_key, data) == 132, "data at 132");
_Static_assert(sizeof(struct dm_crypt_key) == 388, "entry is 388 bytes");
_Static_assert(offsetof(struct keys_header, keys) == 4, "keys at 4");
_Static_assert(sizeof(struct keys_header) == 4, "header is 4 bytes");

/* get_keys_header_size(): widened so a hostile count cannot wrap. */
static inline size_t keys_header_size(uint64_t total_keys)
{
	return sizeof(struct keys_header) + sizeof(struct dm_crypt_key) * (size_t)total_keys;
}

/* u32 in the blob's byte order, byte by byte with shifts: never the host's order. */
static inline uint32_t dmk_get_u32(const void *src, int big)
{
	const uint8_t *p = src;

	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

static inline void dmk_put_u32(void *dst, uint32_t v, int big)
{
	uint8_t *p = dst;

	if (big) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

#endif

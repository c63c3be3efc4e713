/*
 * Little-endian fields of outside data (disk structures, firmware tables,
 * protocol messages), read and written a byte at a time: no alignment is
 * assumed and the host's byte order never matters.
 */
#ifndef UNISHYPER_ENDIAN_H
#define UNISHYPER_ENDIAN_H

#include <stdint.h>

static inline uint16_t le16_load(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_load(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_load(const uint8_t *p)
{
	return le32_load(p) | (uint64_t)le32_load(p + 4) << 32;
}

static inline void le16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32_store(uint8_t *p, uint32_t v)
{
	le16_store(p, (uint16_t)v);
	le16_store(p + 2, (uint16_t)(v >> 16));
}

#endif

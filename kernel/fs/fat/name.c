/*
 * FAT names: long names are UTF-16 on disk and UTF-8 at the VFS; this file
 * converts between the two, rejects what FAT forbids, compares names the
 * way FAT does (ignoring case, keeping it), and makes short 8.3 names: the
 * exact short form when a name has one, otherwise a basis that dir.c
 * completes with a "~N" tail unique in its directory, as Windows and Linux
 * do. Short names hold only ASCII here; other bytes read from a disk show
 * as '_'.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/htab.h>

#include "fat.h"

static bool forbidden(uint32_t c)
{
	return c < 0x20 || (c < 0x80 && strchr("\"*/:<>?\\|", (int)c));
}

int fat_name_from_utf8(const char *s, size_t len, uint16_t *out, unsigned *outlen)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	unsigned n = 0;

	if (!len)
		return -EINVAL;
	while (p < end) {
		uint32_t c = *p++, min;
		int more;

		if (c < 0x80)
			more = 0, min = 0;
		else if ((c & 0xe0) == 0xc0)
			more = 1, c &= 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			more = 2, c &= 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			more = 3, c &= 0x07, min = 0x10000;
		else
			return -EINVAL;
		if (end - p < more)
			return -EINVAL;
		while (more--) {
			if ((*p & 0xc0) != 0x80)
				return -EINVAL;
			c = c << 6 | (*p++ & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000) || forbidden(c))
			return -EINVAL;
		if (n + (c >= 0x10000) >= FAT_NAME16_MAX)
			return -ENAMETOOLONG;
		if (c >= 0x10000) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | c >> 10);
			out[n++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	/* Windows drops trailing dots and spaces; refuse rather than rename. */
	if (out[n - 1] == '.' || out[n - 1] == ' ')
		return -EINVAL;
	*outlen = n;
	return 0;
}

size_t fat_name_to_utf8(const uint16_t *u, unsigned len, char *out, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < len; i++) {
		uint32_t c = u[i];
		uint8_t buf[4];
		size_t k;

		if (c >= 0xd800 && c < 0xdc00 && i + 1 < len && u[i + 1] >= 0xdc00 &&
		    u[i + 1] < 0xe000)
			c = 0x10000 + ((c - 0xd800) << 10) + (u[++i] - 0xdc00);
		else if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		if (c < 0x80) {
			buf[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			buf[0] = (uint8_t)(0xc0 | c >> 6);
			buf[1] = (uint8_t)(0x80 | (c & 0x3f));
			k = 2;
		} else if (c < 0x10000) {
			buf[0] = (uint8_t)(0xe0 | c >> 12);
			buf[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			buf[2] = (uint8_t)(0x80 | (c & 0x3f));
			k = 3;
		} else {
			buf[0] = (uint8_t)(0xf0 | c >> 18);
			buf[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
			buf[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			buf[3] = (uint8_t)(0x80 | (c & 0x3f));
			k = 4;
		}
		if (n + k >= cap)
			return 0;
		memcpy(out + n, buf, k);
		n += k;
	}
	if (n >= cap)
		return 0;
	out[n] = 0;
	return n;
}

/* Upper case for the scripts whose case pairs sit a fixed distance apart. */
static uint16_t upcase(uint16_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7) ||
	    (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	return c;
}

bool fat_name_eq(const uint16_t *a, unsigned alen, const uint16_t *b, unsigned blen)
{
	if (alen != blen)
		return false;
	for (unsigned i = 0; i < alen; i++) {
		if (upcase(a[i]) != upcase(b[i]))
			return false;
	}
	return true;
}

uint32_t fat_name_hash(const uint16_t *name, unsigned len)
{
	uint32_t h = HTAB_SEED;

	for (unsigned i = 0; i < len; i++) {
		uint16_t c = upcase(name[i]);

		h = htab_hash(h, &c, sizeof(c));
	}
	return h;
}

uint8_t fat_sfn_checksum(const uint8_t *sfn)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sfn[i]);
	return sum;
}

unsigned fat_sfn_to_name(const uint8_t *de, uint16_t *out)
{
	unsigned n = 0;
	int base = 8, ext = 3;

	while (base > 0 && de[base - 1] == ' ')
		base--;
	while (ext > 0 && de[8 + ext - 1] == ' ')
		ext--;
	for (int i = 0; i < base + ext; i++) {
		uint8_t c = de[i < base ? i : 8 + i - base];
		bool lower = de[DE_LCASE] & (i < base ? FAT_LCASE_BASE : FAT_LCASE_EXT);

		if (i == base)
			out[n++] = '.';
		if (i == 0 && c == 0x05)
			c = 0xe5;
		if (c >= 0x80 || forbidden(c))
			c = '_';
		else if (lower && c >= 'A' && c <= 'Z')
			c += 0x20;
		out[n++] = c;
	}
	return n;
}

static bool short_char(uint16_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c < 0x80 && c > ' ' && strchr("!#$%&'()-@^_`{}~", c));
}

/* Whether the letters of name[from, to) are all upper (*upper) or lower. */
static bool one_case(const uint16_t *name, unsigned from, unsigned to, bool *lower)
{
	bool up = false, low = false;

	for (unsigned i = from; i < to; i++) {
		up |= name[i] >= 'A' && name[i] <= 'Z';
		low |= name[i] >= 'a' && name[i] <= 'z';
	}
	*lower = low;
	return !(up && low);
}

bool fat_sfn_exact(const uint16_t *name, unsigned len, uint8_t *sfn, uint8_t *lcase)
{
	unsigned dot = len;
	bool lower_base, lower_ext;

	for (unsigned i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (dot != len)
				return false;
			dot = i;
		} else if (!short_char(name[i])) {
			return false;
		}
	}
	if (dot == 0 || dot > 8 || (dot < len && len - dot - 1 > 3))
		return false;
	if (!one_case(name, 0, dot, &lower_base) || !one_case(name, dot, len, &lower_ext))
		return false;
	memset(sfn, ' ', 11);
	for (unsigned i = 0; i < len; i++) {
		uint16_t c = upcase(name[i]);

		if (i < dot)
			sfn[i] = (uint8_t)c;
		else if (i > dot)
			sfn[8 + i - dot - 1] = (uint8_t)c;
	}
	*lcase = (lower_base ? FAT_LCASE_BASE : 0) | (lower_ext ? FAT_LCASE_EXT : 0);
	return true;
}

static uint8_t basis_char(uint16_t c)
{
	return short_char(c) ? (uint8_t)upcase(c) : '_';
}

void fat_sfn_basis(const uint16_t *name, unsigned len, uint8_t *sfn)
{
	unsigned dot = len, start = 0, n = 0;

	while (start < len && (name[start] == '.' || name[start] == ' '))
		start++;
	for (unsigned i = start; i < len; i++) {
		if (name[i] == '.')
			dot = i;
	}
	memset(sfn, ' ', 11);
	for (unsigned i = start; i < dot && n < 8; i++) {
		if (name[i] != '.' && name[i] != ' ')
			sfn[n++] = basis_char(name[i]);
	}
	if (!n)
		sfn[n++] = '_';
	n = 0;
	for (unsigned i = dot + 1; i < len && n < 3; i++) {
		if (name[i] != ' ')
			sfn[8 + n++] = basis_char(name[i]);
	}
}

static unsigned base_len(const uint8_t *sfn)
{
	unsigned n = 8;

	while (n > 0 && sfn[n - 1] == ' ')
		n--;
	return n;
}

void fat_sfn_tail(uint8_t *sfn, const uint8_t *basis, unsigned n)
{
	char digits[12];
	unsigned nd = 0, keep;

	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	keep = base_len(basis);
	if (keep > 7 - nd)
		keep = 7 - nd;
	memcpy(sfn, basis, 11);
	memset(sfn + keep, ' ', 8 - keep);
	sfn[keep] = '~';
	for (unsigned i = 0; i < nd; i++)
		sfn[keep + 1 + i] = (uint8_t)digits[nd - 1 - i];
}

unsigned fat_sfn_tail_of(const uint8_t *basis, const uint8_t *sfn)
{
	unsigned len = base_len(sfn), tilde = len, n = 0;
	uint8_t want[11];

	if (memcmp(basis + 8, sfn + 8, 3))
		return 0;
	while (tilde > 0 && sfn[tilde - 1] >= '0' && sfn[tilde - 1] <= '9')
		tilde--;
	if (tilde == 0 || tilde == len || sfn[tilde - 1] != '~' || sfn[tilde] == '0' ||
	    len - tilde > 6)
		return 0;
	for (unsigned i = tilde; i < len; i++)
		n = n * 10 + (sfn[i] - '0');
	fat_sfn_tail(want, basis, n);
	return memcmp(want, sfn, 11) ? 0 : n;
}

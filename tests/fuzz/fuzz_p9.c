/*
 * libFuzzer target for the 9P2000.L reply parser (kernel/fs/9p/proto.c):
 * a reply comes from the host's file server, outside input.
 *
 * The input is one reply. It is copied into a heap buffer of exactly its
 * length and parsed as the reply to each T-message the client sends, with
 * the tag it carries (and once with another tag, which must fail). Every
 * field is read and every byte a string or data pointer covers is summed,
 * so AddressSanitizer sees any read outside the reply. Checked: p9_reply
 * answers 0, -EPROTO or a negative errno, and on success the fields end
 * where the size field says; the position never passes the end; pointers
 * lie inside the reply; p9_done answers 0 or -EPROTO. Any violation traps.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unishyper/p9.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static const uint8_t tmsgs[] = {P9_TVERSION, P9_TATTACH,   P9_TMKDIR,	 P9_TSYMLINK, P9_TWALK,
				P9_TLOPEN,   P9_TLCREATE,  P9_TGETATTR,	 P9_TREADDIR, P9_TREAD,
				P9_TWRITE,   P9_TREADLINK, P9_TSTATFS,	 P9_TLERROR,  P9_TCLUNK,
				P9_TSETATTR, P9_TFSYNC,	   P9_TRENAMEAT, P9_TUNLINKAT};

/* Kept so that the sums are not optimised away. */
static volatile uint64_t sink;

static uint8_t *reply;
static uint32_t reply_len;

/* Sums n bytes at p, which must lie inside the reply. */
static uint64_t sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	CHECK(b >= reply && b <= reply + reply_len && n <= reply_len - (uint32_t)(b - reply));
	for (uint32_t i = 0; i < n; i++)
		s += b[i];
	return s;
}

static uint64_t get_str(struct p9_msg *m)
{
	uint16_t len = 0x5a5a;
	const char *s = p9_get_str(m, &len);

	if (!s) {
		CHECK(len == 0 && m->bad);
		return 0;
	}
	return sum(s, len);
}

static uint64_t get_qid(struct p9_msg *m)
{
	struct p9_qid q;

	p9_get_qid(m, &q);
	return q.type + q.version + q.path;
}

/* Rreaddir: count[4] and count bytes of entries, walked on their own. */
static uint64_t dirents(struct p9_msg *m)
{
	uint32_t count = p9_get32(m);
	const uint8_t *data = p9_get_bytes(m, count);
	struct p9_msg dm = {.buf = (uint8_t *)data, .cap = count};
	struct p9_dirent d;
	uint64_t s = 0;

	if (!data)
		return 0;
	while (p9_next_dirent(&dm, &d)) {
		CHECK(d.name != NULL);
		s += d.qid.type + d.qid.version + d.qid.path + d.offset + d.type;
		s += sum(d.name, d.len);
	}
	CHECK(dm.pos <= dm.cap);
	CHECK(dm.bad || dm.pos == dm.cap);
	return s;
}

/* Reads the fields of the reply to tmsg; m is at the first one. */
static uint64_t fields(struct p9_msg *m, uint8_t tmsg)
{
	uint64_t s = 0;

	switch (tmsg) {
	case P9_TVERSION:
		s += p9_get32(m);
		s += get_str(m);
		break;
	case P9_TATTACH:
	case P9_TMKDIR:
	case P9_TSYMLINK:
		s += get_qid(m);
		break;
	case P9_TWALK:
		for (uint32_t i = 0, n = p9_get16(m); i < n && !m->bad; i++)
			s += get_qid(m);
		break;
	case P9_TLOPEN:
	case P9_TLCREATE:
		s += get_qid(m);
		s += p9_get32(m);
		break;
	case P9_TGETATTR: {
		struct p9_attr a;
		struct p9_qid q;

		p9_get_attr(m, &q, &a);
		s += q.type + q.version + q.path;
		s += a.mode + a.uid + a.gid + a.nlink + a.rdev + a.size + a.blksize + a.blocks;
		s += a.atime_sec + a.atime_nsec + a.mtime_sec + a.mtime_nsec;
		s += a.ctime_sec + a.ctime_nsec;
		break;
	}
	case P9_TREADDIR:
		s += dirents(m);
		break;
	case P9_TREAD: {
		uint32_t n = p9_get32(m);
		const uint8_t *p = p9_get_bytes(m, n);

		CHECK(p || m->bad);
		if (p)
			s += sum(p, n);
		break;
	}
	case P9_TWRITE:
		s += p9_get32(m);
		break;
	case P9_TREADLINK:
		s += get_str(m);
		break;
	case P9_TSTATFS:
		s += p9_get32(m);
		s += p9_get32(m);
		for (int i = 0; i < 6; i++)
			s += p9_get64(m);
		s += p9_get32(m);
		break;
	default: /* replies without fields */
		break;
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t tag = size >= P9_HEADER ? (uint16_t)(data[5] | data[6] << 8) : 0;
	uint32_t size32 =
	    size >= 4 ? data[0] | data[1] << 8 | data[2] << 16 | (uint32_t)data[3] << 24 : 0;
	uint64_t s = 0;

	if (size > UINT32_MAX)
		return 0;
	reply_len = (uint32_t)size;
	reply = malloc(size ? size : 1);
	if (!reply)
		return 0;
	memcpy(reply, data, size);
	for (size_t i = 0; i < sizeof(tmsgs); i++) {
		struct p9_msg m;
		int ret;

		CHECK(p9_reply(&m, reply, reply_len, tmsgs[i], tag ^ 1) == -EPROTO);
		ret = p9_reply(&m, reply, reply_len, tmsgs[i], tag);
		CHECK(ret == 0 || (ret < 0 && ret > -4096));
		if (ret)
			continue;
		/* The fields end where the size field says. */
		CHECK(m.buf == reply && m.cap == size32 && m.pos == P9_HEADER);
		s += fields(&m, tmsgs[i]);
		CHECK(m.pos <= m.cap);
		CHECK(p9_done(&m) == 0 || p9_done(&m) == -EPROTO);
		CHECK(p9_done(&m) == (m.bad ? -EPROTO : 0));
		/* A bad message stays bad and reads as zero. */
		if (m.bad)
			CHECK(p9_get8(&m) == 0 && p9_get_bytes(&m, 0) == NULL && m.bad);
	}
	sink = s;
	free(reply);
	return 0;
}

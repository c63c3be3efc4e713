/*
 * Host tests for kernel/fs/9p/proto.c, the 9P2000.L messages: building
 * (byte layout, the size field, a buffer too small), and parsing replies
 * of each kind the client reads, Rlerror, and malformed replies (wrong
 * tag or type, a size field that lies, fields or strings cut short). Each
 * message is built with p9_begin/put/end and then copied into a heap
 * buffer of exactly its length, so AddressSanitizer catches any access
 * past it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unishyper/p9.h>

#define TAG 0x1234

static uint8_t scratch[1024];

/* A reply being built in scratch. */
static struct p9_msg out;

static void reply_begin(uint8_t type)
{
	p9_begin(&out, scratch, sizeof(scratch), type, TAG);
}

/* Ends the reply and returns a heap copy of exactly its length. */
static uint8_t *reply_end(uint32_t *len)
{
	uint8_t *b;

	*len = p9_end(&out);
	assert_true(*len >= P9_HEADER);
	b = malloc(*len);
	assert_non_null(b);
	memcpy(b, scratch, *len);
	return b;
}

static void put_qid(struct p9_msg *m, uint8_t type, uint32_t version, uint64_t path)
{
	p9_put8(m, type);
	p9_put32(m, version);
	p9_put64(m, path);
}

static void expect_qid(const struct p9_qid *q, uint8_t type, uint32_t version, uint64_t path)
{
	assert_int_equal(q->type, type);
	assert_int_equal(q->version, version);
	assert_true(q->path == path);
}

/* Parsing is over: every field was there and nothing is left. */
static void expect_end(const struct p9_msg *m)
{
	assert_int_equal(p9_done(m), 0);
	assert_int_equal(m->pos, m->cap);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Writes v little-endian at p. */
static void set32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_build_layout(void **state)
{
	static const char want[35] = "\x23\0\0\0\x6e\x34\x12"		 /* size type tag */
				     "\1\0\0\0\2\0\0\0\2\0"		 /* fid newfid nwname */
				     "\3\0usr\0\0"			 /* "usr" "" */
				     "\xab\xef\xcd"			 /* 8 and 16 bits */
				     "\x08\x07\x06\x05\x04\x03\x02\x01"; /* 64 bits */
	uint8_t buf[64];
	struct p9_msg m;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	p9_begin(&m, buf, sizeof(buf), P9_TWALK, TAG);
	p9_put32(&m, 1);
	p9_put32(&m, 2);
	p9_put16(&m, 2);
	p9_put_str(&m, "usr", 3);
	p9_put_str(&m, "", 0);
	p9_put8(&m, 0xab);
	p9_put16(&m, 0xcdef);
	p9_put64(&m, 0x0102030405060708ull);
	assert_int_equal(p9_end(&m), sizeof(want));
	assert_int_equal(m.pos, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[sizeof(want)], 0xee);
}

static void test_build_bytes_and_u32(void **state)
{
	static const uint8_t data[5] = {9, 8, 7, 6, 5};
	uint8_t buf[32];
	struct p9_msg m;

	(void)state;
	p9_begin(&m, buf, sizeof(buf), P9_TWRITE, P9_NOTAG);
	p9_put32(&m, 0xdeadbeef);
	p9_put_bytes(&m, data, sizeof(data));
	p9_put_bytes(&m, data, 0);
	assert_int_equal(p9_end(&m), P9_HEADER + 4 + 5);
	assert_int_equal(buf[4], P9_TWRITE);
	assert_int_equal(buf[5], 0xff);
	assert_int_equal(buf[6], 0xff);
	assert_int_equal(le32(buf + 7), 0xdeadbeef);
	assert_memory_equal(buf + 11, data, sizeof(data));
}

/* Tversion into a heap buffer of cap bytes; p9_end's answer. */
static uint32_t build_version(uint32_t cap, uint8_t **buf)
{
	struct p9_msg m;
	uint32_t len;

	*buf = malloc(cap ? cap : 1);
	assert_non_null(*buf);
	p9_begin(&m, *buf, cap, P9_TVERSION, P9_NOTAG);
	p9_put32(&m, 8192);
	p9_put_str(&m, "9P2000.L", 8);
	len = p9_end(&m);
	assert_int_equal(m.bad, len == 0);
	/* Adding nothing changes nothing: a bad message stays bad. */
	p9_put_bytes(&m, "", 0);
	assert_int_equal(p9_end(&m), len);
	return len;
}

/* Tversion is 21 bytes: it fits 21 bytes and no fewer. */
static void test_build_overflow(void **state)
{
	uint8_t *buf;

	(void)state;
	for (uint32_t cap = 0; cap < 21; cap++) {
		assert_int_equal(build_version(cap, &buf), 0);
		free(buf);
	}
	assert_int_equal(build_version(21, &buf), 21);
	assert_int_equal(le32(buf), 21);
	assert_int_equal(buf[4], P9_TVERSION);
	assert_memory_equal(buf + 13, "9P2000.L", 8);
	free(buf);
}

static void test_build_long_string(void **state)
{
	static char name[0x10000];
	static uint8_t buf[0x10000 + 64];
	struct p9_msg m;

	(void)state;
	memset(name, 'x', sizeof(name));
	p9_begin(&m, buf, sizeof(buf), P9_TWALK, TAG);
	p9_put_str(&m, name, 0xffff);
	assert_int_equal(p9_end(&m), P9_HEADER + 2 + 0xffff);
	p9_begin(&m, buf, sizeof(buf), P9_TWALK, TAG);
	p9_put_str(&m, name, 0x10000);
	assert_int_equal(p9_end(&m), 0);
}

static void test_rversion(void **state)
{
	struct p9_msg m;
	uint32_t len;
	uint16_t slen;
	const char *s;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RVERSION);
	p9_put32(&out, 65536);
	p9_put_str(&out, "9P2000.L", 8);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TVERSION, TAG), 0);
	assert_int_equal(m.pos, P9_HEADER);
	assert_int_equal(p9_get32(&m), 65536);
	s = p9_get_str(&m, &slen);
	assert_int_equal(slen, 8);
	assert_ptr_equal(s, b + 13);
	assert_memory_equal(s, "9P2000.L", 8);
	expect_end(&m);
	free(b);
}

static void test_rattach_rlopen_rwrite(void **state)
{
	struct p9_qid q;
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RATTACH);
	put_qid(&out, P9_QTDIR, 7, 0x1122334455667788ull);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TATTACH, TAG), 0);
	p9_get_qid(&m, &q);
	expect_qid(&q, P9_QTDIR, 7, 0x1122334455667788ull);
	expect_end(&m);
	free(b);

	reply_begin(P9_RLOPEN);
	put_qid(&out, 0, 0xffffffff, 42);
	p9_put32(&out, 8168);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TLOPEN, TAG), 0);
	p9_get_qid(&m, &q);
	expect_qid(&q, 0, 0xffffffff, 42);
	assert_int_equal(p9_get32(&m), 8168);
	expect_end(&m);
	free(b);

	reply_begin(P9_RWRITE);
	p9_put32(&out, 4096);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), 0);
	assert_int_equal(p9_get32(&m), 4096);
	expect_end(&m);
	free(b);

	/* A reply without fields. */
	reply_begin(P9_RCLUNK);
	b = reply_end(&len);
	assert_int_equal(len, P9_HEADER);
	assert_int_equal(p9_reply(&m, b, len, P9_TCLUNK, TAG), 0);
	expect_end(&m);
	free(b);
}

static void test_rwalk(void **state)
{
	struct p9_qid q;
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RWALK);
	p9_put16(&out, 3);
	for (uint32_t i = 0; i < 3; i++)
		put_qid(&out, i == 2 ? P9_QTSYMLINK : P9_QTDIR, i, 100 + i);
	b = reply_end(&len);
	assert_int_equal(len, P9_HEADER + 2 + 3 * 13);
	assert_int_equal(p9_reply(&m, b, len, P9_TWALK, TAG), 0);
	assert_int_equal(p9_get16(&m), 3);
	for (uint32_t i = 0; i < 3; i++) {
		p9_get_qid(&m, &q);
		expect_qid(&q, i == 2 ? P9_QTSYMLINK : P9_QTDIR, i, 100 + i);
	}
	expect_end(&m);
	/* A fourth qid is not there: it reads as zeros. */
	memset(&q, 0xff, sizeof(q));
	p9_get_qid(&m, &q);
	expect_qid(&q, 0, 0, 0);
	assert_int_equal(p9_done(&m), -EPROTO);
	free(b);
}

static void put_attr(struct p9_msg *m)
{
	p9_put64(m, P9_GETATTR_BASIC);
	put_qid(m, 0, 3, 77);
	p9_put32(m, 0100644);
	p9_put32(m, 1000);
	p9_put32(m, 1001);
	for (uint64_t i = 1; i <= 11; i++)
		p9_put64(m, i * 0x0101010101010101ull);
	for (int i = 0; i < 4; i++) /* btime, gen, data_version: not read */
		p9_put64(m, 0);
}

static void test_rgetattr(void **state)
{
	struct p9_attr a;
	struct p9_qid q;
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RGETATTR);
	put_attr(&out);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TGETATTR, TAG), 0);
	p9_get_attr(&m, &q, &a);
	assert_int_equal(p9_done(&m), 0);
	expect_qid(&q, 0, 3, 77);
	assert_int_equal(a.mode, 0100644);
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.gid, 1001);
	assert_true(a.nlink == 1 * 0x0101010101010101ull);
	assert_true(a.rdev == 2 * 0x0101010101010101ull);
	assert_true(a.size == 3 * 0x0101010101010101ull);
	assert_true(a.blksize == 4 * 0x0101010101010101ull);
	assert_true(a.blocks == 5 * 0x0101010101010101ull);
	assert_true(a.atime_sec == 6 * 0x0101010101010101ull);
	assert_true(a.atime_nsec == 7 * 0x0101010101010101ull);
	assert_true(a.mtime_sec == 8 * 0x0101010101010101ull);
	assert_true(a.mtime_nsec == 9 * 0x0101010101010101ull);
	assert_true(a.ctime_sec == 10 * 0x0101010101010101ull);
	assert_true(a.ctime_nsec == 11 * 0x0101010101010101ull);
	free(b);
}

/* Rgetattr cut anywhere inside its fields: bad, and what is missing is 0. */
static void test_rgetattr_truncated(void **state)
{
	const uint32_t full = 8 + 13 + 3 * 4 + 11 * 8;

	(void)state;
	for (uint32_t n = 0; n < full; n++) {
		struct p9_attr a;
		struct p9_qid q;
		struct p9_msg m;
		uint32_t len;
		uint8_t *b;

		reply_begin(P9_RGETATTR);
		put_attr(&out);
		out.pos = P9_HEADER + n;
		b = reply_end(&len);
		assert_int_equal(p9_reply(&m, b, len, P9_TGETATTR, TAG), 0);
		memset(&a, 0xff, sizeof(a));
		p9_get_attr(&m, &q, &a);
		assert_int_equal(p9_done(&m), -EPROTO);
		assert_true(a.ctime_nsec == 0);
		free(b);
	}
}

static void put_dirent(struct p9_msg *m, uint64_t path, uint64_t off, const char *name)
{
	put_qid(m, 0, 0, path);
	p9_put64(m, off);
	p9_put8(m, 8);
	p9_put_str(m, name, strlen(name));
}

static void test_rreaddir(void **state)
{
	static const char *const names[] = {".", "..", "a file"};
	struct p9_dirent d;
	struct p9_msg m;
	uint32_t len, count;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RREADDIR);
	p9_put32(&out, 0);
	for (int i = 0; i < 3; i++)
		put_dirent(&out, 10 + i, 1 + i, names[i]);
	count = out.pos - P9_HEADER - 4;
	b = reply_end(&len);
	set32(b + P9_HEADER, count);
	assert_int_equal(p9_reply(&m, b, len, P9_TREADDIR, TAG), 0);
	assert_int_equal(p9_get32(&m), count);
	for (int i = 0; i < 3; i++) {
		assert_true(p9_next_dirent(&m, &d));
		expect_qid(&d.qid, 0, 0, 10 + i);
		assert_true(d.offset == 1u + i);
		assert_int_equal(d.type, 8);
		assert_int_equal(d.len, strlen(names[i]));
		assert_memory_equal(d.name, names[i], d.len);
	}
	assert_false(p9_next_dirent(&m, &d));
	expect_end(&m);
	free(b);

	/* An empty directory. */
	reply_begin(P9_RREADDIR);
	p9_put32(&out, 0);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TREADDIR, TAG), 0);
	assert_int_equal(p9_get32(&m), 0);
	assert_false(p9_next_dirent(&m, &d));
	expect_end(&m);
	free(b);
}

/* The last entry's name runs past the end: false, and the message is bad. */
static void test_rreaddir_malformed(void **state)
{
	struct p9_dirent d;
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	for (uint32_t cut = 1; cut < 13 + 8 + 1 + 2 + 4; cut++) {
		reply_begin(P9_RREADDIR);
		p9_put32(&out, 0);
		put_dirent(&out, 1, 1, "ok");
		put_dirent(&out, 2, 2, "name");
		out.pos -= cut;
		b = reply_end(&len);
		assert_int_equal(p9_reply(&m, b, len, P9_TREADDIR, TAG), 0);
		p9_get32(&m);
		assert_true(p9_next_dirent(&m, &d));
		assert_memory_equal(d.name, "ok", 2);
		assert_false(p9_next_dirent(&m, &d));
		assert_int_equal(p9_done(&m), -EPROTO);
		/* And stays so. */
		assert_false(p9_next_dirent(&m, &d));
		free(b);
	}
}

static void test_rread_and_rreadlink(void **state)
{
	static const uint8_t data[] = {0, 1, 2, 0xff, 0x80};
	const uint8_t *p;
	const char *s;
	struct p9_msg m;
	uint32_t len;
	uint16_t slen;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RREAD);
	p9_put32(&out, sizeof(data));
	p9_put_bytes(&out, data, sizeof(data));
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), 0);
	p = p9_get_bytes(&m, p9_get32(&m));
	assert_ptr_equal(p, b + P9_HEADER + 4);
	assert_memory_equal(p, data, sizeof(data));
	expect_end(&m);
	/* Zero bytes at the very end are still there. */
	assert_ptr_equal(p9_get_bytes(&m, 0), b + len);
	assert_int_equal(p9_done(&m), 0);
	free(b);

	reply_begin(P9_RREADLINK);
	p9_put_str(&out, "../target", 9);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TREADLINK, TAG), 0);
	s = p9_get_str(&m, &slen);
	assert_int_equal(slen, 9);
	assert_memory_equal(s, "../target", 9);
	expect_end(&m);
	free(b);
}

static void test_rstatfs(void **state)
{
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RSTATFS);
	p9_put32(&out, 0x01021994);
	p9_put32(&out, 4096);
	for (uint64_t i = 1; i <= 6; i++)
		p9_put64(&out, i << 40);
	p9_put32(&out, 255);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TSTATFS, TAG), 0);
	assert_int_equal(p9_get32(&m), 0x01021994);
	assert_int_equal(p9_get32(&m), 4096);
	for (uint64_t i = 1; i <= 6; i++)
		assert_true(p9_get64(&m) == i << 40);
	assert_int_equal(p9_get32(&m), 255);
	expect_end(&m);
	free(b);
}

static int lerror(uint32_t ecode, uint8_t tmsg)
{
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;
	int ret;

	reply_begin(P9_RLERROR);
	p9_put32(&out, ecode);
	b = reply_end(&len);
	ret = p9_reply(&m, b, len, tmsg, TAG);
	free(b);
	return ret;
}

static void test_rlerror(void **state)
{
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	assert_int_equal(lerror(ENOENT, P9_TWALK), -ENOENT);
	assert_int_equal(lerror(EACCES, P9_TLOPEN), -EACCES);
	assert_int_equal(lerror(1, P9_TREAD), -1);
	assert_int_equal(lerror(4095, P9_TREAD), -4095);
	assert_int_equal(lerror(0, P9_TREAD), -EIO);
	assert_int_equal(lerror(4096, P9_TREAD), -EIO);
	assert_int_equal(lerror(0x80000000, P9_TREAD), -EIO);
	assert_int_equal(lerror(0xffffffff, P9_TREAD), -EIO);

	/* No room for ecode, or only part of it. */
	for (uint32_t n = 0; n < 4; n++) {
		reply_begin(P9_RLERROR);
		p9_put32(&out, ENOENT);
		out.pos = P9_HEADER + n;
		b = reply_end(&len);
		assert_int_equal(p9_reply(&m, b, len, P9_TWALK, TAG), -EPROTO);
		free(b);
	}
	/* An Rlerror with the wrong tag is not this request's error. */
	reply_begin(P9_RLERROR);
	p9_put32(&out, ENOENT);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TWALK, TAG + 1), -EPROTO);
	free(b);
}

static void test_wrong_tag_or_type(void **state)
{
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RWRITE);
	p9_put32(&out, 1);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), 0);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG + 1), -EPROTO);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, P9_NOTAG), -EPROTO);
	assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), -EPROTO);
	assert_int_equal(p9_reply(&m, b, len, P9_RWRITE, TAG), -EPROTO);
	assert_int_equal(p9_reply(&m, b, len, 0xff, TAG), -EPROTO);
	free(b);

	/* The T-message itself echoed back is not its reply. */
	reply_begin(P9_TWRITE);
	p9_put32(&out, 1);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), -EPROTO);
	free(b);
}

static void test_bad_size(void **state)
{
	static const uint32_t small[] = {0, 1, 4, 6};
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RWRITE);
	p9_put32(&out, 1);
	b = reply_end(&len);
	set32(b, len + 1);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), -EPROTO);
	set32(b, 0xffffffff);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), -EPROTO);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		set32(b, small[i]);
		assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), -EPROTO);
	}
	/* Size says header only: the reply has no count. */
	set32(b, P9_HEADER);
	assert_int_equal(p9_reply(&m, b, len, P9_TWRITE, TAG), 0);
	assert_int_equal(m.cap, P9_HEADER);
	assert_int_equal(p9_get32(&m), 0);
	assert_int_equal(p9_done(&m), -EPROTO);
	free(b);

	/* Fewer bytes than a header, whatever they say. */
	for (uint32_t n = 0; n < P9_HEADER; n++) {
		uint8_t *s = malloc(n ? n : 1);

		assert_non_null(s);
		memcpy(s, (uint8_t[]){7, 0, 0, 0, P9_RCLUNK, 0x34, 0x12}, n);
		assert_int_equal(p9_reply(&m, s, n, P9_TCLUNK, TAG), -EPROTO);
		free(s);
	}
}

/* Bytes after the size the message gives are not its fields. */
static void test_fields_end_at_size(void **state)
{
	struct p9_msg m;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RWRITE);
	p9_put32(&out, 0x01020304);
	p9_put32(&out, 0x05060708);
	p9_end(&out);
	b = malloc(P9_HEADER + 8);
	assert_non_null(b);
	memcpy(b, scratch, P9_HEADER + 8);
	set32(b, P9_HEADER + 4);
	assert_int_equal(p9_reply(&m, b, P9_HEADER + 8, P9_TWRITE, TAG), 0);
	assert_int_equal(p9_get32(&m), 0x01020304);
	expect_end(&m);
	assert_int_equal(p9_get8(&m), 0);
	assert_int_equal(p9_done(&m), -EPROTO);
	free(b);
}

/* A field cut short reads as zero and leaves the message bad for good. */
static void test_truncated_fields(void **state)
{
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	reply_begin(P9_RREAD);
	p9_put8(&out, 0xaa);
	p9_put8(&out, 0xbb);
	p9_put8(&out, 0xcc);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), 0);
	assert_int_equal(p9_get32(&m), 0);
	assert_int_equal(p9_done(&m), -EPROTO);
	assert_int_equal(p9_get8(&m), 0);
	assert_int_equal(p9_get16(&m), 0);
	assert_null(p9_get_bytes(&m, 0));
	assert_int_equal(p9_done(&m), -EPROTO);

	assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), 0);
	assert_true(p9_get64(&m) == 0);
	assert_int_equal(p9_done(&m), -EPROTO);

	assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), 0);
	assert_int_equal(p9_get16(&m), 0xbbaa);
	assert_int_equal(p9_get8(&m), 0xcc);
	expect_end(&m);
	free(b);
}

/* The Rreadlink being built holds a string that runs past its end: it
 * reads as NULL, length 0, and marks the message bad. */
static void expect_cut_string(void)
{
	struct p9_msg m;
	uint32_t len;
	uint16_t slen = 99;
	uint8_t *b = reply_end(&len);

	assert_int_equal(p9_reply(&m, b, len, P9_TREADLINK, TAG), 0);
	assert_null(p9_get_str(&m, &slen));
	assert_int_equal(slen, 0);
	assert_int_equal(p9_done(&m), -EPROTO);
	free(b);
}

static void test_strings_past_end(void **state)
{
	const char *s;
	struct p9_msg m;
	uint32_t len;
	uint16_t slen;
	uint8_t *b;

	(void)state;
	/* Length 5 with 4 bytes. */
	reply_begin(P9_RREADLINK);
	p9_put16(&out, 5);
	p9_put_bytes(&out, "abcd", 4);
	expect_cut_string();

	/* Length 0xffff with nothing after it. */
	reply_begin(P9_RREADLINK);
	p9_put16(&out, 0xffff);
	expect_cut_string();

	/* Half a length. */
	reply_begin(P9_RREADLINK);
	p9_put8(&out, 1);
	expect_cut_string();

	/* The empty string at the end is a string. */
	reply_begin(P9_RREADLINK);
	p9_put16(&out, 0);
	b = reply_end(&len);
	assert_int_equal(p9_reply(&m, b, len, P9_TREADLINK, TAG), 0);
	s = p9_get_str(&m, &slen);
	assert_ptr_equal(s, b + len);
	assert_int_equal(slen, 0);
	expect_end(&m);
	free(b);
}

static void test_bytes_past_end(void **state)
{
	static const uint32_t counts[] = {5, 6, 0x7fffffff, 0xfffffff9, 0xfffffffa, 0xffffffff};
	struct p9_msg m;
	uint32_t len;
	uint8_t *b;

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		reply_begin(P9_RREAD);
		p9_put32(&out, counts[i]);
		p9_put_bytes(&out, "1234", 4);
		b = reply_end(&len);
		assert_int_equal(p9_reply(&m, b, len, P9_TREAD, TAG), 0);
		assert_null(p9_get_bytes(&m, p9_get32(&m)));
		assert_int_equal(p9_done(&m), -EPROTO);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_layout),
	    cmocka_unit_test(test_build_bytes_and_u32),
	    cmocka_unit_test(test_build_overflow),
	    cmocka_unit_test(test_build_long_string),
	    cmocka_unit_test(test_rversion),
	    cmocka_unit_test(test_rattach_rlopen_rwrite),
	    cmocka_unit_test(test_rwalk),
	    cmocka_unit_test(test_rgetattr),
	    cmocka_unit_test(test_rgetattr_truncated),
	    cmocka_unit_test(test_rreaddir),
	    cmocka_unit_test(test_rreaddir_malformed),
	    cmocka_unit_test(test_rread_and_rreadlink),
	    cmocka_unit_test(test_rstatfs),
	    cmocka_unit_test(test_rlerror),
	    cmocka_unit_test(test_wrong_tag_or_type),
	    cmocka_unit_test(test_bad_size),
	    cmocka_unit_test(test_fields_end_at_size),
	    cmocka_unit_test(test_truncated_fields),
	    cmocka_unit_test(test_strings_past_end),
	    cmocka_unit_test(test_bytes_past_end),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("p9", tests, NULL, NULL);
}

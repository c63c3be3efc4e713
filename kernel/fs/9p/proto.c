/*
 * 9P2000.L message building and parsing (include/unishyper/p9.h). Pure:
 * no allocation, no I/O; the host tests and the fuzz target run it as is.
 */
#include <errno.h>
#include <string.h>

#include <unishyper/p9.h>

/* Room for n more bytes, or the message is marked bad. */
static bool room(struct p9_msg *m, uint32_t n)
{
	if (m->bad || n > m->cap - m->pos) {
		m->bad = true;
		return false;
	}
	return true;
}

static void put_le(struct p9_msg *m, uint64_t v, unsigned n)
{
	if (!room(m, n))
		return;
	for (unsigned i = 0; i < n; i++)
		m->buf[m->pos++] = (uint8_t)(v >> (8 * i));
}

void p9_begin(struct p9_msg *m, uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag)
{
	*m = (struct p9_msg){ .buf = buf, .cap = cap };
	put_le(m, 0, 4);
	put_le(m, type, 1);
	put_le(m, tag, 2);
}

void p9_put8(struct p9_msg *m, uint8_t v)
{
	put_le(m, v, 1);
}

void p9_put16(struct p9_msg *m, uint16_t v)
{
	put_le(m, v, 2);
}

void p9_put32(struct p9_msg *m, uint32_t v)
{
	put_le(m, v, 4);
}

void p9_put64(struct p9_msg *m, uint64_t v)
{
	put_le(m, v, 8);
}

void p9_put_bytes(struct p9_msg *m, const void *p, uint32_t n)
{
	if (!room(m, n))
		return;
	memcpy(m->buf + m->pos, p, n);
	m->pos += n;
}

void p9_put_str(struct p9_msg *m, const char *s, size_t len)
{
	if (len > 0xffff) {
		m->bad = true;
		return;
	}
	p9_put16(m, (uint16_t)len);
	p9_put_bytes(m, s, (uint32_t)len);
}

uint32_t p9_end_with(struct p9_msg *m, uint32_t extra)
{
	if (m->bad || extra > UINT32_MAX - m->pos)
		return 0;
	uint32_t len = m->pos;
	m->pos = 0;
	put_le(m, len + extra, 4);
	m->pos = len;
	return len;
}

uint32_t p9_end(struct p9_msg *m)
{
	return p9_end_with(m, 0);
}

static uint64_t get_le(struct p9_msg *m, unsigned n)
{
	uint64_t v = 0;

	if (!room(m, n))
		return 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)m->buf[m->pos++] << (8 * i);
	return v;
}

uint8_t p9_get8(struct p9_msg *m)
{
	return (uint8_t)get_le(m, 1);
}

uint16_t p9_get16(struct p9_msg *m)
{
	return (uint16_t)get_le(m, 2);
}

uint32_t p9_get32(struct p9_msg *m)
{
	return (uint32_t)get_le(m, 4);
}

uint64_t p9_get64(struct p9_msg *m)
{
	return get_le(m, 8);
}

void p9_get_qid(struct p9_msg *m, struct p9_qid *q)
{
	q->type = p9_get8(m);
	q->version = p9_get32(m);
	q->path = p9_get64(m);
}

const uint8_t *p9_get_bytes(struct p9_msg *m, uint32_t n)
{
	if (!room(m, n))
		return NULL;
	const uint8_t *p = m->buf + m->pos;
	m->pos += n;
	return p;
}

const char *p9_get_str(struct p9_msg *m, uint16_t *len)
{
	*len = p9_get16(m);
	const char *s = (const char *)p9_get_bytes(m, *len);
	if (!s)
		*len = 0;
	return s;
}

int p9_done(const struct p9_msg *m)
{
	return m->bad ? -EPROTO : 0;
}

int p9_reply(struct p9_msg *m, uint8_t *buf, uint32_t len, uint8_t tmsg, uint16_t tag)
{
	*m = (struct p9_msg){ .buf = buf, .cap = len };
	uint32_t size = p9_get32(m);
	uint8_t type = p9_get8(m);
	uint16_t rtag = p9_get16(m);

	if (m->bad || size < P9_HEADER || size > len || rtag != tag)
		return -EPROTO;
	m->cap = size; /* the fields end where the message says */
	if (type == P9_RLERROR) {
		uint32_t e = p9_get32(m);
		if (m->bad)
			return -EPROTO;
		return e && e < 4096 ? -(int)e : -EIO;
	}
	return type == tmsg + 1 ? 0 : -EPROTO;
}

void p9_get_attr(struct p9_msg *m, struct p9_qid *q, struct p9_attr *a)
{
	p9_get64(m); /* valid */
	p9_get_qid(m, q);
	a->mode = p9_get32(m);
	a->uid = p9_get32(m);
	a->gid = p9_get32(m);
	a->nlink = p9_get64(m);
	a->rdev = p9_get64(m);
	a->size = p9_get64(m);
	a->blksize = p9_get64(m);
	a->blocks = p9_get64(m);
	a->atime_sec = p9_get64(m);
	a->atime_nsec = p9_get64(m);
	a->mtime_sec = p9_get64(m);
	a->mtime_nsec = p9_get64(m);
	a->ctime_sec = p9_get64(m);
	a->ctime_nsec = p9_get64(m);
}

bool p9_next_dirent(struct p9_msg *m, struct p9_dirent *d)
{
	if (m->bad || m->pos == m->cap)
		return false;
	p9_get_qid(m, &d->qid);
	d->offset = p9_get64(m);
	d->type = p9_get8(m);
	d->name = p9_get_str(m, &d->len);
	return !m->bad;
}

/*
 * The 9P2000.L client (client.h): each call takes a slot of the channel,
 * builds its T-message there, waits for the reply and parses it before
 * giving the slot back. The slot's index is the message's tag, so replies
 * cannot be mixed up between threads.
 */
#include <errno.h>
#include <string.h>

#include <unishyper/uaccess.h>

#include "client.h"

#define VERSION "9P2000.L"

struct call {
	struct p9_client *c;
	struct p9_slot *s;
	struct p9_msg m;
	uint8_t type;
	uint16_t tag;
};

static void start(struct call *k, struct p9_client *c, uint8_t type)
{
	k->c = c;
	k->s = c->chan->get(c->chan);
	k->type = type;
	k->tag = type == P9_TVERSION ? P9_NOTAG : k->s->tag;
	p9_begin(&k->m, k->s->req, c->msize, type, k->tag);
}

/* Sends the message, with data moved straight from or to memory (NULL:
 * none; extra: the bytes of it the message carries), and checks the
 * reply's header: 0 with k->m at the reply's first field, or a negative
 * errno. */
static int send_data(struct call *k, const struct p9_data *data, uint32_t extra)
{
	uint32_t len = p9_end_with(&k->m, extra);

	if (!len)
		return -ENAMETOOLONG; /* only names and data make it long */
	int n = k->c->chan->rpc(k->c->chan, k->s, len, data);
	if (n < 0)
		return n;
	/* With data read straight to memory, the slot holds only the first
	 * P9_RREAD_HDR bytes of the n: no field past them is read. */
	return p9_reply(&k->m, k->s->reply, (uint32_t)n, k->type, k->tag);
}

static int send(struct call *k)
{
	return send_data(k, NULL, 0);
}

/* Gives the slot back; r, or -EPROTO when a field read was not there. */
static int finish(struct call *k, int r)
{
	if (!r)
		r = p9_done(&k->m);
	k->c->chan->put(k->c->chan, k->s);
	return r;
}

/* A call whose reply has no fields the caller wants. */
static int simple(struct call *k)
{
	return finish(k, send(k));
}

static int qid_reply(struct call *k, struct p9_qid *qid)
{
	int r = send(k);

	if (!r)
		p9_get_qid(&k->m, qid);
	return finish(k, r);
}

int p9c_connect(struct p9_client *c, struct p9_chan *chan, uint32_t root_fid,
		struct p9_qid *root)
{
	struct call k;
	uint16_t vlen;

	c->chan = chan;
	c->msize = chan->msize;
	start(&k, c, P9_TVERSION);
	p9_put32(&k.m, chan->msize);
	p9_put_str(&k.m, VERSION, strlen(VERSION));
	int r = send(&k);
	if (!r) {
		uint32_t msize = p9_get32(&k.m);
		const char *v = p9_get_str(&k.m, &vlen);
		if (!k.m.bad && (vlen != strlen(VERSION) || memcmp(v, VERSION, vlen)))
			r = -EPROTONOSUPPORT;
		else if (msize < 4096)
			r = -EPROTO;
		else if (msize < c->msize)
			c->msize = msize;
	}
	if ((r = finish(&k, r)))
		return r;
	c->iounit = c->msize - P9_IOHDR;
	start(&k, c, P9_TATTACH);
	p9_put32(&k.m, root_fid);
	p9_put32(&k.m, P9_NOFID);
	p9_put_str(&k.m, "root", 4);
	p9_put_str(&k.m, "", 0);
	p9_put32(&k.m, 0);
	return qid_reply(&k, root);
}

uint32_t p9c_fid(struct p9_client *c)
{
	return __atomic_add_fetch(&c->next_fid, 1, __ATOMIC_RELAXED);
}

int p9c_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *name, size_t len,
	     struct p9_qid *qid)
{
	struct call k;

	start(&k, c, P9_TWALK);
	p9_put32(&k.m, fid);
	p9_put32(&k.m, newfid);
	p9_put16(&k.m, name ? 1 : 0);
	if (name)
		p9_put_str(&k.m, name, len);
	int r = send(&k);
	if (!r) {
		uint16_t n = p9_get16(&k.m);
		/* One name asked: one qid, or none when it is absent. */
		if (n != (name ? 1 : 0))
			r = n ? -EPROTO : -ENOENT;
		else if (name)
			p9_get_qid(&k.m, qid);
	}
	return finish(&k, r);
}

int p9c_clunk(struct p9_client *c, uint32_t fid)
{
	struct call k;

	start(&k, c, P9_TCLUNK);
	p9_put32(&k.m, fid);
	return simple(&k);
}

int p9c_lopen(struct p9_client *c, uint32_t fid, uint32_t flags)
{
	struct call k;

	start(&k, c, P9_TLOPEN);
	p9_put32(&k.m, fid);
	p9_put32(&k.m, flags);
	return simple(&k);
}

int p9c_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len, uint32_t flags,
		uint32_t mode, struct p9_qid *qid)
{
	struct call k;

	start(&k, c, P9_TLCREATE);
	p9_put32(&k.m, fid);
	p9_put_str(&k.m, name, len);
	p9_put32(&k.m, flags);
	p9_put32(&k.m, mode);
	p9_put32(&k.m, 0);
	return qid_reply(&k, qid);
}

int p9c_getattr(struct p9_client *c, uint32_t fid, struct p9_qid *qid, struct p9_attr *a)
{
	struct call k;

	start(&k, c, P9_TGETATTR);
	p9_put32(&k.m, fid);
	p9_put64(&k.m, P9_GETATTR_BASIC);
	int r = send(&k);
	if (!r)
		p9_get_attr(&k.m, qid, a);
	return finish(&k, r);
}

int p9c_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *s)
{
	struct call k;

	start(&k, c, P9_TSETATTR);
	p9_put32(&k.m, fid);
	p9_put32(&k.m, s->valid);
	p9_put32(&k.m, s->mode);
	p9_put32(&k.m, s->uid);
	p9_put32(&k.m, s->gid);
	p9_put64(&k.m, s->size);
	p9_put64(&k.m, s->atime / 1000000000);
	p9_put64(&k.m, s->atime % 1000000000);
	p9_put64(&k.m, s->mtime / 1000000000);
	p9_put64(&k.m, s->mtime % 1000000000);
	return simple(&k);
}

/* Copies the count[4] data[count] of an Rread or Rreaddir (at most n). */
static int data_reply(struct call *k, void *buf, uint32_t n)
{
	int r = send(k);

	if (!r) {
		uint32_t count = p9_get32(&k->m);
		const uint8_t *p = p9_get_bytes(&k->m, count);
		if (p && count > n)
			r = -EPROTO;
		else if (p)
			r = uaccess_copy(buf, p, count) ? -EFAULT : (int)count;
	}
	return finish(k, r);
}

/* Starts a Tread, Treaddir or Twrite: fid[4] offset[8] count[4], count
 * cut to what one message carries. */
static uint32_t io_start(struct call *k, struct p9_client *c, uint8_t type, uint32_t fid,
			 uint64_t off, uint32_t n)
{
	if (n > c->iounit)
		n = c->iounit;
	start(k, c, type);
	p9_put32(&k->m, fid);
	p9_put64(&k->m, off);
	p9_put32(&k->m, n);
	return n;
}

/* Tread and Treaddir, answered by count[4] data[count]. */
static int read_call(struct p9_client *c, uint8_t type, uint32_t fid, uint64_t off, void *buf,
		     uint32_t n)
{
	struct call k;

	n = io_start(&k, c, type, fid, off, n);
	return data_reply(&k, buf, n);
}

int p9c_read(struct p9_client *c, uint32_t fid, uint64_t off, void *buf, uint32_t n)
{
	return read_call(c, P9_TREAD, fid, off, buf, n);
}

int p9c_write(struct p9_client *c, uint32_t fid, uint64_t off, const void *buf, uint32_t n)
{
	struct call k;

	n = io_start(&k, c, P9_TWRITE, fid, off, n);
	/* The data goes straight into the message: buf is the program's. */
	if (k.m.pos + n > k.m.cap || uaccess_copy(k.m.buf + k.m.pos, buf, n))
		return finish(&k, -EFAULT);
	k.m.pos += n;
	int r = send(&k);
	if (!r) {
		uint32_t count = p9_get32(&k.m);
		r = count > n ? -EPROTO : (int)count;
	}
	return finish(&k, r);
}

int p9c_io_runs(struct p9_client *c, bool write, uint32_t fid, uint64_t off,
		const struct vm_run *runs, int nruns, uint32_t n)
{
	struct p9_data data = { runs, nruns, write };
	struct call k;

	if (n > c->iounit)
		return -EINVAL;
	io_start(&k, c, write ? P9_TWRITE : P9_TREAD, fid, off, n);
	int r = send_data(&k, &data, write ? n : 0);
	if (!r) {
		uint32_t count = p9_get32(&k.m);
		/* Rread: the size field counts the data the device put in memory. */
		if (!write && k.m.cap != P9_RREAD_HDR + count)
			r = -EPROTO;
		else
			r = count > n ? -EPROTO : (int)count;
	}
	return finish(&k, r);
}

int p9c_readdir(struct p9_client *c, uint32_t fid, uint64_t off, void *buf, uint32_t n)
{
	return read_call(c, P9_TREADDIR, fid, off, buf, n);
}

int p9c_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode)
{
	struct call k;
	struct p9_qid qid;

	start(&k, c, P9_TMKDIR);
	p9_put32(&k.m, dfid);
	p9_put_str(&k.m, name, len);
	p9_put32(&k.m, mode);
	p9_put32(&k.m, 0);
	return qid_reply(&k, &qid);
}

int p9c_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
		const char *target)
{
	struct call k;
	struct p9_qid qid;

	start(&k, c, P9_TSYMLINK);
	p9_put32(&k.m, dfid);
	p9_put_str(&k.m, name, len);
	p9_put_str(&k.m, target, strlen(target));
	p9_put32(&k.m, 0);
	return qid_reply(&k, &qid);
}

int p9c_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t n)
{
	struct call k;
	uint16_t len;

	start(&k, c, P9_TREADLINK);
	p9_put32(&k.m, fid);
	int r = send(&k);
	if (!r) {
		const char *s = p9_get_str(&k.m, &len);
		if (s) {
			r = len < n ? len : (int)n;
			memcpy(buf, s, (size_t)r);
		}
	}
	return finish(&k, r);
}

int p9c_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name, size_t len)
{
	struct call k;

	start(&k, c, P9_TLINK);
	p9_put32(&k.m, dfid);
	p9_put32(&k.m, fid);
	p9_put_str(&k.m, name, len);
	return simple(&k);
}

int p9c_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t flags)
{
	struct call k;

	start(&k, c, P9_TUNLINKAT);
	p9_put32(&k.m, dfid);
	p9_put_str(&k.m, name, len);
	p9_put32(&k.m, flags);
	return simple(&k);
}

int p9c_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, size_t oldlen,
		 uint32_t newdfid, const char *newname, size_t newlen)
{
	struct call k;

	start(&k, c, P9_TRENAMEAT);
	p9_put32(&k.m, olddfid);
	p9_put_str(&k.m, oldname, oldlen);
	p9_put32(&k.m, newdfid);
	p9_put_str(&k.m, newname, newlen);
	return simple(&k);
}

int p9c_fsync(struct p9_client *c, uint32_t fid)
{
	struct call k;

	start(&k, c, P9_TFSYNC);
	p9_put32(&k.m, fid);
	p9_put32(&k.m, 0);
	return simple(&k);
}

int p9c_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *s)
{
	struct call k;

	start(&k, c, P9_TSTATFS);
	p9_put32(&k.m, fid);
	int r = send(&k);
	if (!r) {
		s->type = p9_get32(&k.m);
		s->bsize = p9_get32(&k.m);
		s->blocks = p9_get64(&k.m);
		s->bfree = p9_get64(&k.m);
		s->bavail = p9_get64(&k.m);
		s->files = p9_get64(&k.m);
		s->ffree = p9_get64(&k.m);
		p9_get64(&k.m); /* fsid */
		s->namelen = p9_get32(&k.m);
	}
	return finish(&k, r);
}

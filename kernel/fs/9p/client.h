/*
 * The 9P2000.L client of unilib-fs: one call per message, each a whole
 * round trip on a channel. Calls are safe from several threads at once;
 * each returns 0 (or a count) or a negative errno: the server's, -EIO when
 * the channel fails, -EPROTO for a malformed reply.
 *
 * Names are one path component; fids are the client's to hand out
 * (p9c_fid) and stay valid until clunked.
 */
#ifndef UNISHYPER_P9_CLIENT_H
#define UNISHYPER_P9_CLIENT_H

#include <unishyper/p9.h>
#include <unishyper/vfs.h>

struct p9_client {
	struct p9_chan *chan;
	uint32_t msize;   /* negotiated by p9c_connect */
	uint32_t iounit;  /* data bytes in one Tread/Twrite */
	uint32_t next_fid;
};

struct p9_statfs {
	uint32_t type, bsize, namelen;
	uint64_t blocks, bfree, bavail, files, ffree;
};

/* Negotiates the message size and version and attaches root_fid to the
 * share's root. */
int p9c_connect(struct p9_client *c, struct p9_chan *chan, uint32_t root_fid,
		struct p9_qid *root);
uint32_t p9c_fid(struct p9_client *c);
/* Walks fid to name (NULL: a clone of fid) as newfid. */
int p9c_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *name, size_t len,
	     struct p9_qid *qid);
int p9c_clunk(struct p9_client *c, uint32_t fid);
int p9c_lopen(struct p9_client *c, uint32_t fid, uint32_t flags);
/* Creates name in the directory of fid, which then stands for the new
 * file, opened with flags. */
int p9c_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len, uint32_t flags,
		uint32_t mode, struct p9_qid *qid);
int p9c_getattr(struct p9_client *c, uint32_t fid, struct p9_qid *qid, struct p9_attr *a);
/* What Tsetattr changes: the fields its valid bits (P9_SETATTR_*) name;
 * times in nanoseconds since 1970. */
struct p9_setattr {
	uint32_t valid, mode, uid, gid;
	uint64_t size, atime, mtime;
};
int p9c_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *s);
/* At most iounit bytes: the count read (0 at the end) or written. */
int p9c_read(struct p9_client *c, uint32_t fid, uint64_t off, void *buf, uint32_t n);
int p9c_write(struct p9_client *c, uint32_t fid, uint64_t off, const void *buf, uint32_t n);
/* Like p9c_read and p9c_write with n bytes in memory runs (vm_dma_map),
 * moved by the device without a copy; n at most iounit. */
int p9c_io_runs(struct p9_client *c, bool write, uint32_t fid, uint64_t off,
		const struct vm_run *runs, int nruns, uint32_t n);
/* Copies the entries' data of one Rreaddir into buf: its length. */
int p9c_readdir(struct p9_client *c, uint32_t fid, uint64_t off, void *buf, uint32_t n);
int p9c_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode);
int p9c_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
		const char *target);
/* Copies the target into buf (at most n bytes, no NUL): its length. */
int p9c_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t n);
/* A second name in the directory dfid for the file of fid. */
int p9c_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name, size_t len);
int p9c_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t flags);
int p9c_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, size_t oldlen,
		 uint32_t newdfid, const char *newname, size_t newlen);
int p9c_fsync(struct p9_client *c, uint32_t fid);
int p9c_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *s);

#endif

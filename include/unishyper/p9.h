/*
 * 9P2000.L: the messages unilib-fs exchanges with the host's file server,
 * and the channels (virtio-9p devices) that carry them.
 *
 * Every message is size[4] type[1] tag[2] followed by its fields, all
 * little-endian; a string is len[2] and that many bytes (no NUL); a qid is
 * type[1] version[4] path[8]. A T-message asks, the R-message of the same
 * tag answers, or Rlerror with a Linux errno.
 *
 * Building (p9_begin, p9_put_*, p9_end) writes into a caller buffer and
 * only marks the message bad when it does not fit. Parsing (p9_reply,
 * p9_get_*) never reads outside the reply it is given: a field that does
 * not fit marks the message bad and reads as zero, and p9_done() then
 * answers -EPROTO. Both halves are pure, so the host tests and fuzzes them.
 */
#ifndef UNISHYPER_P9_H
#define UNISHYPER_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum p9_type {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN,
	P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK,
	P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR,
	P9_TSETATTR = 26, P9_RSETATTR,
	P9_TREADDIR = 40, P9_RREADDIR,
	P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLINK = 70, P9_RLINK,
	P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT,
	P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION,
	P9_TATTACH = 104, P9_RATTACH,
	P9_TWALK = 110, P9_RWALK,
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,
	P9_TCLUNK = 120, P9_RCLUNK,
};

#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_HEADER 7u   /* size, type, tag */
#define P9_IOHDR 24u   /* what Tread/Twrite add around their data */
#define P9_MAXWELEM 16 /* names in one Twalk */

/* qid types */
#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02

/* Tgetattr request mask: mode, nlink, uid, gid, rdev, times, ino, size,
 * blocks. */
#define P9_GETATTR_BASIC 0x7ffull

/* Tsetattr valid bits */
#define P9_SETATTR_MODE 0x1u
#define P9_SETATTR_UID 0x2u
#define P9_SETATTR_GID 0x4u
#define P9_SETATTR_SIZE 0x8u
#define P9_SETATTR_ATIME 0x10u
#define P9_SETATTR_MTIME 0x20u
#define P9_SETATTR_ATIME_SET 0x80u
#define P9_SETATTR_MTIME_SET 0x100u

#define P9_AT_REMOVEDIR 0x200u

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* One message being built or parsed. */
struct p9_msg {
	uint8_t *buf;
	uint32_t cap; /* bytes of buf (building) or of the reply (parsing) */
	uint32_t pos;
	bool bad;
};

/* Starts a T-message of type and tag in buf (cap bytes). */
void p9_begin(struct p9_msg *m, uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag);
void p9_put8(struct p9_msg *m, uint8_t v);
void p9_put16(struct p9_msg *m, uint16_t v);
void p9_put32(struct p9_msg *m, uint32_t v);
void p9_put64(struct p9_msg *m, uint64_t v);
void p9_put_str(struct p9_msg *m, const char *s, size_t len);
void p9_put_bytes(struct p9_msg *m, const void *p, uint32_t n);
/* Writes the size field; returns the message's length, or 0 when it did
 * not fit. */
uint32_t p9_end(struct p9_msg *m);
/* Like p9_end for a message whose last extra bytes travel elsewhere
 * (Twrite's data sent straight from memory): the size field counts them,
 * the length returned does not. */
uint32_t p9_end_with(struct p9_msg *m, uint32_t extra);

/*
 * Checks the header of a reply of len bytes in buf: its size field within
 * len, at least a header, the tag expected, and the type expected (type
 * of the T-message + 1). Returns 0 and leaves m at the first field; the
 * errno of an Rlerror negated (an out-of-range errno as -EIO); or -EPROTO
 * for a malformed or unexpected reply.
 */
int p9_reply(struct p9_msg *m, uint8_t *buf, uint32_t len, uint8_t tmsg, uint16_t tag);
uint8_t p9_get8(struct p9_msg *m);
uint16_t p9_get16(struct p9_msg *m);
uint32_t p9_get32(struct p9_msg *m);
uint64_t p9_get64(struct p9_msg *m);
void p9_get_qid(struct p9_msg *m, struct p9_qid *q);
/* A string or n bytes in place: a pointer into the reply (NULL when it
 * does not fit) and for strings the length in *len. */
const char *p9_get_str(struct p9_msg *m, uint16_t *len);
const uint8_t *p9_get_bytes(struct p9_msg *m, uint32_t n);
/* 0 when every field read so far was inside the reply, else -EPROTO. */
int p9_done(const struct p9_msg *m);

/* Rgetattr's fields after valid[8] qid[13]. */
struct p9_attr {
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};
void p9_get_attr(struct p9_msg *m, struct p9_qid *q, struct p9_attr *a);

/* One entry of an Rreaddir's data; returns false at the end of the data
 * or on a malformed entry (then *bad is set). */
struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset; /* where the next entry starts */
	uint8_t type;
	const char *name;
	uint16_t len;
};
bool p9_next_dirent(struct p9_msg *m, struct p9_dirent *d);

/*
 * A channel to a 9p server: a virtio-9p device, found by its mount tag.
 * The channel owns request slots, each with a request and a reply buffer
 * of msize bytes; several threads may have requests in flight at once.
 */
struct p9_slot {
	uint8_t *req, *reply;
	uint16_t tag;
};

/* Data moved straight between memory runs (vm_dma_map) and the device,
 * without a copy through the slot: the device reads them after the
 * request (out: Twrite's data), or writes them after the first
 * P9_RREAD_HDR bytes of the reply (Rread's data). */
struct vm_run;
struct p9_data {
	const struct vm_run *runs;
	int n;
	bool out;
};
#define P9_RREAD_HDR 11u /* size, type, tag, count */

struct p9_chan {
	char tag[32];
	uint32_t msize; /* the largest message either buffer holds */
	/* Takes a free slot (sleeping until one is free). */
	struct p9_slot *(*get)(struct p9_chan *c);
	/* Sends req_len bytes of the slot's request, with data (or NULL),
	 * waits for the reply and returns its length (the bytes the server
	 * wrote, data included), or -EIO. */
	int (*rpc)(struct p9_chan *c, struct p9_slot *s, uint32_t req_len,
		   const struct p9_data *data);
	int max_runs; /* in one p9_data */
	void (*put)(struct p9_chan *c, struct p9_slot *s);
	void *priv;
};

#define P9_CHAN_MAX 8

/* Adds a channel (drivers, at boot); 0 or -ENOSPC. */
int p9_chan_register(struct p9_chan *c);
/* The channel with mount tag, or NULL. */
struct p9_chan *p9_chan_find(const char *tag);

#endif

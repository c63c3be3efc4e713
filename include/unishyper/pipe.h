/*
 * Pipes (kernel/pipe.c) and event counters (kernel/eventfd.c): two kinds
 * of open file (include/unishyper/file.h) that threads talk through.
 */
#ifndef UNISHYPER_PIPE_H
#define UNISHYPER_PIPE_H

#include <stdint.h>

struct file;

#define PIPE_SIZE_DEFAULT 65536
#define PIPE_SIZE_MAX 1048576 /* Linux's /proc/sys/fs/pipe-max-size */

/* A new pipe: ends[0] reads, ends[1] writes, both with O_NONBLOCK when
 * flags has it. 0 or -ENOMEM. Writes of at most PIPE_BUF bytes are never
 * split; a write with no reader left fails with -EPIPE and raises SIGPIPE;
 * a read with no writer left and nothing buffered returns 0. */
int pipe_create(int flags, struct file *ends[2]);

/* A new eventfd with count initval and flags EFD_SEMAPHORE, O_NONBLOCK;
 * NULL without memory. */
struct file *eventfd_create(uint64_t initval, int flags);

#endif

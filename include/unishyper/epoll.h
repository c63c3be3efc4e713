/*
 * epoll instances (kernel/epoll.c): an open file that watches other open
 * files and lists those that became ready, so a wait costs time in
 * proportion to the ready files, not to the watched ones.
 *
 * Each watched file (an item) keeps entries hung on the wait queues its
 * poll operation names; a wake-up of one puts the item on the instance's
 * ready list, from any CPU or an interrupt. epoll_wait() takes items off
 * that list (epoll_wait_events()), asks each file's poll operation what holds now, reports it,
 * and puts level-triggered items back; edge-triggered ones wait for the
 * next wake-up, one-shot ones for EPOLL_CTL_MOD. An item belongs to the
 * open file, not the descriptor: it goes when the file's last reference
 * does (epoll_file_release()), as on Linux.
 */
#ifndef UNISHYPER_EPOLL_H
#define UNISHYPER_EPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct file;

/* A new epoll instance watching nothing; NULL without memory. */
struct file *epoll_open(void);

/* Whether f is an epoll instance. */
bool epoll_is(const struct file *f);

/* EPOLL_CTL_ADD, _MOD or _DEL of tf (descriptor fd) in the instance ep.
 * The caller has checked what Linux checks before (EBADF, EPERM for a
 * file without a poll operation, EINVAL for ep itself or a file that is
 * not an instance). 0, -EINVAL (bad op or flags), -EEXIST, -ENOENT,
 * -ELOOP (ep would watch itself, or nest more than 5 deep) or -ENOMEM. */
int epoll_control(struct file *ep, int op, struct file *tf, int fd, const struct epoll_event *ev);

/* Waits until an item of ep is ready, the deadline (time_ns(),
 * SCHED_FOREVER, or 0: not at all) or a signal, and copies up to max
 * events to the program's array uev. Returns how many, -EINTR (nothing
 * delivered yet) or -EFAULT. */
int epoll_wait_events(struct file *ep, struct epoll_event *uev, int max, uint64_t deadline);

/* The last reference of f went: takes it out of every instance that
 * watches it. Called by file_put() before the file closes. */
void epoll_file_release(struct file *f);

#endif

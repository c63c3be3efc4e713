/*
 * The kernel's only way into program memory (kernel/mm/uaccess.c).
 *
 * A system call never dereferences a pointer it got from the program: it
 * copies through these, which answer -EFAULT for an address outside the
 * program's range, a page that is not mapped or does not allow the access,
 * including one another thread unmaps in the middle of the copy. Lazily
 * allocated pages are brought in as the copy touches them. No lock the
 * page-fault path needs (vm_lock) may be held around them.
 */
#ifndef UNISHYPER_UACCESS_H
#define UNISHYPER_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether [p, p+n) lies in the program's address range (not whether it is
 * mapped); an empty range always does. */
bool uaccess_ok(const void *p, size_t n);

/* Copies n bytes from the program at src to the kernel at dst: 0 or -EFAULT. */
int uaccess_from(void *dst, const void *src, size_t n);

/* Copies n bytes from the kernel at src to the program at dst: 0 or -EFAULT. */
int uaccess_to(void *dst, const void *src, size_t n);

/* Copies the program's string src, NUL included, into dst of size bytes:
 * its length, -ENAMETOOLONG when it does not fit, or -EFAULT. */
long uaccess_string(char *dst, const char *src, size_t size);

/* Copies n bytes between buffers that a system call was handed and has
 * checked with uaccess_ok(), or the kernel's own: file operations use it
 * on the buffers of read and write. 0 or -EFAULT. */
int uaccess_copy(void *dst, const void *src, size_t n);

/* Whether every page of such a buffer can be written, leaving it as it
 * is: checked before input is consumed, so that a bad buffer loses none.
 * 0 or -EFAULT. */
int uaccess_writable(void *dst, size_t n);

/* Zeroes n bytes of such a buffer: 0 or -EFAULT. */
int uaccess_clear(void *dst, size_t n);

/* Atomically replaces the aligned program word *p with new if it holds
 * *old, and stores the value it held in *old (so the exchange happened
 * when *old is unchanged): 0 or -EFAULT. Futexes whose owner the kernel
 * records (priority inheritance, robust lists) need it. */
int uaccess_cmpxchg32(uint32_t *p, uint32_t *old, uint32_t new);

/* One value of the type of *uptr, to or from the program. */
#define uaccess_get(kval, uptr) uaccess_from(&(kval), (uptr), sizeof(*(uptr)))
#define uaccess_put(uptr, kval) uaccess_to((uptr), &(kval), sizeof(*(uptr)))

#endif

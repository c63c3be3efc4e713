/*
 * The page cache of mapped files (kernel/fs/filemap.c).
 *
 * Every file that is mapped has one filemap, shared by all its mappings
 * (found by mount and inode number, so two opens of one 9p file, which
 * have two vnodes, share it too): the file's pages, read in on first use
 * through the file system's read and written back through its write. A
 * shared mapping maps the cache pages themselves; a private one maps them
 * read-only and copies a page on the first write (kernel/mm/vm.c). read()
 * and write() of a mapped file see the cache (kernel/fs/file.c calls the
 * filemap_after_* hooks), so mappings and file I/O agree. The cache lives
 * while a mapping holds it; its dirty pages are written back by msync,
 * munmap, fsync, close and sync.
 *
 * The calls marked "may sleep" run in thread context without vm_lock; the
 * others take only the filemap's spinlock and may run under vm_lock.
 */
#ifndef UNISHYPER_FILEMAP_H
#define UNISHYPER_FILEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct filemap;
struct vnode;

/* The cache of f's file, with a new reference (creating it), for a
 * mapping that may write to the file when shared_write. 0, -ENOMEM, or
 * the file system's error. May sleep. */
int filemap_get(struct file *f, bool shared_write, struct filemap **out);

/* One more reference (a mapping split in two). */
void filemap_ref(struct filemap *fm);

/* Drops a reference; the last writes the dirty pages back and frees the
 * cache. May sleep. */
void filemap_put(struct filemap *fm);

/* The frame holding page idx of the file, or 0 when it is not cached. */
uint64_t filemap_peek(struct filemap *fm, uint64_t idx);

/* Whether the last attempt to read a page in was for page idx and found
 * it wholly past the end of the file or failed: an access is a SIGBUS,
 * known without I/O (so without a lock the file system may hold) until a
 * write() to the file. */
bool filemap_bad(struct filemap *fm, uint64_t idx);

/* Reads page idx in: 0, or -EFAULT when it lies past the end of the file
 * or cannot be read (filemap_bad then answers true once), or -EDEADLK when
 * the calling thread holds the file's mount lock. May sleep. */
int filemap_fill(struct filemap *fm, uint64_t idx);

/* Page idx was written through a shared mapping. */
void filemap_dirty(struct filemap *fm, uint64_t idx);

/* Writes the dirty pages back (their mappings' dirty bits first), and
 * asks the file system to make them durable when sync. 0 or the first
 * error. May sleep. */
int filemap_writeback(struct filemap *fm, bool sync);

/* Hooks of kernel/fs/file.c, called after n bytes were read into buf from
 * (or written from buf to) v at pos without the mount lock held: cached
 * pages are newer than the file, so a read shows them; a write updates
 * them. Nothing to do while no file is mapped. May sleep. */
void filemap_after_read(struct vnode *v, void *buf, uint64_t pos, size_t n);
void filemap_after_write(struct vnode *v, const void *buf, uint64_t pos, size_t n);

/* Writes back the mapped pages of v's file (fsync, close): 0 or an error. */
int filemap_sync_vnode(struct vnode *v, bool sync);

/* Writes back every mapped file (sync, exit). */
int filemap_sync_all(void);

#endif

/*
 * The image's own symbol table, for backtraces.
 *
 * The second link pass of unishyper-gcc fills the .ksyms section with the
 * sorted text symbols (toolchain/mkksyms). Layout: a 64-bit count, then
 * count entries of { u64 address; u32 name offset; u32 size }, then the
 * NUL-terminated names.
 */
#ifndef UNISHYPER_KSYMS_H
#define UNISHYPER_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and the offset into it, or NULL. */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset);

/* Prints "  #n function+0xoff (address)" lines for the rbp chain. */
void ksyms_backtrace(uintptr_t rip, uintptr_t rbp);

#endif

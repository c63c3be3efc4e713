/*
 * The image's own symbol table, for backtraces.
 *
 * unishyper-gcc writes the sorted text symbols into the .ksyms section of
 * the linked image (toolchain/mkksyms). Layout: a 64-bit count, then
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

/*
 * The image in memory, as its own ELF headers say: the boot segment loads
 * the ELF and program headers at __image_start.
 */
#ifndef UNISHYPER_IMAGE_H
#define UNISHYPER_IMAGE_H

#include <stdint.h>

/* The end of the image, page-aligned: the end of its last loaded segment.
 * The linker's __image_end falls short of it, since unishyper-gcc writes
 * the symbol table into the last segment (.ksyms) after the link. */
uintptr_t image_end(void);

#endif

/*
 * hello.c - the hello program of the foundation benchmarks.
 *
 * Prints one line, takes memory from the heap both ways musl's malloc has
 * (a small block from brk, a large one from mmap), frees it, and exits 0.
 * Built three ways from this one file: unishyper-gcc (the Unishyper image),
 * musl-gcc -static (init of the Linux microVM, with linux_pid1.c), and
 * musl-gcc -static (natively on the host).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *small = malloc(64);
	char *large = malloc(1 << 20);

	if (!small || !large)
		return 1;
	strcpy(small, "hello, world");
	memset(large, 1, 1 << 20);
	puts(small);
	free(large);
	free(small);
	return 0;
}

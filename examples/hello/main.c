/*
 * hello: an ordinary C program. Prints a greeting, its arguments and its
 * environment, exercises malloc/free over many sizes, and exits with the
 * status given as its last argument when that is a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("hello from Unishyper\n");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);

	size_t total = 0;
	for (size_t size = 1; size <= (1u << 24); size *= 3) {
		char *p = malloc(size);
		if (!p) {
			fprintf(stderr, "malloc(%zu) failed\n", size);
			return 1;
		}
		memset(p, 0x5a, size);
		total += size;
		free(p);
	}
	printf("malloc/free of %zu bytes in all: ok\n", total);
	return argc > 1 ? atoi(argv[argc - 1]) : 0;
}

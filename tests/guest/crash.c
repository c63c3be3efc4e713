/*
 * A program that crashes, chosen by its argument: the runner expects a
 * report on standard error naming the fault and the function, and the
 * status of the signal a native process gets (139 SIGSEGV, 136 SIGFPE, 132
 * SIGILL). ("null", "overflow", "divide", "ud", and "thread": a NULL write
 * in a second thread while the first keeps running)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int recurse(volatile int n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	return recurse(n + 1) + pad[0];
}

__attribute__((noinline)) static void write_null(volatile int *p)
{
	*p = 42;
}

static void *thread_null(void *arg)
{
	write_null(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "null";
	volatile int zero = 0;

	printf("crashing: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "null"))
		write_null(NULL);
	else if (!strcmp(what, "overflow"))
		return recurse(0);
	else if (!strcmp(what, "divide"))
		return 10 / zero;
	else if (!strcmp(what, "ud"))
		__builtin_trap();
	else if (!strcmp(what, "thread")) {
		pthread_t t;
		pthread_create(&t, NULL, thread_null, NULL);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	return 0;
}

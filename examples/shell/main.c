/*
 * shell: the image `make run` boots, linked with the terminal
 * (unishyper-gcc -shell).
 *
 * With the shell on the console (unishyper-run --shell, as make run
 * starts it) this main does not run. With the shell on its own line
 * beside the program (unishyper-run --shell-socket PATH, then
 * unishyper-run --attach PATH) it is the program being looked into: a
 * thread writes a numbered line every second, so that its output goes on
 * while a person runs ps, ls or kill and run on that thread. An argument
 * N stops it after N lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *ticker(void *arg)
{
	long last = *(long *)arg;

	for (long i = 1; !last || i <= last; i++) {
		printf("tick %ld\n", i);
		fflush(stdout);
		sleep(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long last = argc > 1 ? atol(argv[1]) : 0;
	pthread_t t;

	if (pthread_create(&t, NULL, ticker, &last)) {
		perror("pthread_create");
		return 1;
	}
	pthread_join(t, NULL);
	return 0;
}

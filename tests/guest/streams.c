/*
 * Writes one line to standard output and one to standard error, and
 * exits with status 3: the tool tests check that each lands on its own
 * stream, with no kernel message in either. With an argument it sleeps
 * for that many seconds first (for the --timeout test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1)
		sleep((unsigned)atoi(argv[1]));
	printf("to stdout\n");
	fprintf(stderr, "to stderr\n");
	return 3;
}

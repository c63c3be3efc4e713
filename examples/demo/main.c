/*
 * The default image of `make run`: a small interactive demo of the
 * console. Reads lines, answers, and ends on "quit" or end of input.
 * (The shell over a FAT disk replaces it once files arrive.)
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

int main(void)
{
	struct utsname u;
	struct timespec ts;
	char line[256];

	uname(&u);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%s %s on %s: booted and in main after %ld.%06ld s\n", u.sysname, u.release,
	       u.machine, (long)ts.tv_sec, ts.tv_nsec / 1000);
	printf("Type a line and it comes back reversed; \"quit\" or ^D ends.\n");
	for (;;) {
		printf("> ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			break;
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "quit"))
			break;
		size_t n = strlen(line);
		for (size_t i = 0; i < n / 2; i++) {
			char c = line[i];
			line[i] = line[n - 1 - i];
			line[n - 1 - i] = c;
		}
		printf("%s\n", line);
	}
	printf("bye\n");
	return 0;
}

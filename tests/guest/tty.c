/*
 * The console as a terminal (unishyper-run under a pseudo-terminal): it
 * is a tty, answers the terminal ioctls, and edits lines (the runner types
 * "abc", a backspace, "d" and Enter, then "x" and ^D). /dev/tty is the
 * same kind of file as standard input.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"

int main(void)
{
	struct termios t;
	struct winsize ws;
	char buf[64];

	CHECK(isatty(0) && isatty(1), "standard input and output are a terminal");
	CHECK(tcgetattr(0, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO),
	      "tcgetattr: canonical mode with echo");
	CHECK(tcsetattr(0, TCSANOW, &t) == 0, "tcsetattr accepts the settings back");
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80 && ws.ws_row == 24,
	      "TIOCGWINSZ: 80 x 24");
	CHECK(ioctl(0, TCGETS, (void *)8) == -1 && errno == EFAULT, "TCGETS into a bad pointer: EFAULT");
	CHECK(ioctl(0, 0x12345678, 0) == -1 && errno == ENOTTY, "an unknown ioctl: ENOTTY");
	int tty = open("/dev/tty", O_RDWR);
	struct stat s0, st;
	CHECK(tty >= 3 && isatty(tty) && tcgetattr(tty, &t) == 0, "/dev/tty is a terminal too");
	CHECK(fstat(0, &s0) == 0 && S_ISCHR(s0.st_mode) && fstat(tty, &st) == 0 && S_ISCHR(st.st_mode) &&
		      st.st_rdev == s0.st_rdev,
	      "fstat: fd 0 and /dev/tty are the same character device");
	close(tty);
	ssize_t n = read(0, buf, sizeof(buf));
	CHECK(n == 4 && !memcmp(buf, "abd\n", 4), "a line with a backspace reads edited");
	n = read(0, buf, sizeof(buf));
	CHECK(n == 1 && buf[0] == 'x', "^D after text ends the line without a newline");
	CHECK(read(0, buf, sizeof(buf)) == 0, "^D at the start of a line is end of file");
	return tap_done();
}

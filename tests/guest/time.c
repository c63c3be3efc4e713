/*
 * Time system calls: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, and their errors. Sleep accuracy is printed, not asserted.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int64_t ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
	struct timespec t, res;
	struct timeval tv;

	int64_t a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
	CHECK(a > 0 && b >= a, "CLOCK_MONOTONIC counts up from boot (%lld ns at main)", (long long)a);
	CHECK(ns(CLOCK_BOOTTIME) >= b, "CLOCK_BOOTTIME follows it");
	int64_t real = ns(CLOCK_REALTIME);
	CHECK(real / 1000000000 > 1600000000, "CLOCK_REALTIME is a date after 2020 (%lld)",
	      (long long)(real / 1000000000));
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= real / 1000000000 &&
		      tv.tv_sec - real / 1000000000 < 5, "gettimeofday agrees with CLOCK_REALTIME");
	CHECK(time(NULL) >= real / 1000000000, "time() agrees");
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0,
	      "clock_getres gives a resolution");
	CHECK(clock_gettime(12345, &t) == -1 && errno == EINVAL, "an unknown clock: EINVAL");
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8) == -1 && errno == EFAULT,
	      "clock_gettime into an unmapped pointer: EFAULT");
	CHECK(syscall(SYS_gettimeofday, (void *)8, NULL) == -1 && errno == EFAULT,
	      "gettimeofday into an unmapped pointer: EFAULT");

	struct timespec req = { 0, 50 * 1000000 };
	int64_t t0 = ns(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep 50 ms");
	int64_t slept = ns(CLOCK_MONOTONIC) - t0;
	CHECK(slept >= 50 * 1000000, "nanosleep sleeps at least what was asked");
	printf("# slept %.3f ms for 50 ms asked\n", slept / 1e6);
	req = (struct timespec){ 0, 1000000000 };
	CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with tv_nsec = 1e9: EINVAL");
	req = (struct timespec){ -1, 0 };
	CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with a negative time: EINVAL");
	CHECK(nanosleep((void *)8, NULL) == -1 && errno == EFAULT, "nanosleep from a bad pointer: EFAULT");
	req = (struct timespec){ 0, 0 };
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep of zero");
	CHECK(usleep(1000) == 0, "usleep");
	return tap_done();
}

/*
 * Kernel time: a monotonic clock in nanoseconds counted from the first
 * instruction of the kernel (the PVH entry), the wall clock, and sleeping.
 */
#ifndef UNISHYPER_TIME_H
#define UNISHYPER_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000ull

/* Finds the TSC rate: tsc_khz from the command line (0: ask the CPU or
 * calibrate), and sets the wall clock to realtime (nanoseconds since 1970,
 * the host's as the launcher started; 0: the RTC's); start is what
 * time_ns() reads at the PVH entry (0; a host command: the host's
 * monotonic clock, so that a program sees it as natively). Returns 0 or
 * -errno. */
int time_init(uint64_t tsc_khz, uint64_t start, uint64_t realtime);

/* Sets the wall clock: CLOCK_REALTIME reads ns now. */
void time_set_realtime(uint64_t ns);

/* The monotonic clock in nanoseconds: start plus the time since the PVH
 * entry. */
uint64_t time_ns(void);

/* Nanoseconds since the PVH entry. */
uint64_t time_since_boot_ns(void);

/* Nanoseconds since 1970-01-01 UTC. */
uint64_t time_realtime_ns(void);

/* Sleeps (the calling thread) until time_ns() reaches deadline; 0, or
 * -EINTR when interruptible and a signal came first. */
int time_sleep_until(uint64_t deadline, bool interruptible);

/* Whether a timespec is one Linux takes: no negative field, tv_nsec below
 * a second. */
bool time_timespec_valid(const struct timespec *ts);

/* A valid timespec in nanoseconds; beyond 2^63 - 1 (Linux's KTIME_MAX)
 * it saturates there, so that a deadline of now plus it never wraps. */
uint64_t time_timespec_ns(const struct timespec *ts);

/* Nanoseconds as a timespec. */
struct timespec time_ns_timespec(uint64_t ns);

/* The monotonic time span ns from now, saturating (a deadline). */
uint64_t time_after(uint64_t span);

/* A timespec from the program at uts, in nanoseconds (*ns): 0, -EFAULT, or
 * -EINVAL when it is not valid. */
long time_get_timespec(const struct timespec *uts, uint64_t *ns);

/* The TSC rate in kHz. */
uint64_t time_tsc_khz(void);

/* Architecture parts: starts measuring the TSC rate (first thing at boot),
 * the TSC rate (0 when it cannot be found) and the real-time clock in
 * seconds since the epoch (-1 when absent). */
void arch_clock_start(void);
uint64_t arch_tsc_khz(void);
int64_t arch_rtc_seconds(void);

#endif

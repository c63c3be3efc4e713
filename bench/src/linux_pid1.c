/*
 * linux_pid1.c - linked into the Linux-guest builds only (never into the
 * Unishyper or native ones): a program started as the guest's init
 * (rdinit=/prog) powers the VM off when it exits, so that QEMU exits like
 * it does for the other guests.  Without it, init's exit panics the kernel.
 * The handler runs from exit(), before musl flushes stdio, so it flushes
 * first and waits for the console to drain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

static void linux_pid1_poweroff(void)
{
	fflush(NULL);
	tcdrain(1);
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT); /* QEMU runs with -no-reboot: a reset ends it too */
}

__attribute__((constructor)) static void linux_pid1_init(void)
{
	if (getpid() == 1)
		atexit(linux_pid1_poweroff);
}

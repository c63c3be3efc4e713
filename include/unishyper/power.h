/*
 * Ending the machine with an exit status.
 */
#ifndef UNISHYPER_POWER_H
#define UNISHYPER_POWER_H

/* The status of a machine that ended in a kernel panic. */
#define POWER_PANIC_STATUS 134

/*
 * Logs "unishyper: exit status N" and makes QEMU exit through the
 * isa-debug-exit device (QEMU's own status is 2N+1). Without the device the
 * CPU halts for good.
 */
_Noreturn void power_off(int status);

/*
 * Logs "unishyper: reboot" and resets the machine. unishyper-run starts
 * QEMU with -no-reboot, so QEMU ends there, and the launcher, finding that
 * line last in the log, boots the image again.
 */
_Noreturn void power_reboot(void);

#endif

/*
 * getrandom(2) from the kernel generator. It is seeded before the program
 * starts, so the call never blocks.
 */
#include <errno.h>
#include <sys/random.h>

#include <unishyper/random.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>

#define GETRANDOM_MAX 33554431 /* Linux returns at most this per call */

SYSCALL_DEFINE3(getrandom, void *, buf, size_t, len, unsigned, flags)
{
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | 0x4u /* GRND_INSECURE */))
		return -EINVAL;
	if (len > GETRANDOM_MAX)
		len = GETRANDOM_MAX;
	if (!uaccess_ok(buf, len))
		return -EFAULT;
	return random_to_user(buf, len);
}

/*
 * Kernel randomness: a ChaCha20 generator seeded at boot from RDRAND where
 * the CPU has it, the seed= option (unishyper-run passes host entropy) and
 * the TSC. Feeds getrandom(), /dev/urandom and AT_RANDOM.
 */
#ifndef UNISHYPER_RANDOM_H
#define UNISHYPER_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* seed: bytes from the command line (may be NULL). */
void random_init(const uint8_t *seed, size_t len);

void random_bytes(void *buf, size_t n);

/* A keyed pseudo-random function: the ChaCha20 block of key k over in
 * (its counter and nonce words), for values an outsider must not predict
 * from others (TCP's initial sequence numbers, kernel/net/isn.c). */
void random_keyed_block(const uint32_t k[8], const uint32_t in[4], uint32_t out[16]);

/* random_bytes() into a program's buffer: n, the bytes written before a
 * page that cannot be written, or -EFAULT when none could be. */
long random_to_user(void *buf, size_t n);

#endif

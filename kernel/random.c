/*
 * ChaCha20-based random bytes (see random.h). The key is the 256-bit seed
 * pool; each request takes a copy of the key and a counter range of its
 * own, and rekeys the generator before using them, so earlier output
 * cannot be recomputed from the state and requests on several CPUs never
 * share a keystream.
 */
#include <errno.h>
#include <string.h>

#include <arch/cpu.h>
#include <unishyper/random.h>
#include <unishyper/uaccess.h>
#include <unishyper/spinlock.h>

static uint32_t key[8];
static uint64_t counter;
static spinlock_t random_lock = SPINLOCK_INIT; /* key and counter */

#define ROTL(v, n) ((v) << (n) | (v) >> (32 - (n)))
#define QR(a, b, c, d)                                                         \
	do {                                                                   \
		a += b, d ^= a, d = ROTL(d, 16);                               \
		c += d, b ^= c, b = ROTL(b, 12);                               \
		a += b, d ^= a, d = ROTL(d, 8);                                \
		c += d, b ^= c, b = ROTL(b, 7);                                \
	} while (0)

void random_keyed_block(const uint32_t k[8], const uint32_t in[4], uint32_t out[16])
{
	uint32_t s[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 }, x[16];

	memcpy(s + 4, k, 32);
	memcpy(s + 12, in, 16);
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + s[i];
}

static void chacha_block_with(const uint32_t k[8], uint64_t ctr, uint32_t out[16])
{
	const uint32_t in[4] = { (uint32_t)ctr, (uint32_t)(ctr >> 32), 0, 0 };

	random_keyed_block(k, in, out);
}

static void chacha_block(uint32_t out[16])
{
	chacha_block_with(key, counter++, out);
}

static void mix(const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++)
		((uint8_t *)key)[i % sizeof(key)] ^= p[i];
	uint32_t b[16];
	chacha_block(b);
	memcpy(key, b, sizeof(key));
}

static int rdrand64(uint64_t *v)
{
	unsigned char ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

void random_init(const uint8_t *seed, size_t len)
{
	uint64_t t = rdtsc();

	mix(&t, sizeof(t));
	if (seed && len)
		mix(seed, len);
	if (cpu_has.rdrand) {
		uint64_t r[4];
		int got = 0;
		for (int tries = 0; tries < 40 && got < 4; tries++)
			got += rdrand64(&r[got]);
		mix(r, got * sizeof(r[0]));
	}
}

/* Fills buf from a copy of the generator state, so the lock is held only
 * to take the copy and to rekey; buf may be program memory that faults. */
void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	uint32_t b[16], k[8];
	uint64_t t = rdtsc(), ctr;

	unsigned long flags = spin_lock_irqsave(&random_lock);
	mix(&t, sizeof(t));
	memcpy(k, key, sizeof(k));
	ctr = counter;
	counter += 1ull << 40; /* this request's private counter range */
	chacha_block(b);
	memcpy(key, b, sizeof(key));
	spin_unlock_irqrestore(&random_lock, flags);
	while (n) {
		size_t m = n < sizeof(b) ? n : sizeof(b);
		chacha_block_with(k, ctr++, b);
		memcpy(p, b, m);
		p += m;
		n -= m;
	}
}

long random_to_user(void *buf, size_t n)
{
	uint8_t k[256];

	for (size_t done = 0; done < n; done += sizeof(k)) {
		size_t len = n - done < sizeof(k) ? n - done : sizeof(k);
		random_bytes(k, len);
		if (uaccess_copy((uint8_t *)buf + done, k, len))
			return done ? (long)done : -EFAULT;
	}
	return (long)n;
}

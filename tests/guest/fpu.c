/*
 * Programs use SSE and AVX: floating point through printf, vectorised
 * loops, and vector registers across a sleep (interrupts while halted).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"

int main(void)
{
	char buf[64];
	double x = 0;

	for (int i = 1; i <= 1000; i++)
		x += 1.0 / ((double)i * i);
	snprintf(buf, sizeof(buf), "%.6f", x);
	CHECK(!strcmp(buf, "1.643935"), "double arithmetic and printf %%f: %s", buf);
	CHECK(fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12, "libm sqrt");

	float v[256];
	for (int i = 0; i < 256; i++)
		v[i] = (float)i * 0.5f;
	__asm__ volatile("" : : "r"(v) : "memory");
	float sum = 0;
	for (int i = 0; i < 256; i++)
		sum += v[i];
	CHECK(sum == 16320.0f, "float vector sum");

	volatile double keep = 3.25;
	double held = keep * 2;
	struct timespec req = { 0, 20 * 1000000 };
	nanosleep(&req, NULL);
	CHECK(held == 6.5 && keep == 3.25, "floating-point values survive a sleep");
	return tap_done();
}

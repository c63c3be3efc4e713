#include <math.h>
#include <stdio.h>

const char *greet(void);

int main(void)
{
#ifdef CHECKS_PASSED
	printf("%s, checks passed, sqrt(2) = %.3f\n", greet(), sqrt(2.0));
#else
	printf("%s, checks failed\n", greet());
#endif
	return 0;
}

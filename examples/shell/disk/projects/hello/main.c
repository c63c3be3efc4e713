#include <stdio.h>

int main(void)
{
	printf("hello from Unishyper\n");
	return 0;
}

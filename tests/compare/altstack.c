/*
 * SA_ONSTACK for a signal a system call delivers (raise, kill) as for a
 * fault's: the handler runs on the alternate stack and sigaltstack says
 * SS_ONSTACK there; without SA_ONSTACK it runs on the program's stack.
 * The image must print what the native program prints
 * (tests/integration/compare.sh).
 */
#include <signal.h>
#include <stdio.h>

static char alt[1 << 20];

static void handler(int sig)
{
	char here;
	stack_t now;

	sigaltstack(NULL, &now);
	printf("signal %d: %s the alternate stack, SS_ONSTACK %d\n", sig,
	       &here >= alt && &here < alt + sizeof(alt) ? "on" : "not on",
	       !!(now.ss_flags & SS_ONSTACK));
}

int main(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction on = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
	struct sigaction off = { .sa_handler = handler };

	sigaltstack(&ss, NULL);
	sigaction(SIGSEGV, &on, NULL);
	sigaction(SIGUSR1, &on, NULL);
	sigaction(SIGUSR2, &off, NULL);
	raise(SIGSEGV);
	raise(SIGUSR1);
	raise(SIGUSR2);
	return 0;
}

/*
 * lwIP's threads (the tcpip thread): kernel service threads.
 */
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>

#include "lwip/sys.h"

struct start {
	lwip_thread_fn fn;
	void *arg;
};

static void thread_main(void *p)
{
	struct start s = *(struct start *)p;

	kfree(p);
	s.fn(s.arg);
	panic("net: an lwIP thread returned");
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct start *s = kmalloc(sizeof(*s));
	struct thread *t;

	(void)prio;
	if (!s)
		panic("net: no memory for thread %s", name);
	*s = (struct start){ fn, arg };
	t = sched_spawn(name, thread_main, s, stacksize > 0 ? (size_t)stacksize : 65536);
	if (!t)
		panic("net: no memory for thread %s", name);
	return t;
}

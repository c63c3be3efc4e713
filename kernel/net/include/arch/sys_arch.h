/*
 * lwIP's operating-system layer on Unishyper's kernel primitives: the
 * types lwIP's sys.h names. Each primitive is implemented in its own file
 * of kernel/net/ (sys_thread.c, sys_mutex.c, sys_sem.c, sys_mbox.c,
 * sys_time.c).
 */
#ifndef UNISHYPER_LWIP_SYS_ARCH_H
#define UNISHYPER_LWIP_SYS_ARCH_H

struct mutex;
struct semaphore;
struct sys_mbox;
struct thread;

/* Pointers to kernel objects; NULL is "invalid", as lwIP asks. */
typedef struct semaphore *sys_sem_t;
typedef struct mutex *sys_mutex_t;
typedef struct sys_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;

/* SYS_ARCH_PROTECT: interrupts off on this CPU and one kernel-wide
 * spinlock, nestable by the CPU that holds it (sys_mutex.c). */
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s) (*(s) != NULL)
#define sys_sem_set_invalid(s) (*(s) = NULL)
#define sys_mutex_valid(m) (*(m) != NULL)
#define sys_mutex_set_invalid(m) (*(m) = NULL)
#define sys_mbox_valid(m) (*(m) != NULL)
#define sys_mbox_set_invalid(m) (*(m) = NULL)

#endif

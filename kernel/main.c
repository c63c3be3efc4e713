/*
 * kernel_main: brings the kernel up in a fixed order and starts the
 * program.
 *
 * Order matters: the boot CPU's tables first, so that anything can fault
 * with a report, and the console; the boot block is read before its
 * memory is handed to the page allocator; the final page tables need the
 * allocator; the timer needs the TSC rate; the scheduler makes this code
 * the program's first thread; the other CPUs start last, then the program.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <unishyper/blockdev.h>
#include <unishyper/boot.h>
#include <unishyper/cmdline.h>
#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/futex.h>
#include <unishyper/hostline.h>
#include <unishyper/image.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/power.h>
#include <unishyper/process.h>
#include <unishyper/p9.h>
#include <unishyper/net.h>
#include <unishyper/printk.h>
#include <unishyper/program.h>
#include <unishyper/random.h>
#include <unishyper/sched.h>
#include <unishyper/shell.h>
#include <unishyper/time.h>
#include <unishyper/vfs.h>
#include <unishyper/virtio.h>
#include <unishyper/vm.h>

#define CMDLINE_WORDS 4096
#define BAD_CMDLINE_STATUS 2
#define BAD_DISK_STATUS 2
#define NO_MEMORY_STATUS 125
/* Free memory below which the kernel cannot bring itself up: page tables,
 * the heap's first pages, the first thread's stack, the buffers the
 * virtio console and disks keep posted, the file tree (about 1 MiB in
 * all). toolchain/bin/unishyper-run checks images against the same. */
#define MIN_FREE_PAGES 384

extern char __ist_stack_top[];

static char *cmdline_words[CMDLINE_WORDS];
static struct cpu boot_cpu;

void pmem_bug(const char *msg)
{
	panic("pmem: %s", msg);
}

void kmalloc_bug(const char *msg)
{
	panic("kmalloc: %s", msg);
}

static void *heap_pages(size_t n)
{
	uint64_t phys = pmem_alloc(n);

	return phys ? phys_to_virt(phys) : NULL;
}

static void heap_free(void *p, size_t n)
{
	pmem_free(virt_to_phys(p), n);
}

/* Stops the boot: the machine's memory holds the image but no room to run. */
static void too_little_memory(uint64_t ram_end, uint64_t image_end)
{
	char msg[160];
	uint64_t need = (PAGE_ROUND_UP(image_end) + MIN_FREE_PAGES * PAGE_SIZE + (1 << 20) - 1) >> 20;
	int n = ksnprintf(msg, sizeof(msg),
			  "unishyper: not enough memory: %lu KiB, this image needs at least %lu MiB\n",
			  ram_end >> 10, need);

	console_write(2, msg, (size_t)n);
	power_off(NO_MEMORY_STATUS);
}

/* Hands RAM to the page allocator, keeping the image and low memory. */
static void memory_init(void)
{
	uint64_t ram_end = 0, img_end = virt_to_phys((void *)image_end());

	for (int i = 0; i < boot_info.nmem; i++) {
		struct boot_mem *m = &boot_info.mem[i];
		if (m->type == BOOT_MEM_RAM && m->base + m->len > ram_end)
			ram_end = m->base + m->len;
	}
	uint64_t npages = ram_end / PAGE_SIZE;
	uint64_t bitmap_bytes = pmem_bitmap_words(npages) * 8;
	uint64_t bitmap = PAGE_ROUND_UP(img_end);

	/* The bitmap goes right after the image, inside the first GiB that
	 * the boot tables map; QEMU's RAM there is contiguous. */
	if (bitmap + bitmap_bytes > (1ul << 30))
		panic("memory: no room for the page bitmap");
	if (bitmap + bitmap_bytes > ram_end)
		too_little_memory(ram_end, img_end);
	pmem_init(phys_to_virt(bitmap), 0, npages);
	for (int i = 0; i < boot_info.nmem; i++)
		if (boot_info.mem[i].type == BOOT_MEM_RAM)
			pmem_add(boot_info.mem[i].base, boot_info.mem[i].len);
	pmem_reserve(0, 1ul << 20);
	pmem_reserve(1ul << 20, img_end - (1ul << 20));
	pmem_reserve(bitmap, bitmap_bytes);
	if (pmem_free_pages() < MIN_FREE_PAGES)
		too_little_memory(ram_end, img_end);
	kmalloc_init(heap_pages, heap_free);
}

/* Stops the boot when what it sets up does not fit the machine's memory:
 * the same status as an image too large for it. */
static void no_memory_for(const char *what)
{
	char msg[160];
	int n = ksnprintf(msg, sizeof(msg), "unishyper: not enough memory to %s: give the machine more (--mem)\n",
			  what);

	console_write(2, msg, (size_t)n);
	power_off(NO_MEMORY_STATUS);
}

/* Stops the boot with a message about the file tree. */
static void bad_tree(const char *what, const char *name, const char *problem, int err)
{
	char msg[200];
	int n = ksnprintf(msg, sizeof(msg), "unishyper: %s %s: %s (error %d); see the kernel log\n",
			  what, name, problem, err);

	console_write(2, msg, (size_t)n);
	power_off(BAD_DISK_STATUS);
}

/* Whether the first share of unishyper.shares= goes at /: the root. */
static bool share_is_root(const char *list)
{
	return list && list[0] == '/' && (!list[1] || list[1] == ',' || !strncmp(list + 1, ":ro", 3));
}

/*
 * Mounts the host shares of unishyper.shares=PATH[:ro],... : the n-th entry is the
 * virtio-9p device with mount tag share<n>; only the first may be "/", and
 * it is mounted as the root before everything else; "-" leaves the share
 * unmounted (the shell's mount command mounts it). On a ramfs root the
 * mount points are made as directories, so that listings show them.
 */
static void shares_init(const char *list, bool ramfs_root, bool root)
{
	char buf[VFS_PATH_MAX], tag[16];

	for (int i = 0; *list; i++) {
		size_t len = strcspn(list, ",");
		if (len >= sizeof(buf))
			bad_tree("share", "path", "too long", -ENAMETOOLONG);
		memcpy(buf, list, len);
		buf[len] = 0;
		list += len + (list[len] == ',');
		bool ro = len > 3 && !strcmp(buf + len - 3, ":ro");
		if (ro)
			buf[len - 3] = 0;
		ksnprintf(tag, sizeof(tag), "share%d", i);
		struct p9_chan *c = p9_chan_find(tag);
		if (!strcmp(buf, "-"))
			continue;
		if (buf[0] != '/' || (!buf[1] && i))
			bad_tree("share at", buf, "not an absolute path (/ only for the first)", -EINVAL);
		if (!c)
			bad_tree("share at", buf, "no virtio-9p device with its tag", -ENODEV);
		if (!buf[1] != root)
			continue; /* the root is mounted first, the others after it */
		for (char *p = buf + 1; ramfs_root && (p = strchr(p, '/')); p++) {
			*p = 0;
			vfs_mkdir(buf, 0755);
			*p = '/';
		}
		if (ramfs_root)
			vfs_mkdir(buf, 0755);
		int r = vfs_mount(buf, &p9_fs_type, c, ro);
		if (r)
			bad_tree("share at", buf, "the host folder cannot be attached", r);
	}
}

/* The file tree: the first disk (FAT), a host share or a ramfs as the
 * root, further disks at /mnt/<name>, a ramfs at /tmp (unless the root is
 * a share: the host's /tmp is the program's then), the devices at /dev, a
 * ramfs at /dev/shm (and empty /proc/self and /proc/thread-self over a
 * share root) and the other host shares. A disk that holds no
 * usable FAT file system stops the boot with a message, as does a share
 * that cannot be mounted. */
static void fs_init(bool mount_disks, const char *shares)
{
	bool share_root = share_is_root(shares);
	struct blockdev *d;
	char at[32];

	if (share_root)
		shares_init(shares, false, true);
	for (int i = 0; mount_disks && (d = blockdev_get(i)); i++) {
		if (i == 0 && !share_root)
			strcpy(at, "/");
		else
			ksnprintf(at, sizeof(at), "/mnt/%s", d->name);
		int r = vfs_mount(at, &fat_fs_type, d, d->readonly);
		if (r == -ENOMEM)
			no_memory_for("mount the disk");
		if (r)
			bad_tree("disk", d->name, "no usable FAT file system", r);
	}
	bool ramfs_root = !share_root && (!mount_disks || !blockdev_get(0));
	int r = 0;
	if (ramfs_root) {
		if ((r = vfs_mount("/", &ramfs_fs_type, NULL, false)) == 0) {
			vfs_mkdir("/tmp", 01777);
			vfs_mkdir("/dev", 0755);
		}
	}
	if (!r && !share_root)
		r = vfs_mount("/tmp", &ramfs_fs_type, NULL, false);
	if (!r)
		r = vfs_mount("/dev", &devfs_fs_type, NULL, false);
	/* POSIX shared memory and named semaphores live in files there. */
	if (!r)
		r = vfs_mount("/dev/shm", &ramfs_fs_type, NULL, false);
	/* A share of the host's / shows the host's /proc, whose self and
	 * thread-self are QEMU's: empty folders hide them, so that a program
	 * reading its own /proc/self/maps finds none (as where /proc is not
	 * mounted) rather than QEMU's. */
	if (!r && share_root)
		r = vfs_mount("/proc/self", &ramfs_fs_type, NULL, true);
	if (!r && share_root)
		r = vfs_mount("/proc/thread-self", &ramfs_fs_type, NULL, true);
	if (r == -ENOMEM)
		no_memory_for("set up the file tree");
	if (r)
		panic("vfs: cannot mount the root, /tmp and /dev (error %d)", r);
	if (shares)
		shares_init(shares, ramfs_root, false);
}

static void bad_cmdline(const char *what)
{
	static const char prefix[] = "unishyper: bad kernel command line: ";

	console_write(2, prefix, sizeof(prefix) - 1);
	console_write(2, what, strlen(what));
	console_write(2, "\n", 1);
	power_off(BAD_CMDLINE_STATUS);
}

void kernel_main(uint64_t start_info, uint64_t tsc0)
{
	struct cmdline cl;
	uint64_t tsc_khz = 0, mono_start = 0, realtime = 0;
	uint8_t seed[32];
	int have_seed = 0;

	boot_info.tsc0 = tsc0;
	arch_clock_start();
	boot_cpu.arch.ist_top = (uintptr_t)__ist_stack_top;
	sched_cpu_setup(&boot_cpu);
	arch_cpu_init(&boot_cpu);
	console_early_init();
	boot_parse(start_info);
	memory_init();
	mmu_init();
	vm_init();

	if (boot_info.cmdline_truncated)
		bad_cmdline("longer than 64 KiB");
	if (cmdline_parse(boot_info.cmdline, cmdline_words, CMDLINE_WORDS, &cl))
		bad_cmdline(cl.error);
	if (console_set_mode(cl.opt[CMDLINE_CONSOLE]))
		bad_cmdline("unishyper.console= takes tty or pipe");
	const char *files[3] = { cl.opt[CMDLINE_STDIN] };
	for (int fd = 1; fd < 3; fd++) {
		const char *end = cl.opt[fd == 1 ? CMDLINE_STDOUT : CMDLINE_STDERR];
		if (end && (!strncmp(end, "file:", 5) || !strcmp(end, "stdin") ||
			    (fd == 2 && !strcmp(end, "stdout"))))
			files[fd] = end, end = "pipe";
		if (console_set_output(fd, end))
			bad_cmdline("unishyper.stdout= and unishyper.stderr= take tty, pipe, full, "
				    "file:OFFSET:MODE:PATH or an earlier stream");
	}
	if (console_set_winsize(cl.opt[CMDLINE_WINSIZE]))
		bad_cmdline("unishyper.winsize= takes COLSxROWS");
	if (cl.opt[CMDLINE_UMASK]) {
		const char *m = cl.opt[CMDLINE_UMASK];
		unsigned mask = 0;
		if (!*m || strspn(m, "01234567") != strlen(m) || strlen(m) > 4)
			bad_cmdline("unishyper.umask= takes an octal mask");
		for (; *m; m++)
			mask = mask * 8 + (unsigned)(*m - '0');
		program_set_umask(mask);
	}
	if (cl.opt[CMDLINE_LOGLEVEL]) {
		uint64_t level;
		if (cmdline_u64(cl.opt[CMDLINE_LOGLEVEL], &level) || level > 2)
			bad_cmdline("unishyper.loglevel= takes 0, 1 or 2");
		printk_level = (int)level;
	}
	const char *shell = cl.opt[CMDLINE_SHELL];
	if (shell && strcmp(shell, "console") && strcmp(shell, "port"))
		bad_cmdline("unishyper.shell= takes console or port");
	if (shell && !shell_console)
		bad_cmdline("unishyper.shell=: this image has no shell "
			    "(link it with unishyper-gcc -shell)");
	if (cl.opt[CMDLINE_TSC_KHZ] && cmdline_u64(cl.opt[CMDLINE_TSC_KHZ], &tsc_khz))
		bad_cmdline("unishyper.tsc_khz= takes a number");
	if (cl.opt[CMDLINE_MONOTONIC] && cmdline_u64(cl.opt[CMDLINE_MONOTONIC], &mono_start))
		bad_cmdline("unishyper.monotonic= takes a number of nanoseconds");
	if (cl.opt[CMDLINE_PID]) {
		uint64_t pid;
		if (cmdline_u64(cl.opt[CMDLINE_PID], &pid) || !pid || pid > PROCESS_PID_MAX)
			bad_cmdline("unishyper.pid= takes a process id (1 to 4194304)");
		process_pid = process_pgid = (int)pid;
	}
	if (cl.opt[CMDLINE_SEED]) {
		if (cmdline_hex_bytes(cl.opt[CMDLINE_SEED], seed, sizeof(seed)))
			bad_cmdline("unishyper.seed= takes 64 hex digits");
		have_seed = 1;
	}
	if (cl.opt[CMDLINE_REALTIME] && cmdline_u64(cl.opt[CMDLINE_REALTIME], &realtime))
		bad_cmdline("unishyper.realtime= takes a number of nanoseconds");
	if (time_init(tsc_khz, mono_start, realtime))
		panic("time: cannot find the TSC rate (no PIT); pass unishyper.tsc_khz=");
	random_init(have_seed ? seed : NULL, have_seed ? sizeof(seed) : 0);
	apic_init();
	boot_cpu.apic_id = apic_id();
	futex_init();
	sched_init(process_pid);
	console_init_irq();
	fd_init_console();
	apic_timer_calibrate();
	irq_enable();
	smp_init();
	const char *net_err = net_init(&cl);
	if (net_err)
		bad_cmdline(net_err);
	/* Devices (takes QEMU's virtio_mmio.device= words out of argv). */
	virtio_init(&cl);
	const char *mount = cl.opt[CMDLINE_MOUNT];
	if (mount && strcmp(mount, "auto") && strcmp(mount, "none"))
		bad_cmdline("unishyper.mount= takes auto or none");
	fs_init(!mount || !strcmp(mount, "auto"), cl.opt[CMDLINE_SHARES]);
	const char *cwd = cl.opt[CMDLINE_CWD];
	int cwd_err = cwd ? vfs_chdir(cwd) : 0;
	if (cwd_err)
		bad_tree("working directory", cwd, "not a folder of the file tree", cwd_err);
	int stream, stream_err = streams_open(files, &stream);
	if (stream_err == -EINVAL)
		bad_cmdline("unishyper.stdin=, stdout= and stderr= take file:OFFSET:MODE:PATH");
	if (stream_err)
		bad_tree(stream == 0 ? "standard input" : stream == 1 ? "standard output" :
			 "standard error", files[stream], "cannot be opened", stream_err);

	if (printk_level > 1)
		printk("unishyper: %lu MiB free, TSC %lu kHz, started in %lu us\n",
		       pmem_free_pages() / 256, time_tsc_khz(), time_since_boot_ns() / 1000);
	if (!cl.argc) {
		static char *default_argv[] = { "main", NULL };
		cl.argc = 1;
		cl.argv = default_argv;
	}
	net_wait_configured();
	net_publish();
	if (shell && !strcmp(shell, "console"))
		shell_console(cl.envp);
	int shell_err = shell ? shell_port_start(cl.envp) : 0;
	if (shell_err == -ENOMEM)
		no_memory_for("start the shell");
	if (shell_err)
		bad_tree("shell", "port", "missing: the machine has no virtio-console port named "
			 "shell", shell_err);
	hostline_start();
	program_start(cl.argc, cl.argv, cl.envc, cl.envp);
}

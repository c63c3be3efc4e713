# Unishyper: the one entry point.
#
#   make run     install what is missing, build, boot the shell over a FAT disk
#   make test    everything in tests/, ending with "N passed, N failed"
#   make bench   side-by-side benchmarks into docs/benchmarks.md
#   make soak    memory that must stay flat over SOAK_MINUTES (10) minutes, also
#                under network load (SOAK=mem,sysfuzz,net picks parts)
#   make deps    install the Debian packages and fetch the Debian sources
#   make port NAME=nginx   build one port (ports/NAME/build.sh) into build/ports/NAME
#   make port-check NAME=zlib  its checks and test suite (ports/NAME/test.sh)
#   make ports-check       the whole catalogue (PORTS="..." for some); docs/ports.md's table
#
# Build outputs go to build/. The kernel is one relocatable object
# (build/unishyper.o) that unishyper-gcc links into every image.

SHELL := /bin/bash
.DEFAULT_GOAL := all

MUSL_SRC := build/deps/src/musl-1.2.3-1
SYSROOT := build/sysroot
GEN := build/gen
KOBJ := build/kernel
KERNEL := build/unishyper.o
KERNEL_SHELL := build/unishyper-shell.o
MISSING := build/libunishyper-missing.a
SPECS := build/toolchain/unishyper.specs
SYSGCC := $(SYSROOT)/lib/gcc/version
TOOLBIN := build/toolchain/bin/.stamp
UCC := toolchain/bin/unishyper-gcc
URUN := toolchain/bin/unishyper-run

ARCH_DIR := kernel/arch/x86_64
KERNEL_C := $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/fs/*.c kernel/fs/fat/*.c kernel/fs/9p/*.c \
	kernel/net/*.c $(ARCH_DIR)/*.c drivers/*.c drivers/virtio/*.c posix/*.c)

# The terminal (kernel/shell/): only in images linked with unishyper-gcc
# -shell, which links KERNEL_SHELL (the kernel with it) instead.
SHELL_C := $(wildcard kernel/shell/*.c)
SHELL_OBJS := $(patsubst %.c,$(KOBJ)/%.o,$(SHELL_C))

# lwIP, from Debian's source package: the core with IPv4, IPv6, TCP, UDP,
# DHCP and Ethernet, and the tcpip thread (no sequential or socket API of
# its own; kernel/net/ is the socket layer and the OS port).
LWIP_SRC := build/deps/src/lwip-2.1.3+dfsg1-2
LWIP_FILES := core/init core/def core/dns core/inet_chksum core/ip core/mem core/memp core/netif core/pbuf \
	core/stats core/sys core/tcp core/tcp_in core/tcp_out core/timeouts core/udp \
	core/ipv4/dhcp core/ipv4/etharp core/ipv4/icmp core/ipv4/ip4_frag core/ipv4/ip4 core/ipv4/ip4_addr \
	core/ipv6/ethip6 core/ipv6/icmp6 core/ipv6/inet6 core/ipv6/ip6 core/ipv6/ip6_addr \
	core/ipv6/ip6_frag core/ipv6/mld6 core/ipv6/nd6 api/err api/tcpip netif/ethernet
LWIP_OBJS := $(patsubst %,$(KOBJ)/lwip/%.o,$(LWIP_FILES))
# Debian's tree stays pristine: the build compiles a copy with the
# project's patches (kernel/net/patches/, each saying why) applied.
LWIP_TREE := build/lwip-src
LWIP_PATCHES := $(sort $(wildcard kernel/net/patches/*.patch))
KERNEL_S := $(wildcard $(ARCH_DIR)/*.S)
KERNEL_OBJS := $(patsubst %.c,$(KOBJ)/%.o,$(KERNEL_C)) $(patsubst %.S,$(KOBJ)/%.o,$(KERNEL_S)) \
	$(KOBJ)/syscall_table.o $(LWIP_OBJS)

# Kernel code uses no vector registers (interrupt handlers must not clobber
# the program's) and keeps frame pointers for backtraces.
KCFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror \
	-ffreestanding -fno-stack-protector -fno-pie -fno-omit-frame-pointer \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -fvisibility=hidden \
	-nostdinc -isystem $(SYSROOT)/include -isystem $(shell gcc -print-file-name=include) \
	-Iinclude -I$(ARCH_DIR)/include -I$(GEN) -Ikernel/net/include -I$(LWIP_TREE)/include -MMD -MP

# The network examples, also built natively for the host: the network
# tests run the same client side against both.
NET_EXAMPLES := build/examples/echo.img build/examples/httpd.img build/examples/native/echo \
	build/examples/native/httpd

.PHONY: all deps run test soak bench clean distclean docs format compile_commands.json port port-check ports-check

all: $(KERNEL) $(MISSING) $(SPECS) $(SYSGCC) $(TOOLBIN) build/toolchain/ktest.specs build/examples/hello.img \
	build/examples/shell.img build/examples/shell-disk.img build/toolchain/unishyper-supervise \
	$(NET_EXAMPLES)

deps:
	@toolchain/deps.sh

$(MUSL_SRC)/.fetched:
	@toolchain/deps.sh

$(GEN)/.stamp: posix/syscalls.list posix/gen-syscalls.py
	python3 posix/gen-syscalls.py posix/syscalls.list $(GEN) docs/syscalls.md
	@touch $@

docs: $(GEN)/.stamp

# The generator also checks every handler against its SYSCALL_DEFINEn; run
# it again whenever a system-call file changes, without touching $(GEN)
# (which would rebuild musl).
build/syscalls-checked: posix/syscalls.list posix/gen-syscalls.py $(wildcard posix/*.c)
	python3 posix/gen-syscalls.py posix/syscalls.list build/gen-check
	@touch $@

$(SYSROOT)/.stamp: $(MUSL_SRC)/.fetched $(GEN)/.stamp $(shell find toolchain/musl -type f)
	toolchain/musl/build.sh $(MUSL_SRC) $(GEN) $(SYSROOT)

# gcc's runtime and headers inside the sysroot (toolchain/sysroot.sh).
$(SYSGCC): $(SYSROOT)/.stamp toolchain/sysroot.sh
	toolchain/sysroot.sh $(SYSROOT)

# The binary tools that unishyper-gcc -print-prog-name names: the host's,
# which read and write the same x86_64 ELF objects.
$(TOOLBIN):
	@mkdir -p $(@D)
	@for t in ld as ar ranlib nm objcopy objdump strip readelf; do \
		ln -sf "$$(command -v $$t)" $(@D)/$$t || exit 1; done
	@touch $@

# An image run as a host command looks for the launcher of this tree first.
$(KOBJ)/$(ARCH_DIR)/host.o: KCFLAGS += -DUNISHYPER_RUN_PATH='"$(CURDIR)/toolchain/bin/unishyper-run"'

$(KOBJ)/%.o: %.c $(SYSROOT)/.stamp
	@mkdir -p $(@D)
	@echo "  CC  $<"; gcc $(KCFLAGS) -c -o $@ $<

$(LWIP_SRC)/.fetched:
	@toolchain/deps.sh

$(LWIP_TREE)/.patched: $(LWIP_SRC)/.fetched $(LWIP_PATCHES)
	@rm -rf $(LWIP_TREE) && cp -r $(LWIP_SRC)/src $(LWIP_TREE)
	@for p in $(LWIP_PATCHES); do patch -s -d $(LWIP_TREE) -p1 <$$p || exit 1; done
	@touch $@

# The copy's sources come with it (the objects' dependency files name them).
$(LWIP_TREE)/%.c: $(LWIP_TREE)/.patched ;

# lwIP is not ours: compiled as the kernel is, without its warnings policy.
$(LWIP_OBJS): $(KOBJ)/lwip/%.o: $(LWIP_TREE)/.patched $(SYSROOT)/.stamp
	@mkdir -p $(@D)
	@echo "  CC  lwip/$*.c"; gcc $(filter-out -Werror -Wextra,$(KCFLAGS)) -c -o $@ $(LWIP_TREE)/$*.c

# The kernel's network files see lwIP's headers only once they are there.
$(patsubst %.c,$(KOBJ)/%.o,$(wildcard kernel/net/*.c) drivers/virtio/net.c kernel/main.c posix/process.c): \
	$(LWIP_TREE)/.patched

$(KOBJ)/%.o: %.S
	@mkdir -p $(@D)
	gcc -Iinclude -I$(ARCH_DIR)/include -c -o $@ $<

$(KOBJ)/syscall_table.o: $(GEN)/.stamp $(SYSROOT)/.stamp
	@mkdir -p $(@D)
	gcc $(KCFLAGS) -c -o $@ $(GEN)/syscall_table.c

# One object; every symbol not marked KERNEL_API becomes local to it. The
# -full object keeps them, for kernel tests (tests/kernel/) only.
$(KERNEL): $(KERNEL_OBJS) toolchain/kernel.ld build/syscalls-checked
	ld -r -T toolchain/kernel.ld -o build/unishyper-full.o $(KERNEL_OBJS)
	objcopy --localize-hidden build/unishyper-full.o $@

# The kernel with the shell, made the same way.
$(KERNEL_SHELL): $(KERNEL_OBJS) $(SHELL_OBJS) toolchain/kernel.ld build/syscalls-checked
	ld -r -T toolchain/kernel.ld -o build/unishyper-shell-full.o $(KERNEL_OBJS) $(SHELL_OBJS)
	objcopy --localize-hidden build/unishyper-shell-full.o $@
	rm build/unishyper-shell-full.o

# Added after the normal specs: link the -full kernel object instead.
build/toolchain/ktest.specs: $(SPECS)
	printf '*lib:\n-lc $(CURDIR)/build/unishyper-full.o $(CURDIR)/$(MISSING)\n\n' > $@

# Added after the normal specs by unishyper-gcc -shell: the kernel with the
# shell.
build/toolchain/shell.specs: $(SPECS)
	printf '*lib:\n-lc $(CURDIR)/$(KERNEL_SHELL) $(CURDIR)/$(MISSING)\n\n' > $@

$(MISSING): $(GEN)/.stamp
	@rm -rf build/missing && mkdir -p build/missing
	@for s in $(GEN)/missing/*.s; do as -o build/missing/$$(basename $${s%.s}).o $$s || exit 1; done
	@rm -f $@ && ar rcs $@ build/missing/*.o

$(SPECS): toolchain/unishyper.specs.in
	@mkdir -p $(@D)
	sed -e 's|@SYSROOT@|$(CURDIR)/$(SYSROOT)|g' -e 's|@KERNEL@|$(CURDIR)/$(KERNEL)|g' \
	    -e 's|@MISSING@|$(CURDIR)/$(MISSING)|g' -e 's|@LDSCRIPT@|$(CURDIR)/toolchain/image.ld|g' $< > $@

# The host process between unishyper-run and QEMU.
build/toolchain/unishyper-supervise: toolchain/supervise.c toolchain/supervise-hostnet.c toolchain/supervise.h
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -pthread -o $@ $(filter %.c,$^)

TOOLCHAIN := $(KERNEL) $(MISSING) $(SPECS) $(SYSGCC) $(TOOLBIN) toolchain/image.ld $(UCC)

build/examples/%.img: examples/%/main.c $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(UCC) -O2 -Wall -o $@ $<

build/examples/shell.img: examples/shell/main.c $(TOOLCHAIN) $(KERNEL_SHELL) build/toolchain/shell.specs
	@mkdir -p $(@D)
	$(UCC) -O2 -Wall -shell -o $@ $<

# The disk make run boots the shell over: a README, a nested tree. Made once;
# what the shell changes on it stays for the next run.
build/examples/shell-disk.img: $(shell find examples/shell/disk)
	@mkdir -p $(@D)
	toolchain/bin/unishyper-mkdisk examples/shell/disk $@

build/examples/native/%: examples/%/main.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -o $@ $<

port: all
	@[ -n "$(NAME)" ] && [ -x ports/$(NAME)/build.sh ] || \
		{ echo "usage: make port NAME=<one of: $$(ls ports | tr '\n' ' ')>" >&2; exit 2; }
	ports/$(NAME)/build.sh

# A port's checks, its own test suite among them, against the native build.
port-check: all
	@[ -n "$(NAME)" ] && [ -x ports/$(NAME)/test.sh ] || \
		{ echo "usage: make port-check NAME=<one of: $$(ls -d ports/*/ | cut -d/ -f2 | tr '\n' ' ')>" >&2; exit 2; }
	ports/$(NAME)/test.sh
	@[ ! -x ports/$(NAME)/suite.sh ] || ports/$(NAME)/suite.sh

# Every port's checks and suite, in dependency order (PORTS="a b": those
# alone); long (not in make test). Writes the table of docs/ports.md.
ports-check: all
	ports/catalogue.sh $(PORTS)

run: deps all
	$(URUN) build/examples/shell.img --shell --disk build/examples/shell-disk.img

test: deps all
	@tests/run.sh

soak: all
	@tests/soak/run.sh

bench: all
	@toolchain/deps.sh --bench
	@bench/run.sh

format:
	clang-format -i $(KERNEL_C) $(SHELL_C) $(wildcard include/unishyper/*.h $(ARCH_DIR)/include/arch/*.h)

compile_commands.json:
	$(MAKE) clean-kernel && bear -- $(MAKE) $(KERNEL) $(KERNEL_SHELL)

clean-kernel:
	rm -rf $(KOBJ) $(KERNEL) $(KERNEL_SHELL)

clean:
	rm -rf $(KOBJ) $(KERNEL) $(KERNEL_SHELL) $(MISSING) build/missing build/examples build/host build/fuzz build/tests \
		build/toolchain

distclean:
	rm -rf build

include tests/host/rules.mk

-include $(shell find $(KOBJ) -name '*.d' 2>/dev/null)

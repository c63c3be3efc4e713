# Host unit tests and fuzz targets: a fragment the top-level Makefile
# includes. Paths are relative to the top of the tree.
#
# Each tests/host/test_X.c is built together with the kernel sources it
# tests (HOST_SRCS_X) under ASan and UBSan into build/host/test_X, linked
# with cmocka. host-tests-run runs them all with TAP output, and
# fuzz-run runs every libFuzzer target for a bounded time from its seed
# corpus; both print one TAP line per test and fail if any test failed.

HOST_CC ?= cc
FUZZ_CC ?= clang
HOST_CFLAGS ?= -std=gnu11 -g -O1 -Wall -Wextra \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude -Itests/host/include
FUZZ_CFLAGS ?= -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Iinclude -Itests/host/include
FUZZ_TIME ?= 10

HOST_TEST_NAMES := format cmdline pmem kmalloc firmware fat p9 htab calendar shell_parse shell_edit
HOST_SRCS_format := kernel/lib/format.c
HOST_SRCS_cmdline := kernel/cmdline.c
HOST_SRCS_pmem := kernel/mm/pmem.c
HOST_SRCS_kmalloc := kernel/mm/kmalloc.c
HOST_SRCS_firmware := drivers/acpi.c drivers/mptable.c
HOST_SRCS_fat := kernel/fs/bcache.c kernel/lib/calendar.c kernel/lib/htab.c kernel/mm/uaccess.c $(wildcard kernel/fs/fat/*.c)
HOST_SRCS_p9 := kernel/fs/9p/proto.c
HOST_SRCS_htab := kernel/lib/htab.c
HOST_SRCS_calendar := kernel/lib/calendar.c
HOST_SRCS_shell_parse := kernel/shell/parse.c
HOST_SRCS_shell_edit := kernel/shell/edit.c
HOST_TESTS := $(HOST_TEST_NAMES:%=build/host/test_%) build/host/test_syscall_gen

FUZZ_NAMES := cmdline firmware fat p9 shell
FUZZ_SRCS_cmdline := kernel/cmdline.c
FUZZ_SRCS_firmware := drivers/acpi.c drivers/mptable.c
FUZZ_SRCS_fat := $(HOST_SRCS_fat)
FUZZ_SRCS_p9 := $(HOST_SRCS_p9)
FUZZ_SRCS_shell := kernel/shell/parse.c kernel/shell/edit.c
FUZZ_TARGETS := $(FUZZ_NAMES:%=build/fuzz/fuzz_%) build/fuzz/fuzz_net

# The network target: lwIP's core from the kernel's patched copy (the
# Makefile's LWIP_TREE and LWIP_FILES), instrumented as the target is,
# with the fuzz port's options (tests/fuzz/net/lwipopts.h) before the
# kernel's; lwIP is not ours, so without warnings, as in the kernel.
FUZZ_NET_CFLAGS := $(FUZZ_CFLAGS) -Itests/fuzz/net -Ikernel/net/include -I$(LWIP_TREE)/include
FUZZ_LWIP_OBJS := $(LWIP_FILES:%=build/fuzz/lwip/%.o)
FUZZ_NET_HEADERS := tests/fuzz/net/lwipopts.h $(wildcard kernel/net/include/*.h kernel/net/include/arch/*.h)

HOST_HEADERS := $(wildcard include/unishyper/*.h)

# Private headers.
build/host/test_fat build/fuzz/fuzz_fat: kernel/fs/fat/fat.h
build/host/test_shell_parse build/host/test_shell_edit build/fuzz/fuzz_shell: kernel/shell/parse.h \
	kernel/shell/edit.h

define host_test_rule
build/host/test_$(1): tests/host/test_$(1).c $$(HOST_SRCS_$(1)) $$(HOST_HEADERS)
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$< $$(HOST_SRCS_$(1)) -lcmocka
endef

define fuzz_rule
build/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) $$(HOST_HEADERS)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $$(FUZZ_SRCS_$(1))
endef

$(FUZZ_LWIP_OBJS): build/fuzz/lwip/%.o: $(LWIP_TREE)/.patched $(FUZZ_NET_HEADERS)
	@mkdir -p $(@D)
	@echo "  CC  fuzz lwip/$*.c"; $(FUZZ_CC) $(patsubst -fsanitize=fuzzer%,-fsanitize=fuzzer-no-link%,$(FUZZ_NET_CFLAGS)) \
		-w -c -o $@ $(LWIP_TREE)/$*.c

build/fuzz/fuzz_net: tests/fuzz/fuzz_net.c $(FUZZ_LWIP_OBJS) $(FUZZ_NET_HEADERS) $(HOST_HEADERS)
	$(FUZZ_CC) $(FUZZ_NET_CFLAGS) -o $@ $< $(FUZZ_LWIP_OBJS)

# The generator's output for a small fixture list, with the dispatcher.
build/host/gen/.stamp: posix/gen-syscalls.py tests/host/fixtures/syscalls.list tests/host/fixtures/demo.c
	@mkdir -p $(@D)
	python3 posix/gen-syscalls.py tests/host/fixtures/syscalls.list build/host/gen
	@touch $@

build/host/test_syscall_gen: tests/host/test_syscall_gen.c posix/dispatch.c build/host/gen/.stamp
	$(HOST_CC) $(HOST_CFLAGS) -Wno-unused-parameter -Ibuild/host/gen -o $@ $< posix/dispatch.c \
		build/host/gen/syscall_table.c -lcmocka

$(foreach t,$(HOST_TEST_NAMES),$(eval $(call host_test_rule,$(t))))
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(t))))

.PHONY: host-tests host-tests-run fuzz-targets fuzz-run

host-tests: $(HOST_TESTS)

host-tests-run: $(HOST_TESTS)
	@sh tests/host/run-tap.sh $(HOST_TESTS)

fuzz-targets: $(FUZZ_TARGETS)

fuzz-run: $(FUZZ_TARGETS)
	@sh tests/fuzz/run-tap.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

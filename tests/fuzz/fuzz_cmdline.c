/*
 * libFuzzer target for kernel/cmdline.c, the parser of the one piece of
 * outside input the kernel reads at boot.
 *
 * The input, cut at its first NUL, is parsed in place with a small word
 * array. On success the layout is checked (argv, NULL, envp, NULL within
 * max_words; every pointer inside the buffer; environment words are
 * NAME=value; no error message), on failure the error code and message;
 * the number and stream-file parsers run on every option value. Any
 * violation traps. Built with clang -fsanitize=fuzzer,address,undefined by
 * tests/host/rules.mk.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unishyper/cmdline.h>

#define MAX_WORDS 8

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

static int in_buffer(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len;
}

/* A string that starts in the buffer and ends at a NUL inside it. */
static void check_string(const char *s, const char *buf, size_t len)
{
	CHECK(in_buffer(s, buf, len));
	CHECK(memchr(s, '\0', (size_t)(buf + len - s)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_WORDS];
	struct cmdline cl;
	size_t len;
	char *buf;
	int ret;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf) + 1;
	memset(words, 0xa5, sizeof(words));
	ret = cmdline_parse(buf, words, MAX_WORDS, &cl);
	if (ret) {
		CHECK(ret == -EINVAL || ret == -E2BIG);
		CHECK(cl.error != NULL && cl.error[0] != '\0');
		CHECK(cl.argc == 0 && cl.envc == 0 && !cl.argv && !cl.envp);
		free(buf);
		return 0;
	}
	CHECK(cl.error == NULL);
	CHECK(cl.argc >= 0 && cl.envc >= 0);
	CHECK(cl.argc + cl.envc + 2 <= MAX_WORDS);
	CHECK(cl.argv == words && cl.envp == words + cl.argc + 1);
	CHECK(cl.argv[cl.argc] == NULL && cl.envp[cl.envc] == NULL);
	for (int i = 0; i < cl.argc; i++)
		check_string(cl.argv[i], buf, len);
	for (int i = 0; i < cl.envc; i++) {
		const char *eq;

		check_string(cl.envp[i], buf, len);
		eq = strchr(cl.envp[i], '=');
		CHECK(eq != NULL && eq != cl.envp[i]);
	}
	for (int i = 0; i < CMDLINE_OPT_COUNT; i++) {
		uint64_t v;
		uint8_t bytes[4];

		if (!cl.opt[i])
			continue;
		check_string(cl.opt[i], buf, len);
		CHECK(cl.opt[i][-1] == '=');
		ret = cmdline_u64(cl.opt[i], &v);
		CHECK(ret == 0 || ret == -EINVAL);
		ret = cmdline_hex_bytes(cl.opt[i], bytes, sizeof(bytes));
		CHECK(ret == 0 || ret == -EINVAL);
		const char *path = NULL;
		int flags;
		ret = cmdline_stream_file(cl.opt[i], &v, &flags, &path);
		CHECK(ret == 0 || ret == 1 || ret == -EINVAL);
		if (!ret) {
			check_string(path, buf, len);
			CHECK(path[-1] == ':' && path[0] == '/');
		}
	}
	free(buf);
	return 0;
}

/*
 * The kernel command line: splits the line QEMU's -append gives into kernel
 * options, environment variables and argv (format in
 * include/unishyper/cmdline.h and docs/architecture.md), and parses the
 * numbers options carry.
 *
 * The line is outside input, so the parser is a pure function over the
 * buffer it is given: it allocates nothing, writes only into that buffer and
 * the caller's word array, and never reads past the NUL. It relies on
 * strlen(), strcmp(), strncmp(), strchr(), memcmp() and memset() only, builds on the
 * host for tests/host/test_cmdline.c and is fuzzed by
 * tests/fuzz/fuzz_cmdline.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/cmdline.h>

static const char *const opt_names[CMDLINE_OPT_COUNT] = {
	[CMDLINE_CONSOLE] = "console",
	[CMDLINE_SEED] = "seed",
	[CMDLINE_TSC_KHZ] = "tsc_khz",
	[CMDLINE_LOGLEVEL] = "loglevel",
	[CMDLINE_MOUNT] = "mount",
	[CMDLINE_SHARES] = "shares",
	[CMDLINE_CWD] = "cwd",
	[CMDLINE_IP] = "ip",
	[CMDLINE_GW] = "gw",
	[CMDLINE_DNS] = "dns",
	[CMDLINE_IP6] = "ip6",
	[CMDLINE_HOSTNAME] = "hostname",
	[CMDLINE_STDIN] = "stdin",
	[CMDLINE_STDOUT] = "stdout",
	[CMDLINE_STDERR] = "stderr",
	[CMDLINE_WINSIZE] = "winsize",
	[CMDLINE_UMASK] = "umask",
	[CMDLINE_SHELL] = "shell",
	[CMDLINE_MONOTONIC] = "monotonic",
	[CMDLINE_PID] = "pid",
	[CMDLINE_REALTIME] = "realtime",
};

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Unquotes the next word from *rp into *wp and advances both. The write
 * position never passes the read position (each step reads at least one
 * byte and writes at most one), so the word can be built in place.
 * Returns 1 with *word set, 0 at the end of the line, or -EINVAL.
 */
static int next_word(char **rp, char **wp, char **word, const char **error)
{
	char *r = *rp, *w = *wp;
	bool quoted = false;

	while (is_separator(*r))
		r++;
	if (!*r)
		return 0;
	*word = w;
	for (;;) {
		char c = *r;

		if (!c) {
			if (quoted) {
				*error = "unterminated quote";
				return -EINVAL;
			}
			break;
		}
		r++;
		if (!quoted && is_separator(c))
			break;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\') {
			if (!*r) {
				*error = "trailing backslash";
				return -EINVAL;
			}
			c = *r++;
		}
		*w++ = c;
	}
	*w++ = '\0';
	*rp = r;
	*wp = w;
	return 1;
}

/* The option a word unishyper.NAME=value sets; -1 for an unknown NAME. */
static int find_opt(const char *word, size_t name_len)
{
	for (int i = 0; i < CMDLINE_OPT_COUNT; i++)
		if (strlen(opt_names[i]) == name_len &&
		    !memcmp(word, opt_names[i], name_len))
			return i;
	return -1;
}

static void reverse(char **v, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		char *t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static int fail(struct cmdline *out, int err, const char *error)
{
	memset(out, 0, sizeof(*out));
	out->error = error;
	return err;
}

int cmdline_parse(char *line, char **words, int max_words, struct cmdline *out)
{
	char *r = line, *w = line, *word;
	const char *error = NULL;
	int n = 0, envc = 0, argc, ret;
	bool in_args = false;

	memset(out, 0, sizeof(*out));
	if (max_words < 2)
		return fail(out, -E2BIG, "word array too small");
	while ((ret = next_word(&r, &w, &word, &error)) > 0) {
		if (!in_args) {
			const char *eq = strchr(word, '=');
			int opt;

			if (!strcmp(word, "--")) {
				in_args = true;
				continue;
			}
			if (!eq || eq == word)
				return fail(out, -EINVAL,
					    "word before -- is not NAME=value");
			if (!strncmp(word, CMDLINE_PREFIX, sizeof(CMDLINE_PREFIX) - 1)) {
				word += sizeof(CMDLINE_PREFIX) - 1;
				opt = find_opt(word, (size_t)(eq - word));
				if (opt < 0)
					return fail(out, -EINVAL, "unknown kernel option");
				out->opt[opt] = eq + 1;
				continue;
			}
			envc++;
		}
		if (n == max_words - 2)
			return fail(out, -E2BIG, "too many words");
		words[n++] = word;
	}
	if (ret < 0)
		return fail(out, ret, error);

	/*
	 * words holds the environment, then the arguments. Rotate the
	 * arguments to the front and open a slot for argv's NULL.
	 */
	argc = n - envc;
	reverse(words, envc);
	reverse(words + envc, argc);
	reverse(words, n);
	for (int i = n; i > argc; i--)
		words[i] = words[i - 1];
	words[argc] = NULL;
	words[n + 1] = NULL;
	out->argc = argc;
	out->argv = words;
	out->envc = envc;
	out->envp = words + argc + 1;
	return 0;
}

/* The value of a hexadecimal digit, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the digits of base at *s into *out, up to the first character
 * that is not one, and moves *s there. 0, or -EINVAL when there is no
 * digit or the number overflows. */
static int digits(const char **s, unsigned int base, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	int d;

	for (; (d = hex_digit(*p)) >= 0 && (unsigned int)d < base; p++) {
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return -EINVAL;
		v = v * base + (unsigned int)d;
	}
	if (p == *s)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

int cmdline_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (digits(&s, base, &v) || *s)
		return -EINVAL;
	*out = v;
	return 0;
}

int cmdline_stream_file(const char *s, uint64_t *offset, int *flags, const char **path)
{
	static const char kind[] = "file:";
	uint64_t off;
	int f;

	if (strncmp(s, kind, sizeof(kind) - 1))
		return 1;
	s += sizeof(kind) - 1;
	if (digits(&s, 10, &off) || *s++ != ':')
		return -EINVAL;
	if (!strncmp(s, "rw", 2))
		f = O_RDWR, s += 2;
	else if (*s == 'r')
		f = O_RDONLY, s++;
	else if (*s == 'w')
		f = O_WRONLY, s++;
	else
		return -EINVAL;
	if (*s == 'a')
		f |= O_APPEND, s++;
	if (*s != ':' || s[1] != '/')
		return -EINVAL;
	*offset = off;
	*flags = f;
	*path = s + 1;
	return 0;
}

int cmdline_hex_bytes(const char *s, uint8_t *out, size_t n)
{
	const char *p = s;

	/* Check everything first, so that out is untouched on failure. */
	for (size_t i = 0; i < n; i++, p += 2)
		if (hex_digit(p[0]) < 0 || hex_digit(p[1]) < 0)
			return -EINVAL;
	if (*p)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_digit(s[2 * i]) << 4 |
				   hex_digit(s[2 * i + 1]));
	return 0;
}

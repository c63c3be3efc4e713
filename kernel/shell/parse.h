/*
 * The shell's command-line parser (kernel/shell/parse.c): one typed line
 * into words and an output redirection.
 *
 *     word... [> FILE | >> FILE]
 *
 * Words are separated by spaces and tabs. A backslash makes the next
 * character literal; single quotes keep everything up to the next single
 * quote; double quotes keep everything up to the next double quote except
 * that \" and \\ stand for " and \. Quoted and unquoted parts join into one
 * word, and "" is an empty word. An unquoted > or >> (inside a word too:
 * echo a>f) sends the command's output to the file named by the next word,
 * truncating it or appending to it. An unquoted # at the start of a word
 * begins a comment that runs to the end of the line. An unquoted |, <, ;
 * or & is refused: the shell runs one command a line, with no pipes, no
 * input redirection and no background.
 *
 * The parser is pure (no allocation, no kernel calls): it builds on the
 * host for tests/host/test_shell_parse.c and is fuzzed by
 * tests/fuzz/fuzz_shell.c.
 */
#ifndef SHELL_PARSE_H
#define SHELL_PARSE_H

#include <stdbool.h>

#define SHELL_ARGS_MAX 64

struct shell_words {
	int argc;                        /* 0 for an empty or comment line */
	char *argv[SHELL_ARGS_MAX + 1];  /* argv[argc] is NULL */
	const char *redirect;            /* the file after > or >>, or NULL */
	bool append;                     /* >> rather than > */
	const char *error;               /* after a failed parse: one line */
};

/*
 * Parses the NUL-terminated line in place: words are unquoted into the
 * same buffer and every pointer in *out points into it. Returns 0, or -1
 * with out->error naming the problem (an unterminated quote, a trailing
 * backslash, a missing or second redirection, a refused operator, more
 * than SHELL_ARGS_MAX words); out then holds no words. Reads nothing past
 * the NUL.
 */
int shell_parse(char *line, struct shell_words *out);

#endif

#!/usr/bin/env python3
"""Generates everything that depends on the list of system calls.

usage: gen-syscalls.py LIST OUTDIR [DOC]

From LIST (posix/syscalls.list) it writes into OUTDIR:
  unishyper/syscalls.h   handler prototypes, table declarations, SYS_TABLE_SIZE
  syscall_direct.h       the inline dispatcher musl's syscall_arch.h uses: a
                         constant number resolves to its handler at compile time
  syscall_table.c        the dispatch table and the name table
  missing/NR_NAME.s      one stub per missing call: returns -ENOSYS through
                         sys_missing() and carries a link-time warning
and, when DOC is given, the coverage page docs/syscalls.md.
Stops with an error when a number or a name appears twice, a line is
malformed, or a handler is not defined in its family's file (FAMILY.c
beside LIST) with SYSCALL_DEFINEn of the listed argument count, so the
tables can never go out of sync with the list or the code.
"""
import os
import re
import sys


def parse(path):
    calls = []
    seen_nr, seen_name = set(), set()
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].rstrip()
            if not line:
                continue
            words = line.split(None, 5)
            if len(words) < 5:
                sys.exit(f"{path}:{lineno}: want 'nr name args family handler [note]'")
            nr, name, nargs, family, handler = words[:5]
            note = words[5] if len(words) > 5 else ""
            if not nr.isdigit() or not nargs.isdigit() or int(nargs) > 6:
                sys.exit(f"{path}:{lineno}: bad number or argument count")
            if not name.isidentifier() or not (handler == "-" or handler.isidentifier()):
                sys.exit(f"{path}:{lineno}: bad name or handler")
            if not (family == "-" or family.isidentifier()) or (handler != "-" and family == "-"):
                sys.exit(f"{path}:{lineno}: bad family (a handler needs its file)")
            if handler != "-":
                check_define(path, lineno, family, handler, int(nargs))
            if int(nr) in seen_nr or name in seen_name:
                sys.exit(f"{path}:{lineno}: {name} ({nr}) listed twice")
            seen_nr.add(int(nr))
            seen_name.add(name)
            calls.append((int(nr), name, int(nargs), handler, note, family))
    return sorted(calls)


DEFINE = re.compile(r"SYSCALL_DEFINE(\d)\(\s*(\w+)")
defines = {}


def check_define(path, lineno, family, handler, nargs):
    """Stops unless FAMILY.c beside the list defines handler with nargs."""
    src = os.path.join(os.path.dirname(path), family + ".c")
    if src not in defines:
        try:
            with open(src) as f:
                defines[src] = {"sys_" + m.group(2): int(m.group(1)) for m in DEFINE.finditer(f.read())}
        except OSError:
            sys.exit(f"{path}:{lineno}: family {family}: no file {src}")
    n = defines[src].get(handler)
    if n is None:
        sys.exit(f"{path}:{lineno}: {handler} is not defined with SYSCALL_DEFINEn in {src}")
    if n != nargs:
        sys.exit(f"{path}:{lineno}: {handler} takes {nargs} arguments in the list, "
                 f"{n} in {src} (SYSCALL_DEFINE{n})")


def callee(name, handler):
    return handler if handler != "-" else f"sys_missing_{name}"


ARGS = "long a1, long a2, long a3, long a4, long a5, long a6"
HEADER = "/* Generated from posix/syscalls.list by posix/gen-syscalls.py: do not edit. */\n"


def write_header(out, calls, size):
    handlers = sorted({h for _, _, _, h, *_ in calls if h != "-"})
    lines = [HEADER,
             "#ifndef UNISHYPER_SYSCALLS_H", "#define UNISHYPER_SYSCALLS_H", "",
             f"#define SYS_TABLE_SIZE {size}", "",
             "/* Every handler takes six longs and returns a result or -errno. The",
             " * kernel's own symbols are hidden; these are what libc calls. */",
             "#define SYS_API __attribute__((visibility(\"default\")))", "",
             f"typedef long (*sys_handler_t)({ARGS});", "",
             "/* Calls number n; an unknown or missing n gives -ENOSYS. */",
             f"SYS_API long sys_dispatch(long n, {ARGS});", "",
             "/* Logs the name of missing call n once and returns -ENOSYS. */",
             "SYS_API long sys_missing(long n);", "",
             "/* Handlers by number (NULL where missing) and names by number. */",
             "extern const sys_handler_t sys_table[SYS_TABLE_SIZE];",
             "extern const char *const sys_names[SYS_TABLE_SIZE];", ""]
    lines += [f"SYS_API long {h}({ARGS});" for h in handlers]
    lines += [""]
    lines += [f"long sys_missing_{n}({ARGS});" for _, n, _, h, *_ in calls if h == "-"]
    lines += ["", "#endif", ""]
    with open(os.path.join(out, "unishyper", "syscalls.h"), "w") as f:
        f.write("\n".join(lines))


def write_direct(out, calls):
    lines = [HEADER,
             "#ifndef UNISHYPER_SYSCALL_DIRECT_H", "#define UNISHYPER_SYSCALL_DIRECT_H", "",
             "#include <unishyper/syscalls.h>", "",
             "/*",
             " * A system call as a function call. With a constant n the switch folds",
             " * away and the handler is called directly; otherwise sys_dispatch()",
             " * looks it up in the table.",
             " */",
             "static __inline __attribute__((__always_inline__)) long",
             f"__unishyper_syscall(long n, {ARGS})",
             "{",
             "\tif (__builtin_constant_p(n)) {",
             "\t\tswitch (n) {"]
    for nr, name, _, handler, *_ in calls:
        lines.append(f"\t\tcase {nr}: return {callee(name, handler)}(a1, a2, a3, a4, a5, a6);")
    lines += ["\t\t}", "\t}", "\treturn sys_dispatch(n, a1, a2, a3, a4, a5, a6);", "}", "",
              "#endif", ""]
    with open(os.path.join(out, "syscall_direct.h"), "w") as f:
        f.write("\n".join(lines))


def write_table(out, calls):
    lines = [HEADER, "#include <stddef.h>", "", "#include <unishyper/syscalls.h>", "",
             "const sys_handler_t sys_table[SYS_TABLE_SIZE] = {"]
    lines += [f"\t[{nr}] = {h}," for nr, _, _, h, *_ in calls if h != "-"]
    lines += ["};", "", "const char *const sys_names[SYS_TABLE_SIZE] = {"]
    lines += [f'\t[{nr}] = "{name}",' for nr, name, *_ in calls]
    lines += ["};", ""]
    with open(os.path.join(out, "syscall_table.c"), "w") as f:
        f.write("\n".join(lines))


def write_missing(out, calls):
    d = os.path.join(out, "missing")
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for nr, name, _, handler, *_ in calls:
        if handler != "-":
            continue
        sym = f"sys_missing_{name}"
        text = (f"# Generated by posix/gen-syscalls.py: do not edit.\n"
                f"\t.text\n\t.globl {sym}\n\t.type {sym}, @function\n{sym}:\n"
                f"\tmov ${nr}, %edi\n\tjmp sys_missing\n\t.size {sym}, . - {sym}\n"
                f"\t.section .gnu.warning.{sym}\n"
                f'\t.string "the {name} system call is not implemented by Unishyper; '
                f'it fails with ENOSYS"\n'
                f'\t.section .note.GNU-stack, "", @progbits\n')
        with open(os.path.join(d, f"{nr:03d}_{name}.s"), "w") as f:
            f.write(text)


def write_doc(path, calls):
    done = [c for c in calls if c[3] != "-" and not c[4].startswith("partial")]
    part = [c for c in calls if c[3] != "-" and c[4].startswith("partial")]
    lines = ["# System-call coverage", "",
             "Generated from `posix/syscalls.list` by `posix/gen-syscalls.py`; do not edit.",
             "Numbers are Linux x86_64's. A missing call returns `-ENOSYS`, logs its",
             "name once and makes the link print a warning.", "",
             f"{len(done)} implemented, {len(part)} partial, "
             f"{len(calls) - len(done) - len(part)} missing, of {len(calls)}.", "",
             "| nr | name | args | status | handler | file | note |",
             "|---:|---|---:|---|---|---|---|"]
    for nr, name, nargs, handler, note, family in calls:
        status = "missing" if handler == "-" else ("partial" if note.startswith("partial") else "implemented")
        h = f"`{handler}`" if handler != "-" else ""
        fam = f"`posix/{family}.c`" if family != "-" else ""
        lines.append(f"| {nr} | {name} | {nargs} | {status} | {h} | {fam} | {note} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    calls = parse(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(os.path.join(out, "unishyper"), exist_ok=True)
    size = max(nr for nr, *_ in calls) + 1
    write_header(out, calls, size)
    write_direct(out, calls)
    write_table(out, calls)
    write_missing(out, calls)
    if len(sys.argv) == 4:
        write_doc(sys.argv[3], calls)


if __name__ == "__main__":
    main()

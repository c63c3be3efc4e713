/*
 * kvsnprintf() and ksnprintf(): printf-style formatting for the kernel.
 *
 * Integers, characters, strings and pointers only: no floating point and no
 * vector registers, so it is safe in interrupt context and builds with
 * -mgeneral-regs-only. It needs nothing but <stdarg.h>, <stddef.h>,
 * <stdint.h> and memset() from <string.h>, so it also builds on the host,
 * where tests/host/test_format.c compares it with the C library's snprintf.
 * The output follows glibc where the C standard leaves a choice: a null
 * %p prints "(nil)", a null %s "(null)". An unknown conversion is copied to
 * the output as written.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/format.h>

#define FL_LEFT 0x01u  /* '-' */
#define FL_ZERO 0x02u  /* '0' */
#define FL_SPACE 0x04u /* ' ' */
#define FL_PLUS 0x08u  /* '+' */
#define FL_ALT 0x10u   /* '#' */

enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* A conversion's flags, width and precision (-1 when none is given). */
struct spec {
	unsigned flags;
	int width;
	int prec;
};

/* The destination: bytes past size - 1 are counted but not stored. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put_fill(struct out *o, char c, size_t n)
{
	size_t room = o->len + 1 < o->size ? o->size - 1 - o->len : 0;

	if (n && room)
		memset(o->buf + o->len, c, n < room ? n : room);
	o->len += n;
}

static void put_str(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
}

/*
 * Writes prefix, then zeros '0's, then body, padded to the field width:
 * with spaces on the left, with '0's after the prefix (flag '0'), or with
 * spaces on the right (flag '-').
 */
static void put_field(struct out *o, const struct spec *sp, const char *prefix,
		      size_t zeros, const char *body, size_t n)
{
	size_t plen = strlen(prefix);
	size_t len = plen + zeros + n;
	size_t pad = (size_t)sp->width > len ? (size_t)sp->width - len : 0;

	if (!(sp->flags & (FL_LEFT | FL_ZERO)))
		put_fill(o, ' ', pad);
	put_str(o, prefix, plen);
	if ((sp->flags & (FL_LEFT | FL_ZERO)) == FL_ZERO)
		put_fill(o, '0', pad);
	put_fill(o, '0', zeros);
	put_str(o, body, n);
	if (sp->flags & FL_LEFT)
		put_fill(o, ' ', pad);
}

/* An unsigned magnitude in base 8, 10 or 16; sign is "", "-", "+" or " ". */
static void put_number(struct out *o, const struct spec *sp, uintmax_t v,
		       unsigned base, bool upper, const char *sign)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[sizeof(uintmax_t) * 3];
	size_t n = 0, zeros;
	const char *prefix = sign;
	struct spec s = *sp;

	if (v || s.prec)
		do {
			tmp[sizeof(tmp) - ++n] = digits[v % base];
			v /= base;
		} while (v);
	zeros = s.prec > 0 && (size_t)s.prec > n ? (size_t)s.prec - n : 0;
	if (s.flags & FL_ALT) {
		if (base == 16 && n && tmp[sizeof(tmp) - n] != '0')
			prefix = upper ? "0X" : "0x";
		/* '#' with 'o' makes the first digit a zero. */
		if (base == 8 && !zeros && (!n || tmp[sizeof(tmp) - n] != '0'))
			zeros = 1;
	}
	if (s.prec >= 0)
		s.flags &= ~FL_ZERO;
	put_field(o, &s, prefix, zeros, tmp + sizeof(tmp) - n, n);
}

static void put_text(struct out *o, const struct spec *sp, const char *s)
{
	struct spec t = *sp;
	size_t n = 0;

	/* Never look past the precision: the string need not end within it. */
	while ((t.prec < 0 || n < (size_t)t.prec) && s[n])
		n++;
	t.flags &= ~FL_ZERO;
	put_field(o, &t, "", 0, s, n);
}

static intmax_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* A decimal width or precision; saturates instead of overflowing. */
static int parse_num(const char **fmt)
{
	int v = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++) {
		int d = **fmt - '0';

		v = v > (__INT_MAX__ - 9) / 10 ? __INT_MAX__ : v * 10 + d;
	}
	return v;
}

/* Reads flags, width, precision and length; leaves *fmt on the conversion. */
static enum length parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
	const char *f = *fmt;
	enum length len = LEN_INT;

	sp->flags = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= FL_LEFT;
		else if (*f == '0')
			sp->flags |= FL_ZERO;
		else if (*f == ' ')
			sp->flags |= FL_SPACE;
		else if (*f == '+')
			sp->flags |= FL_PLUS;
		else if (*f == '#')
			sp->flags |= FL_ALT;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {
			sp->flags |= FL_LEFT;
			w = w < -__INT_MAX__ ? __INT_MAX__ : -w;
		}
		sp->width = w;
	} else {
		sp->width = parse_num(&f);
	}
	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);

			f++;
			sp->prec = p < 0 ? -1 : p;
		} else {
			sp->prec = parse_num(&f);
		}
	}
	if (*f == 'h') {
		len = f[1] == 'h' ? LEN_HH : LEN_H;
		f += len == LEN_HH ? 2 : 1;
	} else if (*f == 'l') {
		len = f[1] == 'l' ? LEN_LL : LEN_L;
		f += len == LEN_LL ? 2 : 1;
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		len = *f == 'z' ? LEN_Z : *f == 't' ? LEN_T : LEN_J;
		f++;
	}
	*fmt = f;
	return len;
}

static void put_signed(struct out *o, const struct spec *sp, intmax_t v)
{
	const char *sign = "";

	if (v < 0)
		sign = "-";
	else if (sp->flags & FL_PLUS)
		sign = "+";
	else if (sp->flags & FL_SPACE)
		sign = " ";
	/* The magnitude, computed without overflow for INTMAX_MIN. */
	put_number(o, sp, v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v, 10, false,
		   sign);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	struct spec sp;
	enum length len;
	va_list args;
	char c;

	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			put_str(&o, fmt++, 1);
			continue;
		}
		fmt++;
		len = parse_spec(&fmt, &sp, &args);
		switch (*fmt) {
		case 'd':
		case 'i':
			put_signed(&o, &sp, arg_signed(&args, len));
			break;
		case 'u':
			put_number(&o, &sp, arg_unsigned(&args, len), 10, false,
				   "");
			break;
		case 'x':
		case 'X':
			put_number(&o, &sp, arg_unsigned(&args, len), 16,
				   *fmt == 'X', "");
			break;
		case 'o':
			put_number(&o, &sp, arg_unsigned(&args, len), 8, false,
				   "");
			break;
		case 'p': {
			void *p = va_arg(args, void *);

			if (p) {
				sp.flags |= FL_ALT;
				put_number(&o, &sp, (uintptr_t)p, 16, false,
					   "");
			} else {
				sp.prec = -1;
				put_text(&o, &sp, "(nil)");
			}
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);

			put_text(&o, &sp, s ? s : "(null)");
			break;
		}
		case 'c':
			c = (char)va_arg(args, int);
			sp.flags &= ~FL_ZERO;
			put_field(&o, &sp, "", 0, &c, 1);
			break;
		case '%':
			put_str(&o, "%", 1);
			break;
		case '\0':
			/* A '%' spec cut off by the end: copy it, stop. */
			put_str(&o, start, (size_t)(fmt - start));
			continue;
		default:
			put_str(&o, start, (size_t)(fmt - start) + 1);
			break;
		}
		fmt++;
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	/* Like snprintf, a length that does not fit an int is an error. */
	return o.len > (size_t)__INT_MAX__ ? -1 : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

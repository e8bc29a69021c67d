/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * format.c - snprintf() and vsnprintf() for the pc64 kernel, which has
 * no libc; the vkernel links glibc's.  Core code formats into memory
 * only: the console and the log take finished strings.
 *
 * The one idea to keep in mind: output is counted, not just written.
 * Every byte the full result would have goes through out_char(), which
 * stores it only while it fits in size - 1 bytes, so the return value
 * is the C99 one (the length the result would have had) and the buffer
 * is always NUL-terminated when size > 0.  Formats: %d %i %u %x %X %o
 * %c %s %p %%, flags - + space # 0, width and precision (also *),
 * lengths hh h l ll z j t.  %s of NULL and %p follow glibc ("(null)",
 * "0x..." and "(nil)"), so the two kernels print the same text.  No
 * floating point (pc64 kernel code has no SSE), no %n, no wide
 * characters; an unknown conversion is copied to the output as it
 * stands and consumes no argument.  See docs/libc_shim.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t),
    "%zd and %tu read the other type of the same width");

/* Where the output goes and how long it would be. */
struct fmt_out {
	char	*fo_buf;	/* caller's buffer */
	size_t	 fo_size;	/* its size, NUL included */
	size_t	 fo_len;	/* bytes of the full result so far */
};

/* One conversion specification, after parsing. */
struct fmt_spec {
	int	fs_flags;	/* FMT_* */
	int	fs_width;	/* minimum field width, 0 if none */
	int	fs_prec;	/* precision, -1 if none */
};

#define FMT_LEFT	0x01	/* '-': pad on the right */
#define FMT_PLUS	0x02	/* '+': sign on positive numbers */
#define FMT_SPACE	0x04	/* ' ': space on positive numbers */
#define FMT_ALT		0x08	/* '#': 0 for octal, 0x for hex */
#define FMT_ZERO	0x10	/* '0': pad numbers with zeros */

/* Length modifiers. */
enum fmt_len {
	LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T
};

/* Widths and precisions beyond this are clamped (they count only). */
#define FMT_NUM_MAX	(__INT_MAX__ / 10 - 1)

/* Octal of a 64-bit value is 22 digits; leave room for wider intmax. */
#define FMT_DIGITS_MAX	(sizeof(uintmax_t) * 3)

static void
out_char(struct fmt_out *o, char c)
{
	if (o->fo_len + 1 < o->fo_size)
		o->fo_buf[o->fo_len] = c;
	o->fo_len++;
}

static void
out_repeat(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

static void
out_mem(struct fmt_out *o, const char *s, size_t n)
{
	for (; n > 0; n--)
		out_char(o, *s++);
}

/*
 * Emit len bytes at s padded with spaces to the field width (%s, %c,
 * "(nil)").  The '0' flag does not apply to them, as in glibc.
 */
static void
fmt_text(struct fmt_out *o, const struct fmt_spec *sp, const char *s,
    size_t len)
{
	int pad;

	pad = (size_t)sp->fs_width > len ? sp->fs_width - (int)len : 0;
	if ((sp->fs_flags & FMT_LEFT) == 0)
		out_repeat(o, ' ', pad);
	out_mem(o, s, len);
	if ((sp->fs_flags & FMT_LEFT) != 0)
		out_repeat(o, ' ', pad);
}

/*
 * Emit a number: the magnitude mag in base, a '-' when neg, and what the
 * flags ask for.  signok says whether '+' and ' ' apply (signed
 * conversions and %p); the '#' prefix is "0" for base 8 and "0x"/"0X"
 * for base 16.  Layout: [spaces][sign][prefix][zeros][digits][spaces].
 */
static void
fmt_number(struct fmt_out *o, const struct fmt_spec *sp, uintmax_t mag,
    int neg, int signok, unsigned base, int upper)
{
	const char *digitset = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[FMT_DIGITS_MAX];
	char prefix[3];
	int ndigits, nprefix, zeros, spaces, total, prec, nonzero;

	/* Digits, least significant first; none for 0 at precision 0. */
	ndigits = 0;
	prec = sp->fs_prec;
	nonzero = mag != 0;
	if (nonzero || prec != 0) {
		do {
			digits[ndigits++] = digitset[mag % base];
			mag /= base;
		} while (mag != 0);
	}
	zeros = prec > ndigits ? prec - ndigits : 0;

	nprefix = 0;
	if (neg)
		prefix[nprefix++] = '-';
	else if (signok && (sp->fs_flags & FMT_PLUS) != 0)
		prefix[nprefix++] = '+';
	else if (signok && (sp->fs_flags & FMT_SPACE) != 0)
		prefix[nprefix++] = ' ';
	if ((sp->fs_flags & FMT_ALT) != 0) {
		if (base == 8) {
			/* The first digit must be a 0. */
			if (zeros == 0 && (ndigits == 0 ||
			    digits[ndigits - 1] != '0'))
				zeros = 1;
		} else if (base == 16 && nonzero) {
			prefix[nprefix++] = '0';
			prefix[nprefix++] = upper ? 'X' : 'x';
		}
	}

	total = nprefix + zeros + ndigits;
	spaces = 0;
	if (sp->fs_width > total) {
		if ((sp->fs_flags & FMT_LEFT) != 0)
			spaces = sp->fs_width - total;
		else if ((sp->fs_flags & FMT_ZERO) != 0 && prec < 0)
			zeros += sp->fs_width - total;
		else
			spaces = sp->fs_width - total;
	}

	if ((sp->fs_flags & FMT_LEFT) == 0)
		out_repeat(o, ' ', spaces);
	out_mem(o, prefix, (size_t)nprefix);
	out_repeat(o, '0', zeros);
	while (ndigits > 0)
		out_char(o, digits[--ndigits]);
	if ((sp->fs_flags & FMT_LEFT) != 0)
		out_repeat(o, ' ', spaces);
}

/* Read a signed argument of the given length, as intmax_t. */
static intmax_t
arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return ((signed char)va_arg(*ap, int));
	case LEN_H:
		return ((short)va_arg(*ap, int));
	case LEN_L:
		return (va_arg(*ap, long));
	case LEN_LL:
		return (va_arg(*ap, long long));
	case LEN_Z:
		/* The signed type of size_t's width. */
		return ((ptrdiff_t)va_arg(*ap, size_t));
	case LEN_J:
		return (va_arg(*ap, intmax_t));
	case LEN_T:
		return (va_arg(*ap, ptrdiff_t));
	case LEN_NONE:
	default:
		return (va_arg(*ap, int));
	}
}

/* Read an unsigned argument of the given length, as uintmax_t. */
static uintmax_t
arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return ((unsigned char)va_arg(*ap, unsigned int));
	case LEN_H:
		return ((unsigned short)va_arg(*ap, unsigned int));
	case LEN_L:
		return (va_arg(*ap, unsigned long));
	case LEN_LL:
		return (va_arg(*ap, unsigned long long));
	case LEN_Z:
		return (va_arg(*ap, size_t));
	case LEN_J:
		return (va_arg(*ap, uintmax_t));
	case LEN_T:
		/* The unsigned type of ptrdiff_t's width. */
		return (va_arg(*ap, size_t));
	case LEN_NONE:
	default:
		return (va_arg(*ap, unsigned int));
	}
}

/* Parse a decimal field at *fmtp, clamped to FMT_NUM_MAX. */
static int
parse_num(const char **fmtp)
{
	const char *f = *fmtp;
	int n = 0;

	while (*f >= '0' && *f <= '9') {
		if (n < FMT_NUM_MAX)
			n = n * 10 + (*f - '0');
		f++;
	}
	*fmtp = f;
	return (n < FMT_NUM_MAX ? n : FMT_NUM_MAX);
}

/* Parse flags, width, precision and length of one conversion. */
static const char *
parse_spec(const char *f, va_list *ap, struct fmt_spec *sp,
    enum fmt_len *lenp)
{
	int n;

	sp->fs_flags = 0;
	sp->fs_width = 0;
	sp->fs_prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->fs_flags |= FMT_LEFT;
		else if (*f == '+')
			sp->fs_flags |= FMT_PLUS;
		else if (*f == ' ')
			sp->fs_flags |= FMT_SPACE;
		else if (*f == '#')
			sp->fs_flags |= FMT_ALT;
		else if (*f == '0')
			sp->fs_flags |= FMT_ZERO;
		else
			break;
	}

	if (*f == '*') {
		/* A negative width argument is a '-' flag and a width. */
		n = va_arg(*ap, int);
		f++;
		if (n < 0) {
			sp->fs_flags |= FMT_LEFT;
			n = n < -FMT_NUM_MAX ? FMT_NUM_MAX : -n;
		}
		sp->fs_width = n < FMT_NUM_MAX ? n : FMT_NUM_MAX;
	} else
		sp->fs_width = parse_num(&f);

	if (*f == '.') {
		f++;
		if (*f == '*') {
			/* A negative precision argument means none. */
			n = va_arg(*ap, int);
			f++;
			sp->fs_prec = n < 0 ? -1 :
			    (n < FMT_NUM_MAX ? n : FMT_NUM_MAX);
		} else
			sp->fs_prec = parse_num(&f);
	}

	*lenp = LEN_NONE;
	switch (*f) {
	case 'h':
		f++;
		*lenp = LEN_H;
		if (*f == 'h') {
			f++;
			*lenp = LEN_HH;
		}
		break;
	case 'l':
		f++;
		*lenp = LEN_L;
		if (*f == 'l') {
			f++;
			*lenp = LEN_LL;
		}
		break;
	case 'z':
		f++;
		*lenp = LEN_Z;
		break;
	case 'j':
		f++;
		*lenp = LEN_J;
		break;
	case 't':
		f++;
		*lenp = LEN_T;
		break;
	default:
		break;
	}
	return (f);
}

/* Format into the output; the caller terminates it. */
static void
fmt_all(struct fmt_out *o, const char *f, va_list *ap)
{
	struct fmt_spec spec;
	enum fmt_len len;
	const char *start, *s;
	const void *ptr;
	intmax_t sval;
	char c;

	while (*f != '\0') {
		if (*f != '%') {
			out_char(o, *f++);
			continue;
		}
		start = f++;
		f = parse_spec(f, ap, &spec, &len);
		switch (*f) {
		case 'd':
		case 'i':
			sval = arg_signed(ap, len);
			fmt_number(o, &spec, sval < 0 ? -(uintmax_t)sval :
			    (uintmax_t)sval, sval < 0, 1, 10, 0);
			break;
		case 'u':
			fmt_number(o, &spec, arg_unsigned(ap, len), 0, 0, 10,
			    0);
			break;
		case 'o':
			fmt_number(o, &spec, arg_unsigned(ap, len), 0, 0, 8, 0);
			break;
		case 'x':
		case 'X':
			fmt_number(o, &spec, arg_unsigned(ap, len), 0, 0, 16,
			    *f == 'X');
			break;
		case 'c':
			c = (char)va_arg(*ap, int);
			fmt_text(o, &spec, &c, 1);
			break;
		case 's':
			s = va_arg(*ap, const char *);
			if (s == NULL) {
				/* glibc prints "(null)" only if it fits. */
				s = spec.fs_prec < 0 || spec.fs_prec >= 6 ?
				    "(null)" : "";
			}
			fmt_text(o, &spec, s, spec.fs_prec < 0 ? strlen(s) :
			    strnlen(s, (size_t)spec.fs_prec));
			break;
		case 'p':
			ptr = va_arg(*ap, const void *);
			if (ptr == NULL) {
				fmt_text(o, &spec, "(nil)", 5);
				break;
			}
			spec.fs_flags |= FMT_ALT;
			fmt_number(o, &spec, (uintptr_t)ptr, 0, 1, 16, 0);
			break;
		case '%':
			out_char(o, '%');
			break;
		case '\0':
			/* A '%' at the end: copy what there is. */
			out_mem(o, start, (size_t)(f - start));
			return;
		default:
			/* Unknown conversion: copy it, consume nothing. */
			f++;
			out_mem(o, start, (size_t)(f - start));
			continue;
		}
		f++;
	}
}

/*
 * Format like vprintf() into buf, storing at most size bytes including
 * the terminating NUL.  With size 0, buf is not touched (it may be
 * NULL) and only the length is computed.
 * Context: any, including interrupt handlers; never blocks, allocates
 * nothing; uses about 300 bytes of stack.
 * Returns the length of the full result, not counting the NUL, even
 * when it was truncated; -1 when that length does not fit in an int.
 */
int
vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
    va_list ap)
{
	struct fmt_out o;
	va_list aq;

	o.fo_buf = buf;
	o.fo_size = size;
	o.fo_len = 0;
	va_copy(aq, ap);
	fmt_all(&o, fmt, &aq);
	va_end(aq);
	if (size > 0)
		buf[o.fo_len < size ? o.fo_len : size - 1] = '\0';
	return (o.fo_len > (size_t)__INT_MAX__ ? -1 : (int)o.fo_len);
}

/*
 * Format like printf() into buf; see vsnprintf().
 * Context: any; never blocks.
 * Returns the length of the full result, as vsnprintf().
 */
int
snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}

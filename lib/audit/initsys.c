/* SPDX-License-Identifier: MIT */
/* The boot model (mamori/initsys.h): a shell line scanner, inittab and UCI readers, and the
 * walk from inittab / rcS / rc.local / rc.d links / procd scripts / inetd / systemd to every
 * command the image starts. Not a shell: see docs/internals/initsys.md. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/initsys.h"

/* ---- small helpers ---------------------------------------------------------------------- */

static char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static bool
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

const char *
mamori_init_basename(const char *prog)
{
	const char *s = strrchr(prog, '/');

	return s != NULL ? s + 1 : prog;
}

const char *
mamori_init_state_name(uint8_t s)
{
	switch (s) {
	case MAMORI_INIT_YES:
		return "yes";
	case MAMORI_INIT_NO:
		return "no";
	default:
		return "unknown";
	}
}

/* ---- shell scanner ---------------------------------------------------------------------- */

/* A growable word with a hard cap: bytes past MAMORI_SH_WORD_MAX are dropped. */
struct word {
	char b[MAMORI_SH_WORD_MAX + 1];
	size_t n;
};

static void
word_putc(struct word *w, char c)
{
	if (w->n < MAMORI_SH_WORD_MAX)
		w->b[w->n++] = c;
}

static void
word_puts(struct word *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		word_putc(w, s[i]);
}

struct var {
	char name[64];
	char value[MAMORI_SH_VALUE_MAX + 1];
};

enum frame_kind { FR_BRACE, FR_CASE };

struct frame {
	uint8_t kind;
	int func;       /* FR_BRACE: function index or -1 */
	bool action;    /* FR_CASE: the subject is "$1" */
	bool in_arm;    /* FR_CASE: after the pattern's ')' */
	bool stop_arm;  /* FR_CASE: the current arm is not a start arm */
	bool any_start; /* FR_CASE: an earlier alternative of this pattern was a start label */
};

enum tok { T_WORD, T_SEMI, T_DSEMI, T_AMP, T_AND, T_OR, T_PIPE, T_LPAR, T_RPAR, T_NL, T_EOF };

struct sh {
	const uint8_t *p;
	size_t len, pos;
	uint32_t line;
	mamori_sh_readfile rf;
	const void *rfctx;
	struct mamori_sh_script *s;
	struct mamori_diag *d;
	struct var *vars;
	size_t nvars;
	struct frame st[MAMORI_SH_NEST_MAX];
	size_t nst;
	int pending_func; /* a NAME() was seen; the next '{' opens its body */
	char heredoc[64]; /* delimiter of a pending here-document */
	bool heredoc_tabs;
	bool heredoc_pending;
	bool want_delim; /* "<<" stood alone: the next word is the delimiter */
	/* the command being gathered */
	char *argv[MAMORI_SH_ARGV_MAX];
	size_t argc;
	uint32_t cmd_line;
	size_t cmd_start;
	struct word w;
};

static const char *
var_get(const struct sh *S, const char *name, size_t n)
{
	for (size_t i = S->nvars; i-- > 0;)
		if (strlen(S->vars[i].name) == n && memcmp(S->vars[i].name, name, n) == 0)
			return S->vars[i].value;
	return NULL;
}

static void
var_set(struct sh *S, const char *name, size_t n, const char *value)
{
	struct var *v = NULL;

	if (n == 0 || n >= sizeof(S->vars[0].name))
		return;
	for (size_t i = 0; i < S->nvars; i++)
		if (strlen(S->vars[i].name) == n && memcmp(S->vars[i].name, name, n) == 0)
			v = &S->vars[i];
	if (v == NULL) {
		if (S->nvars >= MAMORI_SH_VARS_MAX)
			return; /* the limit: later variables stay unexpanded */
		v = &S->vars[S->nvars++];
		memcpy(v->name, name, n);
		v->name[n] = '\0';
	}
	snprintf(v->value, sizeof(v->value), "%s", value);
}

/* Copies a `...` or $(...) substitution through literally; i is at its first byte. */
static size_t
copy_subst(struct sh *S, size_t i, struct word *w)
{
	const uint8_t *p = S->p;

	if (p[i] == '`') {
		word_putc(w, '`');
		for (i++; i < S->len && p[i] != '`'; i++) {
			if (p[i] == '\n')
				S->line++;
			if (p[i] == '\\' && i + 1 < S->len) {
				word_putc(w, (char)p[i]);
				i++;
			}
			word_putc(w, (char)p[i]);
		}
		if (i < S->len) {
			word_putc(w, '`');
			i++;
		}
		return i;
	}
	/* "$(": count parentheses until the matching one */
	size_t depth = 0;

	for (; i < S->len; i++) {
		if (p[i] == '\n')
			S->line++;
		word_putc(w, (char)p[i]);
		if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')') {
			if (depth <= 1) {
				i++;
				break;
			}
			depth--;
		}
	}
	return i;
}

/* Expands a $NAME / ${NAME} at i (p[i] == '$'); unknown names are kept as written. */
static size_t
expand_var(struct sh *S, size_t i, struct word *w)
{
	const char *p = (const char *)S->p;
	size_t j;

	if (i + 1 < S->len && p[i + 1] == '(')
		return copy_subst(S, i, w);
	if (i + 1 < S->len && p[i + 1] == '{') {
		for (j = i + 2; j < S->len && p[j] != '}' && p[j] != '\n'; j++)
			;
		if (j < S->len && p[j] == '}') {
			size_t n = j - (i + 2);
			bool simple = n > 0 && is_ident_start((uint8_t)p[i + 2]);

			for (size_t k = i + 2; simple && k < j; k++)
				simple = is_ident((uint8_t)p[k]);
			const char *v = simple ? var_get(S, p + i + 2, n) : NULL;

			if (v != NULL)
				word_puts(w, v, strlen(v));
			else
				word_puts(w, p + i, j + 1 - i);
			return j + 1;
		}
		word_putc(w, '$');
		return i + 1;
	}
	if (i + 1 < S->len && is_ident_start((uint8_t)p[i + 1])) {
		for (j = i + 1; j < S->len && is_ident((uint8_t)p[j]); j++)
			;
		const char *v = var_get(S, p + i + 1, j - i - 1);

		if (v != NULL)
			word_puts(w, v, strlen(v));
		else
			word_puts(w, p + i, j - i);
		return j;
	}
	word_putc(w, '$');
	return i + 1;
}

/* Whether s occurs in p[0..n). */
static bool
has_sub(const uint8_t *p, size_t n, const char *s)
{
	size_t sl = strlen(s);

	for (size_t i = 0; sl <= n && i <= n - sl; i++)
		if (memcmp(p + i, s, sl) == 0)
			return true;
	return false;
}

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_op(uint8_t c)
{
	return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '\n';
}

/* Skips the body of a pending here-document, after the newline that ended its command. */
static void
skip_heredoc(struct sh *S)
{
	size_t dl = strlen(S->heredoc);

	S->heredoc_pending = false;
	while (S->pos < S->len) {
		size_t b = S->pos, e = b;

		while (e < S->len && S->p[e] != '\n')
			e++;
		if (S->heredoc_tabs)
			while (b < e && S->p[b] == '\t')
				b++;
		S->pos = e < S->len ? e + 1 : e;
		S->line++;
		if (e - b == dl && memcmp(S->p + b, S->heredoc, dl) == 0)
			return;
	}
}

/* Reads one token; a word goes into S->w. */
static enum tok
next_tok(struct sh *S, size_t *start)
{
	const uint8_t *p = S->p;
	size_t i = S->pos;

again:
	while (i < S->len && is_blank(p[i]))
		i++;
	if (i + 1 < S->len && p[i] == '\\' && p[i + 1] == '\n') {
		i += 2;
		S->line++;
		goto again;
	}
	*start = i;
	if (i >= S->len) {
		S->pos = i;
		return T_EOF;
	}
	if (p[i] == '#') {
		while (i < S->len && p[i] != '\n')
			i++;
		goto again;
	}
	if (is_op(p[i])) {
		enum tok t;
		uint8_t c = p[i];
		bool dbl = i + 1 < S->len && p[i + 1] == c;

		switch (c) {
		case '\n':
			S->pos = i + 1;
			S->line++;
			if (S->heredoc_pending)
				skip_heredoc(S);
			return T_NL;
		case ';':
			t = dbl ? T_DSEMI : T_SEMI;
			break;
		case '&':
			t = dbl ? T_AND : T_AMP;
			break;
		case '|':
			t = dbl ? T_OR : T_PIPE;
			break;
		case '(':
			t = T_LPAR;
			dbl = false;
			break;
		default:
			t = T_RPAR;
			dbl = false;
			break;
		}
		S->pos = i + (dbl ? 2 : 1);
		return t;
	}
	S->w.n = 0;
	while (i < S->len && !is_blank(p[i])) {
		uint8_t c = p[i];

		if (c == '\\') {
			if (i + 1 < S->len && p[i + 1] == '\n') {
				S->line++;
				i += 2;
				continue;
			}
			if (i + 1 < S->len)
				word_putc(&S->w, (char)p[i + 1]);
			i += 2;
			continue;
		}
		if (c == '\'') {
			for (i++; i < S->len && p[i] != '\''; i++) {
				if (p[i] == '\n')
					S->line++;
				word_putc(&S->w, (char)p[i]);
			}
			i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < S->len && p[i] != '"';) {
				if (p[i] == '\\' && i + 1 < S->len &&
				    strchr("$`\"\\\n", p[i + 1]) != NULL) {
					if (p[i + 1] == '\n')
						S->line++;
					else
						word_putc(&S->w, (char)p[i + 1]);
					i += 2;
				} else if (p[i] == '$') {
					i = expand_var(S, i, &S->w);
				} else if (p[i] == '`') {
					i = copy_subst(S, i, &S->w);
				} else {
					if (p[i] == '\n')
						S->line++;
					word_putc(&S->w, (char)p[i]);
					i++;
				}
			}
			i++;
			continue;
		}
		if (c == '`') {
			i = copy_subst(S, i, &S->w);
			continue;
		}
		if (c == '$') {
			i = expand_var(S, i, &S->w);
			continue;
		}
		if (c == '&' && S->w.n > 0 &&
		    (S->w.b[S->w.n - 1] == '>' || S->w.b[S->w.n - 1] == '<')) {
			word_putc(&S->w, '&'); /* 2>&1 */
			i++;
			continue;
		}
		if (is_op(c))
			break;
		word_putc(&S->w, (char)c);
		i++;
	}
	if (i > S->len)
		i = S->len;
	S->pos = i;
	S->w.b[S->w.n] = '\0';
	return T_WORD;
}

static void
drop_argv(struct sh *S)
{
	for (size_t i = 0; i < S->argc; i++)
		free(S->argv[i]);
	S->argc = 0;
}

static int
cur_func(const struct sh *S)
{
	for (size_t i = S->nst; i-- > 0;)
		if (S->st[i].kind == FR_BRACE && S->st[i].func >= 0)
			return S->st[i].func;
	return -1;
}

static bool
cur_stop_arm(const struct sh *S)
{
	for (size_t i = S->nst; i-- > 0;)
		if (S->st[i].kind == FR_CASE && S->st[i].action && S->st[i].in_arm &&
		    S->st[i].stop_arm)
			return true;
	return false;
}

static struct frame *
top_case(struct sh *S)
{
	if (S->nst > 0 && S->st[S->nst - 1].kind == FR_CASE)
		return &S->st[S->nst - 1];
	return NULL;
}

static void
push(struct sh *S, uint8_t kind, int func, bool action)
{
	if (S->nst >= MAMORI_SH_NEST_MAX)
		return; /* deeper nesting is flattened: commands are still seen */
	S->st[S->nst].kind = kind;
	S->st[S->nst].func = func;
	S->st[S->nst].action = action;
	S->st[S->nst].in_arm = false;
	S->st[S->nst].stop_arm = false;
	S->st[S->nst].any_start = false;
	S->nst++;
}

static void
pop(struct sh *S, uint8_t kind)
{
	for (size_t i = S->nst; i-- > 0;)
		if (S->st[i].kind == kind) {
			S->nst = i;
			return;
		}
}

static bool
is_assignment(const char *w)
{
	if (!is_ident_start((uint8_t)w[0]))
		return false;
	for (size_t i = 1; w[i] != '\0'; i++) {
		if (w[i] == '=')
			return true;
		if (!is_ident((uint8_t)w[i]))
			return false;
	}
	return false;
}

/* X=`cat FILE` or X=$(cat FILE): the first line of FILE from the image, when it has one. */
static void
assign(struct sh *S, const char *w)
{
	const char *eq = strchr(w, '=');
	const char *v = eq + 1;
	char path[256];
	size_t vl = strlen(v), pl = 0, off = 0;

	if (vl > 6 && v[0] == '`' && v[vl - 1] == '`' && strncmp(v + 1, "cat ", 4) == 0) {
		off = 5;
		pl = vl - 6;
	} else if (vl > 7 && strncmp(v, "$(cat ", 6) == 0 && v[vl - 1] == ')') {
		off = 6;
		pl = vl - 7;
	}
	while (pl > 0 && v[off] == ' ') {
		off++;
		pl--;
	}
	while (pl > 0 && v[off + pl - 1] == ' ')
		pl--;
	if (pl > 0 && pl < sizeof(path) && S->rf != NULL && memchr(v + off, ' ', pl) == NULL) {
		size_t fl = 0;
		const uint8_t *f;

		memcpy(path, v + off, pl);
		path[pl] = '\0';
		f = S->rf(S->rfctx, path, &fl);
		if (f != NULL) {
			char val[MAMORI_SH_VALUE_MAX + 1];
			size_t n = 0;

			while (n < fl && n < MAMORI_SH_VALUE_MAX && f[n] != '\n' && f[n] != '\r' &&
			       f[n] != '\0')
				n++;
			memcpy(val, f, n);
			val[n] = '\0';
			var_set(S, w, (size_t)(eq - w), val);
			return;
		}
	}
	var_set(S, w, (size_t)(eq - w), v);
}

static const char *const start_words[] = {
    "then", "do", "else", "!", "if", "elif", "while", "until", "time", "fi", "done"};

static bool
is_redirect(const char *w, bool *alone)
{
	size_t i = 0;

	while (w[i] >= '0' && w[i] <= '9')
		i++;
	if (w[i] != '>' && w[i] != '<' && !(w[i] == '&' && w[i + 1] == '>'))
		return false;
	if (w[i] == '<' && w[i + 1] == '<')
		return true; /* here-document: handled by the caller */
	while (w[i] == '>' || w[i] == '<' || w[i] == '&' || w[i] == '|')
		i++;
	*alone = w[i] == '\0';
	return true;
}

/* Makes room for one more element in a doubling array of n used of *cap (first: the initial
 * capacity). The counts are bounded by the callers' limits, far below any overflow. */
static mamori_err
grow(void **v, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t nc;
	void *np;

	if (n < *cap)
		return MAMORI_OK;
	nc = *cap ? *cap * 2 : first;
	np = realloc(*v, nc * elem);
	if (np == NULL)
		return MAMORI_E_NOMEM;
	*v = np;
	*cap = nc;
	return MAMORI_OK;
}

static mamori_err
emit(struct sh *S, char **av, size_t ac, bool bg, size_t end)
{
	struct mamori_sh_script *s = S->s;
	struct mamori_sh_cmd *c;
	size_t tl = 0;

	if (s->ncmd >= MAMORI_SH_CMDS_MAX)
		return mamori_diag_set(S->d, MAMORI_E_TOOBIG, S->cmd_start, S->cmd_line,
		    "more than %u commands in one script", MAMORI_SH_CMDS_MAX);
	if (grow((void **)&s->cmd, &s->capcmd, s->ncmd, sizeof(*s->cmd), 16) != MAMORI_OK)
		return MAMORI_E_NOMEM;
	c = &s->cmd[s->ncmd];
	memset(c, 0, sizeof(*c));
	c->argv = calloc(ac, sizeof(char *));
	c->text = malloc(MAMORI_SH_TEXT_MAX + 1);
	if (c->argv == NULL || c->text == NULL) {
		free(c->argv);
		free(c->text);
		return MAMORI_E_NOMEM;
	}
	/* the source text, continuations and runs of blanks folded to one space */
	for (size_t i = S->cmd_start; i < end && i < S->len && tl < MAMORI_SH_TEXT_MAX; i++) {
		uint8_t ch = S->p[i];

		if (ch == '\\' && i + 1 < end && S->p[i + 1] == '\n') {
			i++;
			ch = ' ';
		}
		if (is_blank(ch) || ch == '\n')
			ch = ' ';
		if (ch == ' ' && (tl == 0 || c->text[tl - 1] == ' '))
			continue;
		c->text[tl++] = (char)ch;
	}
	while (tl > 0 && c->text[tl - 1] == ' ')
		tl--;
	c->text[tl] = '\0';
	for (size_t i = 0; i < ac; i++) {
		c->argv[i] = av[i];
		av[i] = NULL;
	}
	c->argc = ac;
	c->line = S->cmd_line;
	c->background = bg;
	c->func = cur_func(S);
	c->stop_arm = cur_stop_arm(S);
	s->ncmd++;
	return MAMORI_OK;
}

static mamori_err
add_func(struct sh *S, const char *name)
{
	struct mamori_sh_script *s = S->s;

	if (s->nfunc >= MAMORI_SH_FUNCS_MAX) {
		S->pending_func = -1;
		return MAMORI_OK; /* over the limit: its body reads as top-level code */
	}
	if (s->nfunc == s->capfunc) {
		size_t nc = s->capfunc ? s->capfunc * 2 : 8;
		void *np = realloc(s->func, nc * sizeof(*s->func));

		if (np == NULL)
			return MAMORI_E_NOMEM;
		s->func = np;
		s->capfunc = nc;
	}
	s->func[s->nfunc].name = xstrdup(name);
	if (s->func[s->nfunc].name == NULL)
		return MAMORI_E_NOMEM;
	s->func[s->nfunc].line = S->cmd_line;
	S->pending_func = (int)s->nfunc;
	s->nfunc++;
	return MAMORI_OK;
}

/* A case pattern's words ("start", "start|restart" arrives as start, restart). */
static bool
start_label(const char *w)
{
	return strstr(w, "start") != NULL || strstr(w, "boot") != NULL;
}

/* Interprets the gathered words, ended by token t. */
static mamori_err
finish(struct sh *S, enum tok t, size_t end)
{
	char **av = S->argv;
	size_t ac = S->argc, k = 0;
	struct frame *cf = top_case(S);
	mamori_err ret = MAMORI_OK;

	if (ac == 0)
		goto out;
	/* a case pattern: words up to ')' while a case waits for one */
	if (cf != NULL && !cf->in_arm) {
		if (strcmp(av[0], "esac") == 0) {
			pop(S, FR_CASE);
			goto out;
		}
		if (t == T_PIPE) {
			/* one alternative of several: remember whether any is a start label */
			cf->any_start = cf->any_start || start_label(av[0]);
			goto out;
		}
		if (t == T_RPAR) {
			cf->in_arm = true;
			cf->stop_arm = !(start_label(av[0]) || cf->any_start);
			cf->any_start = false;
			goto out;
		}
	}
	/* leading reserved words and braces */
	while (k < ac) {
		bool kw = false;

		for (size_t i = 0; i < sizeof(start_words) / sizeof(start_words[0]); i++)
			if (strcmp(av[k], start_words[i]) == 0)
				kw = true;
		if (kw) {
			k++;
			continue;
		}
		if (strcmp(av[k], "{") == 0) {
			push(S, FR_BRACE, S->pending_func, false);
			S->pending_func = -1;
			k++;
			continue;
		}
		if (strcmp(av[k], "}") == 0) {
			pop(S, FR_BRACE);
			k++;
			continue;
		}
		if (strcmp(av[k], "esac") == 0) {
			pop(S, FR_CASE);
			k++;
			continue;
		}
		break;
	}
	if (k >= ac)
		goto out;
	if (strcmp(av[k], "for") == 0) {
		/* for V in WORDS: V becomes the words joined by spaces */
		if (k + 2 < ac && strcmp(av[k + 2], "in") == 0) {
			char val[MAMORI_SH_VALUE_MAX + 1];
			size_t vl = 0;

			val[0] = '\0';
			for (size_t i = k + 3; i < ac; i++) {
				int n = snprintf(
				    val + vl, sizeof(val) - vl, "%s%s", vl ? " " : "", av[i]);

				if (n < 0 || (size_t)n >= sizeof(val) - vl)
					break;
				vl += (size_t)n;
			}
			var_set(S, av[k + 1], strlen(av[k + 1]), val);
		}
		goto out;
	}
	if (strcmp(av[k], "case") == 0) {
		bool action =
		    k + 1 < ac &&
		    (strcmp(av[k + 1], "$1") == 0 || strcmp(av[k + 1], "${1}") == 0 ||
		        strcmp(av[k + 1], "$action") == 0 || strcmp(av[k + 1], "$ACTION") == 0);

		push(S, FR_CASE, -1, action);
		goto out;
	}
	if (strcmp(av[k], "function") == 0 && k + 1 < ac) {
		char name[64];

		snprintf(name, sizeof(name), "%s", av[k + 1]);
		name[strcspn(name, "(")] = '\0';
		ret = add_func(S, name);
		if (ret == MAMORI_OK && k + 2 < ac && strcmp(av[ac - 1], "{") == 0) {
			push(S, FR_BRACE, S->pending_func, false);
			S->pending_func = -1;
		}
		goto out;
	}
	/* NAME() [{] : the tokenizer gave NAME then '(' */
	if (t == T_LPAR && ac - k == 1) {
		size_t save = S->pos, st;
		uint32_t sl = S->line;

		if (next_tok(S, &st) == T_RPAR) {
			ret = add_func(S, av[k]);
			if (ret != MAMORI_OK)
				goto out;
			/* "{" on the same line */
			save = S->pos;
			sl = S->line;
			if (next_tok(S, &st) == T_WORD && strcmp(S->w.b, "{") == 0) {
				push(S, FR_BRACE, S->pending_func, false);
				S->pending_func = -1;
				goto out;
			}
		}
		S->pos = save;
		S->line = sl;
		goto out;
	}
	/* local / export / readonly and assignments */
	if (strcmp(av[k], "local") == 0 || strcmp(av[k], "export") == 0 ||
	    strcmp(av[k], "readonly") == 0) {
		for (size_t i = k + 1; i < ac; i++)
			if (is_assignment(av[i]))
				assign(S, av[i]);
		goto out;
	}
	{
		size_t j = k;

		while (j < ac && is_assignment(av[j]))
			j++;
		if (j == ac) {
			for (size_t i = k; i < ac; i++)
				assign(S, av[i]);
			goto out;
		}
		k = j;
	}
	/* drop redirections, note here-documents */
	{
		size_t o = k;

		for (size_t i = k; i < ac; i++) {
			bool alone = false;
			const char *hd = strstr(av[i], "<<");

			/* here-documents: the main loop noted the delimiter; drop the words */
			if (hd != NULL && (hd == av[i] || (av[i][0] >= '0' && av[i][0] <= '9'))) {
				bool alone_hd = hd[2] == '\0' || (hd[2] == '-' && hd[3] == '\0');

				free(av[i]);
				av[i] = NULL;
				if (alone_hd) {
					if (i + 1 < ac) {
						i++;
						free(av[i]);
						av[i] = NULL;
					}
				}
				continue;
			}
			if (is_redirect(av[i], &alone)) {
				free(av[i]);
				av[i] = NULL;
				if (alone && i + 1 < ac) {
					i++;
					free(av[i]);
					av[i] = NULL;
				}
				continue;
			}
			av[o++] = av[i];
			if (o - 1 != i)
				av[i] = NULL;
		}
		for (size_t i = o; i < ac; i++)
			free(av[i]), av[i] = NULL;
		ac = o;
		S->argc = o;
	}
	if (ac > k) {
		/* move the command to the front */
		for (size_t i = 0; i < k; i++) {
			free(av[i]);
			av[i] = NULL;
		}
		ret = emit(S, av + k, ac - k, t == T_AMP, end);
	}
out:
	drop_argv(S);
	if (cf != NULL && cf == top_case(S) && cf->in_arm && t == T_DSEMI) {
		cf->in_arm = false;
		cf->stop_arm = false;
	}
	return ret;
}

/* A "<<WORD", "<<-WORD" or "<< WORD" in the words: the body starts after this line's end. */
static void
note_heredoc(struct sh *S)
{
	const char *w = S->w.b, *hd;
	size_t i = 0;

	if (S->want_delim) {
		S->want_delim = false;
		/* a delimiter over the buffer's size could never match: no skipping then */
		snprintf(S->heredoc, sizeof(S->heredoc), "%.63s", w);
		S->heredoc_pending = S->heredoc[0] != '\0' && strlen(w) < sizeof(S->heredoc);
		return;
	}
	while (w[i] >= '0' && w[i] <= '9')
		i++;
	hd = w + i;
	if (hd[0] != '<' || hd[1] != '<' || hd[2] == '<')
		return;
	hd += 2;
	S->heredoc_tabs = *hd == '-';
	if (S->heredoc_tabs)
		hd++;
	if (*hd == '\0') {
		S->want_delim = true;
		return;
	}
	snprintf(S->heredoc, sizeof(S->heredoc), "%.63s", hd);
	S->heredoc_pending = strlen(hd) < sizeof(S->heredoc);
}

mamori_err
mamori_sh_parse(const uint8_t *p, size_t len, mamori_sh_readfile rf, const void *rfctx,
    struct mamori_sh_script *out, struct mamori_diag *d)
{
	struct mamori_sh_script s = {0};
	struct sh *S = NULL;
	mamori_err ret = MAMORI_E_NOMEM;

	if (len > MAMORI_SH_SCRIPT_MAX) {
		ret = mamori_diag_set(d, MAMORI_E_TOOBIG, MAMORI_SH_SCRIPT_MAX, 0,
		    "script of %zu bytes is over the %u-byte limit", len, MAMORI_SH_SCRIPT_MAX);
		goto out;
	}
	S = calloc(1, sizeof(*S));
	if (S == NULL)
		goto out;
	S->vars = calloc(MAMORI_SH_VARS_MAX, sizeof(*S->vars));
	if (S->vars == NULL)
		goto out;
	S->p = p;
	S->len = len;
	S->line = 1;
	S->rf = rf;
	S->rfctx = rfctx;
	S->s = &s;
	S->d = d;
	S->pending_func = -1;
	for (;;) {
		size_t st;
		uint32_t line = S->line;
		enum tok t = next_tok(S, &st);

		if (t == T_WORD) {
			if (S->argc == 0) {
				S->cmd_line = line;
				S->cmd_start = st;
			}
			note_heredoc(S);
			if (S->argc < MAMORI_SH_ARGV_MAX) {
				S->argv[S->argc] = xstrndup(S->w.b, S->w.n);
				if (S->argv[S->argc] == NULL)
					goto out;
				S->argc++;
			}
			/* a NAME() with "{" on the next line arrives as the word "{" */
			continue;
		}
		ret = finish(S, t, st);
		if (ret != MAMORI_OK)
			goto out;
		ret = MAMORI_E_NOMEM;
		if (t == T_EOF)
			break;
	}
	*out = s;
	memset(&s, 0, sizeof(s));
	ret = MAMORI_OK;
out:
	if (S != NULL) {
		drop_argv(S);
		free(S->vars);
		free(S);
	}
	mamori_sh_free(&s);
	return ret;
}

/* Frees the n strings of v and v itself. */
static void
free_strv(char **v, size_t n)
{
	for (size_t j = 0; j < n; j++)
		free(v[j]);
	free(v);
}

void
mamori_sh_free(struct mamori_sh_script *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncmd; i++) {
		free_strv(s->cmd[i].argv, s->cmd[i].argc);
		free(s->cmd[i].text);
	}
	free(s->cmd);
	for (size_t i = 0; i < s->nfunc; i++)
		free(s->func[i].name);
	free(s->func);
	memset(s, 0, sizeof(*s));
}

static int
find_func(const struct mamori_sh_script *s, const char *name)
{
	for (size_t i = s->nfunc; i-- > 0;)
		if (strcmp(s->func[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
mamori_sh_reachable(
    const struct mamori_sh_script *s, const char *const *roots, size_t nroots, bool *reach)
{
	int *callee = NULL;
	bool changed = true;

	for (size_t i = 0; i < s->nfunc; i++)
		reach[i] = false;
	for (size_t i = 0; i < nroots; i++) {
		int f = find_func(s, roots[i]);

		if (f >= 0)
			reach[f] = true;
	}
	if (s->nfunc == 0)
		return;
	/* the function each command calls (NAME, config_foreach NAME, eval NAME), once */
	callee = malloc((s->ncmd + 1) * sizeof(int));
	for (size_t i = 0; i < s->ncmd; i++) {
		const struct mamori_sh_cmd *c = &s->cmd[i];
		int f = find_func(s, c->argv[0]);

		if (f < 0 && c->argc > 1 &&
		    (strcmp(c->argv[0], "config_foreach") == 0 || strcmp(c->argv[0], "eval") == 0))
			f = find_func(s, c->argv[1]);
		if (callee == NULL) {
			/* no memory for the table: call everything reachable (over-approximation)
			 */
			for (size_t k = 0; k < s->nfunc; k++)
				reach[k] = true;
			return;
		}
		callee[i] = f;
	}
	/* a fixpoint: each pass adds at least one function, so at most nfunc + 1 passes */
	while (changed) {
		changed = false;
		for (size_t i = 0; i < s->ncmd; i++) {
			int from = s->cmd[i].func, f = callee[i];

			/* a call from a stop arm ("stop) do_stop ;;") does not start anything */
			if (f < 0 || reach[f] || (from >= 0 && !reach[from]) || s->cmd[i].stop_arm)
				continue;
			reach[f] = true;
			changed = true;
		}
	}
	free(callee);
}

/* ---- inittab ---------------------------------------------------------------------------- */

static void
copy_field(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap)
		n = cap - 1; /* over-long fields are cut to the field's size */
	memcpy(dst, p, n);
	dst[n] = '\0';
}

mamori_err
mamori_inittab_parse(const uint8_t *p, size_t len, struct mamori_inittab_entry **out, size_t *n,
    struct mamori_diag *d)
{
	struct mamori_inittab_entry *e = NULL;
	size_t ne = 0, cap = 0, pos = 0;
	uint32_t line = 0;
	mamori_err ret = MAMORI_E_NOMEM;

	if (len > MAMORI_SH_SCRIPT_MAX) {
		ret = mamori_diag_set(d, MAMORI_E_TOOBIG, MAMORI_SH_SCRIPT_MAX, 0,
		    "inittab of %zu bytes is over the %u-byte limit", len, MAMORI_SH_SCRIPT_MAX);
		goto out;
	}
	while (pos < len) {
		size_t b = pos, eol = pos, c[3], nc = 0;

		while (eol < len && p[eol] != '\n')
			eol++;
		pos = eol < len ? eol + 1 : eol;
		line++;
		while (b < eol && is_blank(p[b]))
			b++;
		if (b == eol || p[b] == '#')
			continue;
		for (size_t i = b; i < eol && nc < 3; i++)
			if (p[i] == ':')
				c[nc++] = i;
		if (nc < 3) {
			(void)mamori_diag_set(d, MAMORI_E_MALFORMED, b, line,
			    "inittab line %u has fewer than four fields", line);
			continue;
		}
		if (ne >= MAMORI_SH_CMDS_MAX) {
			ret =
			    mamori_diag_set(d, MAMORI_E_TOOBIG, b, line, "too many inittab lines");
			goto out;
		}
		if (ne == cap) {
			size_t nc2 = cap ? cap * 2 : 8;
			void *np = realloc(e, nc2 * sizeof(*e));

			if (np == NULL)
				goto out;
			e = np;
			cap = nc2;
		}
		struct mamori_inittab_entry *x = &e[ne];
		size_t pe = eol;

		while (pe > c[2] + 1 && is_blank(p[pe - 1]))
			pe--;
		copy_field(x->id, sizeof(x->id), p + b, c[0] - b);
		copy_field(x->runlevels, sizeof(x->runlevels), p + c[0] + 1, c[1] - c[0] - 1);
		copy_field(x->action, sizeof(x->action), p + c[1] + 1, c[2] - c[1] - 1);
		x->process = xstrndup((const char *)p + c[2] + 1, pe - c[2] - 1);
		if (x->process == NULL)
			goto out;
		x->line = line;
		ne++;
	}
	*out = e;
	*n = ne;
	e = NULL;
	ne = 0;
	ret = MAMORI_OK;
out:
	mamori_inittab_free(e, ne);
	return ret;
}

void
mamori_inittab_free(struct mamori_inittab_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].process);
	free(e);
}

/* ---- UCI -------------------------------------------------------------------------------- */

/* One UCI word at p[*i..eol): quotes removed, into w. False at the end or at a comment. */
static bool
uci_word(const uint8_t *p, size_t eol, size_t *i, struct word *w)
{
	size_t j = *i;

	while (j < eol && is_blank(p[j]))
		j++;
	if (j >= eol || p[j] == '#') {
		*i = eol;
		return false;
	}
	w->n = 0;
	while (j < eol && !is_blank(p[j])) {
		if (p[j] == '\'' || p[j] == '"') {
			uint8_t q = p[j++];

			while (j < eol && p[j] != q) {
				if (q == '"' && p[j] == '\\' && j + 1 < eol)
					j++;
				word_putc(w, (char)p[j++]);
			}
			if (j < eol)
				j++;
			continue;
		}
		if (p[j] == '\\' && j + 1 < eol)
			j++;
		word_putc(w, (char)p[j++]);
	}
	w->b[w->n] = '\0';
	*i = j;
	return true;
}

mamori_err
mamori_uci_parse(const uint8_t *p, size_t len, mamori_uci_fn fn, void *ctx, struct mamori_diag *d)
{
	struct word *w = NULL, *stype = NULL, *sname = NULL, *key = NULL;
	size_t pos = 0, sindex = 0;
	uint32_t line = 0, sline = 0;
	bool insec = false;
	mamori_err ret = MAMORI_E_NOMEM;

	if (len > MAMORI_SH_SCRIPT_MAX) {
		ret = mamori_diag_set(d, MAMORI_E_TOOBIG, MAMORI_SH_SCRIPT_MAX, 0,
		    "UCI file of %zu bytes is over the %u-byte limit", len, MAMORI_SH_SCRIPT_MAX);
		goto out;
	}
	w = malloc(sizeof(*w));
	stype = malloc(sizeof(*stype));
	sname = malloc(sizeof(*sname));
	key = malloc(sizeof(*key));
	if (w == NULL || stype == NULL || sname == NULL || key == NULL)
		goto out;
	stype->b[0] = sname->b[0] = '\0';
	while (pos < len) {
		size_t eol = pos, i;

		while (eol < len && p[eol] != '\n')
			eol++;
		i = pos;
		pos = eol < len ? eol + 1 : eol;
		line++;
		if (!uci_word(p, eol, &i, w))
			continue;
		if (strcmp(w->b, "config") == 0) {
			if (insec)
				sindex++;
			insec = true;
			sline = line;
			stype->b[0] = sname->b[0] = '\0';
			stype->n = sname->n = 0;
			if (!uci_word(p, eol, &i, stype) || !uci_word(p, eol, &i, sname))
				sname->b[0] = '\0';
			continue;
		}
		if ((strcmp(w->b, "option") == 0 || strcmp(w->b, "list") == 0) && insec) {
			struct mamori_uci_opt o;

			if (!uci_word(p, eol, &i, key))
				continue;
			if (!uci_word(p, eol, &i, w))
				w->b[0] = '\0';
			o.stype = stype->b;
			o.sname = sname->b;
			o.sindex = sindex;
			o.key = key->b;
			o.value = w->b;
			o.line = line;
			o.sline = sline;
			ret = fn(ctx, &o);
			if (ret != MAMORI_OK)
				goto out;
		}
	}
	ret = MAMORI_OK;
out:
	free(w);
	free(stype);
	free(sname);
	free(key);
	return ret;
}

/* ---- the boot model --------------------------------------------------------------------- */

struct sinfo {
	struct mamori_sh_script sh;
	bool dirty;    /* its state rose since its commands were last followed */
	bool parsed;   /* sh holds the scan (or the scan failed: sh is empty) */
	bool rccommon; /* an OpenWrt rc.common / procd script */
};

struct model {
	const struct mamori_fstree *t;
	struct mamori_initsys *m;
	struct sinfo *si; /* parallel to m->script */
	size_t capsi;
	struct mamori_diag *d;
	size_t nglob; /* glob expansions done (each walks the whole tree) */
};

static const uint8_t *
tree_file(const struct mamori_fstree *t, const char *path, size_t *len)
{
	const struct mamori_fs_node *n = mamori_fstree_resolve(t, path);

	if (n == NULL || n->type != MAMORI_FS_REG || n->size > MAMORI_SH_SCRIPT_MAX)
		return NULL;
	*len = (size_t)n->size;
	return n->data != NULL ? n->data : (const uint8_t *)"";
}

static const uint8_t *
rf_tree(const void *ctx, const char *path, size_t *len)
{
	return tree_file(ctx, path, len);
}

/* A file that can be a shell script: not ELF, not markup (XML, PHP and HTML start with '<'),
 * no NUL byte in its first 512 bytes. */
static bool
is_script(const struct mamori_fs_node *n)
{
	size_t k, b = 0;

	if (n == NULL || n->type != MAMORI_FS_REG || n->data == NULL || n->size < 2 ||
	    n->size > MAMORI_SH_SCRIPT_MAX)
		return false;
	if (n->size >= 4 && memcmp(n->data,
	                        "\x7f"
	                        "ELF",
	                        4) == 0)
		return false;
	k = n->size < 512 ? (size_t)n->size : 512;
	while (b < k && (is_blank(n->data[b]) || n->data[b] == '\n'))
		b++;
	if (b < k && n->data[b] == '<')
		return false;
	return memchr(n->data, 0, k) == NULL;
}

static void set_reason(char *dst, const char *fmt, ...) MAMORI_PRINTF(2, 3);

static void
set_reason(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, MAMORI_INIT_REASON_MAX, fmt, ap);
	va_end(ap);
}

/* Adds the script at path (symlinks followed inside the tree) or raises its state. */
static mamori_err
mark(struct model *M, const char *path, uint8_t state, const char *reason)
{
	const struct mamori_fs_node *n = mamori_fstree_resolve(M->t, path);
	struct mamori_initsys *m = M->m;
	size_t i;

	if (!is_script(n))
		return MAMORI_OK;
	for (i = 0; i < m->nscript; i++)
		if (strcmp(m->script[i].path, n->path) == 0)
			break;
	if (i == m->nscript) {
		if (m->nscript >= MAMORI_INIT_SCRIPTS_MAX) {
			/* the model goes on without it: partial, and d says so */
			(void)mamori_diag_set(M->d, MAMORI_E_TOOBIG, 0, 0,
			    "more than %u boot scripts; %s not followed", MAMORI_INIT_SCRIPTS_MAX,
			    n->path);
			return MAMORI_OK;
		}
		if (m->nscript == m->capscript) {
			size_t nc = m->capscript ? m->capscript * 2 : 16;
			void *np = realloc(m->script, nc * sizeof(*m->script));

			if (np == NULL)
				return MAMORI_E_NOMEM;
			m->script = np;
			m->capscript = nc;
			np = realloc(M->si, nc * sizeof(*M->si));
			if (np == NULL)
				return MAMORI_E_NOMEM;
			M->si = np;
		}
		m->script[i].path = xstrdup(n->path);
		if (m->script[i].path == NULL)
			return MAMORI_E_NOMEM;
		memset(&M->si[i], 0, sizeof(M->si[i]));
		m->script[i].started = MAMORI_INIT_NO;
		M->si[i].dirty = true;
		set_reason(m->script[i].reason, "%s", reason);
		m->nscript++;
	}
	if (state > m->script[i].started) {
		m->script[i].started = state;
		set_reason(m->script[i].reason, "%s", reason);
		M->si[i].dirty = true;
	}
	return MAMORI_OK;
}

/* Marks every regular file or link whose path matches pattern (a shell glob). */
static mamori_err
mark_glob(struct model *M, const char *pattern, uint8_t state, const char *reason)
{
	size_t n = mamori_fstree_count(M->t);

	if (strpbrk(pattern, "*?[") == NULL)
		return mark(M, pattern, state, reason);
	if (pattern[0] != '/')
		return MAMORI_OK; /* relative globs depend on the working directory */
	/* each expansion walks the tree: a cap keeps a hostile image from making it quadratic */
	if (M->nglob >= MAMORI_INIT_GLOBS_MAX) {
		(void)mamori_diag_set(M->d, MAMORI_E_TOOBIG, 0, 0,
		    "more than %u globs in boot scripts; %s not expanded", MAMORI_INIT_GLOBS_MAX,
		    pattern);
		return MAMORI_OK;
	}
	M->nglob++;
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(M->t, i);
		mamori_err ret;

		if (x->type != MAMORI_FS_REG && x->type != MAMORI_FS_LNK)
			continue;
		if (fnmatch(pattern, x->path, FNM_PATHNAME) != 0)
			continue;
		ret = mark(M, x->path, state, reason);
		if (ret != MAMORI_OK)
			return ret;
	}
	return MAMORI_OK;
}

static bool
is_shell(const char *prog)
{
	const char *b = mamori_init_basename(prog);

	return strcmp(b, "sh") == 0 || strcmp(b, "ash") == 0 || strcmp(b, "bash") == 0 ||
	       strcmp(b, "dash") == 0 || strcmp(b, "hush") == 0;
}

/* The scripts a command runs: ". F", "source F", "sh F", "/path/F ...", "run-parts DIR",
 * "/etc/rc.common F"; words that hold a for-loop's list ("A B C") are split. */
static mamori_err
mark_children(struct model *M, char *const *argv, size_t argc, uint8_t state, const char *reason)
{
	const char *target = NULL;
	char buf[MAMORI_SH_VALUE_MAX + 1];
	mamori_err ret = MAMORI_OK;

	if (argc == 0)
		return MAMORI_OK;
	if ((strcmp(argv[0], ".") == 0 || strcmp(argv[0], "source") == 0 || is_shell(argv[0]) ||
	        strcmp(mamori_init_basename(argv[0]), "rc.common") == 0) &&
	    argc > 1 && argv[1][0] != '-')
		target = argv[1];
	else if (strcmp(mamori_init_basename(argv[0]), "run-parts") == 0 && argc > 1) {
		snprintf(buf, sizeof(buf), "%s/*", argv[argc - 1]);
		return mark_glob(M, buf, state, reason);
	} else if (strchr(argv[0], '/') != NULL)
		target = argv[0];
	if (target == NULL)
		return MAMORI_OK;
	snprintf(buf, sizeof(buf), "%s", target);
	for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok != NULL && ret == MAMORI_OK;
	     tok = strtok_r(NULL, " ", &save))
		ret = mark_glob(M, tok, state, reason);
	return ret;
}

static void
scan(struct model *M, size_t i)
{
	struct sinfo *si = &M->si[i];
	const struct mamori_fs_node *n;
	struct mamori_diag d2 = {0};

	if (si->parsed)
		return;
	si->parsed = true;
	n = mamori_fstree_get(M->t, M->m->script[i].path);
	if (n == NULL || n->data == NULL)
		return;
	if (mamori_sh_parse(n->data, (size_t)n->size, rf_tree, M->t, &si->sh, &d2) != MAMORI_OK) {
		if (M->d != NULL)
			(void)mamori_diag_set(M->d, MAMORI_E_MALFORMED, d2.off, d2.line, "%s: %s",
			    M->m->script[i].path, d2.msg);
		memset(&si->sh, 0, sizeof(si->sh));
		return;
	}
	{
		size_t k = n->size < 256 ? (size_t)n->size : 256;

		si->rccommon = has_sub(n->data, k, "rc.common");
	}
}

static const char *const rc_roots[] = {"start", "boot", "start_service"};

/* The state of command k of script i, and why, given the script's state. */
static uint8_t
cmd_state(const struct model *M, size_t i, const bool *reach, size_t k, char *reason)
{
	const struct mamori_init_script *sc = &M->m->script[i];
	const struct mamori_sh_script *sh = &M->si[i].sh;
	const struct mamori_sh_cmd *c = &sh->cmd[k];

	if (c->func >= 0 && !reach[c->func]) {
		set_reason(reason, "in function %s() of %s, which is not called at start",
		    sh->func[c->func].name, sc->path);
		return MAMORI_INIT_NO;
	}
	if (c->stop_arm) {
		set_reason(
		    reason, "in a case arm of %s that does not start (stop, status...)", sc->path);
		return MAMORI_INIT_NO;
	}
	set_reason(reason, "%s", sc->reason);
	return sc->started;
}

/* ---- unwrapping and adding commands ---- */

struct cmdinfo {
	const char *file;
	uint32_t line;
	const char *text;
	uint8_t started, source;
	bool background;
	const char *action;
	const char *reason;
	const struct mamori_sh_script *sh; /* for telling functions from programs, or NULL */
};

static const char *const path_dirs[] = {
    "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"};

static const char *const builtins[] = {".", ":", "[", "[[", "test", "echo", "printf", "cd", "exit",
    "return", "set", "shift", "trap", "wait", "read", "eval", "exec", "true", "false", "unset",
    "umask", "ulimit", "source", "break", "continue", "let", "alias", "type", "config_load",
    "config_get", "config_get_bool", "config_foreach", "config_set", "procd_open_instance",
    "procd_close_instance", "procd_set_param", "procd_append_param", "procd_add_reload_trigger",
    "service_start", "service_stop", "append", "include"};

static uint8_t
binary_state(const struct model *M, const char *prog, const struct mamori_sh_script *sh)
{
	char buf[MAMORI_FS_PATH_MAX];

	if (prog[0] == '\0' || strpbrk(prog, "$`*?[") != NULL)
		return MAMORI_INIT_BIN_UNKNOWN;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(prog, builtins[i]) == 0)
			return MAMORI_INIT_BIN_UNKNOWN;
	if (sh != NULL && find_func(sh, prog) >= 0)
		return MAMORI_INIT_BIN_UNKNOWN;
	if (prog[0] == '/') {
		const struct mamori_fs_node *n = mamori_fstree_resolve(M->t, prog);

		return n != NULL && n->type == MAMORI_FS_REG ? MAMORI_INIT_BIN_PRESENT
		                                             : MAMORI_INIT_BIN_ABSENT;
	}
	if (strchr(prog, '/') != NULL)
		return MAMORI_INIT_BIN_UNKNOWN; /* relative to a working directory */
	for (size_t i = 0; i < sizeof(path_dirs) / sizeof(path_dirs[0]); i++) {
		const struct mamori_fs_node *n;

		snprintf(buf, sizeof(buf), "%s%s", path_dirs[i], prog);
		n = mamori_fstree_resolve(M->t, buf);
		if (n != NULL && n->type == MAMORI_FS_REG)
			return MAMORI_INIT_BIN_PRESENT;
	}
	return MAMORI_INIT_BIN_ABSENT;
}

static mamori_err add_cmd(struct model *M, char *const *argv, size_t argc, const struct cmdinfo *ci,
    int depth, const char *port);

/* Joins argv[from..) and scans it again as a line of shell (eval, sh -c). */
static mamori_err
rescan(struct model *M, char *const *argv, size_t from, size_t argc, const struct cmdinfo *ci,
    int depth)
{
	struct mamori_buf b;
	struct mamori_sh_script sh;
	mamori_err ret;

	mamori_buf_init(&b, (size_t)MAMORI_SH_WORD_MAX * 4);
	for (size_t i = from; i < argc; i++) {
		ret = mamori_buf_printf(&b, "%s%s", i > from ? " " : "", argv[i]);
		if (ret != MAMORI_OK && ret != MAMORI_E_TOOBIG)
			goto out;
	}
	ret =
	    mamori_sh_parse(b.p != NULL ? b.p : (const uint8_t *)"", b.len, NULL, NULL, &sh, NULL);
	if (ret != MAMORI_OK) {
		ret = ret == MAMORI_E_NOMEM ? ret : MAMORI_OK;
		goto out;
	}
	for (size_t i = 0; i < sh.ncmd && ret == MAMORI_OK; i++)
		ret = add_cmd(M, sh.cmd[i].argv, sh.cmd[i].argc, ci, depth + 1, NULL);
	mamori_sh_free(&sh);
out:
	mamori_buf_free(&b);
	return ret;
}

static bool
arg_is(const char *a, const char *s1, const char *s2)
{
	return strcmp(a, s1) == 0 || (s2 != NULL && strcmp(a, s2) == 0);
}

/* bin: the program whose presence counts ("busybox nc": busybox), or NULL for argv[0]. */
static mamori_err
push_cmd(struct model *M, char *const *argv, size_t argc, const struct cmdinfo *ci,
    const char *port, uint8_t started, const char *reason, const char *bin)
{
	struct mamori_initsys *m = M->m;
	struct mamori_init_cmd *c;

	if (m->ncmd >= MAMORI_INIT_CMDS_MAX)
		return mamori_diag_set(M->d, MAMORI_E_TOOBIG, 0, ci->line,
		    "more than %u boot commands", MAMORI_INIT_CMDS_MAX);
	if (grow((void **)&m->cmd, &m->capcmd, m->ncmd, sizeof(*m->cmd), 32) != MAMORI_OK)
		return MAMORI_E_NOMEM;
	c = &m->cmd[m->ncmd];
	memset(c, 0, sizeof(*c));
	c->argv = calloc(argc, sizeof(char *));
	c->text = xstrdup(ci->text);
	c->file = xstrdup(ci->file);
	if (c->argv == NULL || c->text == NULL || c->file == NULL)
		goto fail;
	for (size_t i = 0; i < argc; i++) {
		c->argv[i] = xstrdup(argv[i]);
		if (c->argv[i] == NULL)
			goto fail;
		c->argc = i + 1;
	}
	c->line = ci->line;
	c->started = started;
	c->source = ci->source;
	c->binary = binary_state(M, bin != NULL ? bin : argv[0], ci->sh);
	c->background = ci->background;
	snprintf(c->action, sizeof(c->action), "%s", ci->action != NULL ? ci->action : "");
	snprintf(c->port, sizeof(c->port), "%s", port != NULL ? port : "");
	set_reason(c->reason, "%s", reason);
	m->ncmd++;
	return MAMORI_OK;
fail:
	if (c->argv != NULL)
		for (size_t i = 0; i < c->argc; i++)
			free(c->argv[i]);
	free(c->argv);
	free(c->text);
	free(c->file);
	return MAMORI_E_NOMEM;
}

static mamori_err
add_cmd(struct model *M, char *const *argv, size_t argc, const struct cmdinfo *ci, int depth,
    const char *port)
{
	size_t k = 0;
	const char *b, *bb = NULL;

	if (depth > MAMORI_INIT_UNWRAP_MAX)
		return push_cmd(M, argv, argc, ci, port, ci->started, ci->reason, bb);
	/* wrappers that run the rest of the line */
	while (k < argc) {
		b = mamori_init_basename(argv[k]);
		if (arg_is(b, "exec", "nohup") || arg_is(b, "setsid", "command") ||
		    arg_is(b, "time", "builtin")) {
			k++;
		} else if (strcmp(b, "nice") == 0) {
			k++;
			if (k + 1 < argc && strcmp(argv[k], "-n") == 0)
				k += 2;
			else if (k < argc && argv[k][0] == '-')
				k++;
		} else if (strcmp(b, "env") == 0) {
			k++;
			while (k < argc && (is_assignment(argv[k]) || argv[k][0] == '-'))
				k++;
		} else if (strcmp(b, "busybox") == 0 && k + 1 < argc && argv[k + 1][0] != '-') {
			bb = argv[k];
			k++;
		} else {
			break;
		}
	}
	if (k >= argc)
		return MAMORI_OK;
	argv += k;
	argc -= k;
	b = mamori_init_basename(argv[0]);
	if (strcmp(b, "eval") == 0 && argc > 1)
		return rescan(M, argv, 1, argc, ci, depth);
	if (is_shell(argv[0]) && argc > 2 && strcmp(argv[1], "-c") == 0)
		return rescan(M, argv, 2, argc, ci, depth);
	if (strcmp(b, "service_start") == 0 && argc > 1)
		return add_cmd(M, argv + 1, argc - 1, ci, depth + 1, port);
	if (strcmp(b, "procd_set_param") == 0) {
		if (argc > 2 && strcmp(argv[1], "command") == 0)
			return add_cmd(M, argv + 2, argc - 2, ci, depth + 1, port);
		return MAMORI_OK;
	}
	if (strcmp(b, "tcpd") == 0 && argc > 1)
		return add_cmd(M, argv + 1, argc - 1, ci, depth + 1, port);
	if ((strcmp(b, "tcpsvd") == 0 || strcmp(b, "udpsvd") == 0) && argc > 1) {
		/* tcpsvd [-hEv] [-c N] [-C N[:MSG]] [-b N] [-u USER] [-l NAME] IP PORT PROG ARGS */
		size_t i = 1;

		while (i < argc && argv[i][0] == '-') {
			if (strchr("cCbul", argv[i][1]) != NULL && argv[i][1] != '\0' &&
			    argv[i][2] == '\0')
				i++;
			i++;
		}
		if (i + 2 < argc)
			return add_cmd(M, argv + i + 2, argc - i - 2, ci, depth + 1, argv[i + 1]);
		return push_cmd(M, argv, argc, ci, port, ci->started, ci->reason, bb);
	}
	if (strcmp(b, "start-stop-daemon") == 0) {
		const char *exe = NULL;
		size_t rest = argc;
		bool stop = false;
		char *nv[MAMORI_SH_ARGV_MAX], exebuf[MAMORI_SH_WORD_MAX + 1];
		size_t nn = 0;

		for (size_t i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--") == 0) {
				rest = i + 1;
				break;
			}
			if (arg_is(argv[i], "-K", "--stop"))
				stop = true;
			if ((arg_is(argv[i], "-x", "--exec") ||
			        arg_is(argv[i], "-a", "--startas")) &&
			    i + 1 < argc)
				exe = argv[++i];
			else if (strncmp(argv[i], "--exec=", 7) == 0)
				exe = argv[i] + 7;
			else if (strncmp(argv[i], "--startas=", 10) == 0)
				exe = argv[i] + 10;
		}
		if (stop)
			return push_cmd(M, argv, argc, ci, port, MAMORI_INIT_NO,
			    "start-stop-daemon --stop stops a daemon", NULL);
		if (exe == NULL)
			return push_cmd(M, argv, argc, ci, port, ci->started, ci->reason, bb);
		snprintf(exebuf, sizeof(exebuf), "%s", exe);
		nv[nn++] = exebuf;
		for (size_t i = rest; i < argc && nn < MAMORI_SH_ARGV_MAX; i++)
			nv[nn++] = argv[i];
		return push_cmd(M, nv, nn, ci, port, ci->started, ci->reason, NULL);
	}
	return push_cmd(M, argv, argc, ci, port, ci->started, ci->reason, bb);
}

/* ---- roots ---- */

static bool
uci_true(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
	       strcmp(v, "true") == 0 || strcmp(v, "enabled") == 0;
}

struct uci_enabled {
	int state; /* -1 not said, 0 disabled, 1 enabled */
	uint32_t line;
};

static mamori_err
uci_enabled_cb(void *ctx, const struct mamori_uci_opt *o)
{
	struct uci_enabled *u = ctx;

	if (strcmp(o->key, "enabled") != 0 && strcmp(o->key, "enable") != 0)
		return MAMORI_OK;
	if (uci_true(o->value)) {
		u->state = 1;
		u->line = o->line;
	} else if (u->state < 0) {
		u->state = 0;
		u->line = o->line;
	}
	return MAMORI_OK;
}

static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

/* rc.d links, init directories, procd scripts and their UCI configuration. */
static mamori_err
roots_from_dirs(struct model *M)
{
	const struct mamori_fstree *t = M->t;
	size_t n = mamori_fstree_count(t);
	char reason[MAMORI_INIT_REASON_MAX];
	bool have_rcd = mamori_fstree_get(t, "/etc/rc.d") != NULL;
	mamori_err ret = MAMORI_OK;

	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		const char *base = mamori_init_basename(x->path);

		if (x->type != MAMORI_FS_REG && x->type != MAMORI_FS_LNK)
			continue;
		/* S?? links: /etc/rc.d, /etc/rcN.d, /etc/rc.d/rcN.d (not the halt/reboot levels) */
		if (base[0] == 'S' &&
		    (under(x->path, "/etc/rc.d") ||
		        (fnmatch("/etc/rc[12345S].d/*", x->path, FNM_PATHNAME) == 0) ||
		        (fnmatch("/etc/rc.d/rc[12345S].d/*", x->path, FNM_PATHNAME) == 0))) {
			set_reason(reason, "enabled by %s", x->path);
			ret = mark(M, x->path, MAMORI_INIT_YES, reason);
			continue;
		}
		if (x->type != MAMORI_FS_REG)
			continue;
		if (under(x->path, "/etc/init.d") || under(x->path, "/etc/rc.d/init.d") ||
		    fnmatch("/etc/init*.d/*", x->path, FNM_PATHNAME) == 0) {
			size_t k = x->size < 256 ? (size_t)x->size : 256;
			bool rcc = x->data != NULL && has_sub(x->data, k, "rc.common");

			/* a procd / rc.common service is enabled by /etc/rc.d/S??name (above) or by
			 * its UCI configuration */
			uint8_t st = MAMORI_INIT_NO;
			char cfg[MAMORI_FS_PATH_MAX];
			size_t cl = 0;
			const uint8_t *cp;
			struct uci_enabled u = {-1, 0};

			set_reason(reason, "present, but no started script runs it");
			if (rcc && under(x->path, "/etc/init.d")) {
				snprintf(cfg, sizeof(cfg), "/etc/config/%s", base);
				cp = tree_file(t, cfg, &cl);
				if (cp != NULL &&
				    mamori_uci_parse(cp, cl, uci_enabled_cb, &u, NULL) != MAMORI_OK)
					u.state = -1;
				if (u.state == 1) {
					st = MAMORI_INIT_YES;
					set_reason(reason, "option enabled '1' in %s line %u", cfg,
					    u.line);
				} else if (u.state == 0) {
					set_reason(reason, "disabled in %s line %u", cfg, u.line);
				} else if (!have_rcd) {
					st = MAMORI_INIT_UNKNOWN;
					set_reason(reason,
					    "the image has no /etc/rc.d to say whether it is enabled");
				} else {
					set_reason(
					    reason, "no /etc/rc.d/S??%s link enables it", base);
				}
			}
			ret = mark(M, x->path, st, reason);
		}
	}
	return ret;
}

static const char *const boot_actions[] = {
    "sysinit", "wait", "once", "respawn", "askfirst", "boot", "bootwait", "askconsole"};

static mamori_err
roots_from_inittab(struct model *M)
{
	size_t len = 0, ne = 0;
	const uint8_t *p = tree_file(M->t, "/etc/inittab", &len);
	struct mamori_inittab_entry *e = NULL;
	char reason[MAMORI_INIT_REASON_MAX];
	mamori_err ret;

	if (p == NULL) {
		if (mamori_fstree_resolve(M->t, "/etc/init.d/rcS") == NULL)
			return MAMORI_OK;
		return mark(M, "/etc/init.d/rcS", MAMORI_INIT_YES,
		    "BusyBox init runs /etc/init.d/rcS when there is no /etc/inittab");
	}
	ret = mamori_inittab_parse(p, len, &e, &ne, NULL);
	if (ret != MAMORI_OK)
		return ret == MAMORI_E_NOMEM ? ret : MAMORI_OK;
	for (size_t i = 0; i < ne && ret == MAMORI_OK; i++) {
		uint8_t st = MAMORI_INIT_NO;
		struct mamori_sh_script sh;
		const char *proc = e[i].process;

		for (size_t a = 0; a < sizeof(boot_actions) / sizeof(boot_actions[0]); a++)
			if (strcmp(e[i].action, boot_actions[a]) == 0)
				st = MAMORI_INIT_YES;
		if (st == MAMORI_INIT_YES)
			set_reason(reason, "/etc/inittab line %u: %s:%s:%s", e[i].line, e[i].id,
			    e[i].runlevels, e[i].action);
		else
			set_reason(reason, "/etc/inittab line %u: action %s does not run at boot",
			    e[i].line, e[i].action);
		if (proc[0] == '-')
			proc++; /* BusyBox: a login shell */
		ret = mamori_sh_parse((const uint8_t *)proc, strlen(proc), NULL, NULL, &sh, NULL);
		if (ret != MAMORI_OK) {
			ret = ret == MAMORI_E_NOMEM ? ret : MAMORI_OK;
			continue;
		}
		for (size_t k = 0; k < sh.ncmd && ret == MAMORI_OK; k++) {
			struct cmdinfo ci = {"/etc/inittab", e[i].line, e[i].process, st,
			    MAMORI_INIT_SRC_INITTAB, sh.cmd[k].background, e[i].action, reason,
			    NULL};

			ret = add_cmd(M, sh.cmd[k].argv, sh.cmd[k].argc, &ci, 0, NULL);
			if (ret == MAMORI_OK)
				ret = mark_children(M, sh.cmd[k].argv, sh.cmd[k].argc, st, reason);
		}
		mamori_sh_free(&sh);
	}
	mamori_inittab_free(e, ne);
	return ret;
}

/* Follows the started scripts to the scripts they run. A script is followed again only when
 * its state rose (no -> unknown -> yes), so each is followed at most twice. */
static mamori_err
propagate(struct model *M)
{
	char reason[MAMORI_INIT_REASON_MAX], why[MAMORI_INIT_REASON_MAX];
	mamori_err ret = MAMORI_OK;
	bool again = true;

	while (again && ret == MAMORI_OK) {
		again = false;
		for (size_t i = 0; i < M->m->nscript && ret == MAMORI_OK; i++) {
			struct mamori_sh_script *sh;
			bool *reach;

			if (!M->si[i].dirty || M->m->script[i].started == MAMORI_INIT_NO)
				continue;
			M->si[i].dirty = false;
			again = true;
			scan(M, i);
			sh = &M->si[i].sh;
			reach = calloc(sh->nfunc + 1, sizeof(bool));
			if (reach == NULL)
				return MAMORI_E_NOMEM;
			mamori_sh_reachable(sh, rc_roots, M->si[i].rccommon ? 3 : 0, reach);
			for (size_t k = 0; k < sh->ncmd && ret == MAMORI_OK; k++) {
				uint8_t st = cmd_state(M, i, reach, k, why);

				if (st == MAMORI_INIT_NO)
					continue;
				set_reason(reason, "run by %s line %u", M->m->script[i].path,
				    sh->cmd[k].line);
				ret =
				    mark_children(M, sh->cmd[k].argv, sh->cmd[k].argc, st, reason);
			}
			free(reach);
		}
	}
	return ret;
}

static mamori_err
emit_scripts(struct model *M)
{
	char why[MAMORI_INIT_REASON_MAX];
	mamori_err ret = MAMORI_OK;

	for (size_t i = 0; i < M->m->nscript && ret == MAMORI_OK; i++) {
		struct mamori_sh_script *sh;
		bool *reach;

		scan(M, i);
		sh = &M->si[i].sh;
		reach = calloc(sh->nfunc + 1, sizeof(bool));
		if (reach == NULL)
			return MAMORI_E_NOMEM;
		mamori_sh_reachable(sh, rc_roots, M->si[i].rccommon ? 3 : 0, reach);
		for (size_t k = 0; k < sh->ncmd && ret == MAMORI_OK; k++) {
			const struct mamori_sh_cmd *c = &sh->cmd[k];
			uint8_t st = cmd_state(M, i, reach, k, why);
			struct cmdinfo ci = {M->m->script[i].path, c->line, c->text, st,
			    MAMORI_INIT_SRC_SCRIPT, c->background, "", why, sh};

			ret = add_cmd(M, c->argv, c->argc, &ci, 0, NULL);
		}
		free(reach);
	}
	return ret;
}

/* ---- inetd ---- */

static const char *const inetd_ports[][2] = {{"telnet", "23"}, {"ftp", "21"}, {"tftp", "69"},
    {"login", "513"}, {"shell", "514"}, {"exec", "512"}, {"finger", "79"}, {"ssh", "22"},
    {"http", "80"}, {"www", "80"}};

static mamori_err
emit_inetd(struct model *M)
{
	size_t len = 0, pos = 0;
	const uint8_t *p = tree_file(M->t, "/etc/inetd.conf", &len);
	uint8_t st = MAMORI_INIT_NO;
	char reason[MAMORI_INIT_REASON_MAX];
	uint32_t line = 0;
	mamori_err ret = MAMORI_OK;
	struct word *w;

	if (p == NULL)
		return MAMORI_OK;
	set_reason(reason, "inetd is never started, so /etc/inetd.conf is not read");
	for (size_t i = 0; i < M->m->ncmd; i++) {
		const struct mamori_init_cmd *c = &M->m->cmd[i];
		const char *b = mamori_init_basename(c->argv[0]);

		if ((strcmp(b, "inetd") == 0 || strcmp(b, "xinetd") == 0) && c->started > st) {
			st = c->started;
			set_reason(reason, "inetd is started by %s line %u (%s)", c->file, c->line,
			    mamori_init_state_name(c->started));
		}
	}
	w = malloc(sizeof(*w));
	if (w == NULL)
		return MAMORI_E_NOMEM;
	while (pos < len && ret == MAMORI_OK) {
		size_t eol = pos, i;
		char *f[MAMORI_SH_ARGV_MAX];
		size_t nf = 0;
		char port[16] = "";

		while (eol < len && p[eol] != '\n')
			eol++;
		i = pos;
		pos = eol < len ? eol + 1 : eol;
		line++;
		while (nf < MAMORI_SH_ARGV_MAX && uci_word(p, eol, &i, w)) {
			f[nf] = xstrndup(w->b, w->n);
			if (f[nf] == NULL) {
				ret = MAMORI_E_NOMEM;
				break;
			}
			nf++;
		}
		/* service socktype proto wait user server [args] */
		if (ret == MAMORI_OK && nf >= 6 && strcmp(f[5], "internal") != 0) {
			char *av[MAMORI_SH_ARGV_MAX];
			size_t na = 0, s0 = eol;
			char *svc = f[0], *colon = strrchr(svc, ':'), *tx;

			if (colon != NULL)
				svc = colon + 1; /* "127.0.0.1:telnet" */
			for (size_t k = 0; k < sizeof(inetd_ports) / sizeof(inetd_ports[0]); k++)
				if (strcmp(svc, inetd_ports[k][0]) == 0)
					snprintf(port, sizeof(port), "%s", inetd_ports[k][1]);
			if (port[0] == '\0' && svc[0] >= '0' && svc[0] <= '9')
				snprintf(port, sizeof(port), "%s", svc);
			/* "/usr/sbin/tcpd in.telnetd": the wrapper's argv[0] names the server */
			av[na++] =
			    strcmp(mamori_init_basename(f[5]), "tcpd") == 0 && nf > 6 ? f[6] : f[5];
			for (size_t k = 7; k < nf; k++)
				av[na++] = f[k];
			while (s0 > 0 && p[s0 - 1] != '\n')
				s0--;
			tx = xstrndup((const char *)p + s0, eol - s0);
			if (tx == NULL) {
				ret = MAMORI_E_NOMEM;
			} else {
				struct cmdinfo ci = {"/etc/inetd.conf", line, tx, st,
				    MAMORI_INIT_SRC_INETD, false, svc, reason, NULL};

				ret = add_cmd(M, av, na, &ci, 0, port);
				free(tx);
			}
		}
		for (size_t k = 0; k < nf; k++)
			free(f[k]);
	}
	free(w);
	return ret;
}

/* ---- systemd ---- */

static const char *const unit_dirs[] = {
    "/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"};

static bool
in_unit_dir(const char *path)
{
	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++)
		if (under(path, unit_dirs[i]))
			return true;
	return false;
}

/* The *.wants/ and *.requires/ links of the unit directories, gathered once. */
struct wants {
	const struct mamori_fs_node **n;
	size_t len;
};

static mamori_err
wants_gather(const struct mamori_fstree *t, struct wants *w)
{
	size_t n = mamori_fstree_count(t);

	w->len = 0;
	w->n = calloc(MAMORI_INIT_SCRIPTS_MAX, sizeof(const struct mamori_fs_node *));
	if (w->n == NULL)
		return MAMORI_E_NOMEM;
	for (size_t i = 0; i < n && w->len < MAMORI_INIT_SCRIPTS_MAX; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		const char *b = mamori_init_basename(x->path);
		char dir[MAMORI_FS_PATH_MAX];
		size_t dl = (size_t)(b - x->path);

		if (x->type == MAMORI_FS_DIR || dl < 2 || dl >= sizeof(dir))
			continue;
		memcpy(dir, x->path, dl - 1);
		dir[dl - 1] = '\0';
		if (fnmatch("*.wants", dir, 0) != 0 && fnmatch("*.requires", dir, 0) != 0)
			continue;
		if (in_unit_dir(dir))
			w->n[w->len++] = x;
	}
	return MAMORI_OK;
}

/* A unit is enabled when a *.wants/ or *.requires/ directory links it (NAME, or NAME@X for a
 * template), masked when /etc/systemd/system/NAME links to /dev/null. */
static uint8_t
unit_enabled(const struct mamori_fstree *t, const struct wants *w, const char *unit, char *why)
{
	size_t ul = strlen(unit);
	const char *at = strchr(unit, '@');
	char masked[MAMORI_FS_PATH_MAX];
	const struct mamori_fs_node *mk;

	snprintf(masked, sizeof(masked), "/etc/systemd/system/%s", unit);
	mk = mamori_fstree_get(t, masked);
	if (mk != NULL && mk->type == MAMORI_FS_LNK && mk->link != NULL &&
	    strcmp(mk->link, "/dev/null") == 0) {
		set_reason(why, "unit %s is masked", unit);
		return MAMORI_INIT_NO;
	}
	for (size_t i = 0; i < w->len; i++) {
		const char *b = mamori_init_basename(w->n[i]->path);
		size_t bl = strlen(b);

		/* NAME, or for a template NAME@.service any NAME@X.service */
		if (strcmp(b, unit) == 0 ||
		    (at != NULL && at[1] == '.' && strncmp(b, unit, (size_t)(at - unit) + 1) == 0 &&
		        bl > ul && strcmp(b + bl - strlen(at + 1), at + 1) == 0)) {
			set_reason(why, "systemd unit enabled by %s", w->n[i]->path);
			return MAMORI_INIT_YES;
		}
	}
	set_reason(why, "systemd unit %s is not enabled (no .wants link)", unit);
	return MAMORI_INIT_NO;
}

struct unit_line {
	const char *key;
	size_t keylen;
	const uint8_t *val;
	size_t vallen;
	uint32_t line;
};

/* Calls back for every Key=Value line of a unit file. */
static mamori_err
unit_lines(
    const uint8_t *p, size_t len, mamori_err (*fn)(void *, const struct unit_line *), void *ctx)
{
	size_t pos = 0;
	uint32_t line = 0;
	mamori_err ret = MAMORI_OK;

	while (pos < len && ret == MAMORI_OK) {
		size_t b = pos, eol = pos, eq;
		struct unit_line u;

		while (eol < len && p[eol] != '\n')
			eol++;
		pos = eol < len ? eol + 1 : eol;
		line++;
		while (b < eol && is_blank(p[b]))
			b++;
		if (b == eol || p[b] == '#' || p[b] == ';' || p[b] == '[')
			continue;
		for (eq = b; eq < eol && p[eq] != '='; eq++)
			;
		if (eq == eol)
			continue;
		u.key = (const char *)p + b;
		u.keylen = eq - b;
		while (u.keylen > 0 && is_blank((uint8_t)u.key[u.keylen - 1]))
			u.keylen--;
		u.val = p + eq + 1;
		u.vallen = eol - eq - 1;
		while (u.vallen > 0 && is_blank(*u.val)) {
			u.val++;
			u.vallen--;
		}
		while (u.vallen > 0 && is_blank(u.val[u.vallen - 1]))
			u.vallen--;
		u.line = line;
		ret = fn(ctx, &u);
	}
	return ret;
}

static bool
key_is(const struct unit_line *u, const char *k)
{
	return u->keylen == strlen(k) && memcmp(u->key, k, u->keylen) == 0;
}

struct sock_info {
	char service[MAMORI_FS_NAME_MAX + 1];
	char port[16];
	bool accept;
};

static mamori_err
sock_cb(void *ctx, const struct unit_line *u)
{
	struct sock_info *s = ctx;

	if (key_is(u, "Accept"))
		s->accept = u->vallen > 0 && (u->val[0] == 'y' || u->val[0] == '1' ||
		                                 u->val[0] == 't' || u->val[0] == 'o');
	else if (key_is(u, "Service"))
		snprintf(s->service, sizeof(s->service), "%.*s", (int)u->vallen, u->val);
	else if (key_is(u, "ListenStream") || key_is(u, "ListenDatagram")) {
		const uint8_t *c = memchr(u->val, ':', u->vallen);
		size_t off = 0;

		/* "23", "0.0.0.0:23", "[::]:23": the part after the last ':' */
		for (size_t i = 0; i < u->vallen; i++)
			if (u->val[i] == ':')
				off = i + 1;
		(void)c;
		snprintf(s->port, sizeof(s->port), "%.*s", (int)(u->vallen - off), u->val + off);
	}
	return MAMORI_OK;
}

struct svc_ctx {
	struct model *M;
	const char *file;
	const char *unit;
	uint8_t started;
	const char *reason;
	const char *port;
};

static mamori_err
svc_cb(void *ctx, const struct unit_line *u)
{
	struct svc_ctx *s = ctx;
	struct mamori_sh_script sh;
	char *text;
	mamori_err ret;
	size_t skip = 0;

	if (!key_is(u, "ExecStart") && !key_is(u, "ExecStartPre") && !key_is(u, "ExecStartPost"))
		return MAMORI_OK;
	while (skip < u->vallen && strchr("-@:+!", u->val[skip]) != NULL)
		skip++; /* ExecStart prefixes */
	text = xstrndup((const char *)u->val, u->vallen);
	if (text == NULL)
		return MAMORI_E_NOMEM;
	ret = mamori_sh_parse(u->val + skip, u->vallen - skip, NULL, NULL, &sh, NULL);
	if (ret != MAMORI_OK) {
		free(text);
		return ret == MAMORI_E_NOMEM ? ret : MAMORI_OK;
	}
	if (sh.ncmd > 0) {
		/* systemd runs one command per line: the whole line is its argv */
		struct cmdinfo ci = {s->file, u->line, text, s->started, MAMORI_INIT_SRC_SYSTEMD,
		    false, s->unit, s->reason, NULL};

		ret = add_cmd(s->M, sh.cmd[0].argv, sh.cmd[0].argc, &ci, 0, s->port);
	}
	mamori_sh_free(&sh);
	free(text);
	return ret;
}

#define MAMORI_INIT_SOCKETS_MAX 256

static mamori_err
emit_systemd(struct model *M)
{
	const struct mamori_fstree *t = M->t;
	size_t n = mamori_fstree_count(t);
	struct act {
		char service[MAMORI_FS_NAME_MAX + 1];
		char port[16];
		char why[MAMORI_INIT_REASON_MAX];
	} *act = NULL;
	size_t nact = 0;
	char why[MAMORI_INIT_REASON_MAX];
	mamori_err ret = MAMORI_OK;

	struct wants w = {NULL, 0};
	size_t nunits = 0;

	act = calloc(MAMORI_INIT_SOCKETS_MAX, sizeof(*act));
	if (act == NULL)
		return MAMORI_E_NOMEM;
	ret = wants_gather(t, &w);
	/* sockets first: an enabled socket starts its service on demand */
	for (size_t i = 0; i < n && ret == MAMORI_OK && nact < MAMORI_INIT_SOCKETS_MAX; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		const char *b = mamori_init_basename(x->path);
		struct sock_info si = {"", "", false};
		size_t bl = strlen(b);

		if (x->type != MAMORI_FS_REG || !in_unit_dir(x->path) || bl < 8 ||
		    strcmp(b + bl - 7, ".socket") != 0 || x->data == NULL ||
		    x->size > MAMORI_SH_SCRIPT_MAX)
			continue;
		if (++nunits > MAMORI_INIT_SCRIPTS_MAX)
			break;
		if (unit_enabled(t, &w, b, why) != MAMORI_INIT_YES)
			continue;
		ret = unit_lines(x->data, (size_t)x->size, sock_cb, &si);
		if (si.service[0] == '\0')
			snprintf(si.service, sizeof(si.service), "%.*s%s.service", (int)(bl - 7), b,
			    si.accept ? "@" : "");
		snprintf(act[nact].service, sizeof(act[nact].service), "%s", si.service);
		snprintf(act[nact].port, sizeof(act[nact].port), "%s", si.port);
		set_reason(act[nact].why, "socket-activated by %s (%s; port %s)", b, why,
		    si.port[0] != '\0' ? si.port : "?");
		nact++;
	}
	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		const char *b = mamori_init_basename(x->path);
		size_t bl = strlen(b);
		struct svc_ctx sc = {M, x->path, b, MAMORI_INIT_NO, why, NULL};
		bool shadowed = false;

		if (x->type != MAMORI_FS_REG || !in_unit_dir(x->path) || bl < 9 ||
		    strcmp(b + bl - 8, ".service") != 0 || x->data == NULL ||
		    x->size > MAMORI_SH_SCRIPT_MAX)
			continue;
		/* /etc/systemd/system overrides the vendor directories */
		for (size_t d = 0; d < sizeof(unit_dirs) / sizeof(unit_dirs[0]); d++) {
			char alt[MAMORI_FS_PATH_MAX];
			const struct mamori_fs_node *o;

			if (under(x->path, unit_dirs[d]))
				break;
			snprintf(alt, sizeof(alt), "%s/%s", unit_dirs[d], b);
			o = mamori_fstree_get(t, alt);
			if (o != NULL && o->type == MAMORI_FS_REG)
				shadowed = true;
		}
		if (shadowed)
			continue;
		/* a cap on unit files keeps the work linear in the tree */
		if (++nunits > 2 * (size_t)MAMORI_INIT_SCRIPTS_MAX)
			break;
		sc.started = unit_enabled(t, &w, b, why);
		for (size_t a = 0; a < nact && sc.started != MAMORI_INIT_YES; a++)
			if (strcmp(act[a].service, b) == 0) {
				sc.started = MAMORI_INIT_YES;
				sc.reason = act[a].why;
				sc.port = act[a].port;
			}
		ret = unit_lines(x->data, (size_t)x->size, svc_cb, &sc);
	}
	free(w.n);
	free(act);
	return ret;
}

/* ---- build ---- */

mamori_err
mamori_initsys_build(
    const struct mamori_fstree *t, struct mamori_initsys **out, struct mamori_diag *d)
{
	struct model M = {0};
	mamori_err ret = MAMORI_E_NOMEM;

	M.t = t;
	M.d = d;
	M.m = calloc(1, sizeof(*M.m));
	if (M.m == NULL)
		goto out;
	M.m->full_rootfs = mamori_fstree_resolve(t, "/bin/sh") != NULL ||
	                   mamori_fstree_resolve(t, "/bin/busybox") != NULL;
	ret = roots_from_inittab(&M);
	if (ret == MAMORI_OK)
		ret = mark(
		    &M, "/etc/rc.local", MAMORI_INIT_YES, "/etc/rc.local runs at the end of boot");
	if (ret == MAMORI_OK)
		ret = mark(&M, "/etc/rc.d/rc.local", MAMORI_INIT_YES,
		    "/etc/rc.d/rc.local runs at the end of boot");
	if (ret == MAMORI_OK)
		ret = roots_from_dirs(&M);
	if (ret == MAMORI_OK)
		ret = propagate(&M);
	if (ret == MAMORI_OK)
		ret = emit_scripts(&M);
	if (ret == MAMORI_OK)
		ret = emit_systemd(&M);
	if (ret == MAMORI_OK)
		ret = emit_inetd(&M);
	if (ret != MAMORI_OK)
		goto out;
	*out = M.m;
out:
	/* the scans are not part of the model */
	if (M.m != NULL && M.si != NULL)
		for (size_t i = 0; i < M.m->nscript; i++)
			mamori_sh_free(&M.si[i].sh);
	free(M.si);
	if (ret != MAMORI_OK)
		mamori_initsys_free(M.m);
	return ret;
}

void
mamori_initsys_free(struct mamori_initsys *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ncmd; i++) {
		free_strv(m->cmd[i].argv, m->cmd[i].argc);
		free(m->cmd[i].text);
		free(m->cmd[i].file);
	}
	free(m->cmd);
	for (size_t i = 0; i < m->nscript; i++)
		free(m->script[i].path);
	free(m->script);
	free(m);
}

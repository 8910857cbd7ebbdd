/*
 * ere-fuzz — differential test of ere_translate() against GNU grep -E in
 * the C locale.  Built and run by ere-fuzz.sh (not part of make check).
 *
 * Each round makes a random pattern from tricky ERE pieces and a set of
 * random subject lines, runs grep -a -E -n -f on them, and compares the
 * set of matching lines (or grep's refusal) with the PCRE2 translation
 * and, when built WITH_HS, the Hyperscan translation.
 *
 * usage: ere-fuzz TMPDIR ROUNDS SEED [PIECES]
 *
 * Known difference: glibc's matcher (used by grep for patterns with a
 * backreference) fails some backreferences after repeated empty groups,
 * e.g. "(){2}\1" never matches; ere does not copy glibc's bugs, so rare
 * such mismatches can show up.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef WITH_HS
#include <hs/hs.h>
#endif

#include "buf.h"
#include "ere.h"

#define NSUBJ	24
#define SUBJMAX	16

extern char **environ;

static const char *const pieces[] = {
	"a", "b", "ab", "x", ":", "-", " ", ",", "0", "1", "2", "_",
	".", "\\.", "\\\\", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B", "\\<",
	"\\>", "\\`", "\\'", "^", "$", "\\1", "\\2", "(", "(", ")", ")", "|",
	"|", "*", "+", "?", "*", "{", "}", "{1}", "{2}", "{,2}", "{1,}",
	"{0}", "{1,2}", "{2,1}", "{}", "{,}", "{1,2,3}", "{1\\,2}", "{\\02}",
	"[", "]", "[ab]", "[^a]", "[]a]", "[^]a]", "[a-c]", "[\\]", "[\\.]",
	"[\\b]", "[[:alpha:]]", "[[:digit:]-]", "[:a]", "[[:space:]x]",
	"[a-]", "[-a]", "[.]", "[a[]", "[[:punct:]]", "[:alpha:]",
	"[\x80-\xff]", "[--a]", "[a-c-e]", "[z-a]", "[[:word:]]", "\\d",
	"\\{", "\\}", "\\(", "\\)", "\\|", "\\*", "\\,", "\x80", "\xe9", "\t",
	"\\", "(a)", "(a|)", "()", "(^a)", "(a$)", "(*", "(+a)",
};

static const char subjchars[] = "ab:x. \\-[]{}()|*+?^$,12_\te";

static unsigned long rng;
static unsigned maxpieces = 8;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

static size_t
make_pattern(char *p, size_t size)
{
	size_t n = 0, k = 1 + rnd(maxpieces), i;

	for (i = 0; i < k; i++) {
		const char *s;
		size_t l;
		char one[2];

		if (rnd(6) == 0) {
			one[0] = subjchars[rnd(sizeof(subjchars) - 1)];
			one[1] = '\0';
			s = one;
		} else
			s = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
		l = strlen(s);
		if (n + l >= size)
			break;
		memcpy(p + n, s, l);
		n += l;
	}
	p[n] = '\0';
	return n;
}

static size_t
make_subject(char *s, const char *pat, size_t plen)
{
	size_t n = 0, k = rnd(SUBJMAX), i;

	for (i = 0; i < k; i++) {
		int c;

		switch (rnd(5)) {
		case 0:
		case 1:
			c = plen ? pat[rnd((unsigned)plen)] : 'a';
			break;
		case 2:
			c = "ab"[rnd(2)];
			break;
		case 3:
			c = subjchars[rnd(sizeof(subjchars) - 1)];
			break;
		default:
			c = "\x80\xe9\x01\x00\x0b"[rnd(5)];
			break;
		}
		if (c == '\n')
			c = 'n';
		s[n++] = (char)c;
	}
	return n;
}

/* Runs grep; returns its exit status, matched line numbers in hit[]. */
static int
run_grep(const char *dir, bool hit[NSUBJ])
{
	char pf[512], sf[512], of[512], line[4096];
	char *argv[] = { "grep", "-a", "-E", "-n", "-f", pf, sf, NULL };
	char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;
	FILE *f;

	snprintf(pf, sizeof(pf), "%s/pat", dir);
	snprintf(sf, sizeof(sf), "%s/subj", dir);
	snprintf(of, sizeof(of), "%s/out", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, of, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "grep", &fa, NULL, argv, envp) != 0) {
		perror("grep");
		exit(2);
	}
	posix_spawn_file_actions_destroy(&fa);
	waitpid(pid, &st, 0);
	memset(hit, 0, NSUBJ * sizeof(bool));
	if ((f = fopen(of, "r")) == NULL)
		exit(2);
	while (fgets(line, sizeof(line), f) != NULL) {
		long n = strtol(line, NULL, 10);

		if (n >= 1 && n <= NSUBJ)
			hit[n - 1] = true;
	}
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}

static void
show(const char *what, const char *s, size_t n)
{
	size_t i;

	printf("%s '", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\'')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("'\n");
}

#ifdef WITH_HS
static int
on_hit(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(int *)ctx = 1;
	return 1;
}
#endif

int
main(int argc, char **argv)
{
	static char subj[NSUBJ][SUBJMAX + 1];
	size_t slen[NSUBJ];
	long rounds, r, bad = 0, errs = 0, hsrefused = 0;
	char pat[512], path[512], err[256];
	bool verbose;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: ere-fuzz TMPDIR ROUNDS SEED "
		    "[PIECES]\n");
		return 2;
	}
	if (argc == 5)
		maxpieces = (unsigned)strtoul(argv[4], NULL, 10);
	verbose = getenv("ERE_FUZZ_VERBOSE") != NULL;
	rounds = strtol(argv[2], NULL, 10);
	rng = strtoul(argv[3], NULL, 10) * 2654435761UL + 1;
	for (r = 0; r < rounds; r++) {
		size_t plen = make_pattern(pat, sizeof(pat));
		bool hit[NSUBJ], ours[NSUBJ];
		struct buf out;
		pcre2_code *re;
		FILE *f;
		int gst, i, ec, tr;
		PCRE2_SIZE eo;

		snprintf(path, sizeof(path), "%s/pat", argv[1]);
		f = fopen(path, "w");
		fwrite(pat, 1, plen, f);
		fputc('\n', f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/subj", argv[1]);
		f = fopen(path, "w");
		for (i = 0; i < NSUBJ; i++) {
			slen[i] = make_subject(subj[i], pat, plen);
			fwrite(subj[i], 1, slen[i], f);
			fputc('\n', f);
		}
		fclose(f);
		gst = run_grep(argv[1], hit);

		buf_init(&out, 1 << 20);
		tr = ere_translate(&out, pat, plen, ERE_PCRE2, err,
		    sizeof(err));
		if (tr == -1 || gst == 2) {
			if (tr == -1)
				errs++;
			if (verbose && tr == -1)
				printf("refused: %s\n", err);
			if ((tr == -1) != (gst == 2) &&
			    strstr(err, "not supported") == NULL) {
				show("MISMATCH (error)", pat, plen);
				printf("  grep status %d, ours: %s\n", gst,
				    tr == -1 ? err : buf_str(&out));
				bad++;
			}
			buf_free(&out);
			continue;
		}
		re = pcre2_compile((PCRE2_SPTR)buf_str(&out), out.len,
		    PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, &ec, &eo, NULL);
		if (re == NULL) {
			show("PCRE2 COMPILE FAILED", pat, plen);
			printf("  translated '%s'\n", buf_str(&out));
			bad++;
			buf_free(&out);
			continue;
		}
		for (i = 0; i < NSUBJ; i++) {
			pcre2_match_data *md;

			md = pcre2_match_data_create_from_pattern(re, NULL);
			ours[i] = pcre2_match(re, (PCRE2_SPTR)subj[i], slen[i],
			    0, 0, md, NULL) >= 0;
			pcre2_match_data_free(md);
			if (ours[i] != hit[i]) {
				show("MISMATCH (pcre2)", pat, plen);
				printf("  translated '%s'\n", buf_str(&out));
				show("  subject", subj[i], slen[i]);
				printf("  grep %d, ours %d\n", hit[i], ours[i]);
				bad++;
				break;
			}
		}
		pcre2_code_free(re);
		buf_free(&out);
#ifdef WITH_HS
		buf_init(&out, 1 << 20);
		if (ere_translate(&out, pat, plen, ERE_HYPERSCAN, err,
		    sizeof(err)) == -1) {
			hsrefused++;
			if (verbose)
				printf("hs translate: %s\n", err);
		}
		else {
			hs_database_t *db;
			hs_compile_error_t *ce;
			hs_scratch_t *sc = NULL;

			if (hs_compile(buf_str(&out), HS_FLAG_DOTALL |
			    HS_FLAG_ALLOWEMPTY, HS_MODE_BLOCK, NULL, &db,
			    &ce) != HS_SUCCESS) {
				hsrefused++;
				if (verbose)
					printf("hs_compile: %s [%s]\n",
					    ce->message, buf_str(&out));
				hs_free_compile_error(ce);
			} else {
				hs_alloc_scratch(db, &sc);
				for (i = 0; i < NSUBJ; i++) {
					int m = 0;

					hs_scan(db, subj[i], (unsigned)slen[i],
					    0, sc, on_hit, &m);
					if ((m != 0) != hit[i]) {
						show("MISMATCH (hyperscan)",
						    pat, plen);
						printf("  translated '%s'\n",
						    buf_str(&out));
						show("  subject", subj[i],
						    slen[i]);
						printf("  grep %d, ours %d\n",
						    hit[i], m);
						bad++;
						break;
					}
				}
				hs_free_scratch(sc);
				hs_free_database(db);
			}
		}
		buf_free(&out);
#endif
	}
	printf("ere-fuzz: %ld rounds, %ld refused by both, %ld not "
	    "translated or compiled for Hyperscan, %ld mismatches\n", rounds,
	    errs, hsrefused, bad);
	return bad == 0 ? 0 : 1;
}

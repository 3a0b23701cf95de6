// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-enroll: node identities and enrollment, what the design's USB key does.
 *
 *   on the CM:  mms-enroll init   --state /var/lib/mms --name cm-7
 *               mms-enroll export --state /var/lib/mms --ma-pub ma.pub --out cm-7.bundle
 *   carry cm-7.bundle to the MA, then
 *   on the MA:  mms-enroll import --state /var/lib/mms-ma cm-7.bundle
 *
 * Keys only ever come from files; nothing secret is taken from or printed to
 * the command line. Errors are one line on stderr; exit 1 when the action
 * failed, 2 when the command line was wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "identity.h"

enum opt_bit {
	O_STATE = 1 << 0,
	O_NAME = 1 << 1,
	O_ROLE = 1 << 2,
	O_MA_PUB = 1 << 3,
	O_OUT = 1 << 4,
	O_ID = 1 << 5,
};

struct opts {
	unsigned given;
	const char *state, *name, *role, *ma_pub, *out, *id;
	int nargs;
	char **args;
};

struct subcmd {
	const char *name;
	int (*run)(const struct opts *o);
	unsigned need, allow;	/* enum opt_bit */
	int nargs;		/* positional arguments */
	const char *usage, *help;
};

static const char *cmd_name = "";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mms-enroll: %s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A value on the command line that does not parse: a usage error (exit 2). */
static int bad_value(const char *opt, const char *want, const char *got)
{
	fprintf(stderr, "mms-enroll: %s: %s: want %s, not '%s'\n", cmd_name, opt, want, got);
	return 2;
}

static int load_role(const char *state, int role, struct mms_identity *id)
{
	struct mms_err e = { "" };

	if (mms_identity_load(state, id, &e))
		return fail("%s", e.msg);
	if (role && id->pub.role != role) {
		mms_identity_wipe(id);
		return fail("%s holds a %s identity; this needs a%s %s", state,
			    mms_role_name(role == MMS_ROLE_MA ? MMS_ROLE_CM : MMS_ROLE_MA),
			    role == MMS_ROLE_MA ? "n" : "", mms_role_name(role));
	}
	return 0;
}

static void print_pub(const char *what, const struct mms_pubid *p)
{
	char id[2 * MMS_ID_LEN + 1];

	mms_id_hex(p->id, id);
	printf("%-10s %-2s  %s  %s\n", what, mms_role_name(p->role), id, p->name);
}

static int cmd_init(const struct opts *o)
{
	struct mms_identity id;
	struct mms_err e = { "" };
	int role = o->role ? mms_role_parse(o->role) : MMS_ROLE_CM;
	char hex[2 * MMS_ID_LEN + 1];

	if (role < 0)
		return bad_value("--role", "ma or cm", o->role);
	if (mms_identity_create(o->state, o->name, role, &id, &e))
		return fail("%s", e.msg);
	mms_id_hex(id.pub.id, hex);
	printf("created %s identity '%s' (id %s) in %s\n", mms_role_name(role), id.pub.name, hex,
	       o->state);
	mms_identity_wipe(&id);
	return 0;
}

static int cmd_export(const struct opts *o)
{
	struct mms_identity id;
	struct mms_pubid ma;
	struct mms_trust t;
	struct mms_err e = { "" };
	uint8_t b[MMS_BUNDLE_MAX];
	int n, rc = load_role(o->state, MMS_ROLE_CM, &id);

	if (rc)
		return rc;
	/* Check everything before writing anything: the bundle and the trust
	 * store change together or not at all (as far as a later failure to
	 * save the trust store allows, which is reported). */
	rc = mms_pubid_read(o->ma_pub, MMS_SF_ANCHOR, &ma, &e) ||
	     mms_trust_load(o->state, &t, &e) || mms_trust_add(&t, &ma, &e) < 0;
	if (!rc) {
		n = mms_bundle_seal(&id, &ma, b, sizeof(b), &e);
		rc = n < 0 || mms_sf_write(o->out, b, (size_t)n, 0600, &e) ||
		     mms_trust_save(o->state, &t, &e);
	}
	mms_identity_wipe(&id);
	if (rc)
		return fail("%s", e.msg);
	printf("bundle for MA '%s' written to %s; this node now trusts that MA\n", ma.name, o->out);
	return 0;
}

static int cmd_import(const struct opts *o)
{
	struct mms_identity id;
	struct mms_registry r = { 0 };
	struct mms_pubid cm;
	struct mms_err e = { "" };
	char *data = NULL, hex[2 * MMS_ID_LEN + 1];
	size_t len = 0;
	int rc = load_role(o->state, MMS_ROLE_MA, &id), added = 0;

	if (rc)
		return rc;
	rc = mms_sf_read(o->args[0], MMS_SF_INPUT, MMS_BUNDLE_MAX, &data, &len, &e) ||
	     mms_bundle_open(&id, (const uint8_t *)data, len, &cm, &e) ||
	     mms_registry_load(o->state, &r, &e);
	if (!rc) {
		added = mms_registry_add(&r, &cm, &e);
		rc = added < 0 || (added == 0 && mms_registry_save(o->state, &r, &e));
	}
	mms_sf_release(data, len);
	mms_registry_free(&r);
	mms_identity_wipe(&id);
	if (rc)
		return fail("%s: %s", o->args[0], e.msg);
	mms_id_hex(cm.id, hex);
	printf("%s cm '%s' (id %s)\n", added ? "already enrolled:" : "enrolled", cm.name, hex);
	return 0;
}

static int cmd_trust(const struct opts *o)
{
	struct mms_identity id;
	struct mms_pubid ma;
	struct mms_trust t;
	struct mms_err e = { "" };
	int rc = load_role(o->state, 0, &id), added = 0;

	if (rc)
		return rc;
	mms_identity_wipe(&id);
	rc = mms_pubid_read(o->ma_pub, MMS_SF_ANCHOR, &ma, &e) || mms_trust_load(o->state, &t, &e);
	if (!rc) {
		added = mms_trust_add(&t, &ma, &e);
		rc = added < 0 || (added == 0 && mms_trust_save(o->state, &t, &e));
	}
	if (rc)
		return fail("%s", e.msg);
	printf("%s MA '%s'\n", added ? "already trusted:" : "trusting", ma.name);
	return 0;
}

static int cmd_revoke(const struct opts *o)
{
	struct mms_identity id;
	struct mms_registry r = { 0 };
	const struct mms_pubid *cm;
	struct mms_err e = { "" };
	char name[MMS_NAME_MAX + 1] = "";
	uint8_t cid[MMS_ID_LEN];
	int rc, was = 0;

	if (mms_id_parse(o->id, cid))
		return bad_value("--id", "32 hex digits", o->id);
	rc = load_role(o->state, MMS_ROLE_MA, &id);
	if (rc)
		return rc;
	mms_identity_wipe(&id);
	rc = mms_registry_load(o->state, &r, &e);
	if (!rc) {
		if (mms_registry_lookup(&r, cid, &cm) == MMS_REG_VALID)
			snprintf(name, sizeof(name), "%s", cm->name);
		was = mms_registry_revoke(&r, cid, &e);
		rc = was < 0 || (was == 0 && mms_registry_save(o->state, &r, &e));
	}
	mms_registry_free(&r);
	if (rc)
		return fail("%s", e.msg);
	printf("%s %s%s%s%s\n", was ? "already revoked:" : "revoked", o->id, name[0] ? " ('" : "",
	       name, name[0] ? "')" : "");
	return 0;
}

static int cmd_show(const struct opts *o)
{
	struct mms_identity id;
	struct mms_registry r = { 0 };
	struct mms_trust t;
	struct mms_err e = { "" };
	char hex[2 * MMS_KEY32 + 1];
	int rc = load_role(o->state, 0, &id);

	if (rc)
		return rc;
	print_pub("self", &id.pub);
	mms_hex(id.pub.sign_pub, MMS_KEY32, hex);
	printf("%-10s     %s\n", "sign-pub", hex);
	mms_hex(id.pub.kex_pub, MMS_KEY32, hex);
	printf("%-10s     %s\n", "kex-pub", hex);
	rc = mms_trust_load(o->state, &t, &e);
	for (unsigned i = 0; !rc && i < t.n; i++)
		print_pub(t.e[i].distrusted ? "distrusted" : "trusts", &t.e[i].ma);
	if (!rc && id.pub.role == MMS_ROLE_MA) {
		rc = mms_registry_load(o->state, &r, &e);
		for (size_t i = 0; !rc && i < r.n; i++)
			print_pub("enrolled", &r.c[i]);
		for (size_t i = 0; !rc && i < r.nrev; i++) {
			mms_hex(r.rev[i], MMS_ID_LEN, hex);
			printf("%-10s     %s\n", "revoked", hex);
		}
		mms_registry_free(&r);
	}
	mms_identity_wipe(&id);
	return rc ? fail("%s", e.msg) : 0;
}

static int cmd_pubkey(const struct opts *o)
{
	struct mms_identity id;
	struct mms_err e = { "" };
	struct mms_rec r;
	int rc = load_role(o->state, 0, &id);

	if (rc)
		return rc;
	if (o->out)
		rc = mms_pubid_write(o->out, &id.pub, &e);
	else if (!(rc = mms_pubid_format(&id.pub, &r)))
		rc = fwrite(r.buf, 1, r.len, stdout) == r.len && fflush(stdout) == 0 ? 0 : -EIO;
	if (!o->out)
		mms_rec_free(&r);
	mms_identity_wipe(&id);
	if (rc)
		return fail("%s", e.msg[0] ? e.msg : "cannot write the public key");
	return 0;
}


/* ---- quorum decrees: made at one MA, co-signed at others ---- */

static int decree_read(const char *path, struct mms_decree *d)
{
	uint8_t buf[MMS_DECREE_MAX + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return fail("%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (mms_decree_decode(buf, n, d))
		return fail("%s: not a decree", path);
	return 0;
}

static int decree_write(const char *path, const struct mms_decree *d)
{
	uint8_t buf[MMS_DECREE_MAX];
	char tmp[4096];
	int len = mms_decree_encode(d, buf, sizeof(buf)), fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (len < 0 || fd < 0)
		return fail("%s: %s", tmp, strerror(fd < 0 ? errno : EINVAL));
	if (write(fd, buf, (size_t)len) != len || fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return fail("%s: %s", path, strerror(errno));
	}
	return 0;
}

static void decree_print(const struct mms_decree *d)
{
	char id[2 * MMS_ID_LEN + 1];

	mms_id_hex(d->target, id);
	printf("decree %llu: %s %s, %u signature%s\n", (unsigned long long)d->seq,
	       mms_decree_action_name(d->action),
	       d->action == MMS_DECREE_REKEY && !strcmp(id, "00000000000000000000000000000000") ?
	       "all" : id, d->nsig, d->nsig == 1 ? "" : "s");
}

static int decree_sign(const char *state, struct mms_decree *d)
{
	struct mms_identity id;
	int rc = load_role(state, MMS_ROLE_MA, &id);

	if (rc)
		return rc;
	rc = mms_decree_sign(&id, d);
	mms_identity_wipe(&id);
	if (rc == -EEXIST)
		return fail("this MA signed the decree already");
	return rc ? fail("cannot sign: %s", strerror(-rc)) : 0;
}

static int cmd_decree(const struct opts *o)
{
	struct mms_decree d = { 0 };
	struct mms_trust t;
	struct mms_err e = { "" };
	uint64_t now = (uint64_t)time(NULL);
	int rc;

	for (uint8_t a = MMS_DECREE_DISTRUST; a <= MMS_DECREE_REVOKE; a++)
		if (!strcmp(o->args[0], mms_decree_action_name(a)))
			d.action = a;
	if (!d.action)
		return bad_value("ACTION", "distrust, rekey or revoke", o->args[0]);
	if (o->id && mms_id_parse(o->id, d.target))
		return bad_value("--id", "32 hex digits", o->id);
	if (d.action != MMS_DECREE_REKEY && !o->id)
		return bad_value("--id", d.action == MMS_DECREE_DISTRUST ? "the MA to distrust" :
				 "the CM to revoke", "(none)");
	if (mms_trust_load(o->state, &t, &e))
		return fail("%s", e.msg);
	/* Every MA would refuse it: say so now. */
	if (d.action == MMS_DECREE_REVOKE && mms_trust_find(&t, d.target))
		return fail("%s is a trusted MA: distrust it, MAs are not revoked", o->id);
	/* Above every decree applied so far; time keeps MAs that make one
	 * each from reusing a number. */
	d.seq = t.decree_seq + 1 > now ? t.decree_seq + 1 : now;
	rc = decree_sign(o->state, &d);
	if (!rc)
		rc = decree_write(o->out, &d);
	if (!rc)
		decree_print(&d);
	return rc;
}

static int cmd_cosign(const struct opts *o)
{
	struct mms_decree d;
	int rc = decree_read(o->args[0], &d);

	if (!rc)
		rc = decree_sign(o->state, &d);
	if (!rc)
		rc = decree_write(o->args[0], &d);
	if (!rc)
		decree_print(&d);
	return rc;
}

static const struct subcmd cmds[] = {
	{ "init", cmd_init, O_STATE | O_NAME, O_ROLE, 0,
	  "--state DIR --name NAME [--role ma|cm]", "make this node's identity (default role cm)" },
	{ "export", cmd_export, O_STATE | O_MA_PUB | O_OUT, 0, 0,
	  "--state DIR --ma-pub FILE --out BUNDLE", "CM: seal an enrollment bundle to an MA, trust it" },
	{ "import", cmd_import, O_STATE, 0, 1,
	  "--state DIR BUNDLE", "MA: enroll the CM a bundle describes" },
	{ "trust", cmd_trust, O_STATE | O_MA_PUB, 0, 0,
	  "--state DIR --ma-pub FILE", "accept another MA's public key" },
	{ "revoke", cmd_revoke, O_STATE | O_ID, 0, 0,
	  "--state DIR --id HEX", "MA: revoke a component for good" },
	{ "show", cmd_show, O_STATE, 0, 0,
	  "--state DIR", "identity, trusted MAs, enrolled and revoked CMs (no secrets)" },
	{ "pubkey", cmd_pubkey, O_STATE, O_OUT, 0,
	  "--state DIR [--out FILE]", "this node's public key file (stdout by default)" },
	{ "decree", cmd_decree, O_STATE | O_OUT, O_ID, 1,
	  "--state DIR [--id HEX] --out FILE distrust|rekey|revoke",
	  "MA: a quorum decree signed by this MA (distrust an MA; rekey a CM, "
	  "without --id every CM; revoke a CM at every MA)" },
	{ "cosign", cmd_cosign, O_STATE, 0, 1,
	  "--state DIR FILE", "MA: add this MA's signature to a decree" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: mms-enroll COMMAND [options]\n\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-7s %-40s %s\n", cmds[i].name, cmds[i].usage, cmds[i].help);
}

static const struct option long_opts[] = {
	{ "state", required_argument, NULL, 's' },
	{ "name", required_argument, NULL, 'n' },
	{ "role", required_argument, NULL, 'r' },
	{ "ma-pub", required_argument, NULL, 'm' },
	{ "out", required_argument, NULL, 'o' },
	{ "id", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *opt_name(unsigned bit)
{
	static const char *const names[] = { "--state", "--name", "--role", "--ma-pub", "--out",
					     "--id" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bit == 1u << i)
			return names[i];
	return "?";
}

static int misuse(const struct subcmd *c, const char *what, const char *arg)
{
	fprintf(stderr, "mms-enroll: %s: %s%s (usage: mms-enroll %s %s)\n", cmd_name, what, arg,
		c->name, c->usage);
	return 2;
}

static int parse(const struct subcmd *c, int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		unsigned bit = 0;

		switch (ch) {
		case 's': bit = O_STATE; o->state = optarg; break;
		case 'n': bit = O_NAME; o->name = optarg; break;
		case 'r': bit = O_ROLE; o->role = optarg; break;
		case 'm': bit = O_MA_PUB; o->ma_pub = optarg; break;
		case 'o': bit = O_OUT; o->out = optarg; break;
		case 'i': bit = O_ID; o->id = optarg; break;
		case 'h':
			printf("usage: mms-enroll %s %s\n  %s\n", c->name, c->usage, c->help);
			exit(0);
		case ':':
			return misuse(c, "missing value for ", argv[optind - 1]);
		default:
			return misuse(c, "unknown option ", argv[optind - 1]);
		}
		if (!(bit & (c->need | c->allow)))
			return misuse(c, "option not taken here: ", opt_name(bit));
		if (o->given & bit)
			return misuse(c, "option given twice: ", opt_name(bit));
		o->given |= bit;
	}
	for (unsigned bit = 1; bit <= O_ID; bit <<= 1)
		if ((c->need & bit) && !(o->given & bit))
			return misuse(c, "missing ", opt_name(bit));
	o->nargs = argc - optind;
	o->args = argv + optind;
	if (o->nargs != c->nargs)
		return misuse(c, o->nargs > c->nargs ? "unexpected argument " : "missing argument",
			      o->nargs > c->nargs ? o->args[c->nargs] : "");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		cmd_name = cmds[i].name;
		rc = parse(&cmds[i], argc - 1, argv + 1, &o);
		return rc ? rc : cmds[i].run(&o);
	}
	fprintf(stderr, "mms-enroll: unknown command '%s' (try mms-enroll --help)\n", argv[1]);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The MA host's relay and proxy settings (proxy.h): sysctls under
 * /proc/sys/net (the agent's namespace) and one nftables table, loaded by
 * the nft tool in one transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "log.h"
#include "proxy.h"

#define TABLE "mms_proxy"

static int sysctl_write(const char *dev, const char *key, const char *v)
{
	char path[256];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc)
		pr_err("%s: %s", path, strerror(-rc));
	return rc;
}

static int sysctl_read(const char *dev, const char *key)
{
	char path[256], b[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? atoi(b) : -EIO;
}

int proxy_relay_on(void)
{
	/* Redirects go out when either "all" or the device asks for them. */
	if (sysctl_write("mm0", "forwarding", "1") || sysctl_write("mm0", "send_redirects", "0") ||
	    sysctl_write("all", "send_redirects", "0"))
		return -EIO;
	return 0;
}

int proxy_relay_check(void)
{
	if (sysctl_read("mm0", "forwarding") == 1 && sysctl_read("mm0", "send_redirects") == 0 &&
	    sysctl_read("all", "send_redirects") == 0)
		return 0;
	return proxy_relay_on() ?: 1;
}

int proxy_prefix(const char *addr_cidr, char *out, unsigned long cap)
{
	char ip[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr a;
	unsigned long len;

	snprintf(ip, sizeof(ip), "%s", addr_cidr);
	slash = strchr(ip, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1 || len > 32 || inet_pton(AF_INET, ip, &a) != 1)
		return -EINVAL;
	a.s_addr &= len ? htonl(~0u << (32 - len)) : 0;
	if (!inet_ntop(AF_INET, &a, ip, sizeof(ip)) ||
	    (unsigned long)snprintf(out, cap, "%s/%lu", ip, len) >= cap)
		return -EINVAL;
	return 0;
}

/* nft -f - with the script on its stdin. */
static int nft(const char *script)
{
	int p[2], status;
	pid_t pid;
	size_t len = strlen(script);

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (!pid) {
		dup2(p[0], 0);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (write(p[1], script, len) != (ssize_t)len)
		pr_warn("nft: short write");
	close(p[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		pr_err("--proxy needs nft (Debian: nftables)");
		return -ENOENT;
	}
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/* Interface names go into the nft script inside quotes. */
static bool name_ok(const char *s)
{
	return *s && strlen(s) < 16 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       strlen(s);
}

static void was_path(char *p, size_t cap, const char *state_dir)
{
	snprintf(p, cap, "%s/proxy-forwarding", state_dir);
}

/* Whether uplink forwarded before the proxy first turned it on: recorded
 * once, so that a restart (which finds it on) does not take it as the
 * host's own setting. -errno when it cannot be known. */
static int forwarded_before(const char *uplink, const char *state_dir)
{
	char path[4096], b[4] = "";
	int fd, v;

	was_path(path, sizeof(path), state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		ssize_t n = read(fd, b, sizeof(b) - 1);

		close(fd);
		return n > 0 && (b[0] == '0' || b[0] == '1') ? b[0] - '0' : -EIO;
	}
	v = sysctl_read(uplink, "forwarding");
	if (v < 0)
		return v;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, v ? "1\n" : "0\n", 2) != 2) {
		v = -errno;
		if (fd >= 0)
			close(fd);
		unlink(path);
		return v;
	}
	close(fd);
	return v;
}

int proxy_on(const char *uplink, const char *prefix, const char *state_dir)
{
	char script[2048], only[128] = "";
	int before, rc;

	if (!name_ok(uplink)) {
		pr_err("--proxy %s: not a usable interface name", uplink);
		return -EINVAL;
	}
	before = forwarded_before(uplink, state_dir);
	if (before < 0) {
		pr_err("--proxy %s: its forwarding setting: %s", uplink, strerror(-before));
		return before;
	}
	/* Without forwarding of its own, the uplink forwards for the proxy
	 * only: nothing it receives goes anywhere but to mm0 (replies). */
	if (!before)
		snprintf(only, sizeof(only), "    iifname \"%s\" oifname != \"mm0\" counter drop\n",
			 uplink);
	/* "add" then "delete" makes the load idempotent: a restarted agent
	 * replaces its table in the same transaction. */
	snprintf(script, sizeof(script),
		 "add table ip " TABLE "\n"
		 "delete table ip " TABLE "\n"
		 "table ip " TABLE " {\n"
		 "  chain forward {\n"
		 "    type filter hook forward priority filter; policy accept;\n"
		 "    iifname \"%s\" oifname \"mm0\" ct state established,related accept\n"
		 "    iifname \"%s\" oifname \"mm0\" counter drop\n"
		 "%s"
		 "  }\n"
		 "  chain postrouting {\n"
		 "    type nat hook postrouting priority srcnat; policy accept;\n"
		 "    oifname \"%s\" ip saddr %s counter masquerade\n"
		 "  }\n"
		 "}\n",
		 uplink, uplink, only, uplink, prefix);
	rc = nft(script);
	if (rc) {
		pr_err("--proxy %s: loading the nftables table failed", uplink);
		return rc;
	}
	rc = sysctl_write(uplink, "forwarding", "1");
	if (!rc)
		pr_info("proxy: %s masqueraded out of %s (forwarding was %s there)", prefix, uplink,
			before ? "on" : "off, now for the proxy only");
	return rc;
}

void proxy_off(const char *uplink, const char *state_dir)
{
	char path[4096];
	int before;

	if (!name_ok(uplink))
		return;
	was_path(path, sizeof(path), state_dir);
	before = access(path, F_OK) ? -ENOENT : forwarded_before(uplink, state_dir);
	nft("add table ip " TABLE "\ndelete table ip " TABLE "\n");
	if (before == 0)	/* only what proxy_on recorded is put back */
		sysctl_write(uplink, "forwarding", "0");
	unlink(path);
}

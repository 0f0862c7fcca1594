/*
 * home.c — $HDCOPY_HOME: where it is, its modes, credential profiles, the loader's addresses and the authorized_keys
 * line (access.h gives the layout).
 *
 * Profiles are small "key = value" files (capped at HD_MAX_PROFILE), read whole; '#' starts a comment. Keys: key (a
 * private key file; relative to $HDCOPY_HOME), user, connect_timeout, read_timeout (seconds, 1–86400). Unknown keys
 * are errors naming the line, so a typo does not silently fall back to a default. Nothing read here is a secret, and
 * messages name paths and modes only.
 */
#include "access/access.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/sys.h"

hd_code
hd_access_home(char *buf, size_t n, hd_err *err)
{
	const char *h = getenv("HDCOPY_HOME");
	int k;
	if (h && *h) {
		k = snprintf(buf, n, "%s", h);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return hd_err_set(err, HD_ERR_USAGE, "cannot tell the home directory: set HDCOPY_HOME");
		k = snprintf(buf, n, "%s/.hdcopy", home);
	}
	if (k < 0 || (size_t)k >= n)
		return hd_err_set(err, HD_ERR_LIMIT, "HDCOPY_HOME is too long");
	return HD_OK;
}

hd_code
hd_access_path(const char *file, char *buf, size_t n, hd_err *err)
{
	char home[PATH_MAX];
	hd_code r;
	int k;
	if ((r = hd_access_home(home, sizeof home, err)) != HD_OK)
		return r;
	k = snprintf(buf, n, "%s/%s", home, file);
	if (k < 0 || (size_t)k >= n)
		return hd_err_set(err, HD_ERR_LIMIT, "path in HDCOPY_HOME is too long");
	return HD_OK;
}

hd_code
hd_access_check_private(const char *path, hd_err *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return hd_err_set(err, errno == ENOENT ? HD_ERR_NOTFOUND : HD_ERR_IO, "private key '%s': %s", path,
		                  strerror(errno));
	if (!S_ISREG(st.st_mode))
		return hd_err_set(err, HD_ERR_IO, "private key '%s' is not a regular file", path);
	if (st.st_mode & 077)
		return hd_err_set(err, HD_ERR_IO,
		                  "private key '%s' has mode %04o: group or others can use it, so hdcopy refuses it "
		                  "(chmod 600 '%s')",
		                  path, (unsigned)(st.st_mode & 07777), path);
	if (st.st_uid != geteuid())
		return hd_err_set(err, HD_ERR_IO, "private key '%s' belongs to another user, so hdcopy refuses it", path);
	return HD_OK;
}

bool
hd_access_valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > HD_ACCESS_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("+=,.@_-", c)))
			return false;
	}
	return true;
}

const char *
hd_access_profile_name(const char *role_name, const char *access_key_id)
{
	if (role_name && *role_name)
		return role_name;
	if (access_key_id && *access_key_id)
		return access_key_id;
	return "default";
}

static char *
trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool
parse_seconds(const char *v, int *out)
{
	long n = 0;
	if (!*v)
		return false;
	for (const char *q = v; *q; q++) {
		if (*q < '0' || *q > '9' || q - v > 6)
			return false;
		n = n * 10 + (*q - '0');
	}
	if (n < 1 || n > 86400)
		return false;
	*out = (int)n;
	return true;
}

hd_code
hd_access_profile_parse(const char *text, size_t len, const char *home, const char *name, hd_access_profile *p,
                        hd_err *err)
{
	char line[1024];
	size_t pos = 0;
	int lineno = 0;
	int k;

	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	k = snprintf(p->key, sizeof p->key, "%s/%s", home, HD_ACCESS_KEY_FILE);
	if (k < 0 || (size_t)k >= sizeof p->key)
		return hd_err_set(err, HD_ERR_LIMIT, "HDCOPY_HOME is too long");
	p->connect_timeout = 10;
	p->read_timeout = 120;

	while (pos < len) {
		size_t e = pos, n;
		char *s, *eq, *key, *val;
		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		lineno++;
		if (n >= sizeof line)
			return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d is longer than %zu bytes", name, lineno,
			                  sizeof line - 1);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = e + 1;
		if (memchr(line, '\0', n))
			return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d holds a NUL byte", name, lineno);
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq)
			return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: expected 'key = value'", name, lineno);
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (strcmp(key, "key") == 0) {
			if (!*val)
				return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: key is empty", name, lineno);
			k = val[0] == '/' ? snprintf(p->key, sizeof p->key, "%s", val)
			                  : snprintf(p->key, sizeof p->key, "%s/%s", home, val);
			if (k < 0 || (size_t)k >= sizeof p->key)
				return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: key path is too long", name, lineno);
		} else if (strcmp(key, "user") == 0) {
			bool ok = *val && *val != '-' && strlen(val) < sizeof p->user;
			for (const char *q = val; ok && *q; q++)
				ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
				     strchr("._-@", *q);
			if (!ok)
				return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: user is not a valid login name", name,
				                  lineno);
			snprintf(p->user, sizeof p->user, "%s", val);
		} else if (strcmp(key, "connect_timeout") == 0) {
			if (!parse_seconds(val, &p->connect_timeout))
				return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: connect_timeout wants seconds (1-86400)",
				                  name, lineno);
		} else if (strcmp(key, "read_timeout") == 0) {
			if (!parse_seconds(val, &p->read_timeout))
				return hd_err_set(err, HD_ERR_SYNTAX, "profile '%s' line %d: read_timeout wants seconds (1-86400)",
				                  name, lineno);
		} else {
			return hd_err_set(err, HD_ERR_SYNTAX,
			                  "profile '%s' line %d: unknown setting (key, user, connect_timeout, read_timeout)", name,
			                  lineno);
		}
	}
	return HD_OK;
}

hd_code
hd_access_profile_load(const char *name, hd_access_profile *p, hd_err *err)
{
	char home[PATH_MAX], path[PATH_MAX + 80];
	char *text = NULL;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	hd_code r;
	int fd;

	if (!hd_access_valid_name(name))
		return hd_err_set(err, HD_ERR_USAGE,
		                  "credential profile name is not valid (1-64 of letters, digits and +=,.@_-, not starting "
		                  "with '.')");
	if ((r = hd_access_home(home, sizeof home, err)) != HD_OK)
		return r;
	snprintf(path, sizeof path, "%s/profiles/%s", home, name);
	fd = hd_sys_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0) {
		if (errno == ENOENT && strcmp(name, "default") == 0)
			return hd_access_profile_parse("", 0, home, name, p, err);
		if (errno == ENOENT)
			return hd_err_set(err, HD_ERR_USAGE, "credential profile '%s' not found: create %s (docs/ssh.md)", name,
			                  path);
		return hd_err_set(err, HD_ERR_IO, "credential profile '%s': %s", path, strerror(errno));
	}
	if (hd_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_IO, "credential profile '%s' is not a regular file", path);
	}
	if ((st.st_mode & 022) || st.st_uid != geteuid()) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_IO,
		                  "credential profile '%s' can be changed by another user (mode %04o): hdcopy refuses it", path,
		                  (unsigned)(st.st_mode & 07777));
	}
	if (st.st_size > (off_t)HD_MAX_PROFILE) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_LIMIT, "credential profile '%s' is larger than %u bytes", path, HD_MAX_PROFILE);
	}
	text = hd_malloc((size_t)st.st_size + 1);
	if (!text) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	while (len < (size_t)st.st_size) {
		got = hd_sys.read(fd, text + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) { /* a read error used to end the loop silently and parse a truncated profile */
			int e = errno;
			hd_sys_close(fd);
			free(text);
			return hd_err_set(err, HD_ERR_IO, "cannot read credential profile '%s': %s", path, strerror(e));
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	hd_sys_close(fd);
	r = hd_access_profile_parse(text, len, home, name, p, err);
	free(text);
	return r;
}

/* ---- addresses and the authorized_keys line ------------------------------------------------------------------- */

bool
hd_access_valid_addr(const char *a)
{
	if (!*a || strlen(a) > 128)
		return false;
	for (; *a; a++)
		if (!((*a >= '0' && *a <= '9') || (*a >= 'a' && *a <= 'f') || (*a >= 'A' && *a <= 'F') ||
		      strchr(".:/*?!", *a)))
			return false;
	return true;
}

void
hd_access_strv_free(char **v, int n)
{
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static hd_code
strv_add(char ***v, int *n, const char *s, hd_err *err)
{
	char **nv;
	for (int i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return HD_OK;
	if (*n >= 4096)
		return hd_err_set(err, HD_ERR_LIMIT, "more than 4096 loader addresses");
	nv = hd_realloc(*v, (size_t)(*n + 1) * sizeof *nv);
	if (!nv)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	*v = nv;
	if (!(nv[*n] = hd_strdup(s)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	(*n)++;
	return HD_OK;
}

hd_code
hd_access_nodes(char ***addrs, int *n, hd_err *err)
{
	char path[PATH_MAX];
	FILE *f;
	hd_code r;

	*addrs = NULL;
	*n = 0;
	if ((r = hd_access_path("nodes", path, sizeof path, err)) != HD_OK)
		return r;
	f = fopen(path, "re");
	if (f) {
		char line[256];
		int lineno = 0;
		r = HD_OK;
		while (r == HD_OK && fgets(line, sizeof line, f)) {
			char *s, *hash;
			lineno++;
			if ((hash = strchr(line, '#')))
				*hash = '\0';
			line[strcspn(line, "\n")] = '\0';
			s = trim(line);
			if (!*s)
				continue;
			if (!hd_access_valid_addr(s))
				r = hd_err_set(err, HD_ERR_SYNTAX, "%s line %d: not an address, CIDR or address pattern", path, lineno);
			else
				r = strv_add(addrs, n, s, err);
		}
		fclose(f);
		if (r == HD_OK && *n == 0)
			r = hd_err_set(err, HD_ERR_SYNTAX, "%s lists no address", path);
	} else if (errno != ENOENT) {
		return hd_err_set(err, HD_ERR_IO, "%s: %s", path, strerror(errno));
	} else {
		struct ifaddrs *ifa = NULL;
		if (getifaddrs(&ifa) != 0)
			return hd_err_set(err, HD_ERR_IO, "cannot list this machine's addresses: %s", strerror(errno));
		r = HD_OK;
		/* IPv4 first, then IPv6, each in interface order. */
		for (int fam = 0; fam < 2 && r == HD_OK; fam++) {
			for (struct ifaddrs *i = ifa; i && r == HD_OK; i = i->ifa_next) {
				char buf[INET6_ADDRSTRLEN];
				if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
					continue;
				if (fam == 0 && i->ifa_addr->sa_family == AF_INET) {
					const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
					inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
				} else if (fam == 1 && i->ifa_addr->sa_family == AF_INET6) {
					const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
					if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
						continue;
					inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
				} else {
					continue;
				}
				r = strv_add(addrs, n, buf, err);
			}
		}
		freeifaddrs(ifa);
		if (r == HD_OK && *n == 0)
			r = hd_err_set(err, HD_ERR_NOTFOUND,
			               "this machine has no address but loopback: list the loader's addresses in %s", path);
	}
	if (r != HD_OK) {
		hd_access_strv_free(*addrs, *n);
		*addrs = NULL;
		*n = 0;
	}
	return r;
}

hd_code
hd_access_authorized_line(const char *pubkey, char *const *addrs, int n, char **line, hd_err *err)
{
	hd_buf b;
	hd_code r = HD_OK;

	*line = NULL;
	if (n < 1)
		return hd_err_set(err, HD_ERR_USAGE, "no loader address to put in from=\"…\"");
	if (!pubkey || !*pubkey || strpbrk(pubkey, "\n\r\""))
		return hd_err_set(err, HD_ERR_USAGE, "not a public key line");
	for (int i = 0; i < n; i++)
		if (!hd_access_valid_addr(addrs[i]))
			return hd_err_set(err, HD_ERR_USAGE, "'%s' is not an address, CIDR or address pattern", addrs[i]);
	hd_buf_init(&b, 1u << 20);
	r = hd_buf_append_str(&b, "from=\"");
	for (int i = 0; i < n && r == HD_OK; i++) {
		if (i)
			r = hd_buf_append_str(&b, ",");
		if (r == HD_OK)
			r = hd_buf_append_str(&b, addrs[i]);
	}
	if (r == HD_OK)
		r = hd_buf_printf(&b, "\",no-pty,no-agent-forwarding,no-port-forwarding,no-X11-forwarding %s", pubkey);
	if (r == HD_OK)
		r = hd_buf_cstr(&b);
	if (r != HD_OK) {
		hd_buf_free(&b);
		return hd_err_set(err, r, "out of memory");
	}
	*line = b.data;
	return HD_OK;
}

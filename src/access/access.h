/*
 * access.h — the loader's state directory ($HDCOPY_HOME), its SSH identity and its credential profiles, for the
 * CLI (through the hd_access_* calls of include/hdcopy.h) and the SSH source (the calls below).
 *
 * Layout of $HDCOPY_HOME (default ~/.hdcopy; created 0700):
 *   id_ed25519, id_ed25519.pub   the loader's key pair (private 0600, written O_CREAT|O_EXCL; refused when group or
 *                                others may read it)
 *   known_hosts                  hosts verified without a manifest publickey (OpenSSH format)
 *   nodes                        optional: the loader's addresses, one per line (a multi-host loader)
 *   profiles/<name>              credential profiles: "key = value" lines (key, user, connect_timeout,
 *                                read_timeout); `IAM_ROLE 'arn:…:role/NAME'` selects profiles/NAME
 * A profile holds no secret itself: it names a key file. Nothing here prints or logs a key.
 */
#ifndef HD_ACCESS_ACCESS_H
#define HD_ACCESS_ACCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define HD_ACCESS_KEY_FILE "id_ed25519"
#define HD_ACCESS_KNOWN_HOSTS "known_hosts"
#define HD_ACCESS_NAME_MAX 64

typedef struct hd_access_profile {
	char name[HD_ACCESS_NAME_MAX + 1];
	char key[PATH_MAX];     /* private key file (absolute) */
	char user[257];         /* login name; "" = the manifest's, else the local user's */
	int connect_timeout;    /* seconds to connect, exchange keys and authenticate; default 10 */
	int read_timeout;       /* seconds a command may send nothing before its unit fails; default 120 */
} hd_access_profile;

/* The profile a statement selects: its role name (IAM_ROLE 'arn:…:role/NAME' → NAME, IAM_ROLE default →
 * "default"), else its ACCESS_KEY_ID, else "default". Both arguments may be NULL. */
const char *hd_access_profile_name(const char *role_name, const char *access_key_id);

/* True for a usable profile name: 1–64 of [A-Za-z0-9+=,.@_-], not starting with '.'. */
bool hd_access_valid_name(const char *name);

/* Parse a profile's text (home: $HDCOPY_HOME, for the defaults and relative key paths). HD_ERR_SYNTAX names the line. */
hd_code hd_access_profile_parse(const char *text, size_t len, const char *home, const char *name, hd_access_profile *p,
                                hd_err *err);

/* Load profiles/<name> from $HDCOPY_HOME. "default" may be absent (defaults apply); another name must exist. A profile
 * file that group or others can write is refused. */
hd_code hd_access_profile_load(const char *name, hd_access_profile *p, hd_err *err);

/* HD_OK when path is a regular file that group and others can neither read nor write (OpenSSH's rule for private
 * keys); else HD_ERR_PRIVILEGE-free HD_ERR_IO naming the path and the mode, never the content. */
hd_code hd_access_check_private(const char *path, hd_err *err);

/* $HDCOPY_HOME/<file> into buf. */
hd_code hd_access_path(const char *file, char *buf, size_t n, hd_err *err);

/* Validate one address for a from="…" list. */
bool hd_access_valid_addr(const char *a);

#endif

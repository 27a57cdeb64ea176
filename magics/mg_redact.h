/* mg_redact.h -- the text of a cell as history keeps it: secrets typed into
 * a cell are replaced by "[REDACTED]" before history.sqlite sees them.
 *
 * Redacted:
 *   - on a line naming yt_auth, the word after the subcommand `key` or
 *     `code` (`%yt_auth key AIza...`, `%yt_auth code "URL"`: an API key, an
 *     authorization code), quoted or not;
 *   - on any line, the value of --client-secret (`--client-secret X`,
 *     `--client-secret=X`; not --client-secrets, which names a file);
 *   - anywhere, a string shaped like a Google credential: an access token
 *     "ya29.", a refresh token "1//", an API key "AIza", a client secret
 *     "GOCSPX-" (each starting a word, followed by at least 8 token
 *     characters [A-Za-z0-9._~+/=-]).
 * Everything else is kept byte for byte.  The frontend keeps its own copy
 * of the cell (the notebook file); %yt_auth warns about that.
 *
 * Ownership: the result is malloc'ed, the caller frees it (wipe first is
 * not needed: it holds no secret).  NULL only when out of memory.
 */
#ifndef MG_REDACT_H
#define MG_REDACT_H

#define MG_REDACTED "[REDACTED]"

char *mg_redact_history(const char *code);

#endif /* MG_REDACT_H */

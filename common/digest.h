/* digest: SHA-256 (and the digests ES|QL's HASH names) through libcrypto, as lowercase hex. */
#ifndef CASEBOOK_DIGEST_H
#define CASEBOOK_DIGEST_H

#include <stddef.h>

#define SHA256_HEX_LEN 64

struct sha256_ctx; /* opaque; wraps EVP_MD_CTX */

struct sha256_ctx *sha256_begin(void);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Writes 64 hex digits and a NUL into hex, and frees ctx. */
void sha256_finish(struct sha256_ctx *ctx, char hex[SHA256_HEX_LEN + 1]);
/* One-shot digest of a buffer. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

/* The most hex digits digest_hex writes, its NUL included (SHA-512's 64 bytes). */
#define DIGEST_HEX_MAX 129

/* One-shot digest of a buffer by libcrypto's name of the algorithm ("MD5", "SHA512-256",
 * "SHA3-224"...): lowercase hex and a NUL into hex. Returns the digits written, 0 when
 * libcrypto has no such algorithm (hex is then ""). */
size_t digest_hex(const char *algorithm, const void *data, size_t len, char hex[DIGEST_HEX_MAX]);

#endif

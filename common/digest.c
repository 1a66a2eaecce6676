#include "common/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct sha256_ctx {
	EVP_MD_CTX *md;
};

/* SHA-256 fetched from the default provider once: EVP_sha256() makes OpenSSL 3 look the
 * algorithm up again at every EVP_DigestInit_ex (a fifth of each short digest, and detect
 * hashes several times per alert). Never freed: it lives as long as the process. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

struct sha256_ctx *sha256_begin(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	struct sha256_ctx *ctx = malloc(sizeof(*ctx));
	if (!ctx || !sha256_md || !(ctx->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(ctx->md, sha256_md, NULL) != 1) {
		fprintf(stderr, "casebook: libcrypto could not start SHA-256\n");
		abort();
	}
	return ctx;
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	EVP_DigestUpdate(ctx->md, data, len);
}

void sha256_finish(struct sha256_ctx *ctx, char hex[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(ctx->md, md, &n);
	for (unsigned i = 0; i < n && i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
	EVP_MD_CTX_free(ctx->md);
	free(ctx);
}

void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx *ctx = sha256_begin();
	sha256_update(ctx, data, len);
	sha256_finish(ctx, hex);
}

size_t digest_hex(const char *algorithm, const void *data, size_t len, char hex[DIGEST_HEX_MAX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD *type = EVP_MD_fetch(NULL, algorithm, NULL);
	hex[0] = '\0';
	if (!type)
		return 0;
	int ok = EVP_Digest(data, len, md, &n, type, NULL) == 1 && 2 * (size_t)n < DIGEST_HEX_MAX;
	EVP_MD_free(type);
	if (!ok)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return 2 * (size_t)n;
}

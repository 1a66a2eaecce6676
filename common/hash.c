#include "common/hash.h"

#include "common/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1, s->v1 = ROTL(s->v1, 13), s->v1 ^= s->v0, s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3, s->v3 = ROTL(s->v3, 16), s->v3 ^= s->v2;
	s->v0 += s->v3, s->v3 = ROTL(s->v3, 21), s->v3 ^= s->v0;
	s->v2 += s->v1, s->v1 = ROTL(s->v1, 17), s->v1 ^= s->v2, s->v2 = ROTL(s->v2, 32);
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sip_compress(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	s->v0 ^= m;
}

uint64_t siphash13(uint64_t k0, uint64_t k1, const void *p, size_t len)
{
	const unsigned char *in = p;
	struct sip s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
	                k1 ^ 0x7465646279746573ULL};
	size_t whole = len & ~(size_t)7;
	for (size_t i = 0; i < whole; i += 8)
		sip_compress(&s, load_le64(in + i));
	/* the last word: the remaining bytes, and the length's low byte on top */
	uint64_t last = (uint64_t)len << 56;
	for (size_t i = whole; i < len; i++)
		last |= (uint64_t)in[i] << (8 * (i - whole));
	sip_compress(&s, last);
	s.v2 ^= 0xff;
	sip_round(&s), sip_round(&s), sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static uint64_t process_key[2];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* The key, from getrandom(2), or /dev/urandom where the kernel lacks it; without either
 * casebook stops rather than run with a key an attacker could know. */
static void draw_key(void)
{
	unsigned char *k = (unsigned char *)process_key;
	size_t got = 0;
	while (got < sizeof(process_key)) {
		ssize_t n = getrandom(k + got, sizeof(process_key) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(process_key)) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		got = fd >= 0 && read(fd, k, sizeof(process_key)) == (ssize_t)sizeof(process_key) ? sizeof(process_key)
		                                                                                  : 0;
		if (fd >= 0)
			close(fd);
	}
	if (got < sizeof(process_key)) {
		diag("casebook: no random key for the hash tables: %s\n", strerror(errno));
		abort();
	}
}

uint64_t hash_keyed(const void *p, size_t len)
{
	pthread_once(&key_once, draw_key);
	return siphash13(process_key[0], process_key[1], p, len);
}

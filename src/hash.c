/* hash.c - see hash.h. */
#include "hash.h"

#include <sys/random.h>

uint64_t hash_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = 0x6a09e667f3bcc909ull;
	return s;
}

/* ae_sha256: SHA-256 (FIPS 180-4) of a buffer, as lowercase hex. Small enough
 * to carry here rather than adding a crypto library for provenance digests. */
#ifndef AE_SHA256_H
#define AE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct ae_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
} ae_sha256;

void ae_sha256_init(ae_sha256 *ctx);
void ae_sha256_update(ae_sha256 *ctx, const void *data, size_t len);
void ae_sha256_final(ae_sha256 *ctx, unsigned char out[32]);
/* Digest of data as 64 hex characters plus NUL into hex[65]. */
void ae_sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* AE_SHA256_H */

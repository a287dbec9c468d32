/* Rust's LLVM instruments memory intrinsics as __tsan_memcpy/memmove/memset, which
 * gcc 12's ThreadSanitizer runtime does not export; its memcpy/memmove/memset
 * interceptors do the same checks, so forward to them. Linked into the C programs of
 * .ci/sanitizers.sh only. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }

/* stdlib_image.h — the standard library, compiled at build time by actc
 * (tools/actc.c) into serialized modules (loader.c format) embedded in `act`.
 * Image i is act_stdlib_images[i], act_stdlib_sizes[i] bytes long; load each
 * with module_load and register it. */
#ifndef ACT_STDLIB_IMAGE_H
#define ACT_STDLIB_IMAGE_H
#include <stddef.h>

extern const unsigned char *const act_stdlib_images[];
extern const size_t act_stdlib_sizes[];
extern const size_t act_stdlib_count;
#endif

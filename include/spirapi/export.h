// SPIRAPI_EXPORT marks the public API. The library is compiled with hidden
// symbol visibility, so that the shared library (BUILD_SHARED_LIBS=ON)
// exports only what is declared under include/spirapi/ and marked so; its
// internals stay private and cannot clash with a consumer's symbols.

#ifndef SPIRAPI_EXPORT_H_
#define SPIRAPI_EXPORT_H_

#if defined(__GNUC__) || defined(__clang__)
#define SPIRAPI_EXPORT __attribute__((visibility("default")))
#else
#define SPIRAPI_EXPORT
#endif

#endif  // SPIRAPI_EXPORT_H_

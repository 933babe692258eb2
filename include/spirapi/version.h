// The library's version and the version of the files it writes.
//
// This header is the one place both are kept: CMakeLists.txt reads the
// library's version from here for project(VERSION), the package files and
// the shared library's SONAME, and the engine writes SPIRAPI_FORMAT_VERSION
// into every MANIFEST (docs/FORMAT.md).

#ifndef SPIRAPI_VERSION_H_
#define SPIRAPI_VERSION_H_

#define SPIRAPI_VERSION_MAJOR 0
#define SPIRAPI_VERSION_MINOR 1
#define SPIRAPI_VERSION_PATCH 0

// The on-disk format this library writes. It opens databases of this version
// and older ones (which it upgrades); a newer one is refused as NotSupported.
// Version 2 added DEFLATE-compressed segment footers, version 3 journal
// frames with their own header check, a directory and durable_end, and the
// close frame, version 4 zstd segment blocks with a trained dictionary and
// the stored compression_codec (an older database takes the newest version
// when opened for writing, and keeps its codec).
#define SPIRAPI_FORMAT_VERSION 4

#endif  // SPIRAPI_VERSION_H_

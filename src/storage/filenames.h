// Names of the files inside a database directory (see docs/FORMAT.md).

#ifndef SPIRAPI_STORAGE_FILENAMES_H_
#define SPIRAPI_STORAGE_FILENAMES_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "spirapi/record.h"

namespace spirapi {

inline constexpr char kManifestName[] = "MANIFEST";
inline constexpr char kLockName[] = "LOCK";
inline constexpr char kJournalDir[] = "journal";

inline std::string NumberedName(uint64_t number, const char* suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06llu.%s", static_cast<unsigned long long>(number), suffix);
  return buf;
}

// Relative paths, as reported in messages and Damage::file.
inline std::string JournalRelPath(uint64_t number) {
  return std::string(kJournalDir) + "/" + NumberedName(number, "log");
}
inline std::string SegmentRelPath(Component c, uint64_t number) {
  return std::string(ComponentName(c)) + "/" + NumberedName(number, "seg");
}

// Parses "000123.log" style names; false for anything else.
inline bool ParseNumberedName(const std::string& name, const char* suffix, uint64_t* number) {
  std::string want = std::string(".") + suffix;
  if (name.size() <= want.size() || name.compare(name.size() - want.size(), want.size(), want)) {
    return false;
  }
  uint64_t n = 0;
  for (size_t i = 0; i + want.size() < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    n = n * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *number = n;
  return true;
}

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_FILENAMES_H_

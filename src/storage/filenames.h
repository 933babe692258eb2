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

// Where the tail of a journal that did not check at open is kept:
// journal/NNNNNN-OFFSET.tail (db/journal_replay.h).
inline std::string JournalTailRelPath(uint64_t number, uint64_t offset) {
  std::string name = NumberedName(number, "log");
  name.resize(name.size() - 4);
  return std::string(kJournalDir) + "/" + name + "-" + std::to_string(offset) + ".tail";
}

// Parses a tail's name back into its journal number and offset.
inline bool ParseJournalTailName(const std::string& name, uint64_t* number, uint64_t* offset) {
  const size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 0 || name.size() < dash + 7 ||
      name.compare(name.size() - 5, 5, ".tail") != 0) {
    return false;
  }
  uint64_t values[2] = {0, 0};
  const std::string parts[2] = {name.substr(0, dash), name.substr(dash + 1, name.size() - dash - 6)};
  for (int i = 0; i < 2; ++i) {
    if (parts[i].empty() || parts[i].size() > 19) return false;
    for (char ch : parts[i]) {
      if (ch < '0' || ch > '9') return false;
      values[i] = values[i] * 10 + static_cast<uint64_t>(ch - '0');
    }
  }
  *number = values[0];
  *offset = values[1];
  return true;
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

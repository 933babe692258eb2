// Sizes for people: the stats table, health findings, the dashboard.

#ifndef SPIRAPI_UTIL_HUMAN_UNITS_H_
#define SPIRAPI_UTIL_HUMAN_UNITS_H_

#include <cstdint>
#include <cstdio>
#include <string>

namespace spirapi {

// 1536 -> "1.5 KiB".
inline std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_HUMAN_UNITS_H_

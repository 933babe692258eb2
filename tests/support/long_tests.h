// SPIRAPI_LONG_TESTS=1 turns the sampled crash, kill and fault sweeps into
// exhaustive ones (docs/RELIABILITY.md).

#ifndef SPIRAPI_TESTS_SUPPORT_LONG_TESTS_H_
#define SPIRAPI_TESTS_SUPPORT_LONG_TESTS_H_

#include <cstdlib>
#include <string>

namespace spirapi::test {

inline bool LongTests() {
  const char* v = std::getenv("SPIRAPI_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SUPPORT_LONG_TESTS_H_

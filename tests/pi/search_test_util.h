// Helpers shared by the π search tests: random digit strings, the naive
// occurrence scan the searches are checked against, and π's first 10^5
// digits (computed once per test binary).

#ifndef SPIRAPI_TESTS_PI_SEARCH_TEST_UTIL_H_
#define SPIRAPI_TESTS_PI_SEARCH_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pi/chudnovsky.h"

namespace spirapi::pi {

// Digits drawn from '0' .. '0' + alphabet - 1: a small alphabet gives long
// repeats and many occurrences.
inline std::string RandomDigits(std::mt19937_64* rng, size_t n, int alphabet = 10) {
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + (*rng)() % alphabet);
  return s;
}

// Every offset of `pattern` in `text`, overlapping ones included.
inline std::vector<uint64_t> NaiveLocate(std::string_view text, std::string_view pattern) {
  std::vector<uint64_t> out;
  for (size_t pos = text.find(pattern); pos != std::string_view::npos;
       pos = text.find(pattern, pos + 1)) {
    out.push_back(pos);
  }
  return out;
}

inline const std::string& PiDigits100k() {
  static const std::string digits = [] {
    std::string d;
    EXPECT_TRUE(ComputePiDigits(100'000, PiOptions(), &d).ok());
    return d;
  }();
  return digits;
}

}  // namespace spirapi::pi

#endif  // SPIRAPI_TESTS_PI_SEARCH_TEST_UTIL_H_

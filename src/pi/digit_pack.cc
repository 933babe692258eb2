#include "pi/digit_pack.h"

#include <array>
#include <cstring>

namespace spirapi::pi {

namespace {

// Bits of the tail that holds count mod 3 digits.
constexpr uint64_t kTailBits[3] = {0, 4, 7};
constexpr uint32_t kTailLimit[3] = {0, 9, 99};

uint64_t TotalBits(uint64_t count) { return 10 * (count / 3) + kTailBits[count % 3]; }

// "000".."999", three characters per value.
const std::array<char, 3000>& GroupText() {
  static const std::array<char, 3000> table = [] {
    std::array<char, 3000> t{};
    for (int v = 0; v < 1000; ++v) {
      t[3 * v] = static_cast<char>('0' + v / 100);
      t[3 * v + 1] = static_cast<char>('0' + v / 10 % 10);
      t[3 * v + 2] = static_cast<char>('0' + v % 10);
    }
    return t;
  }();
  return table;
}

// `width` <= 16 bits at bit offset `bit`, reading no byte past `size`.
uint32_t ReadBits(const unsigned char* p, uint64_t size, uint64_t bit, int width) {
  const uint64_t byte = bit / 8;
  uint32_t v = p[byte];
  if (byte + 1 < size) v |= static_cast<uint32_t>(p[byte + 1]) << 8;
  if (byte + 2 < size) v |= static_cast<uint32_t>(p[byte + 2]) << 16;
  return (v >> (bit % 8)) & ((1u << width) - 1);
}

Status CheckSize(std::string_view packed, uint64_t count) {
  if (packed.size() != PackedDigitsSize(count)) {
    return Status::Corruption("digit_pack: " + std::to_string(packed.size()) +
                              " bytes cannot hold " + std::to_string(count) + " digits");
  }
  return Status::OK();
}

Status BadGroup(uint64_t group, uint32_t value) {
  return Status::Corruption("digit_pack: group " + std::to_string(group) + " holds " +
                            std::to_string(value) + ", not a digit triple");
}

}  // namespace

uint64_t PackedDigitsSize(uint64_t count) { return (TotalBits(count) + 7) / 8; }

Status PackDigits(std::string_view digits, std::string* packed) {
  const uint64_t n = digits.size();
  const auto* in = reinterpret_cast<const unsigned char*>(digits.data());
  std::string out(PackedDigitsSize(n), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  // Whole blocks of 12 digits = 4 groups = 5 bytes; a non-digit makes some
  // c - '0' wrap above 9, noted in `bad` and located afterwards.
  uint32_t bad = 0;
  uint64_t i = 0;
  for (; i + 12 <= n; i += 12, o += 5) {
    uint64_t block = 0;
    for (int g = 0; g < 4; ++g) {
      const uint32_t a = in[i + 3 * g] - uint32_t{'0'};
      const uint32_t b = in[i + 3 * g + 1] - uint32_t{'0'};
      const uint32_t c = in[i + 3 * g + 2] - uint32_t{'0'};
      bad |= (a > 9) | (b > 9) | (c > 9);
      block |= static_cast<uint64_t>(a * 100 + b * 10 + c) << (10 * g);
    }
    for (int j = 0; j < 5; ++j) o[j] = static_cast<unsigned char>(block >> (8 * j));
  }
  // The rest: up to 3 groups and the tail, through a bit accumulator.
  uint64_t acc = 0;
  int bits = 0;
  for (; i < n; i += 3) {
    const uint64_t len = n - i < 3 ? n - i : 3;
    uint32_t v = 0;
    for (uint64_t j = 0; j < len; ++j) {
      const uint32_t d = in[i + j] - uint32_t{'0'};
      bad |= d > 9;
      v = v * 10 + d;
    }
    acc |= static_cast<uint64_t>(v & 1023) << bits;
    bits += static_cast<int>(len == 3 ? 10 : kTailBits[len]);
  }
  for (; bits > 0; bits -= 8, acc >>= 8) *o++ = static_cast<unsigned char>(acc);
  if (bad) {
    for (uint64_t j = 0; j < n; ++j) {
      if (in[j] < '0' || in[j] > '9') {
        return Status::InvalidArgument("digit_pack: byte " + std::to_string(in[j]) +
                                       " at offset " + std::to_string(j) +
                                       " is not a decimal digit");
      }
    }
  }
  packed->swap(out);
  return Status::OK();
}

Status UnpackDigitRange(std::string_view packed, uint64_t count, uint64_t begin, uint64_t end,
                        std::string* out) {
  Status s = CheckSize(packed, count);
  if (!s.ok()) return s;
  if (begin > end || end > count) {
    return Status::InvalidArgument("digit_pack: range [" + std::to_string(begin) + ", " +
                                   std::to_string(end) + ") is not within " +
                                   std::to_string(count) + " digits");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(packed.data());
  const uint64_t size = packed.size();
  const uint64_t full_groups = count / 3;
  const char* text = GroupText().data();
  std::string result(end - begin, '\0');
  char* o = result.data();
  uint64_t pos = begin;
  while (pos < end) {
    const uint64_t g = pos / 3;
    if (pos % 3 == 0 && g < full_groups && end - pos >= 3) {
      // Whole groups: a two-byte read each (a group never spans three).
      uint64_t groups = (end - pos) / 3;
      if (groups > full_groups - g) groups = full_groups - g;
      for (uint64_t q = g; q < g + groups; ++q, o += 3) {
        const uint64_t bit = 10 * q, byte = bit / 8;
        const uint32_t v = ((p[byte] | (static_cast<uint32_t>(p[byte + 1]) << 8)) >> (bit % 8)) &
                           1023;
        if (v > 999) return BadGroup(q, v);
        std::memcpy(o, text + 3 * v, 3);
      }
      pos += 3 * groups;
      continue;
    }
    // A group cut by the range, or the tail.
    const uint64_t len = g < full_groups ? 3 : count % 3;
    const int width = static_cast<int>(len == 3 ? 10 : kTailBits[len]);
    const uint32_t v = ReadBits(p, size, 10 * g, width);
    if (v > (len == 3 ? 999 : kTailLimit[len])) return BadGroup(g, v);
    const char* digits = text + 3 * v + (3 - len);  // the tail's low digits
    const uint64_t from = pos % 3;
    uint64_t take = len - from;
    if (take > end - pos) take = end - pos;
    std::memcpy(o, digits + from, take);
    o += take;
    pos += take;
  }
  out->swap(result);
  return Status::OK();
}

Status ValidatePackedDigits(std::string_view packed, uint64_t count) {
  std::string digits;
  Status s = UnpackDigits(packed, count, &digits);
  return s;
}

Status UnpackDigits(std::string_view packed, uint64_t count, std::string* out) {
  std::string digits;
  Status s = UnpackDigitRange(packed, count, 0, count, &digits);
  if (!s.ok()) return s;
  const uint64_t used = TotalBits(count) % 8;
  if (used != 0 && (static_cast<unsigned char>(packed.back()) >> used) != 0) {
    return Status::Corruption("digit_pack: padding bits are not zero");
  }
  out->swap(digits);
  return Status::OK();
}

}  // namespace spirapi::pi

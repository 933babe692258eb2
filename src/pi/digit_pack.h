// Dense packing of decimal digit strings: 3 digits in 10 bits (3.33 bits per
// digit), with random access to any range without unpacking the rest.
//
// Byte layout (the packed form of `count` digits; the count itself is kept by
// the caller, e.g. in the record that holds the bytes):
//
//   The bytes are one little-endian bit stream: bit i of the stream is bit
//   (i mod 8) of byte i/8. Digits are taken in order in groups of three;
//   group g (digits 3g, 3g+1, 3g+2) is the value 100·a + 10·b + c in 0..999,
//   stored in the 10 bits [10g, 10g+10), least significant bit first. So
//   every 4 groups (12 digits) fill exactly 5 bytes. If count mod 3 is 1, the
//   last digit follows as a 4-bit value 0..9; if it is 2, the last two follow
//   as one 7-bit value 0..99. Bits after the last value, up to the byte
//   boundary, are zero. Size: ceil((10·floor(count/3) + {0,4,7}[count mod 3])
//   / 8) bytes.
//
// Readers reject (Corruption) a size that does not match the count, a group
// value above 999 (or 9, 99 for the tail) and nonzero padding.
//
// Thread safety: the functions share no state; concurrent calls are safe.

#ifndef SPIRAPI_PI_DIGIT_PACK_H_
#define SPIRAPI_PI_DIGIT_PACK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi::pi {

// Bytes that PackDigits produces for `count` digits.
uint64_t PackedDigitsSize(uint64_t count);

// Packs `digits` ('0'..'9' only) into *packed (replacing its contents).
// InvalidArgument, naming the offset, if any character is not a digit.
Status PackDigits(std::string_view digits, std::string* packed);

// Checks that `packed` is a well-formed packing of `count` digits. O(count).
Status ValidatePackedDigits(std::string_view packed, uint64_t count);

// Digits [begin, end) (0-based offsets into the packed string) into *out.
// Reads only the bytes holding them. InvalidArgument if the range does not
// lie within [0, count); Corruption if the size does not match the count or a
// group read is out of range.
Status UnpackDigitRange(std::string_view packed, uint64_t count, uint64_t begin, uint64_t end,
                        std::string* out);

// All `count` digits; the same as UnpackDigitRange(packed, count, 0, count).
Status UnpackDigits(std::string_view packed, uint64_t count, std::string* out);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_DIGIT_PACK_H_

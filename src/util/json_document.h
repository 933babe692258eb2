// Parsing JSON text into a RapidJSON document with exact numbers.
//
// RapidJSON 1.1.0 (Debian 12) cannot be trusted with numbers on its own: its
// default conversion is off by an ulp or more for one double in three, so a
// stored float changed in its last digits, and its full-precision mode reads
// "0e-199" as -1.9e-183 (its DiyFp code counts the leading zeros of a zero
// significand). Here RapidJSON parses the structure and std::from_chars,
// which rounds correctly, converts the numbers.

#ifndef SPIRAPI_UTIL_JSON_DOCUMENT_H_
#define SPIRAPI_UTIL_JSON_DOCUMENT_H_

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace spirapi {

// Parses `text` (one JSON value, white space around it allowed) into *doc.
// Integers that fit 64 bits become integers as RapidJSON would make them
// (Int, Uint, Int64, Uint64); an integer beyond 64 bits is refused (as a
// double it would be another number: 2^64 + 1 would read back as 2^64).
// Other numbers become the double nearest to them, rounding to zero below a
// double's range; one too large for a double (past 1.8e308) is refused:
// RapidJSON would make it infinity, which no JSON writer can print. Returns
// false, leaving *doc null, if the text is not valid JSON or holds such a
// number, and then sets *error (if not null) to the reason, e.g. "not valid
// JSON at offset 3: Invalid value.", "number 2e308 is too large for a
// double" or "number 18446744073709551616 does not fit in 64 bits (...)".
// Recursion: RapidJSON's recursive parser is used, so callers given text from
// outside check JsonNestsDeeperThan first.
bool ParseJsonDocument(std::string_view text, rapidjson::Document* doc,
                       std::string* error = nullptr);

// A Document's pool allocator keeps what every Parse into it allocated,
// until cleared: a document reused for a million records would hold them
// all. Call before each reuse: clears *doc once it holds a megabyte.
void RecycleDocument(rapidjson::Document* doc);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_JSON_DOCUMENT_H_

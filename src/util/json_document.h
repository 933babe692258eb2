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

#include <string_view>

namespace spirapi {

// Parses `text` (one JSON value, white space around it allowed) into *doc.
// Integers that fit 64 bits become integers as RapidJSON would make them
// (Int, Uint, Int64, Uint64); every other number becomes the double nearest
// to it, and one too large for a double is an error, as with RapidJSON.
// Returns false, leaving *doc null, if the text is not valid JSON.
// Recursion: RapidJSON's recursive parser is used, so callers given text from
// outside check JsonNestsDeeperThan first.
bool ParseJsonDocument(std::string_view text, rapidjson::Document* doc);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_JSON_DOCUMENT_H_

// JSON validation and normalisation on the write path. Stored data is the
// compact re-serialisation of the caller's JSON (insignificant white space
// removed, member order kept, numbers exactly as written, strings re-escaped
// minimally), so the record checksum is over a well-defined byte string.

#ifndef SPIRAPI_UTIL_JSON_H_
#define SPIRAPI_UTIL_JSON_H_

#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi {

enum class JsonKind { kAnyValue, kObject };

// Arrays and objects may nest this deep.
inline constexpr int kMaxJsonDepth = 512;

// Parses `in` (UTF-8 JSON text), and on success writes its compact form to
// *out. InvalidArgument with the byte offset and reason otherwise, e.g.
// "data is not valid JSON at offset 12: Missing a comma or '}' after an
// object member". `what` names the input in the message.
Status NormalizeJson(std::string_view in, JsonKind kind, const char* what, std::string* out);

// Whether arrays and objects in `in` nest deeper than max_depth, judged by
// its brackets outside strings (exact for valid JSON; invalid JSON is refused
// by the parser that follows anyway). For caller-supplied text about to meet
// a recursive parser: RapidJSON's DOM parse, and every walk of the document
// it builds (Accept), recurse once per level, so deep enough nesting would
// overflow the stack.
bool JsonNestsDeeperThan(std::string_view in, int max_depth);

// True if s is valid UTF-8 (ids must be, as they are printed in JSON).
bool IsValidUtf8(std::string_view s);

// Appends s as a JSON string literal (quoted, escaped).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_JSON_H_

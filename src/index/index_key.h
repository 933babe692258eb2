// The keys of secondary indexes: typed JSON values encoded so that bytewise
// order is the query language's order (docs/QUERY.md, "Values"), and the
// ids of the index entries built from them (docs/FORMAT.md, "Index entries").

#ifndef SPIRAPI_INDEX_INDEX_KEY_H_
#define SPIRAPI_INDEX_INDEX_KEY_H_

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace spirapi::index {

// The longest encoding of one string value; longer strings are cut and
// marked inexact, so that an entry id never exceeds kMaxIdBytes.
inline constexpr size_t kMaxStringKeyBytes = 96;
// Ids of the INDEX component reserved for index entries.
inline constexpr std::string_view kEntryPrefix = "~ix/";

// Appends the order-preserving encoding of v (nullptr: a missing field):
//   'a' missing, 'b' null, 'c' false, 'd' true,
//   'e' + 20 hex digits: a number as an 80-bit extended float, sign-flipped,
//   'f' + the string's bytes (0x00..0x02 escaped as 0x02, b + 3) + 0x01,
//       or, cut at kMaxStringKeyBytes, + 0x02 0x02 (inexact),
//   'g' an array, 'h' an object (the kind only: inexact).
// Returns false when the encoding is inexact: values that differ may share
// it, and its order among them is unknown (a recheck on the record decides).
bool AppendValueKey(const rapidjson::Value* v, std::string* out);

// The key of a hash index: "#" and 32 hex digits of the SHA-256 of the exact
// encodings (strings uncut). Arrays and objects hash by their JSON text.
std::string HashKey(std::string_view exact_encoding);

// Appends v's encoding without cutting strings (the input of HashKey).
void AppendExactKey(const rapidjson::Value* v, std::string* out);

// The id of the entry for `record_id` under key `key` of index `name`:
// kEntryPrefix + name + "/" + key + ('i' + record_id, or, when that would
// pass kMaxIdBytes, 'h' + 32 hex digits of the id's SHA-256).
std::string EntryId(std::string_view name, std::string_view key, std::string_view record_id);
// The prefix shared by all entries of index `name`.
std::string EntryPrefix(std::string_view name);

// Splits an entry id (after EntryPrefix) into key and record part. The
// record id is known from the entry id alone when *hashed is false.
// Returns false if the bytes are not an entry of `fields` keys.
bool SplitEntry(std::string_view rest, size_t fields, bool hash_index, std::string_view* key,
                std::string_view* record_id, bool* hashed);

// A similarity index's key for one q-gram: its bytes as 2q lowercase hex
// digits (fixed length, so an entry splits without markers, and any bytes,
// even a cut UTF-8 sequence, make a printable id).
std::string GramKey(std::string_view gram);

// Splits an entry id (after EntryPrefix) whose key has a fixed length (a
// similarity index's) as SplitEntry does.
bool SplitFixedEntry(std::string_view rest, size_t key_bytes, std::string_view* key,
                     std::string_view* record_id, bool* hashed);

// The bytes of the first value of a btree key (0 if malformed).
size_t FirstValueLength(std::string_view key);

// True when the key holds an inexact part (a cut string, an array, an object).
bool KeyIsInexact(std::string_view key, size_t fields);

}  // namespace spirapi::index

#endif  // SPIRAPI_INDEX_INDEX_KEY_H_

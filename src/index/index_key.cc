#include "index/index_key.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <limits>

#include "spirapi/record.h"
#include "util/hash.h"

namespace spirapi::index {
namespace {

static_assert(std::numeric_limits<long double>::digits == 64,
              "index keys encode numbers as x86-64's 80-bit long double");

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendHex(const uint8_t* bytes, size_t n, std::string* out) {
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHexDigits[bytes[i] >> 4]);
    out->push_back(kHexDigits[bytes[i] & 15]);
  }
}

// The same exact value for every integer and double the query language
// treats as equal (3 and 3.0), in an order bytewise comparison keeps.
void AppendNumber(const rapidjson::Value& v, std::string* out) {
  long double x = v.IsUint64()  ? static_cast<long double>(v.GetUint64())
                  : v.IsInt64() ? static_cast<long double>(v.GetInt64())
                                : static_cast<long double>(v.GetDouble());
  if (x == 0) x = 0;  // -0 equals 0
  uint8_t raw[16] = {};
  std::memcpy(raw, &x, 10);
  uint8_t be[10];
  be[0] = raw[9];
  be[1] = raw[8];
  for (int i = 0; i < 8; ++i) be[2 + i] = raw[7 - i];
  if (be[0] & 0x80) {
    for (uint8_t& b : be) b = static_cast<uint8_t>(~b);
  } else {
    be[0] |= 0x80;
  }
  out->push_back('e');
  AppendHex(be, sizeof(be), out);
}

// Escaped bytes of s; stops before passing `limit` bytes of output (never
// inside a UTF-8 sequence or an escape). Returns whether all of s fit.
bool AppendEscaped(std::string_view s, size_t limit, std::string* out) {
  size_t written = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (i + len > s.size()) len = s.size() - i;
    const size_t cost = lead <= 0x02 ? 2 : len;
    if (written + cost > limit) return false;
    if (lead <= 0x02) {
      out->push_back('\x02');
      out->push_back(static_cast<char>(lead + 3));
    } else {
      out->append(s.substr(i, len));
    }
    written += cost;
    i += len;
  }
  return true;
}

std::string JsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool AppendKey(const rapidjson::Value* v, size_t string_limit, std::string* out) {
  if (v == nullptr) {
    out->push_back('a');
    return true;
  }
  switch (v->GetType()) {
    case rapidjson::kNullType: out->push_back('b'); return true;
    case rapidjson::kFalseType: out->push_back('c'); return true;
    case rapidjson::kTrueType: out->push_back('d'); return true;
    case rapidjson::kNumberType: AppendNumber(*v, out); return true;
    case rapidjson::kStringType: {
      out->push_back('f');
      if (AppendEscaped(std::string_view(v->GetString(), v->GetStringLength()), string_limit,
                        out)) {
        out->push_back('\x01');
        return true;
      }
      out->append("\x02\x02");
      return false;
    }
    case rapidjson::kArrayType: out->push_back('g'); break;
    case rapidjson::kObjectType: out->push_back('h'); break;
  }
  if (string_limit == std::numeric_limits<size_t>::max()) out->append(JsonText(*v));
  return false;
}

// The length of one encoded value at the start of key, or 0 if malformed.
size_t ValueLength(std::string_view key, bool* inexact) {
  if (key.empty()) return 0;
  switch (key[0]) {
    case 'a': case 'b': case 'c': case 'd': return 1;
    case 'e': return key.size() >= 21 ? 21 : 0;
    case 'g': case 'h': *inexact = true; return 1;
    case 'f':
      for (size_t i = 1; i < key.size(); ++i) {
        if (key[i] == '\x01') return i + 1;
        if (key[i] == '\x02') {
          if (i + 1 >= key.size()) return 0;
          if (key[i + 1] == '\x02') {
            *inexact = true;
            return i + 2;
          }
          ++i;
        }
      }
      return 0;
    default: return 0;
  }
}

}  // namespace

bool AppendValueKey(const rapidjson::Value* v, std::string* out) {
  return AppendKey(v, kMaxStringKeyBytes, out);
}

void AppendExactKey(const rapidjson::Value* v, std::string* out) {
  AppendKey(v, std::numeric_limits<size_t>::max(), out);
}

std::string HashKey(std::string_view exact_encoding) {
  const Sha256Digest d = Sha256Of(exact_encoding);
  std::string out = "#";
  AppendHex(d.data(), 16, &out);
  return out;
}

std::string EntryPrefix(std::string_view name) {
  std::string out(kEntryPrefix);
  out.append(name);
  out.push_back('/');
  return out;
}

std::string EntryId(std::string_view name, std::string_view key, std::string_view record_id) {
  std::string out = EntryPrefix(name);
  out.append(key);
  if (out.size() + 1 + record_id.size() <= kMaxIdBytes) {
    out.push_back('i');
    out.append(record_id);
  } else {
    out.push_back('h');
    const Sha256Digest d = Sha256Of(record_id);
    AppendHex(d.data(), 16, &out);
  }
  return out;
}

std::string GramKey(std::string_view gram) {
  std::string out;
  AppendHex(reinterpret_cast<const uint8_t*>(gram.data()), gram.size(), &out);
  return out;
}

bool SplitFixedEntry(std::string_view rest, size_t key_bytes, std::string_view* key,
                     std::string_view* record_id, bool* hashed) {
  const size_t at = key_bytes;
  if (at >= rest.size()) return false;
  *key = rest.substr(0, at);
  *hashed = rest[at] == 'h';
  if (rest[at] != 'h' && rest[at] != 'i') return false;
  *record_id = rest.substr(at + 1);
  return !record_id->empty();
}

bool SplitEntry(std::string_view rest, size_t fields, bool hash_index, std::string_view* key,
                std::string_view* record_id, bool* hashed) {
  size_t at = 0;
  if (hash_index) {
    if (rest.size() < 33 || rest[0] != '#') return false;
    at = 33;
  } else {
    bool inexact = false;
    for (size_t f = 0; f < fields; ++f) {
      const size_t n = ValueLength(rest.substr(at), &inexact);
      if (n == 0) return false;
      at += n;
    }
  }
  return SplitFixedEntry(rest, at, key, record_id, hashed);
}

size_t FirstValueLength(std::string_view key) {
  bool inexact = false;
  return ValueLength(key, &inexact);
}

bool KeyIsInexact(std::string_view key, size_t fields) {
  bool inexact = false;
  size_t at = 0;
  for (size_t f = 0; f < fields && at < key.size(); ++f) {
    const size_t n = ValueLength(key.substr(at), &inexact);
    if (n == 0) return true;
    at += n;
  }
  return inexact;
}

}  // namespace spirapi::index

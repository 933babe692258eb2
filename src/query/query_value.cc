#include "query/query_value.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>

namespace spirapi::query {

namespace {

// long double has a 64-bit significand on x86-64: every int64, uint64 and
// double converts to it exactly, so one comparison orders them all.
long double NumberOf(const Json& v) {
  if (v.IsUint64()) return static_cast<long double>(v.GetUint64());
  if (v.IsInt64()) return static_cast<long double>(v.GetInt64());
  return static_cast<long double>(v.GetDouble());
}

int Sign(long double a, long double b) { return a < b ? -1 : (a > b ? 1 : 0); }

}  // namespace

Kind KindOf(const Json* v) {
  if (v == nullptr) return Kind::kMissing;
  switch (v->GetType()) {
    case rapidjson::kNullType: return Kind::kNull;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return Kind::kBool;
    case rapidjson::kNumberType: return Kind::kNumber;
    case rapidjson::kStringType: return Kind::kString;
    case rapidjson::kArrayType: return Kind::kArray;
    case rapidjson::kObjectType: return Kind::kObject;
  }
  return Kind::kNull;
}

std::string ToJson(const Json& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<int> Compare(const Json& a, const Json& b) {
  const Kind ka = KindOf(&a);
  if (ka != KindOf(&b)) return std::nullopt;
  switch (ka) {
    case Kind::kMissing:
    case Kind::kNull: return 0;
    case Kind::kBool: return static_cast<int>(a.GetBool()) - static_cast<int>(b.GetBool());
    case Kind::kNumber: return Sign(NumberOf(a), NumberOf(b));
    case Kind::kString: {
      const std::string_view sa(a.GetString(), a.GetStringLength());
      const std::string_view sb(b.GetString(), b.GetStringLength());
      return sa < sb ? -1 : (sa > sb ? 1 : 0);
    }
    case Kind::kArray: {
      const rapidjson::SizeType n = std::min(a.Size(), b.Size());
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        std::optional<int> c = Compare(a[i], b[i]);
        if (!c.has_value()) {  // unlike kinds inside: order by kind
          return static_cast<int>(KindOf(&a[i])) < static_cast<int>(KindOf(&b[i])) ? -1 : 1;
        }
        if (*c != 0) return c;
      }
      return a.Size() < b.Size() ? -1 : (a.Size() > b.Size() ? 1 : 0);
    }
    case Kind::kObject: {
      if (a.MemberCount() == b.MemberCount()) {
        bool same = true;
        for (auto m = a.MemberBegin(); same && m != a.MemberEnd(); ++m) {
          auto other = b.FindMember(m->name);
          same = other != b.MemberEnd() && Equal(m->value, other->value);
        }
        if (same) return 0;
      }
      const std::string ta = ToJson(a), tb = ToJson(b);
      if (ta == tb) return 1;  // same text, yet unequal: never claim equality
      return ta < tb ? -1 : 1;
    }
  }
  return std::nullopt;
}

Key::Key(const Json* v) : kind_(KindOf(v)) {
  switch (kind_) {
    case Kind::kBool: boolean_ = v->GetBool(); break;
    case Kind::kNumber: {
      number_ = NumberOf(*v);
      number_text_ = ToJson(*v);
      break;
    }
    case Kind::kString: text_.assign(v->GetString(), v->GetStringLength()); break;
    case Kind::kArray:
    case Kind::kObject: text_ = ToJson(*v); break;
    default: break;
  }
}

void Key::AppendJson(std::string* out) const {
  switch (kind_) {
    case Kind::kMissing:
    case Kind::kNull: out->append("null"); break;
    case Kind::kBool: out->append(boolean_ ? "true" : "false"); break;
    case Kind::kNumber: out->append(number_text_); break;
    case Kind::kString: {
      Json s(rapidjson::StringRef(text_.data(), static_cast<rapidjson::SizeType>(text_.size())));
      out->append(ToJson(s));
      break;
    }
    case Kind::kArray:
    case Kind::kObject: out->append(text_); break;
  }
}

int CompareKeys(const Key& a, const Key& b) {
  if (a.kind_ != b.kind_) return a.kind_ < b.kind_ ? -1 : 1;
  switch (a.kind_) {
    case Kind::kBool: return static_cast<int>(a.boolean_) - static_cast<int>(b.boolean_);
    case Kind::kNumber: return Sign(a.number_, b.number_);
    case Kind::kString:
    case Kind::kArray:
    case Kind::kObject: return a.text_.compare(b.text_) < 0 ? -1 : (a.text_ == b.text_ ? 0 : 1);
    default: return 0;
  }
}

std::string ParsePath(std::string_view text, Path* out) {
  *out = Path();
  out->text = std::string(text);
  if (text.empty()) return "an empty path";
  std::string_view rest = text;
  if (text[0] == '@') {
    const size_t dot = text.find('.');
    const std::string_view head = text.substr(1, dot == std::string_view::npos ? text.npos : dot - 1);
    rest = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    if (head == "metadata") {
      out->root = Path::Root::kMetadata;
    } else if (!rest.empty() || dot != std::string_view::npos) {
      return "'" + std::string(text) + "': only @metadata has members";
    } else if (head == "id") {
      out->root = Path::Root::kId;
    } else if (head == "version") {
      out->root = Path::Root::kVersion;
    } else if (head == "timestamp") {
      out->root = Path::Root::kTimestamp;
    } else if (head == "checksum") {
      out->root = Path::Root::kChecksum;
    } else {
      return "'" + std::string(text) +
             "': a record's own fields are @id, @version, @timestamp, @checksum, @metadata";
    }
    if (rest.empty()) return "";
  }
  size_t start = 0;
  while (true) {
    const size_t dot = rest.find('.', start);
    const std::string_view step = rest.substr(start, dot == rest.npos ? rest.npos : dot - start);
    if (step.empty()) return "'" + std::string(text) + "' has an empty step";
    out->steps.emplace_back(step);
    if (dot == rest.npos) break;
    start = dot + 1;
  }
  return "";
}

const Json* Resolve(const Path& path, const RecordView& record, Json* scratch) {
  const Json* v = nullptr;
  switch (path.root) {
    case Path::Root::kData: v = record.data; break;
    case Path::Root::kMetadata: v = record.metadata; break;
    case Path::Root::kId:
      scratch->SetString(rapidjson::StringRef(record.id.data(),
                                              static_cast<rapidjson::SizeType>(record.id.size())));
      return scratch;
    case Path::Root::kVersion: scratch->SetUint64(record.version); return scratch;
    case Path::Root::kTimestamp: scratch->SetDouble(record.timestamp); return scratch;
    case Path::Root::kChecksum:
      if (record.checksum.empty()) return nullptr;
      scratch->SetString(rapidjson::StringRef(
          record.checksum.data(), static_cast<rapidjson::SizeType>(record.checksum.size())));
      return scratch;
  }
  for (const std::string& step : path.steps) {
    if (v == nullptr) return nullptr;
    if (v->IsObject()) {
      auto m = v->FindMember(rapidjson::StringRef(step.data(),
                                                  static_cast<rapidjson::SizeType>(step.size())));
      v = m == v->MemberEnd() ? nullptr : &m->value;
    } else if (v->IsArray()) {
      uint64_t index = 0;
      const auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), index);
      if (ec != std::errc() || end != step.data() + step.size() || index >= v->Size()) {
        return nullptr;
      }
      v = &(*v)[static_cast<rapidjson::SizeType>(index)];
    } else {
      return nullptr;
    }
  }
  return v;
}

}  // namespace spirapi::query

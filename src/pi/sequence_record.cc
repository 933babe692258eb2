// The description record of a stored π sequence, as JSON.

#include "pi/sequence_record.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace spirapi::pi {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr size_t kPreviewDigits = 50;

void WriteString(JsonWriter* w, const char* key, std::string_view value) {
  w->Key(key);
  w->String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// The fields SequenceInfo::ToJson and the stored record share.
void WriteInfoFields(JsonWriter* w, const SequenceInfo& info) {
  WriteString(w, "sequence", info.sequence);
  w->Key("precision");
  w->Uint64(info.precision);
  WriteString(w, "algorithm", info.algorithm);
  w->Key("computation_time");
  w->Double(info.computation_time);
  w->Key("verified");
  w->Bool(info.verified);
  w->Key("uniqueness_score");
  w->Double(info.uniqueness_score);
  w->Key("mathematical_properties");
  const std::string& props =
      info.mathematical_properties.empty() ? std::string("{}") : info.mathematical_properties;
  w->RawValue(props.data(), props.size(), rapidjson::kObjectType);
  WriteString(w, "digits_sha256", info.digits_sha256);
  w->Key("chunks");
  w->Uint64(info.chunks);
}

Status Missing(const char* field) {
  return Status::Corruption(std::string("sequence description: field '") + field +
                            "' missing or of the wrong type");
}

}  // namespace

Status ValidateSequenceId(std::string_view id) {
  if (id.empty() || id.size() > kMaxSequenceIdBytes) {
    return Status::InvalidArgument("sequence id must be 1..128 characters");
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("sequence id may hold only letters, digits, '.', '_' and "
                                     "'-'; offset " + std::to_string(i) + " is not one");
    }
  }
  return Status::OK();
}

std::string SequenceKey(std::string_view id) { return std::string(kSequencePrefix) + std::string(id); }

std::string ChunkKey(std::string_view id, uint64_t generation, uint64_t chunk) {
  char suffix[48];
  std::snprintf(suffix, sizeof(suffix), "/%llu/%08llu", static_cast<unsigned long long>(generation),
                static_cast<unsigned long long>(chunk));
  return "digits/" + std::string(id) + suffix;
}

std::string PatternIndexKey(std::string_view id) { return "pattern/" + std::string(id); }

std::string PatternPieceKey(std::string_view id, uint64_t piece) {
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), "/%06llu", static_cast<unsigned long long>(piece));
  return PatternIndexKey(id) + suffix;
}

std::string SequencePreview(std::string_view digits) {
  std::string out = "3.";
  out.append(digits.substr(0, kPreviewDigits));
  if (digits.size() > kPreviewDigits) out += "...";
  return out;
}

std::string EncodeSequenceRecord(const SequenceRecord& record) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteInfoFields(&w, record.info);
  w.Key("chunk_digits");
  w.Uint64(record.chunk_digits);
  w.Key("generation");
  w.Uint64(record.generation);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status DecodeSequenceRecord(std::string_view json, SequenceRecord* record) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("sequence description is not a JSON object");
  }
  SequenceInfo& info = record->info;
  auto get_string = [&](const char* name, std::string* out) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString()) return false;
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  auto get_uint = [&](const char* name, uint64_t* out) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsUint64()) return false;
    *out = it->value.GetUint64();
    return true;
  };
  auto get_double = [&](const char* name, double* out) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsNumber()) return false;
    *out = it->value.GetDouble();
    return true;
  };
  if (!get_string("sequence", &info.sequence)) return Missing("sequence");
  if (!get_uint("precision", &info.precision) || info.precision == 0 ||
      info.precision > kMaxSequenceDigits) {
    return Missing("precision");
  }
  if (!get_string("algorithm", &info.algorithm)) return Missing("algorithm");
  if (!get_double("computation_time", &info.computation_time)) return Missing("computation_time");
  auto verified = doc.FindMember("verified");
  if (verified == doc.MemberEnd() || !verified->value.IsBool()) return Missing("verified");
  info.verified = verified->value.GetBool();
  if (!get_double("uniqueness_score", &info.uniqueness_score)) return Missing("uniqueness_score");
  auto props = doc.FindMember("mathematical_properties");
  if (props == doc.MemberEnd() || !props->value.IsObject()) {
    return Missing("mathematical_properties");
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  props->value.Accept(w);
  info.mathematical_properties.assign(buffer.GetString(), buffer.GetSize());
  if (!get_string("digits_sha256", &info.digits_sha256)) return Missing("digits_sha256");
  if (!get_uint("chunks", &info.chunks)) return Missing("chunks");
  if (!get_uint("chunk_digits", &record->chunk_digits) || record->chunk_digits == 0) {
    return Missing("chunk_digits");
  }
  if (!get_uint("generation", &record->generation)) return Missing("generation");
  if (info.chunks != (info.precision + record->chunk_digits - 1) / record->chunk_digits) {
    return Status::Corruption("sequence description: chunks does not match precision");
  }
  return Status::OK();
}

}  // namespace spirapi::pi

namespace spirapi {

std::string SequenceInfo::ToJson() const {
  rapidjson::StringBuffer buffer;
  pi::JsonWriter w(buffer);
  w.StartObject();
  pi::WriteString(&w, "id", id);
  pi::WriteInfoFields(&w, *this);
  w.Key("stored_at");
  w.Double(stored_at);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi

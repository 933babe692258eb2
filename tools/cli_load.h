// The lines of `spirapi dump` output and `spirapi load` input: one JSON
// object per line,
// {"id":..,"data":..,"metadata":..,"component":..,"blob_base64":..}.
// Header-only, so that fuzz/cli_load_fuzzer.cc checks it without the rest of
// the tool.

#ifndef SPIRAPI_TOOLS_CLI_LOAD_H_
#define SPIRAPI_TOOLS_CLI_LOAD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "cli_util.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "spirapi/record.h"
#include "util/base64.h"
#include "util/json.h"

namespace spirapi::cli {

// One validated line of a load file, ready to Put.
struct LoadRecord {
  std::string id;
  std::string data;      // compact JSON
  std::string metadata;  // compact JSON object
  std::string blob;      // decoded bytes; empty: none
};

inline bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// SAX handler that checks one load line and splits it into its members.
// "data" and "metadata" are re-written compactly with every number kept
// exactly as spelled (the reader runs with kParseNumbersAsStringsFlag), so a
// loaded record holds the same text `put` would store and a dump/load round
// trip is exact. Returning false stops the parse; `error` then says why.
class LoadLineHandler {
 public:
  enum Field { kNone, kId, kData, kMetadata, kComponent, kBlob, kNumFields };

  LoadLineHandler() : writer_(buffer_) {}

  std::string error;
  bool seen[kNumFields] = {};
  std::string id, component, data, metadata, blob_base64;

  bool StartObject() {
    if (depth_ == 0) {  // the line's own object
      depth_ = 1;
      return true;
    }
    if (!BeginValue(/*is_object=*/true) || !Deeper()) return false;
    return writer_.StartObject();
  }
  bool EndObject(rapidjson::SizeType members) {
    if (--depth_ == 0) return true;
    return writer_.EndObject(members) && EndValue();
  }
  bool StartArray() {
    if (!BeginValue(false) || !Deeper()) return false;
    return writer_.StartArray();
  }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return writer_.EndArray(elements) && EndValue();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ > 1) return writer_.Key(s, n);
    const std::string_view key(s, n);
    field_ = key == "id"            ? kId
             : key == "data"        ? kData
             : key == "metadata"    ? kMetadata
             : key == "component"   ? kComponent
             : key == "blob_base64" ? kBlob
                                    : kNone;
    // Unknown keys are refused so that a misspelt "metadata" is not dropped.
    if (field_ == kNone) {
      return Stop("unknown key " + JsonQuote(key) +
                  " (expected \"id\", \"data\", \"metadata\", \"component\", "
                  "\"blob_base64\")");
    }
    if (seen[field_]) return Stop("duplicate key " + JsonQuote(key));
    seen[field_] = true;
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1 && (field_ == kId || field_ == kComponent || field_ == kBlob)) {
      (field_ == kId ? id : field_ == kComponent ? component : blob_base64).assign(s, n);
      return true;
    }
    return BeginValue(false) && writer_.String(s, n) && EndValue();
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return BeginValue(false) && writer_.RawValue(s, n, rapidjson::kNumberType) && EndValue();
  }
  bool Null() { return BeginValue(false) && writer_.Null() && EndValue(); }
  bool Bool(bool b) { return BeginValue(false) && writer_.Bool(b) && EndValue(); }
  // Not called under kParseNumbersAsStringsFlag, but part of the interface.
  bool Int(int i) { return BeginValue(false) && writer_.Int(i) && EndValue(); }
  bool Uint(unsigned u) { return BeginValue(false) && writer_.Uint(u) && EndValue(); }
  bool Int64(int64_t i) { return BeginValue(false) && writer_.Int64(i) && EndValue(); }
  bool Uint64(uint64_t u) { return BeginValue(false) && writer_.Uint64(u) && EndValue(); }
  bool Double(double d) { return BeginValue(false) && writer_.Double(d) && EndValue(); }

 private:
  bool Stop(std::string why) {
    error = std::move(why);
    return false;
  }

  // Data and metadata may nest as deep as Put accepts (the line's own object
  // is one more level).
  bool Deeper() {
    if (++depth_ <= kMaxJsonDepth + 1) return true;
    return Stop("record nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }

  // Called as any value other than the line's own object starts. At depth 1
  // it checks the value's type against its key and starts a fresh capture.
  bool BeginValue(bool is_object) {
    if (depth_ == 0) return Stop("expected a JSON object");
    if (depth_ > 1) return true;  // inside data or metadata
    if (field_ == kId) return Stop("\"id\" must be a string");
    if (field_ == kComponent) return Stop("\"component\" must be a string");
    if (field_ == kBlob) return Stop("\"blob_base64\" must be a string");
    if (field_ == kMetadata && !is_object) return Stop("\"metadata\" must be an object");
    buffer_.Clear();
    writer_.Reset(buffer_);
    return true;
  }

  // Called as any value ends; back at depth 1 the captured value is complete.
  bool EndValue() {
    if (depth_ == 1) {
      (field_ == kData ? data : metadata).assign(buffer_.GetString(), buffer_.GetSize());
    }
    return true;
  }

  int depth_ = 0;
  Field field_ = kNone;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Checks one non-blank line of a load file and fills *out. Returns an empty
// string when the line is good, else why it is not.
inline std::string ParseLoadLine(std::string_view line, Component component, LoadRecord* out) {
  // Iterative: the reader must not recurse once per level of nesting.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  LoadLineHandler handler;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(line.data(), line.size());
  const rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  if (!handler.error.empty()) return handler.error;
  if (result.IsError()) {
    std::string reason = rapidjson::GetParseError_En(result.Code());
    if (!reason.empty() && reason.back() == '.') reason.pop_back();
    return "invalid JSON at column " + std::to_string(result.Offset() + 1) + ": " + reason;
  }

  if (!handler.seen[LoadLineHandler::kId]) return "\"id\" is missing";
  if (handler.id.empty()) return "\"id\" is empty";
  if (handler.id.size() > kMaxIdBytes) {
    return "\"id\" is longer than " + std::to_string(kMaxIdBytes) + " bytes";
  }
  if (!handler.seen[LoadLineHandler::kData]) return "\"data\" is missing";
  // The line is valid UTF-8, but an unpaired surrogate escape (\udc00)
  // decodes to bytes that are not, which put refuses: refuse the line.
  if (!IsValidUtf8(handler.id) || !IsValidUtf8(handler.data) || !IsValidUtf8(handler.metadata)) {
    return "the record contains an unpaired UTF-16 surrogate escape";
  }
  if (!handler.seen[LoadLineHandler::kMetadata]) handler.metadata = "{}";
  if (handler.data.size() + handler.metadata.size() > kMaxValueBytes) {
    return "record is larger than " + std::to_string(kMaxValueBytes >> 20) + " MiB";
  }
  if (handler.seen[LoadLineHandler::kComponent] &&
      handler.component != ComponentName(component)) {
    return "record is for component " + JsonQuote(handler.component) + ", not " +
           JsonQuote(ComponentName(component));
  }
  if (!DecodeBase64(handler.blob_base64, &out->blob)) {
    return "\"blob_base64\" is not valid base64 (standard alphabet, with padding)";
  }
  if (out->blob.size() > kMaxBlobBytes) {
    return "blob is larger than " + std::to_string(kMaxBlobBytes >> 20) + " MiB";
  }
  out->id = std::move(handler.id);
  out->data = std::move(handler.data);
  out->metadata = std::move(handler.metadata);
  return "";
}

// One dump line, which ParseLoadLine reads back as the same record:
// {"component":..,"id":..,"data":..,"metadata":..}, and "blob_base64" when
// the record has a blob. Data and metadata are already compact JSON, so
// they are embedded verbatim.
inline std::string DumpLine(Component c, const StorageRecord& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  // Both branches must be string_views: `cond ? "null" : r.data` would build
  // a temporary std::string and leave the view dangling.
  const std::string_view data = r.data.empty() ? std::string_view("null") : r.data;
  const std::string_view metadata = r.metadata.empty() ? std::string_view("{}") : r.metadata;
  writer.StartObject();
  writer.Key("component");
  writer.String(ComponentName(c));
  writer.Key("id");
  writer.String(r.id.data(), static_cast<rapidjson::SizeType>(r.id.size()));
  writer.Key("data");
  writer.RawValue(data.data(), data.size(), rapidjson::kObjectType);
  writer.Key("metadata");
  writer.RawValue(metadata.data(), metadata.size(), rapidjson::kObjectType);
  if (!r.blob.empty()) {
    std::string base64;
    AppendBase64(r.blob, &base64);
    writer.Key("blob_base64");
    writer.String(base64.data(), static_cast<rapidjson::SizeType>(base64.size()));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_LOAD_H_

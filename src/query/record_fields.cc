#include "query/record_fields.h"

#include <simdjson.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "util/json_document.h"

namespace spirapi::query {

namespace {

// A simdjson parser a thread, kept between queries: making one costs more
// than reading a small record. One grown past kKeptBytes by a huge record
// is let go after it.
struct Parser {
  simdjson::ondemand::parser parser;
  std::string padded;  // the text, with the padding simdjson reads past its end
};
constexpr size_t kKeptBytes = 4u << 20;
thread_local std::unique_ptr<Parser> thread_parser;

void Note(const Path& path, Path::Root root, bool* whole, std::vector<std::string>* members) {
  if (path.root != root) return;
  if (path.steps.empty()) {
    *whole = true;
  } else if (std::find(members->begin(), members->end(), path.steps[0]) == members->end()) {
    members->push_back(path.steps[0]);
  }
}

void NoteCondition(const Condition& c, Path::Root root, bool* whole,
                   std::vector<std::string>* members) {
  switch (c.op) {
    case Condition::Op::kAnd:
    case Condition::Op::kOr:
    case Condition::Op::kNot:
      for (const Condition& child : c.children) NoteCondition(child, root, whole, members);
      break;
    default:
      Note(c.path, root, whole, members);
  }
}

// The text of the value `v` is at, which it consumes.
simdjson::error_code RawValue(simdjson::ondemand::value v, std::string_view* raw) {
  simdjson::ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object o;
    if (auto e = v.get_object().get(o)) return e;
    return o.raw_json().get(*raw);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array a;
    if (auto e = v.get_array().get(a)) return e;
    return a.raw_json().get(*raw);
  }
  *raw = v.raw_json_token();
  return simdjson::SUCCESS;
}

}  // namespace

RecordFields::RecordFields(const Query& q, Path::Root root) {
  NoteCondition(q.where, root, &whole_, &members_);
  for (const SortKey& k : q.sort) Note(k.path, root, &whole_, &members_);
  for (const Path& p : q.fields) Note(p, root, &whole_, &members_);
  for (const Path& p : q.group_by) Note(p, root, &whole_, &members_);
  for (const Aggregate& a : q.aggregates) {
    if (a.fn != Aggregate::Fn::kCount) Note(a.path, root, &whole_, &members_);
  }
}

RecordFields::RecordFields(const std::vector<Path>& paths, Path::Root root) {
  for (const Path& p : paths) Note(p, root, &whole_, &members_);
}

RecordFields::~RecordFields() = default;

Status RecordFields::LoadWhole(std::string_view json, rapidjson::Document* doc) {
  RecycleDocument(doc);
  doc->Parse(json.data(), json.size());
  if (!doc->HasParseError()) return Status::OK();
  return Status::Corruption("does not parse as JSON (offset " +
                            std::to_string(doc->GetErrorOffset()) + ")");
}

Status RecordFields::Load(std::string_view json, rapidjson::Document* doc) {
  if (whole_) return LoadWhole(json, doc);
  if (thread_parser == nullptr) thread_parser = std::make_unique<Parser>();
  struct LetGoIfHuge {
    ~LetGoIfHuge() {
      if (thread_parser->padded.capacity() > kKeptBytes) thread_parser.reset();
    }
  } let_go_if_huge;
  Parser& p = *thread_parser;
  p.padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  p.padded.assign(json);
  simdjson::ondemand::document d;
  simdjson::ondemand::object object;
  if (p.parser.iterate(p.padded.data(), p.padded.size(), p.padded.capacity()).get(d) ||
      d.get_object().get(object)) {
    return LoadWhole(json,
                     doc);  // not an object (or not JSON: LoadWhole says where)
  }
  RecycleDocument(doc);
  doc->SetObject();
  auto& allocator = doc->GetAllocator();
  found_.assign(members_.size(), false);
  size_t left = members_.size();
  for (auto member : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(member).get(field) || field.unescaped_key().get(key)) return LoadWhole(json, doc);
    size_t i = 0;
    while (i < members_.size() && (found_[i] || members_[i] != key)) ++i;
    if (i == members_.size()) continue;  // not read, or read at its first occurrence
    std::string_view raw;
    if (RawValue(field.value(), &raw)) return LoadWhole(json, doc);
    rapidjson::Document value(&allocator);
    value.Parse(raw.data(), raw.size());
    if (value.HasParseError()) return LoadWhole(json, doc);
    doc->AddMember(
        rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator),
        static_cast<rapidjson::Value&>(value).Move(), allocator);
    found_[i] = true;
    if (--left == 0) break;
  }
  return Status::OK();
}

}  // namespace spirapi::query

// The JSON API's answers (pages.h).

#include "dashboard/pages.h"
#include "spirapi/query_log.h"

namespace spirapi::dashboard {

namespace {

// Joins JSON documents into an array.
class JsonArray {
 public:
  void Add(std::string_view element) {
    json_ += json_.size() > 1 ? "," : "";
    json_ += element;
  }
  std::string Close() { return json_ + "]"; }

 private:
  std::string json_ = "[";
};

}  // namespace

Status StatsJson(Sources& src, std::string* json) {
  DbStats st;
  Status s = src.db->GetStats(&st);
  if (s.ok()) *json = st.ToJson();
  return s;
}

Status SchemasJson(Sources& src, std::string* json) {
  std::vector<SchemaInfo> schemas;
  Status s = src.schemas->ListSchemas(&schemas);
  if (!s.ok()) return s;
  JsonArray array;
  for (const SchemaInfo& info : schemas) array.Add(info.json);
  *json = array.Close();
  return Status::OK();
}

Status SchemaJson(Sources& src, std::string_view name, std::string* json) {
  SchemaInfo info;
  Status s = src.schemas->GetSchema(name, &info);
  if (s.ok()) *json = info.json;
  return s;
}

Status SequencesJson(Sources& src, std::string* json) {
  std::vector<SequenceInfo> sequences;
  Status s = src.pi->SearchSequences(SequenceQuery(), &sequences);
  if (!s.ok()) return s;
  JsonArray array;
  for (const SequenceInfo& info : sequences) array.Add(info.ToJson());
  *json = array.Close();
  return Status::OK();
}

Status SequenceJson(Sources& src, std::string_view id, std::string* json) {
  SequenceInfo info;
  Status s = src.pi->RetrieveSequence(id, &info);
  if (s.ok()) *json = info.ToJson();
  return s;
}

Status QueriesJson(Sources& src, bool slow, uint64_t limit, std::string* json) {
  QueryLogFilter filter;
  filter.min_seconds = slow ? kDefaultSlowQuerySeconds : 0;
  filter.limit = limit;
  JsonArray array;
  Status s = ReadQueryLog(src.db, filter, [&](const QueryLogEntry& e) {
    array.Add(QueryLogEntryToJson(e));
    return true;
  });
  if (s.ok()) *json = array.Close();
  return s;
}

}  // namespace spirapi::dashboard

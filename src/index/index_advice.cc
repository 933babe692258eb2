// AdviseIndexes: solves the advisor's model (index_advisor.cc) by
// simulated annealing, checks the answer against the hard budget, and
// reports it; ApplyAdvice and the advice's JSON form.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "index/index_advisor.h"
#include "spirapi/index_advisor.h"

namespace spirapi {

Status AdviseIndexes(DB* db, const AdviceOptions& options, IndexAdvice* advice) {
  index::AdvisorModel model;
  Status s = index::BuildAdvisorModel(db, options, &model, advice);
  if (!s.ok()) return s;
  index::AnnealOptions ao;
  ao.seed = options.seed;
  ao.sweeps = options.sweeps;
  ao.restarts = options.restarts;
  index::QuboSolution best = index::Anneal(model.qubo, ao);
  advice->anneal_energy = best.energy;
  advice->greedy_energy = index::Greedy(model.qubo).energy;

  // The hard budget in bytes (the QUBO's units round sizes up, so this
  // should hold already): drop the least gain per byte until it does.
  auto bytes_of = [&](const std::vector<uint8_t>& x) {
    double b = 0;
    for (size_t i = 0; i < x.size(); ++i) b += x[i] ? model.candidates[i].bytes : 0;
    return b;
  };
  while (bytes_of(best.x) > advice->budget_bytes) {
    size_t worst = best.x.size();
    for (size_t i = 0; i < best.x.size(); ++i) {
      if (!best.x[i]) continue;
      const auto ratio = [&](size_t k) {
        return model.candidates[k].gain / std::max(1.0, model.candidates[k].bytes);
      };
      if (worst == best.x.size() || ratio(i) < ratio(worst)) worst = i;
    }
    best.x[worst] = 0;
    advice->notes.push_back("dropped " + model.candidates[worst].spec.name +
                            " from the annealed answer to keep within the budget");
  }

  advice->estimated_gain = index::ModelGain(model, best.x);
  for (size_t i = 0; i < best.x.size(); ++i) {
    if (!best.x[i]) continue;
    advice->create.push_back(model.candidates[i]);
    advice->estimated_write_cost += model.candidates[i].write_cost;
    advice->estimated_bytes += model.candidates[i].bytes;
  }
  auto by_gain = [](const IndexSuggestion& a, const IndexSuggestion& b) {
    return a.gain != b.gain ? a.gain > b.gain : a.spec.name < b.spec.name;
  };
  std::sort(advice->create.begin(), advice->create.end(), by_gain);
  advice->candidates = std::move(model.candidates);
  std::sort(advice->candidates.begin(), advice->candidates.end(), by_gain);
  return Status::OK();
}

Status ApplyAdvice(DB* db, const IndexAdvice& advice) {
  for (const IndexSuggestion& sug : advice.create) {
    Status s = CreateIndex(db, sug.spec);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer* w, const char* key) { w->Key(key); }

void WriteSuggestions(Writer* w, const char* key, const std::vector<IndexSuggestion>& list) {
  Key(w, key);
  w->StartArray();
  for (const IndexSuggestion& s : list) {
    w->StartObject();
    Key(w, "name");
    w->String(s.spec.name.c_str());
    Key(w, "component");
    w->String(ComponentName(s.spec.component));
    Key(w, "type");
    w->String(IndexTypeName(s.spec.type));
    Key(w, "fields");
    w->StartArray();
    for (const std::string& f : s.spec.fields) w->String(f.c_str(), f.size());
    w->EndArray();
    Key(w, "bytes");
    w->Double(s.bytes);
    Key(w, "gain");
    w->Double(s.gain);
    Key(w, "write_cost");
    w->Double(s.write_cost);
    Key(w, "queries");
    w->Uint64(s.queries);
    Key(w, "why");
    w->String(s.why.c_str(), s.why.size());
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

std::string IndexAdviceToJson(const IndexAdvice& a) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  WriteSuggestions(&w, "create", a.create);
  WriteSuggestions(&w, "candidates", a.candidates);
  Key(&w, "unused");
  w.StartArray();
  for (const std::string& n : a.unused) w.String(n.c_str(), n.size());
  w.EndArray();
  const std::pair<const char*, double> numbers[] = {
      {"estimated_gain", a.estimated_gain}, {"estimated_write_cost", a.estimated_write_cost},
      {"estimated_bytes", a.estimated_bytes}, {"budget_bytes", a.budget_bytes}};
  for (const auto& [k, v] : numbers) {
    Key(&w, k);
    w.Double(v);
  }
  Key(&w, "queries_read");
  w.Uint64(a.queries_read);
  Key(&w, "queries_considered");
  w.Uint64(a.queries_considered);
  Key(&w, "schema_queries_skipped");
  w.Uint64(a.schema_queries_skipped);
  Key(&w, "anneal_energy");
  w.Double(a.anneal_energy);
  Key(&w, "greedy_energy");
  w.Double(a.greedy_energy);
  Key(&w, "notes");
  w.StartArray();
  for (const std::string& n : a.notes) w.String(n.c_str(), n.size());
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace spirapi

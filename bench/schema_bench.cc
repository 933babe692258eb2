// schema_bench: validated inserts through SchemaManager against the same
// records written with DB::Put, both durable, on one thread.
//
//   schema_bench [--records N] [--dir PATH] [--quick]
//
// The records are about 1 KB of JSON with ten fields; the schema declares
// all ten with types and rules (lengths, ranges, a pattern, an enum) and one
// unique field. The issue's target: validated inserts reach at least 70% of
// the unvalidated rate. Also measured: the same inserts into a temporal
// schema (each also writes a history version) and a relational one (each
// also refers to an owner record: a reference record and a count).

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "spirapi/db.h"
#include "spirapi/schema.h"

using namespace spirapi;
using namespace spirapi_bench;

namespace {

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "schema_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

constexpr char kFields[] = R"({
  "email": {"type": "string", "required": true, "unique": true, "max_length": 64,
            "pattern": "[a-z0-9.]+@[a-z]+\\.[a-z]+"},
  "name": {"type": "string", "required": true, "min_length": 1, "max_length": 80},
  "age": {"type": "integer", "min_value": 0, "max_value": 150},
  "score": {"type": "float", "min_value": 0, "max_value": 1},
  "active": {"type": "boolean", "default": true},
  "joined": {"type": "datetime"},
  "tier": {"type": "string", "enum": ["gold", "silver", "bronze"]},
  "user_id": {"type": "pi_sequence"},
  "home": {"type": "spiral_coordinate"},
  "bio": {"type": "string", "max_length": 2000}})";

std::string Record(uint64_t i, Rng* rng) {
  static const char* kTiers[] = {"gold", "silver", "bronze"};
  std::string bio;
  while (bio.size() < 700) bio += "digits of pi and spirals, record " + std::to_string(i) + ". ";
  char text[1400];
  std::snprintf(text, sizeof(text),
                R"({"email":"user%llu@example.org","name":"User %llu","age":%llu,)"
                R"("score":%.4f,"active":%s,"joined":"2026-11-%02lluT10:00:00Z","tier":"%s",)"
                R"("user_id":"3.14159265358979%llu","home":[%lld,%lld],"bio":"%s"})",
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(i),
                static_cast<unsigned long long>(rng->Uniform(100)), rng->Uniform(10000) / 1e4,
                rng->Uniform(2) ? "true" : "false",
                static_cast<unsigned long long>(1 + rng->Uniform(28)), kTiers[rng->Uniform(3)],
                static_cast<unsigned long long>(i),
                static_cast<long long>(rng->Uniform(100)) - 50,
                static_cast<long long>(rng->Uniform(100)) - 50, bio.c_str());
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t records = 10000;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--records") && i + 1 < argc) {
      records = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--quick")) {
      records = 1000;
    } else {
      std::fprintf(stderr, "usage: schema_bench [--records N] [--dir PATH] [--quick]\n");
      return 2;
    }
  }
  if (dir.empty()) {
    char pattern[] = "/tmp/schema_bench-XXXXXX";
    dir = ::mkdtemp(pattern);
  }
  std::vector<std::string> values;
  Rng rng(42);
  for (uint64_t i = 0; i < records; ++i) values.push_back(Record(i, &rng));

  // Alternating rounds, so drift of the disk affects all alike.
  enum Mode { kPlain, kStructured, kTemporal, kRelational, kModes };
  static const char* kNames[kModes] = {
      "DB::Put (unvalidated)", "SchemaManager::Insert (validated, unique, π id)",
      "Insert, temporal zone (+ a history version)",
      "Insert, relational zone (+ a checked reference)"};
  std::vector<double> rates[kModes];
  for (int round = 0; round < 3; ++round) {
    for (int mode = 0; mode < kModes; ++mode) {
      const std::string path = dir + "/r" + std::to_string(round) + "-" + std::to_string(mode);
      std::unique_ptr<DB> db;
      Check(DB::Open(Options(), path, &db), "open");
      std::unique_ptr<SchemaManager> schemas;
      Check(SchemaManager::Open(db.get(), &schemas), "SchemaManager::Open");
      SchemaInfo info;
      std::string id, prefix = "{";
      if (mode == kRelational) {
        Check(schemas->CreateSchema("owners", SchemaZone::kStructured, "{}", &info), "create");
        Check(schemas->Insert("owners", "{}", &id), "owner");
        prefix = R"({"owner":")" + id + R"(",)";
        std::string fields = kFields;
        fields.insert(1, R"("owner": {"type": "reference", "references": "owners"},)");
        Check(schemas->CreateSchema("users", SchemaZone::kRelational, fields, &info), "create");
      } else {
        Check(schemas->CreateSchema(
                  "users", mode == kTemporal ? SchemaZone::kTemporal : SchemaZone::kStructured,
                  kFields, &info),
              "create");
      }
      auto value = [&](uint64_t i) { return prefix + values[i].substr(1); };
      if (mode != kPlain) Check(schemas->Insert("users", value(0), &id), "warm-up insert");
      Stopwatch sw;
      for (uint64_t i = 1; i < records; ++i) {
        if (mode == kPlain) {
          Check(db->Put(WriteOptions(), Component::kSchema, "rec/users/" + std::to_string(i),
                        values[i], "{\"schema_version\":1}"),
                "Put");
        } else {
          Check(schemas->Insert("users", value(i), &id), "Insert");
        }
      }
      rates[mode].push_back(static_cast<double>(records - 1) / sw.Seconds());
      schemas.reset();
      db.reset();
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  }
  const double plain = Median(rates[kPlain]);
  std::printf("schema_bench: %s, %s, %s, %llu records of %zu bytes, durable, median of 3\n\n",
              UtcDateTime().c_str(), CpuModel().c_str(), FileSystemType(dir).c_str(),
              static_cast<unsigned long long>(records), values[1].size());
  std::printf("| writes | records/s | / unvalidated |\n|---|---:|---:|\n");
  for (int mode = 0; mode < kModes; ++mode) {
    const double rate = Median(rates[mode]);
    std::printf("| %s | %s | %.2f |\n", kNames[mode], FormatCount(rate).c_str(), rate / plain);
  }
  std::printf("\nvalidated / unvalidated: %.2f (target >= 0.70)\n",
              Median(rates[kStructured]) / plain);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

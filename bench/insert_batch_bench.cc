// insert_batch_bench: SchemaManager::InsertBatch (one transaction per batch)
// against SchemaManager::Insert one record at a time, both durable, on one
// thread, into a structured schema of five fields (one unique).
//
//   insert_batch_bench [--records N] [--batches 1,10,100,1000] [--dir PATH]
//
// Batch size 1 is Insert itself. Three alternating rounds, a fresh database
// each, median records/s.

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "spirapi/db.h"
#include "spirapi/schema.h"

using namespace spirapi;
using namespace spirapi_bench;

namespace {

void Check(const Status& s, const char* what) { CheckOk(s, "insert_batch_bench", what); }

constexpr char kFields[] = R"({
  "email": {"type": "string", "required": true, "unique": true, "max_length": 64},
  "name": {"type": "string", "required": true, "min_length": 1, "max_length": 80},
  "age": {"type": "integer", "min_value": 0, "max_value": 150},
  "score": {"type": "float", "min_value": 0, "max_value": 1},
  "active": {"type": "boolean", "default": true}})";

std::string Record(uint64_t i, Rng* rng) {
  char text[256];
  std::snprintf(text, sizeof(text),
                R"({"email":"user%llu@example.org","name":"User %llu","age":%llu,)"
                R"("score":%.4f,"active":%s})",
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(i),
                static_cast<unsigned long long>(rng->Uniform(100)), rng->Uniform(10000) / 1e4,
                rng->Uniform(2) ? "true" : "false");
  return text;
}

// Records/s of inserting records[1..] in batches of `batch` (1: Insert).
double Run(const std::string& path, const std::vector<std::string>& records, uint64_t batch) {
  std::unique_ptr<DB> db;
  Check(DB::Open(Options(), path, &db), "open");
  std::unique_ptr<SchemaManager> schemas;
  Check(SchemaManager::Open(db.get(), &schemas), "SchemaManager::Open");
  SchemaInfo info;
  Check(schemas->CreateSchema("users", SchemaZone::kStructured, kFields, &info), "create");
  std::string id;
  // The first id computes π's digits for the identifiers: not timed.
  Check(schemas->Insert("users", records[0], &id), "warm-up insert");
  Stopwatch sw;
  for (size_t i = 1; i < records.size(); i += batch) {
    if (batch == 1) {
      Check(schemas->Insert("users", records[i], &id), "Insert");
      continue;
    }
    const size_t end = std::min(records.size(), i + batch);
    const std::vector<std::string_view> views(records.begin() + i, records.begin() + end);
    Check(schemas->InsertBatch("users", views, nullptr), "InsertBatch");
  }
  const double rate = static_cast<double>(records.size() - 1) / sw.Seconds();
  std::vector<SchemaRecord> all;
  Check(schemas->Find("users", {}, &all), "Find");
  if (all.size() != records.size()) {
    std::fprintf(stderr, "insert_batch_bench: %zu records stored, not %zu\n", all.size(),
                 records.size());
    std::exit(1);
  }
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 20000;
  std::vector<uint64_t> batches = {1, 10, 100, 1000};
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--records") && i + 1 < argc) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--batches") && i + 1 < argc) {
      batches.clear();
      for (const std::string& b : SplitList(argv[++i])) batches.push_back(std::stoull(b));
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: insert_batch_bench [--records N] [--batches 1,10,100,1000] "
                   "[--dir PATH]\n");
      return 2;
    }
  }
  if (count < 2 || batches.empty()) {
    std::fprintf(stderr, "insert_batch_bench: needs --records of 2 or more and a batch size\n");
    return 2;
  }
  if (dir.empty()) dir = NewTempDir("insert_batch_bench");
  std::vector<std::string> records;
  Rng rng(42);
  for (uint64_t i = 0; i < count; ++i) records.push_back(Record(i, &rng));

  // Alternating rounds, so drift of the disk affects all alike.
  std::vector<std::vector<double>> rates(batches.size());
  for (int round = 0; round < 3; ++round) {
    for (size_t b = 0; b < batches.size(); ++b) {
      const std::string path = dir + "/r" + std::to_string(round) + "-" + std::to_string(b);
      rates[b].push_back(Run(path, records, batches[b]));
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  }
  std::printf("insert_batch_bench: %s, %s, %s, %llu records of %zu bytes, durable, median "
              "of 3\n\n",
              UtcDateTime().c_str(), CpuModel().c_str(), FileSystemType(dir).c_str(),
              static_cast<unsigned long long>(count), records[1].size());
  std::printf("| writes | records/s | / Insert |\n|---|---:|---:|\n");
  const double single = Median(rates[0]);
  for (size_t b = 0; b < batches.size(); ++b) {
    const double rate = Median(rates[b]);
    const std::string what = batches[b] == 1 ? std::string("Insert, one at a time")
                                              : "InsertBatch, " + std::to_string(batches[b]) +
                                                    " a transaction";
    std::printf("| %s | %s | %.1f |\n", what.c_str(), FormatCount(rate).c_str(), rate / single);
  }
  return 0;
}

// A consumer of the installed library (tests/packaging/consumer_test.sh):
// opens a database, writes a record, reads it back.
// Usage: consumer DB_DIR

#include <cstdio>
#include <memory>
#include <string>

#include "spirapi/db.h"
#include "spirapi/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer DB_DIR\n");
    return 2;
  }
  std::unique_ptr<spirapi::DB> db;
  spirapi::Status s = spirapi::DB::Open(spirapi::Options(), argv[1], &db);
  if (s.ok()) {
    s = db->Put(spirapi::WriteOptions(), spirapi::Component::kCache, "greeting",
                R"({"text":"hello"})");
  }
  spirapi::StorageRecord record;
  if (s.ok()) s = db->Get(spirapi::ReadOptions(), spirapi::Component::kCache, "greeting", &record);
  if (!s.ok()) {
    std::fprintf(stderr, "consumer: %s\n", s.ToString().c_str());
    return 1;
  }
  if (record.data != R"({"text":"hello"})") {
    std::fprintf(stderr, "consumer: read back %s\n", record.data.c_str());
    return 1;
  }
  std::printf("spirapi %d.%d.%d: %s\n", SPIRAPI_VERSION_MAJOR, SPIRAPI_VERSION_MINOR,
              SPIRAPI_VERSION_PATCH, record.ToJson().c_str());
  return 0;
}

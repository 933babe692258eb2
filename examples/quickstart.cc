// The README's quick start as a program: one transaction that writes records
// into three components, read back at a snapshot, then verified.
//
// Usage: quickstart DB_DIR

#include <cstdio>
#include <memory>

#include "spirapi/db.h"

namespace {

int Fail(const spirapi::Status& s) {
  std::fprintf(stderr, "quickstart: %s\n", s.ToString().c_str());
  return s.IsNotFound() ? 1 : s.IsInvalidArgument() ? 2 : s.IsCorruption() ? 3 : 4;
}

}  // namespace

int main(int argc, char** argv) {
  using spirapi::Component;
  if (argc != 2) {
    std::fprintf(stderr, "usage: quickstart DB_DIR\n");
    return 2;
  }
  std::unique_ptr<spirapi::DB> db;
  spirapi::Status s = spirapi::DB::Open(spirapi::Options(), argv[1], &db);
  if (!s.ok()) return Fail(s);

  // All or nothing, across components: a sequence, the schema it follows and
  // a metadata record about it commit together, durably.
  std::unique_ptr<spirapi::Transaction> txn;
  s = db->BeginTransaction(spirapi::WriteOptions(), &txn);
  if (s.ok()) {
    s = txn->Put(Component::kSequence, "pi-1000",
                 R"({"sequence":"3.14159265358979323846","precision":20,)"
                 R"("algorithm":"chudnovsky","computation_time":0.002})",
                 R"({"source":"quickstart"})");
  }
  if (s.ok()) {
    s = txn->Put(Component::kSchema, "pi_sequence",
                 R"({"name":"pi_sequence","zone":"flexible",)"
                 R"("fields":{"sequence":{"type":"pi_sequence","required":true}}})");
  }
  if (s.ok()) s = txn->Put(Component::kMetadata, "stats", R"({"sequences":1})");
  if (s.ok()) s = txn->Commit();
  if (!s.ok()) return Fail(s);
  std::printf("committed 3 records in 3 components in one transaction\n");

  const spirapi::Snapshot* snapshot = db->GetSnapshot();
  spirapi::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  for (auto [component, id] : {std::pair{Component::kSequence, "pi-1000"},
                               std::pair{Component::kSchema, "pi_sequence"},
                               std::pair{Component::kMetadata, "stats"}}) {
    spirapi::StorageRecord record;
    s = db->Get(at_snapshot, component, id, &record);
    if (!s.ok()) break;
    std::printf("%s\n", record.ToJson().c_str());
  }
  db->ReleaseSnapshot(snapshot);
  if (!s.ok()) return Fail(s);

  spirapi::VerifyReport report;
  s = db->Verify(&report);
  if (!s.ok()) return Fail(s);
  std::printf("verify: %llu records in %llu files, %zu damaged\n",
              static_cast<unsigned long long>(report.records_checked),
              static_cast<unsigned long long>(report.files_checked), report.damage.size());
  return report.clean() ? 0 : 3;
}

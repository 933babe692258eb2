// A database's contents as a map, for tests that compare a database with a
// model of what it must hold (power_loss_test, io_fault_sweep_test).

#ifndef SPIRAPI_TESTS_SUPPORT_DB_STATE_H_
#define SPIRAPI_TESTS_SUPPORT_DB_STATE_H_

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "spirapi/db.h"
#include "spirapi/maintenance.h"

namespace spirapi::test {

// "component/id" -> data.
using State = std::map<std::string, std::string>;

inline std::string Key(Component c, const std::string& id) {
  return std::string(ComponentName(c)) + "/" + id;
}

// The inverse of Key.
inline Status SplitKey(const std::string& key, Component* c, std::string* id) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return Status::InvalidArgument(key);
  *id = key.substr(slash + 1);
  return ParseComponent(key.substr(0, slash), c);
}

// Reads every record of every component by Scan; a Get of each of `keys`
// must agree with it, or *problem says how it did not.
inline Status ReadState(DB* db, const std::set<std::string>& keys, State* out,
                        std::string* problem) {
  out->clear();
  for (Component c : kAllComponents) {
    Status s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      // SpiraPi's own records (the last Verify, the metrics history, backups
      // taken) are not the test's data.
      if (c == Component::kMetadata && IsInternalRecord(c, r.id)) return true;
      (*out)[Key(c, r.id)] = r.data;
      return true;
    });
    if (!s.ok()) return s;
  }
  for (const std::string& key : keys) {
    Component c;
    std::string id;
    if (!SplitKey(key, &c, &id).ok()) return Status::InvalidArgument(key);
    StorageRecord rec;
    Status s = db->Get(ReadOptions(), c, id, &rec);
    auto it = out->find(key);
    if (s.IsNotFound()) {
      if (it != out->end()) *problem += "Get(" + key + ") NotFound but Scan returned it; ";
    } else if (!s.ok()) {
      return s;
    } else if (it == out->end() || it->second != rec.data) {
      *problem += "Get(" + key + ") = " + rec.data.substr(0, 20) + " differs from Scan; ";
    }
  }
  return Status::OK();
}

// The first few differences, for messages.
inline std::string Describe(const State& want, const State& got) {
  std::ostringstream os;
  int shown = 0;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      if (shown++ < 6) os << " missing " << k << "=" << v.substr(0, 12) << ";";
    } else if (it->second != v) {
      if (shown++ < 6) os << " " << k << "=" << it->second.substr(0, 12) << " want "
                         << v.substr(0, 12) << ";";
    }
  }
  for (const auto& [k, v] : got) {
    if (!want.count(k) && shown++ < 6) os << " extra " << k << "=" << v.substr(0, 12) << ";";
  }
  return os.str();
}

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SUPPORT_DB_STATE_H_

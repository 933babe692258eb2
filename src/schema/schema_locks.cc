// SchemaLocks: the process-wide table, keyed by DB object.

#include "schema/schema_locks.h"

namespace spirapi::schema {

std::shared_ptr<SchemaLocks> SchemaLocks::For(const DB* db) {
  static std::mutex registry_mu;
  static auto* registry = new std::map<const DB*, std::weak_ptr<SchemaLocks>>();
  std::lock_guard<std::mutex> lock(registry_mu);
  for (auto it = registry->begin(); it != registry->end();) {
    it = it->second.expired() ? registry->erase(it) : std::next(it);
  }
  std::shared_ptr<SchemaLocks> locks = (*registry)[db].lock();
  if (locks == nullptr) {
    locks = std::make_shared<SchemaLocks>();
    (*registry)[db] = locks;
  }
  return locks;
}

std::shared_mutex& SchemaLocks::Of(std::string_view schema) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = locks_.find(schema);
  if (it == locks_.end()) {
    it = locks_.emplace(std::string(schema), std::make_unique<std::shared_mutex>()).first;
  }
  return *it->second;
}

}  // namespace spirapi::schema

// ResultCache: entries of the CACHE component under "~result/", each an
// object of what it was computed from (data) and the result (blob).

#include "spirapi/result_cache.h"

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <utility>

#include "db/db_impl.h"
#include "util/hash.h"
#include "util/json.h"

namespace spirapi {

namespace {

constexpr std::string_view kPrefix = "~result/";
constexpr size_t kMaxKindBytes = 32;
// Deletes per transaction in a purge.
constexpr size_t kPurgeBatch = 500;

Status CheckKind(std::string_view kind) {
  bool ok = !kind.empty() && kind.size() <= kMaxKindBytes;
  for (char ch : kind) {
    ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-');
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument("result cache: kind must be 1..32 of [a-z0-9_-], not '" +
                                 std::string(kind) + "'");
}

DBImpl::ResultCacheAtomics* CountersOf(DB* db) {
  auto* impl = dynamic_cast<DBImpl*>(db);
  return impl == nullptr ? nullptr : &impl->result_cache_counters();
}

void Count(DB* db, std::atomic<uint64_t> DBImpl::ResultCacheAtomics::*field, uint64_t n = 1) {
  DBImpl::ResultCacheAtomics* c = CountersOf(db);
  if (c != nullptr) (c->*field).fetch_add(n, std::memory_order_relaxed);
}

bool IsReadOnly(DB* db) {
  // Writes are refused before anything else is looked at.
  std::unique_ptr<Transaction> txn;
  Status s = db->BeginTransaction(WriteOptions(), &txn);
  if (s.ok()) txn->Rollback();
  return s.IsNotSupported();
}

bool GetInt64(const rapidjson::Value& v, const char* key, int64_t* out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return false;
  *out = it->value.GetInt64();
  return true;
}

// The entry's data as CacheEntryInfo (value_bytes from the blob); false if
// it is not an entry this code wrote.
bool ParseEntry(const StorageRecord& r, CacheEntryInfo* e) {
  rapidjson::Document doc;
  doc.Parse(r.data.data(), r.data.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto kind = doc.FindMember("kind");
  auto key = doc.FindMember("key");
  auto inputs = doc.FindMember("inputs");
  if (kind == doc.MemberEnd() || !kind->value.IsString() || key == doc.MemberEnd() ||
      !key->value.IsString() || inputs == doc.MemberEnd() || !inputs->value.IsArray() ||
      !GetInt64(doc, "created_us", &e->created_us) ||
      !GetInt64(doc, "expires_us", &e->expires_us)) {
    return false;
  }
  e->record_id = r.id;
  e->kind.assign(kind->value.GetString(), kind->value.GetStringLength());
  e->key.assign(key->value.GetString(), key->value.GetStringLength());
  e->value_bytes = r.blob.size();
  e->inputs.clear();
  for (const rapidjson::Value& in : inputs->value.GetArray()) {
    if (!in.IsObject()) return false;
    CacheFingerprint::Input input;
    auto comp = in.FindMember("component");
    auto seq = in.FindMember("seq");
    if (comp == in.MemberEnd() || !comp->value.IsString() ||
        !ParseComponent(comp->value.GetString(), &input.component).ok() || seq == in.MemberEnd() ||
        !seq->value.IsUint64()) {
      return false;
    }
    input.seq = seq->value.GetUint64();
    auto id = in.FindMember("id");
    if (id != in.MemberEnd()) {
      if (!id->value.IsString()) return false;
      input.id.assign(id->value.GetString(), id->value.GetStringLength());
    }
    e->inputs.push_back(std::move(input));
  }
  return true;
}

// The current change sequence of one input.
Status CurrentSeq(DB* db, Component c, std::string_view id, uint64_t* seq) {
  if (id.empty()) return db->ComponentChangeSequence(c, seq);
  auto* impl = dynamic_cast<DBImpl*>(db);
  if (impl == nullptr) return Status::NotSupported("result cache: record inputs need a SpiraPi DB");
  *seq = impl->RecordChangeSequence(c, id);
  return Status::OK();
}

}  // namespace

std::string ResultCacheCounters::ToJson() const {
  std::string out = "{";
  auto kv = [&out](const char* k, uint64_t v) {
    out += std::string("\"") + k + "\":" + std::to_string(v) + ",";
  };
  kv("hits", hits);
  kv("misses", misses);
  kv("stale", stale);
  kv("expired", expired);
  kv("stored", stored);
  kv("removed", removed);
  kv("skipped", skipped);
  return out + "\"hit_rate\":" + std::to_string(hit_rate()) + "}";
}

std::string CacheEntryInfo::ToJson() const {
  std::string out = "{\"record_id\":";
  AppendJsonString(&out, record_id);
  out += ",\"kind\":";
  AppendJsonString(&out, kind);
  out += ",\"key\":";
  AppendJsonString(&out, key);
  out += ",\"created_us\":" + std::to_string(created_us) +
         ",\"expires_us\":" + std::to_string(expires_us) +
         ",\"value_bytes\":" + std::to_string(value_bytes) + ",\"inputs\":[";
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i > 0) out += ",";
    out += std::string("{\"component\":\"") + ComponentName(inputs[i].component) + "\"";
    if (!inputs[i].id.empty()) {
      out += ",\"id\":";
      AppendJsonString(&out, inputs[i].id);
    }
    out += ",\"seq\":" + std::to_string(inputs[i].seq) + "}";
  }
  out += std::string("],\"expired\":") + (expired ? "true" : "false") +
         ",\"stale\":" + (stale ? "true" : "false") + "}";
  return out;
}

std::string ResultCacheRecordId(std::string_view kind, std::string_view key) {
  const Sha256Digest d = Sha256Of(key);
  return std::string(kPrefix) + std::string(kind) + "/" + ToHex(d.data(), d.size());
}

Status GetResultCacheCounters(DB* db, ResultCacheCounters* counters) {
  if (db == nullptr) return Status::InvalidArgument("result cache: no database");
  DbStats stats;
  Status s = db->GetStats(&stats);
  if (s.ok()) *counters = stats.result_cache;
  return s;
}

ResultCache::ResultCache(DB* db, ResultCacheOptions options)
    : db_(db), options_(std::move(options)) {}

int64_t ResultCache::Now() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ResultCache::Fingerprint(const std::vector<CacheInput>& inputs, CacheFingerprint* out) {
  out->inputs.clear();
  if (db_ == nullptr) return Status::InvalidArgument("result cache: no database");
  if (inputs.empty()) return Status::InvalidArgument("result cache: a result needs inputs");
  for (const CacheInput& in : inputs) {
    if (static_cast<uint8_t>(in.component) >= kNumComponents) {
      return Status::InvalidArgument("result cache: bad component");
    }
    if (!in.id.empty()) {
      Status s = DBImpl::CheckId(in.id);
      if (!s.ok()) return s;
    }
    CacheFingerprint::Input state{in.component, in.id, 0};
    Status s = CurrentSeq(db_, in.component, in.id, &state.seq);
    if (!s.ok()) return s;
    out->inputs.push_back(std::move(state));
  }
  return Status::OK();
}

bool ResultCache::Usable(CacheEntryInfo* e, int64_t now) {
  for (const CacheFingerprint::Input& in : e->inputs) {
    uint64_t seq = 0;
    if (!CurrentSeq(db_, in.component, in.id, &seq).ok() || seq != in.seq) {
      e->stale = true;
      break;
    }
  }
  e->expired = e->expires_us != 0 && now >= e->expires_us;
  return !e->stale && !e->expired;
}

void ResultCache::RemoveEntry(std::string_view record_id, uint64_t version) {
  WriteOptions wo;
  wo.sync = options_.sync;
  std::unique_ptr<Transaction> txn;
  if (!db_->BeginTransaction(wo, &txn).ok()) return;
  StorageRecord r;
  // A Conflict (someone stored a fresh entry meanwhile) keeps theirs.
  if (txn->Get(Component::kCache, record_id, &r).ok() && r.version == version &&
      txn->Delete(Component::kCache, record_id).ok() && txn->Commit().ok()) {
    Count(db_, &DBImpl::ResultCacheAtomics::removed);
  }
}

Status ResultCache::Lookup(std::string_view kind, std::string_view key, std::string* value_json,
                           bool* hit) {
  *hit = false;
  if (db_ == nullptr) return Status::InvalidArgument("result cache: no database");
  Status s = CheckKind(kind);
  if (!s.ok()) return s;
  const std::string id = ResultCacheRecordId(kind, key);
  StorageRecord r;
  s = db_->Get(ReadOptions(), Component::kCache, id, &r);
  CacheEntryInfo e;
  if (s.IsNotFound() || (s.ok() && (!ParseEntry(r, &e) || e.key != key || e.kind != kind))) {
    Count(db_, &DBImpl::ResultCacheAtomics::misses);
    return Status::OK();
  }
  if (!s.ok()) return s;
  if (Usable(&e, Now())) {
    *value_json = std::move(r.blob);
    *hit = true;
    Count(db_, &DBImpl::ResultCacheAtomics::hits);
    return Status::OK();
  }
  Count(db_, &DBImpl::ResultCacheAtomics::misses);
  Count(db_, e.stale ? &DBImpl::ResultCacheAtomics::stale : &DBImpl::ResultCacheAtomics::expired);
  RemoveEntry(id, r.version);
  return Status::OK();
}

Status ResultCache::Store(std::string_view kind, std::string_view key, const CacheFingerprint& fp,
                          std::string_view value_json, double ttl_seconds) {
  if (db_ == nullptr) return Status::InvalidArgument("result cache: no database");
  Status s = CheckKind(kind);
  if (!s.ok()) return s;
  if (!(ttl_seconds >= 0) || ttl_seconds > 1e9) {
    return Status::InvalidArgument("result cache: the TTL must be 0..1e9 seconds");
  }
  if (fp.inputs.empty()) return Status::InvalidArgument("result cache: a result needs inputs");
  if (!IsValidUtf8(key)) return Status::InvalidArgument("result cache: the key is not UTF-8");
  std::string value;
  s = NormalizeJson(value_json, JsonKind::kAnyValue, "the cached value", &value);
  if (!s.ok()) return s;
  if (value.size() > options_.max_value_bytes || value.size() > kMaxBlobBytes) {
    Count(db_, &DBImpl::ResultCacheAtomics::skipped);
    return Status::OK();
  }
  const int64_t now = Now();
  const int64_t expires =
      ttl_seconds == 0 ? 0 : now + std::max<int64_t>(1, static_cast<int64_t>(ttl_seconds * 1e6));
  std::string data = "{\"kind\":";
  AppendJsonString(&data, kind);
  data += ",\"key\":";
  AppendJsonString(&data, key);
  data += ",\"created_us\":" + std::to_string(now) + ",\"expires_us\":" + std::to_string(expires) +
          ",\"inputs\":[";
  for (size_t i = 0; i < fp.inputs.size(); ++i) {
    const CacheFingerprint::Input& in = fp.inputs[i];
    if (i > 0) data += ",";
    data += std::string("{\"component\":\"") + ComponentName(in.component) + "\"";
    if (!in.id.empty()) {
      data += ",\"id\":";
      AppendJsonString(&data, in.id);
    }
    data += ",\"seq\":" + std::to_string(in.seq) + "}";
  }
  data += "]}";
  WriteOptions wo;
  wo.sync = options_.sync;
  s = db_->PutWithBlob(wo, Component::kCache, ResultCacheRecordId(kind, key), data, "{}", value);
  if (s.IsNotSupported()) {  // a read-only instance
    Count(db_, &DBImpl::ResultCacheAtomics::skipped);
    return Status::OK();
  }
  if (s.ok()) Count(db_, &DBImpl::ResultCacheAtomics::stored);
  return s;
}

Status ResultCache::GetOrCompute(std::string_view kind, std::string_view key,
                                 const std::vector<CacheInput>& inputs, double ttl_seconds,
                                 const std::function<Status(std::string*)>& fn,
                                 std::string* value_json, bool* hit) {
  Status s = Lookup(kind, key, value_json, hit);
  if (!s.ok() || *hit) return s;
  CacheFingerprint fp;
  s = Fingerprint(inputs, &fp);  // before computing: a write meanwhile makes it stale
  if (!s.ok()) return s;
  s = fn(value_json);
  if (!s.ok()) return s;
  return Store(kind, key, fp, *value_json, ttl_seconds);
}

Status ResultCache::List(const std::function<bool(const CacheEntryInfo&)>& fn) {
  if (db_ == nullptr) return Status::InvalidArgument("result cache: no database");
  ScanOptions so;
  so.prefix = std::string(kPrefix);
  const int64_t now = Now();
  // Judged after the scan: a read-only instance's record lookups take the
  // lock the scan holds, which must not be taken twice by one thread.
  std::vector<CacheEntryInfo> entries;
  Status s = db_->Scan(ReadOptions(), Component::kCache, so, [&](const StorageRecord& r) {
    CacheEntryInfo e;
    if (ParseEntry(r, &e)) entries.push_back(std::move(e));
    return true;
  });
  if (!s.ok()) return s;
  for (CacheEntryInfo& e : entries) {
    Usable(&e, now);
    if (!fn(e)) break;
  }
  return Status::OK();
}

Status ResultCache::Purge(PurgeMode mode, uint64_t* removed) {
  if (db_ == nullptr) return Status::InvalidArgument("result cache: no database");
  if (IsReadOnly(db_)) return DBImpl::ReadOnlyError();
  ScanOptions so;
  so.prefix = std::string(kPrefix);
  const int64_t now = Now();
  std::vector<std::pair<std::string, uint64_t>> doomed;  // id, version seen
  Status s = db_->Scan(ReadOptions(), Component::kCache, so, [&](const StorageRecord& r) {
    CacheEntryInfo e;
    const bool parsed = ParseEntry(r, &e);
    const bool usable = parsed && Usable(&e, now);
    const bool remove =
        mode == PurgeMode::kAll || !parsed || (mode == PurgeMode::kUnusable ? !usable : e.expired);
    if (remove) doomed.emplace_back(r.id, r.version);
    return true;
  });
  if (!s.ok()) return s;
  WriteOptions wo;
  wo.sync = options_.sync;
  for (size_t i = 0; i < doomed.size(); i += kPurgeBatch) {
    std::unique_ptr<Transaction> txn;
    s = db_->BeginTransaction(wo, &txn);
    if (!s.ok()) return s;
    uint64_t n = 0;
    for (size_t j = i; j < std::min(doomed.size(), i + kPurgeBatch); ++j) {
      StorageRecord r;
      Status g = txn->Get(Component::kCache, doomed[j].first, &r);
      if (g.IsNotFound() || (g.ok() && r.version != doomed[j].second)) continue;  // replaced
      if (g.ok()) g = txn->Delete(Component::kCache, doomed[j].first);
      if (!g.ok()) return g;
      ++n;
    }
    s = n == 0 ? txn->Rollback() : txn->Commit();
    // A Conflict: entries stored meanwhile; the next purge sees them.
    if (s.IsConflict()) continue;
    if (!s.ok()) return s;
    *removed += n;
    Count(db_, &DBImpl::ResultCacheAtomics::removed, n);
  }
  return Status::OK();
}

}  // namespace spirapi

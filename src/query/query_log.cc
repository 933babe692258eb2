// The query history (include/spirapi/query_log.h): entries as records of the
// QUERY component under ids that sort by start time, read forwards with a
// prefix scan and backwards in windows of time, and pruned in batches.

#include "spirapi/query_log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "util/json.h"
#include "util/json_document.h"

namespace spirapi {

namespace {

constexpr std::string_view kIdPrefix = "~log/";
constexpr size_t kTimeDigits = 20;
// Exactly as stored: Put keeps compact JSON as it is.
constexpr std::string_view kMetadata = R"({"kind":"query_log"})";
constexpr double kMicrosPerDay = 86'400e6;
// Deletes per transaction when pruning: bounds the transaction's memory.
constexpr size_t kDeleteBatch = 1000;
// Newest-first reads hold one window of entries at a time; the window's span
// of time adapts so that it holds between these many entries.
constexpr size_t kWindowMin = 256;
constexpr size_t kWindowMax = 4096;
// Small, so that the newest few of a busy history are found without
// reading the rest; windows then grow four-fold while nearly empty.
constexpr int64_t kFirstWindowMicros = 1'000'000;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A seed that differs between processes and threads; random_device may be
// unavailable (it then throws), and no exception may leave the library.
uint64_t Seed() {
  uint64_t seed = static_cast<uint64_t>(NowMicros()) ^
                  (std::hash<std::thread::id>()(std::this_thread::get_id()) << 1);
  try {
    std::random_device rd;
    seed ^= (static_cast<uint64_t>(rd()) << 32) | rd();
  } catch (...) {
  }
  return seed;
}

// "~log/" and the time, zero-padded so that ids sort as times do. The
// bound of the entries that started before `time_us`.
std::string IdPrefixAt(int64_t time_us) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%020" PRId64, std::max<int64_t>(0, time_us));
  return std::string(kIdPrefix) + digits;
}

// The time prefix and 16 hex digits: a per-process random start plus a
// counter, so that entries of the same µs, from one process or several,
// get different ids.
std::string NewId(int64_t time_us) {
  static const uint64_t base = Seed();
  static std::atomic<uint64_t> counter{0};
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), "-%016" PRIx64, base + counter.fetch_add(1));
  return IdPrefixAt(time_us) + suffix;
}

// The start time an id names; 0 for an id that is not the history's.
int64_t TimeOfId(std::string_view id) {
  if (id.size() < kIdPrefix.size() + kTimeDigits) return 0;
  int64_t t = 0;
  for (size_t i = kIdPrefix.size(); i < kIdPrefix.size() + kTimeDigits; ++i) {
    const char c = id[i];
    if (c < '0' || c > '9' || t > (INT64_MAX - 9) / 10) return 0;
    t = t * 10 + (c - '0');
  }
  return t;
}

// Whether a record under the prefix is the history's (see the header).
bool IsEntry(const StorageRecord& r) { return r.metadata == kMetadata; }

// `text` with every byte that does not begin a valid UTF-8 character
// replaced by U+FFFD: a failed query's text may be any bytes, and Put takes
// only valid UTF-8.
std::string ValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t len = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (i + len <= text.size() && IsValidUtf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

// At most max bytes of `text`, not splitting a UTF-8 character.
std::string_view CutText(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end);
}

std::string GetString(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return std::string();
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

uint64_t GetUint(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

// The entry a history record holds. Missing members keep their defaults,
// so that entries written by a later version with members added or dropped
// still read.
Status ParseEntry(const StorageRecord& r, QueryLogEntry* e) {
  rapidjson::Document doc;
  if (!ParseJsonDocument(r.data, &doc) || !doc.IsObject()) {
    return Status::Corruption("query log: record " + r.id + " is not a query log entry");
  }
  *e = QueryLogEntry();
  e->id = r.id;
  e->query = GetString(doc, "query");
  e->source = GetString(doc, "source");
  e->plan = GetString(doc, "plan");
  e->status = GetString(doc, "status");
  auto seconds = doc.FindMember("seconds");
  if (seconds != doc.MemberEnd() && seconds->value.IsNumber()) {
    e->seconds = seconds->value.GetDouble();
  }
  e->rows_examined = GetUint(doc, "rows_examined");
  e->rows_returned = GetUint(doc, "rows_returned");
  e->query_bytes = GetUint(doc, "query_bytes");
  auto time = doc.FindMember("time_us");
  e->time_us = time != doc.MemberEnd() && time->value.IsInt64() ? time->value.GetInt64()
                                                                 : TimeOfId(r.id);
  return Status::OK();
}

Status CheckDays(double days) {
  if (!(days >= 0)) {
    return Status::InvalidArgument("query log: max_age_days must be a number >= 0");
  }
  return Status::OK();
}

// The start time before which entries are too old, or false if none can be
// (no age limit, or one reaching back before the epoch).
bool AgeCutoff(double max_age_days, int64_t now_us, int64_t* cutoff_us) {
  const double age_us = max_age_days * kMicrosPerDay;
  if (!(max_age_days > 0) || age_us >= static_cast<double>(now_us)) return false;
  *cutoff_us = now_us - static_cast<int64_t>(age_us);
  return true;
}

// The ids of up to `max` history records in [*from, to) (to empty: to the
// end) of the view `ro`; *from is moved past the last record looked at, and
// *more tells whether the range may hold further records.
Status CollectIds(DB* db, const ReadOptions& ro, std::string* from, const std::string& to,
                  size_t max, std::vector<std::string>* ids, bool* more) {
  ids->clear();
  *more = false;
  ScanOptions so;
  so.prefix = std::string(kIdPrefix);
  so.from = *from;
  so.to = to;
  Status s = db->Scan(ro, Component::kQuery, so, [&](const StorageRecord& r) {
    *from = r.id + '\0';
    if (IsEntry(r)) ids->push_back(r.id);
    *more = ids->size() == max;
    return !*more;
  });
  return s;
}

// Deletes `ids` in one transaction, skipping those already gone (another
// thread's prune got there first; a Conflict at commit means the same, and
// the retry then skips them).
Status DeleteIds(DB* db, const std::vector<std::string>& ids, bool sync, uint64_t* removed) {
  if (ids.empty()) return Status::OK();
  WriteOptions wo;
  wo.sync = sync;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<Transaction> txn;
    Status s = db->BeginTransaction(wo, &txn);
    if (!s.ok()) return s;
    uint64_t n = 0;
    for (const std::string& id : ids) {
      s = txn->Delete(Component::kQuery, id);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return s;
      ++n;
    }
    s = n == 0 ? txn->Rollback() : txn->Commit();
    if (s.ok()) {
      *removed += n;
      return s;
    }
    if (!s.IsConflict()) return s;
  }
  return Status::OK();  // three conflicts: another prune is deleting the same entries
}

// Deletes every entry that started before cutoff_us.
Status PruneByAge(DB* db, int64_t cutoff_us, bool sync, uint64_t* removed) {
  const std::string to = IdPrefixAt(cutoff_us);
  std::string from;
  std::vector<std::string> ids;
  bool more = true;
  while (more) {
    Status s = CollectIds(db, ReadOptions(), &from, to, kDeleteBatch, &ids, &more);
    if (s.ok()) s = DeleteIds(db, ids, sync, removed);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Deletes the oldest entries past max_entries. Counting and choosing read
// one snapshot, so that prunes running at once choose the same entries
// (and skip each other's deletes) rather than delete twice as many.
Status PruneByCount(DB* db, uint64_t max_entries, bool sync, uint64_t* removed) {
  const Snapshot* snapshot = db->GetSnapshot();
  ReadOptions ro;
  ro.snapshot = snapshot;
  uint64_t count = 0;
  ScanOptions so;
  so.prefix = std::string(kIdPrefix);
  Status s = db->Scan(ro, Component::kQuery, so, [&](const StorageRecord& r) {
    if (IsEntry(r)) ++count;
    return true;
  });
  uint64_t excess = s.ok() && count > max_entries ? count - max_entries : 0;
  std::string from;
  std::vector<std::string> ids;
  bool more = true;
  while (s.ok() && excess > 0 && more) {
    const size_t batch = static_cast<size_t>(std::min<uint64_t>(excess, kDeleteBatch));
    s = CollectIds(db, ro, &from, std::string(), batch, &ids, &more);
    if (s.ok()) s = DeleteIds(db, ids, sync, removed);
    excess -= std::min<uint64_t>(excess, ids.size());
  }
  db->ReleaseSnapshot(snapshot);
  return s;
}

// The start time of the oldest entry, or false if there is none.
Status OldestTime(DB* db, const ReadOptions& ro, int64_t* time_us, bool* found) {
  *found = false;
  ScanOptions so;
  so.prefix = std::string(kIdPrefix);
  return db->Scan(ro, Component::kQuery, so, [&](const StorageRecord& r) {
    if (!IsEntry(r)) return true;
    *time_us = TimeOfId(r.id);
    *found = true;
    return false;
  });
}

// Counting the entries reads them all, so an append checks the count only
// at random, once every tenth of max_entries appends on average: amortized,
// about ten records read per append, and the history is pruned a tenth of
// max_entries at a time. Random rather than every Nth append of a process,
// since a process may append once (the command-line tool) and still must
// prune at times.
bool CountCheckDue(uint64_t max_entries) {
  const uint64_t every = std::max<uint64_t>(1, max_entries / 10);
  if (every == 1) return true;
  thread_local std::mt19937_64 random(Seed());
  return random() % every == 0;
}

// Whether `db`'s oldest entry is to be looked at now. Finding it walks past
// the deletions of earlier prunes (a scan steps over them until compaction
// drops them), thousands in a full history, too much for every append; so
// it is done at most once per `interval` µs for each open database. A database
// opened where a closed one was (the same address) may wait one interval
// for its first check: harmless.
bool AgeCheckDue(const DB* db, int64_t now, int64_t interval) {
  if (interval <= 0) return true;
  static std::mutex mu;
  static auto* next_check = new std::map<const DB*, int64_t>;  // never destroyed: no exit-order issues
  std::lock_guard<std::mutex> lock(mu);
  auto it = next_check->find(db);
  if (it != next_check->end() && now < it->second) return false;
  if (next_check->size() >= 256) next_check->clear();  // closed databases' leftovers
  (*next_check)[db] = now + interval;
  return true;
}

// Retention as AppendQueryLog applies it, in batches (see QueryLogOptions).
Status PruneIfDue(DB* db, const QueryLogOptions& o) {
  const int64_t now = NowMicros();
  int64_t cutoff = 0;
  bool age_due = false;
  if (AgeCutoff(o.max_age_days, now, &cutoff)) {
    // Past the limit by a hundredth of it, so that a steady stream of
    // queries deletes expired entries in batches, not one per append.
    const int64_t slack = static_cast<int64_t>(o.max_age_days * kMicrosPerDay / 100);
    const double interval = std::min(o.age_check_seconds * 1e6, static_cast<double>(slack) / 10);
    if (AgeCheckDue(db, now, interval >= 1 ? static_cast<int64_t>(interval) : 0)) {
      int64_t oldest = 0;
      bool found = false;
      Status s = OldestTime(db, ReadOptions(), &oldest, &found);
      if (!s.ok()) return s;
      age_due = found && oldest < cutoff - slack;
    }
  }
  bool count_due = o.max_entries > 0 && CountCheckDue(o.max_entries);
  if (count_due) {
    // The component's count, from the index, bounds the history's.
    uint64_t records = 0;
    Status s = db->Count(ReadOptions(), Component::kQuery, &records);
    if (!s.ok()) return s;
    count_due = records > o.max_entries;
  }
  if (!age_due && !count_due) return Status::OK();
  // One prune at a time in a process: a second thread due at the same
  // moment would only repeat the first one's work.
  static std::mutex prune_mu;
  std::unique_lock<std::mutex> lock(prune_mu, std::try_to_lock);
  if (!lock.owns_lock()) return Status::OK();
  uint64_t removed = 0;
  Status s;
  if (age_due) s = PruneByAge(db, cutoff, o.sync, &removed);
  if (s.ok() && count_due) s = PruneByCount(db, o.max_entries, o.sync, &removed);
  return s;
}

// Calls fn with the history's records in [from, to), in id order, until fn
// returns false (*stopped then tells so).
Status ScanRecords(DB* db, const ReadOptions& ro, const std::string& from, const std::string& to,
                   const std::function<bool(const StorageRecord&)>& fn, bool* stopped) {
  ScanOptions so;
  so.prefix = std::string(kIdPrefix);
  so.from = from;
  so.to = to;
  *stopped = false;
  return db->Scan(ro, Component::kQuery, so, [&](const StorageRecord& r) {
    if (!IsEntry(r)) return true;
    *stopped = !fn(r);
    return !*stopped;
  });
}

// Passes one record's entry to fn if it passes the filter; false once fn
// or the parse says to stop (*s then holds the parse error, if any).
bool Offer(const StorageRecord& r, const QueryLogFilter& f, uint64_t* passed,
           const std::function<bool(const QueryLogEntry&)>& fn, Status* s) {
  QueryLogEntry e;
  *s = ParseEntry(r, &e);
  if (!s->ok()) return false;
  if (e.seconds < f.min_seconds) return true;
  return fn(e) && (f.limit == 0 || ++*passed < f.limit);
}

// Newest first: windows of time from now backwards, each scanned forwards
// into memory and passed on reversed, until the oldest entry's window.
// Records are parsed only as they are passed on, so that a limit stops the
// work early.
Status ReadNewestFirst(DB* db, const ReadOptions& ro, const QueryLogFilter& f,
                       const std::function<bool(const QueryLogEntry&)>& fn) {
  int64_t oldest = 0;
  bool found = false;
  Status s = OldestTime(db, ro, &oldest, &found);
  if (!s.ok() || !found) return s;
  uint64_t passed = 0;
  int64_t hi = NowMicros() + 1;
  int64_t span = kFirstWindowMicros;
  std::string to;  // the first window reaches to the end, past clocks set ahead
  std::vector<StorageRecord> window;
  while (true) {
    const bool last = hi - oldest <= span;
    const int64_t lo = last ? oldest : hi - span;
    const std::string from = last ? std::string() : IdPrefixAt(lo);
    window.clear();
    bool stopped = false;
    s = ScanRecords(db, ro, from, to,
                    [&](const StorageRecord& r) {
                      window.push_back(r);
                      return true;
                    },
                    &stopped);
    if (!s.ok()) return s;
    for (auto it = window.rbegin(); it != window.rend(); ++it) {
      if (!Offer(*it, f, &passed, fn, &s)) return s;
    }
    if (last) return Status::OK();
    to = from;
    hi = lo;
    if (window.size() < kWindowMin && span < (INT64_MAX >> 3)) span *= 4;
    if (window.size() > kWindowMax && span > 1) span /= 2;
  }
}

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>* w, const char* key,
                 const std::string& value) {
  w->Key(key);
  w->String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

std::string FormatQueryLogTime(int64_t time_us) {
  // Floor division, so that times before the epoch print correctly too.
  int64_t secs = time_us / 1'000'000;
  int64_t micros = time_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(time_us);
  char text[48];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(micros));
  return text;
}

std::string QueryLogEntryToJson(const QueryLogEntry& e) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  if (!e.id.empty()) WriteString(&w, "id", e.id);
  WriteString(&w, "time", FormatQueryLogTime(e.time_us));
  w.Key("time_us");
  w.Int64(e.time_us);
  w.Key("seconds");
  // A JSON number must be finite; AppendQueryLog refuses the others.
  w.Double(std::isfinite(e.seconds) ? e.seconds : 0);
  w.Key("rows_examined");
  w.Uint64(e.rows_examined);
  w.Key("rows_returned");
  w.Uint64(e.rows_returned);
  WriteString(&w, "source", e.source);
  WriteString(&w, "status", e.status);
  WriteString(&w, "plan", e.plan);
  WriteString(&w, "query", e.query);
  if (e.query_bytes != 0) {
    w.Key("query_bytes");
    w.Uint64(e.query_bytes);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status AppendQueryLog(DB* db, const QueryLogEntry& entry, const QueryLogOptions& options) {
  if (!(entry.seconds >= 0) || !std::isfinite(entry.seconds)) {
    return Status::InvalidArgument("query log: seconds must be a finite number >= 0");
  }
  Status s = CheckDays(options.max_age_days);
  if (!s.ok()) return s;
  QueryLogEntry e;
  const std::string_view query = CutText(entry.query, options.max_query_bytes);
  e.query = ValidUtf8(query);
  if (query.size() < entry.query.size()) e.query_bytes = entry.query.size();
  e.source = ValidUtf8(entry.source);
  e.plan = ValidUtf8(entry.plan);
  e.status = ValidUtf8(entry.status);
  e.seconds = entry.seconds;
  e.rows_examined = entry.rows_examined;
  e.rows_returned = entry.rows_returned;
  e.time_us = entry.time_us != 0 ? entry.time_us : NowMicros();
  WriteOptions wo;
  wo.sync = options.sync;
  s = db->Put(wo, Component::kQuery, NewId(e.time_us), QueryLogEntryToJson(e), kMetadata);
  if (!s.ok()) return s;
  return PruneIfDue(db, options);
}

Status ReadQueryLog(DB* db, const QueryLogFilter& filter,
                    const std::function<bool(const QueryLogEntry&)>& fn) {
  if (!(filter.min_seconds >= 0)) {
    return Status::InvalidArgument("query log: min_seconds must be a number >= 0");
  }
  // One view throughout: the newest-first windows are separate scans.
  const Snapshot* own = filter.snapshot == nullptr ? db->GetSnapshot() : nullptr;
  ReadOptions ro;
  ro.snapshot = own != nullptr ? own : filter.snapshot;
  Status s;
  if (filter.newest_first) {
    s = ReadNewestFirst(db, ro, filter, fn);
  } else {
    uint64_t passed = 0;
    bool stopped = false;
    Status parse;
    s = ScanRecords(db, ro, std::string(), std::string(),
                    [&](const StorageRecord& r) { return Offer(r, filter, &passed, fn, &parse); },
                    &stopped);
    if (s.ok()) s = parse;
  }
  if (own != nullptr) db->ReleaseSnapshot(own);
  return s;
}

Status PruneQueryLog(DB* db, const QueryLogOptions& options, uint64_t* removed) {
  uint64_t n = 0;
  if (removed != nullptr) *removed = 0;
  Status s = CheckDays(options.max_age_days);
  if (!s.ok()) return s;
  // A read-only instance refuses transactions: NotSupported even when
  // there would be nothing to delete, so that the refusal does not depend
  // on the history's state.
  std::unique_ptr<Transaction> probe;
  s = db->BeginTransaction(WriteOptions(), &probe);
  if (!s.ok()) return s;
  probe->Rollback();
  probe.reset();
  int64_t cutoff = 0;
  if (AgeCutoff(options.max_age_days, NowMicros(), &cutoff)) {
    s = PruneByAge(db, cutoff, options.sync, &n);
  }
  if (s.ok() && options.max_entries > 0) s = PruneByCount(db, options.max_entries, options.sync, &n);
  if (removed != nullptr) *removed = n;
  return s;
}

}  // namespace spirapi

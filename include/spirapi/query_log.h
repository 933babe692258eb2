// The query history: one record per query run (its text, plan, time taken,
// rows examined and returned, start time and outcome), kept in the QUERY
// component with retention by count and by age (docs/QUERY.md, "Query
// history").
//
// The history's records have ids "~log/" + the start time in µs since the
// epoch (20 digits, zero-padded) + "-" + 16 hex digits unique to the entry,
// so that they sort by time, and the metadata {"kind":"query_log"}. Other
// records of the QUERY component (store_query's, with any ids) are never
// read, listed, counted or deleted here, even one whose id starts with
// "~log/", unless it also has exactly that metadata.
//
// Entries are written without waiting for the disk (WriteOptions::sync
// false, unless QueryLogOptions::sync): a power cut may lose the last few,
// which is acceptable for a diagnostic record and keeps an fdatasync off
// every query.
//
// Thread safety: the functions may be called from any number of threads.

#ifndef SPIRAPI_QUERY_LOG_H_
#define SPIRAPI_QUERY_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// One query run.
struct QueryLogEntry {
  std::string query;           // the query's JSON text, as given
  std::string source;          // what it read: "component sequence" or "schema NAME"
  std::string plan;            // as ExplainQuery describes it; empty if it never ran
  double seconds = 0;          // how long it ran
  uint64_t rows_examined = 0;
  uint64_t rows_returned = 0;
  int64_t time_us = 0;         // when it started, µs since the Unix epoch; 0: now
  std::string status = "ok";   // "ok", or the error it ended with (Status::ToString)
  // Set by ReadQueryLog: the record's id, and the query's size in bytes when
  // the stored text was cut short (else 0). Ignored by AppendQueryLog.
  std::string id;
  uint64_t query_bytes = 0;
};

// A query that ran at least this long counts as slow (`query-log --slow`).
inline constexpr double kDefaultSlowQuerySeconds = 0.1;

struct QueryLogOptions {
  // Retention. Keep the newest max_entries entries (0: any number) that
  // started less than max_age_days ago (0: any age). AppendQueryLog applies
  // it in batches, so the history may hold some more for a while: past
  // max_entries by about a tenth (checked, at random, once every
  // max_entries / 10 appends on average, since counting the entries reads
  // them all), and past max_age_days by about a hundredth of it, plus up to
  // age_check_seconds. PruneQueryLog applies it exactly.
  uint64_t max_entries = 10000;
  double max_age_days = 30;
  // AppendQueryLog looks for entries past max_age_days at most this often
  // for each open database (and at least every thousandth of max_age_days);
  // 0: on every append. Finding the oldest entry steps over the deletions
  // of earlier prunes until a compaction drops them, which may be thousands.
  double age_check_seconds = 60;
  // A longer query text is stored cut to this many bytes (at a character
  // boundary); ReadQueryLog then reports its full size in query_bytes.
  size_t max_query_bytes = 64u << 10;
  // Wait for each entry (and each prune) to reach the disk.
  bool sync = false;
};

struct QueryLogFilter {
  bool newest_first = true;
  // Only entries that ran at least this many seconds (0: all), e.g.
  // kDefaultSlowQuerySeconds for the slow ones.
  double min_seconds = 0;
  uint64_t limit = 0;                 // at most this many entries; 0: all
  const Snapshot* snapshot = nullptr; // read this view; null: a new one
};

// Writes one entry and applies retention. Errors: InvalidArgument (seconds
// negative or not a number; nothing is written); NotSupported on a read-only
// instance (Options::read_only), which cannot write a history: callers that
// log as a side effect of a query should ignore it; whatever Put and the
// prune's deletes return (the entry is written even if the prune fails).
SPIRAPI_EXPORT Status AppendQueryLog(DB* db, const QueryLogEntry& entry,
                                     const QueryLogOptions& options = QueryLogOptions());

// Calls fn with the entries that pass `filter`, newest or oldest first,
// until fn returns false. Memory: newest first reads the history backwards
// in windows of time (there is no reverse scan), each held while its
// entries are passed on; a few thousand entries at a time. Errors:
// Corruption (a damaged record, or a history record whose data is not an
// entry); InvalidArgument (min_seconds negative or not a number).
SPIRAPI_EXPORT Status ReadQueryLog(DB* db, const QueryLogFilter& filter,
                                   const std::function<bool(const QueryLogEntry&)>& fn);

// Applies retention now, exactly: deletes every entry that started
// max_age_days ago or earlier, then the oldest entries past max_entries.
// *removed (if not null) is set to how many were deleted. Errors:
// NotSupported on a read-only instance; Corruption; whatever Delete and
// Commit return.
SPIRAPI_EXPORT Status PruneQueryLog(DB* db, const QueryLogOptions& options,
                                    uint64_t* removed = nullptr);

// The entry as one JSON object: {"time": ISO 8601 UTC with µs, "time_us",
// "seconds", "rows_examined", "rows_returned", "source", "status", "plan",
// "query"}, and "query_bytes" when the text was cut short. The stored data
// of a history record is this object without "id"; this adds "id" first
// when the entry has one.
SPIRAPI_EXPORT std::string QueryLogEntryToJson(const QueryLogEntry& entry);

// "2024-05-01T12:34:56.789012Z" for µs since the epoch.
SPIRAPI_EXPORT std::string FormatQueryLogTime(int64_t time_us);

}  // namespace spirapi

#endif  // SPIRAPI_QUERY_LOG_H_

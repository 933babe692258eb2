// `spirapi cache list|purge|stats DB`: the result cache's entries
// (include/spirapi/result_cache.h, docs/RESULT_CACHE.md). Included by
// cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_CACHE_H_
#define SPIRAPI_TOOLS_CLI_CACHE_H_

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/result_cache.h"

namespace spirapi::cli {

class CacheCommands {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cache_ = app->add_subcommand("cache", "The result cache: list, purge or count its entries");
    cache_->require_subcommand(1);
    list_ = cache_->add_subcommand("list", "Print the cached results, one per line");
    add_db(list_);
    list_->add_flag("--json", json_, "One JSON object per entry");
    purge_ = cache_->add_subcommand("purge",
                                    "Delete the entries no lookup would serve (expired or stale)");
    add_db(purge_);
    auto* expired =
        purge_->add_flag("--expired-only", expired_only_, "Only the entries whose TTL has passed");
    auto* all = purge_->add_flag("--all", all_, "Every entry, fresh or not");
    expired->excludes(all);
    stats_ = cache_->add_subcommand("stats", "Count the entries by kind and state");
    add_db(stats_);
    stats_->add_flag("--json", json_, "Print the counts as one JSON object");
  }

  bool parsed() const { return cache_ != nullptr && cache_->parsed(); }
  DbAccess access() const { return purge_->parsed() ? DbAccess::kReadWrite : DbAccess::kReadOnly; }

  int Run(const OpenFn& open) {
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    ResultCache cache(db.get());
    if (purge_->parsed()) return Purge(&cache);
    if (stats_->parsed()) return Stats(db.get(), &cache);
    return List(&cache);
  }

 private:
  // "2026-12-07 22:01:02" (UTC).
  static std::string FormatTime(int64_t us) {
    const std::time_t t = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
  }

  static const char* State(const CacheEntryInfo& e) {
    return e.stale ? "stale" : e.expired ? "expired" : "fresh";
  }

  int List(ResultCache* cache) {
    bool output_failed = false;
    if (!json_) {
      std::printf("%-12s %-7s %10s %-20s %s\n", "kind", "state", "bytes", "expires (UTC)", "key");
    }
    Status s = cache->List([&](const CacheEntryInfo& e) {
      if (json_) {
        output_failed = !WriteLine(e.ToJson());
      } else {
        std::string key = OneLine(e.key);
        if (key.size() > 100) key = key.substr(0, 97) + "...";
        std::printf("%-12s %-7s %10" PRIu64 " %-20s %s\n", e.kind.c_str(), State(e), e.value_bytes,
                    e.expires_us == 0 ? "never" : FormatTime(e.expires_us).c_str(), key.c_str());
      }
      return !output_failed;
    });
    if (!s.ok()) return FailStatus("cache list", s);
    return kExitOk;
  }

  int Purge(ResultCache* cache) {
    uint64_t removed = 0;
    const auto mode = all_            ? ResultCache::PurgeMode::kAll
                      : expired_only_ ? ResultCache::PurgeMode::kExpiredOnly
                                      : ResultCache::PurgeMode::kUnusable;
    Status s = cache->Purge(mode, &removed);
    if (!s.ok()) return FailStatus("cache purge", s);
    std::printf("removed %" PRIu64 " cache entr%s\n", removed, removed == 1 ? "y" : "ies");
    return kExitOk;
  }

  int Stats(DB* db, ResultCache* cache) {
    struct Counts {
      uint64_t entries = 0, bytes = 0, fresh = 0, stale = 0, expired = 0;
    };
    std::map<std::string, Counts> by_kind;
    Counts total;
    Status s = cache->List([&](const CacheEntryInfo& e) {
      for (Counts* c : {&by_kind[e.kind], &total}) {
        ++c->entries;
        c->bytes += e.value_bytes;
        ++(e.stale ? c->stale : e.expired ? c->expired : c->fresh);
      }
      return true;
    });
    if (!s.ok()) return FailStatus("cache stats", s);
    ResultCacheCounters counters;
    s = GetResultCacheCounters(db, &counters);
    if (!s.ok()) return FailStatus("cache stats", s);
    auto json_of = [](const Counts& c) {
      return "{\"entries\":" + std::to_string(c.entries) + ",\"bytes\":" + std::to_string(c.bytes) +
             ",\"fresh\":" + std::to_string(c.fresh) + ",\"stale\":" + std::to_string(c.stale) +
             ",\"expired\":" + std::to_string(c.expired) + "}";
    };
    if (json_) {
      std::string out = "{\"total\":" + json_of(total) + ",\"kinds\":{";
      bool first = true;
      for (const auto& [kind, c] : by_kind) {
        out += (first ? "\"" : ",\"") + kind + "\":" + json_of(c);  // kinds are [a-z0-9_-]
        first = false;
      }
      out += "},\"this_process\":" + counters.ToJson() + "}";
      return WriteLine(out) ? kExitOk : kExitIoError;
    }
    std::printf("%-12s %8s %12s %8s %8s %8s\n", "kind", "entries", "bytes", "fresh", "stale",
                "expired");
    by_kind.emplace("(all)", total);
    for (const auto& [kind, c] : by_kind) {
      std::printf("%-12s %8" PRIu64 " %12s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", kind.c_str(),
                  c.entries, FormatBytes(c.bytes).c_str(), c.fresh, c.stale, c.expired);
    }
    return kExitOk;
  }

  CLI::App* cache_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* purge_ = nullptr;
  CLI::App* stats_ = nullptr;
  bool json_ = false;
  bool expired_only_ = false;
  bool all_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_CACHE_H_

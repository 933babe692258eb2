// `spirapi compact DB [--recompress [--level N] [--codec C]]` and `spirapi
// cleanup DB [--older-than DAYS [--component C] [--batch N]]
// [--remove-tails-older-than DAYS] [--dry-run] [--json]`: the specification's
// cleanup and optimization (include/spirapi/maintenance.h). Included by
// cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_MAINTENANCE_H_
#define SPIRAPI_TOOLS_CLI_MAINTENANCE_H_

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/maintenance.h"
#include "spirapi/options.h"
#include "spirapi/query_log.h"

namespace spirapi::cli {

// Compacts an open database, with a status line on a terminal (Compact
// reports progress, but a rewrite of small components is over at once).
inline int CompactOpen(DB* db) {
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (tty) std::fprintf(stderr, "compacting...");
  Status s = db->Compact();
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!s.ok()) return FailStatus("compact", s);
  return kExitOk;
}

class CompactCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "compact", "Rewrite segments without dead records, with the current compression settings");
    add_db(cmd_);
    cmd_->add_flag("--recompress", recompress_,
                   "Report the segments' size before and after; with --level or --codec, "
                   "store those settings first");
    level_ = cmd_->add_option("--level", level_value_,
                              "With --recompress: the new compression level, 0..9")
                 ->transform(DecimalNumber());
    codec_ = cmd_->add_option("--codec", codec_name_, "With --recompress: zstd, lzma or none")
                 ->check(CLI::IsMember({"zstd", "lzma", "none"}));
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open) {
    const bool change = level_->count() > 0 || codec_->count() > 0;
    if (change && !recompress_) {
      return Fail(kExitUsage, "compact: --level and --codec go with --recompress");
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    if (!recompress_) return CompactOpen(db.get());
    // The journal goes to segments first, at the old settings, so that
    // "before" counts every record as "after" will.
    Status s = db->Flush();
    DbStats before;
    if (s.ok()) s = db->GetStats(&before);
    if (s.ok() && change) {
      CompressionCodec codec = before.compression_codec;
      if (codec_->count() > 0) ParseCompressionCodec(codec_name_, &codec);  // checked by CLI11
      const int level = level_->count() > 0 ? level_value_ : before.compression_level;
      s = db->SetCompression(codec, level);
    }
    if (!s.ok()) return FailStatus("compact", s);
    if (int rc = CompactOpen(db.get()); rc != kExitOk) return rc;
    DbStats after;
    s = db->GetStats(&after);
    if (!s.ok()) return FailStatus("compact", s);
    const uint64_t from = SegmentBytes(before);
    const uint64_t to = SegmentBytes(after);
    return WriteLine("segments: " + std::to_string(from) + " bytes (" + FormatBytes(from) +
                     ") before, " + std::to_string(to) + " bytes (" + FormatBytes(to) +
                     ") after, " + CompressionCodecName(after.compression_codec) + " level " +
                     std::to_string(after.compression_level))
               ? kExitOk
               : kExitIoError;
  }

 private:
  static uint64_t SegmentBytes(const DbStats& st) {
    uint64_t n = 0;
    for (const ComponentStats& c : st.components) n += c.segment_bytes;
    return n;
  }

  CLI::App* cmd_ = nullptr;
  CLI::Option* level_ = nullptr;
  CLI::Option* codec_ = nullptr;
  bool recompress_ = false;
  int level_value_ = 0;
  std::string codec_name_;
};

class CleanupCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "cleanup", "Delete records older than an age, or old journal tails (docs/CLI.md)");
    add_db(cmd_);
    older_ = cmd_->add_option("--older-than", options_.older_than_days,
                              "Delete the records committed more than DAYS ago (> 0, may be "
                              "fractional); SpiraPi's internal records are kept");
    component_ =
        cmd_->add_option("--component", component_name_, "Only this component (default: all six)");
    batch_ = cmd_->add_option("--batch", batch_value_, "Deletes per transaction (default 1000)")
                 ->transform(DecimalNumber());
    tails_ = cmd_->add_option("--remove-tails-older-than", tail_days_,
                              "Remove the journal tails (journal/*.tail) last modified more "
                              "than DAYS ago; nothing else");
    cmd_->add_flag("--dry-run", options_.dry_run, "Say what would be deleted; delete nothing");
    cmd_->add_flag("--json", json_, "Print the result as one JSON object");
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open, const std::string& db_path) {
    const bool records = older_->count() > 0;
    const bool tails = tails_->count() > 0;
    if (!records && !tails) {
      return Fail(kExitUsage,
                  "cleanup: give --older-than DAYS, --remove-tails-older-than DAYS "
                  "or both; run 'spirapi cleanup --help'");
    }
    if (!records && (component_->count() > 0 || batch_->count() > 0)) {
      return Fail(kExitUsage, "cleanup: --component and --batch go with --older-than");
    }
    if (records && !(options_.older_than_days > 0)) {
      return Fail(kExitUsage, "cleanup: --older-than needs a number of days > 0");
    }
    if (tails && !(tail_days_ > 0)) {
      return Fail(kExitUsage, "cleanup: --remove-tails-older-than needs a number of days > 0");
    }
    if (batch_value_ == 0) return Fail(kExitUsage, "cleanup: --batch must be at least 1");
    options_.batch = static_cast<size_t>(batch_value_);
    if (component_->count() > 0) {
      Component c;
      Status s = ParseComponent(component_name_, &c);
      if (!s.ok()) return Fail(kExitUsage, "cleanup: " + s.message());
      options_.component = c;
    }
    CleanupResult result;
    if (records) {
      std::unique_ptr<DB> db;
      if (int rc = open(&db); rc != kExitOk) return rc;
      Status s = CleanupOlderThan(db.get(), options_, &result);
      if (!s.ok()) {
        return FailStatus("cleanup (" + std::to_string(result.deleted) +
                              " records were deleted before the error)",
                          s);
      }
    }
    // After the database is closed: removing tails takes its lock.
    std::vector<JournalTailFile> removed;
    if (tails) {
      Status s = RemoveJournalTails(db_path, tail_days_, options_.dry_run, &removed);
      if (!s.ok()) return FailStatus("cleanup", s);
    }
    const bool ok = json_ ? WriteLine(Json(records, tails, result, removed))
                          : PrintText(records, result, removed);
    return ok ? kExitOk : kExitIoError;
  }

  // Reads alongside a writer, and on a read-only mount, when it changes nothing.
  DbAccess access() const { return options_.dry_run ? DbAccess::kReadOnly : DbAccess::kReadWrite; }

 private:
  std::string Json(bool records, bool tails, const CleanupResult& r,
                   const std::vector<JournalTailFile>& removed) const {
    std::string out = std::string("{\"dry_run\":") + (options_.dry_run ? "true" : "false");
    if (records) {
      out += ",\"deleted\":" + std::to_string(r.deleted) +
             ",\"skipped\":" + std::to_string(r.skipped) +
             ",\"cutoff\":" + JsonQuote(FormatQueryLogTime(r.cutoff_us)) + ",\"components\":{";
      for (Component c : kAllComponents) {
        if (c != kAllComponents[0]) out += ",";
        out += std::string("\"") + ComponentName(c) +
               "\":" + std::to_string(r.deleted_per_component[static_cast<int>(c)]);
      }
      out += "}";
    }
    if (tails) {
      out += ",\"tails\":[";
      for (size_t i = 0; i < removed.size(); ++i) {
        if (i > 0) out += ",";
        out += "{\"file\":" + JsonQuote(removed[i].file) +
               ",\"bytes\":" + std::to_string(removed[i].bytes) +
               ",\"modified\":" + JsonQuote(FormatQueryLogTime(removed[i].modified_us)) + "}";
      }
      out += "]";
    }
    return out + "}";
  }

  bool PrintText(bool records, const CleanupResult& r,
                 const std::vector<JournalTailFile>& removed) const {
    const char* verb = options_.dry_run ? "would remove" : "removed";
    for (const JournalTailFile& t : removed) {
      if (!WriteLine(std::string(verb) + " " + EscapeControls(t.file) + " (" +
                     std::to_string(t.bytes) + " bytes, modified " +
                     FormatQueryLogTime(t.modified_us) + ")")) {
        return false;
      }
    }
    if (!records) return true;
    std::string line = std::string(options_.dry_run ? "would delete " : "deleted ") +
                       std::to_string(r.deleted) + " records committed before " +
                       FormatQueryLogTime(r.cutoff_us);
    std::string per;
    for (Component c : kAllComponents) {
      const uint64_t n = r.deleted_per_component[static_cast<int>(c)];
      if (n > 0)
        per += std::string(per.empty() ? "" : ", ") + ComponentName(c) + " " + std::to_string(n);
    }
    if (!per.empty()) line += " (" + per + ")";
    if (r.skipped > 0) {
      line += "; skipped " + std::to_string(r.skipped) + " rewritten or deleted meanwhile";
    }
    return WriteLine(line);
  }

  CLI::App* cmd_ = nullptr;
  CLI::Option* older_ = nullptr;
  CLI::Option* component_ = nullptr;
  CLI::Option* batch_ = nullptr;
  CLI::Option* tails_ = nullptr;
  CleanupOptions options_;
  std::string component_name_;
  uint64_t batch_value_ = 1000;
  double tail_days_ = 0;
  bool json_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_MAINTENANCE_H_

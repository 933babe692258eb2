// The `spirapi pi ...` commands: compute, read, search, describe and map π
// sequences, and make π identifiers. Included by cli_main.cc only.
//
// Unlike the record commands, an unknown sequence id is bad input here
// (exit code 2), like a malformed pattern or a number out of range.

#ifndef SPIRAPI_TOOLS_CLI_PI_H_
#define SPIRAPI_TOOLS_CLI_PI_H_

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_input.h"
#include "cli_parse_error.h"
#include "cli_plot.h"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/pi_analysis.h"
#include "util/json_document.h"

namespace spirapi::cli {

class PiCommands {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  // Adds `pi` and its subcommands to app; add_db adds the DB argument.
  void Add(CLI::App* app, const AddDbFn& add_db) {
    pi_ = app->add_subcommand("pi",
                              "π sequences: compute, read, search, analyse, spiral, ids, plot");
    pi_->require_subcommand(1);

    compute_ = pi_->add_subcommand("compute", "Compute π and store the digits as a sequence");
    add_db(compute_);
    compute_->add_option("--digits", digits_, "Digits after \"3.\" (1..2147483647)")
        ->required()
        ->transform(DecimalNumber());
    compute_->add_flag("--verify", verify_,
                       "Check the binary result against BBP hexadecimal digits first");
    compute_->add_option("--id", id_, "Sequence id (default pi-<digits>)");

    get_ = pi_->add_subcommand("get", "Print digits of a stored sequence");
    add_db(get_);
    get_->add_option("ID", id_, "Sequence id")->required();
    get_->add_option("--from", from_, "First position (1 = the digit after \"3.\")")
        ->transform(DecimalNumber());
    get_->add_option("--count", count_, "How many digits (default 100)")
        ->transform(DecimalNumber());

    search_ = pi_->add_subcommand("search", "Find a digit string in a stored sequence");
    add_db(search_);
    search_->add_option("ID", id_, "Sequence id")->required();
    search_->add_option("PATTERN", pattern_, "1..64 digits");
    search_->add_option("--patterns-file", patterns_file_,
                        "Many patterns, one per line, in one pass: one JSON line each")
        ->check(ExistingInputFile());
    search_->add_flag("--all", all_, "Print every match's position, one per line");
    search_->add_option("--max-mismatches", mismatches_,
                        "Also windows differing in up to D digits (0..3)")
        ->transform(DecimalNumber());
    search_->add_flag("--read-only", read_only_,
                      "Never store the pattern index (built in memory when not stored yet)");

    stats_ = pi_->add_subcommand("stats", "Describe a stored sequence");
    add_db(stats_);
    stats_->add_option("ID", id_, "Sequence id")->required();
    stats_->add_flag("--json", json_, "Print the stored description as one JSON object");

    analyze_ = pi_->add_subcommand(
        "analyze", "Digit statistics of a stored sequence or a range of it (cached; JSON)");
    add_db(analyze_);
    analyze_->add_option("ID", id_, "Sequence id")->required();
    analyze_->add_option("--from", analysis_.first, "First position (default 1)")
        ->transform(DecimalNumber());
    analyze_->add_option("--count", analysis_.count, "How many digits (default: to the end)")
        ->transform(DecimalNumber());
    analyze_->add_option("--kgram", analysis_.max_kgram_length, "k-grams up to k (1..6, default 4)");
    analyze_->add_option("--top", analysis_.top_kgrams, "Most frequent k-grams listed (default 10)");
    analyze_->add_option("--lags", analysis_.max_lag, "Serial correlation lags (default 10)");
    analyze_->add_flag("--no-cache", no_cache_,
                       "Neither serve from nor store in the result cache");
    analyze_->add_option("--cache-ttl", analysis_.cache_ttl_seconds,
                         "Keep the result in the cache at most S seconds (default: until the "
                         "sequence changes)")
        ->type_name("S");

    list_ = pi_->add_subcommand("list", "List stored sequences, optionally by criteria");
    add_db(list_);
    list_->add_option("--algorithm", query_.algorithm, "Only this algorithm");
    list_->add_option("--min-precision", query_.min_precision)->transform(DecimalNumber());
    list_->add_option("--max-precision", query_.max_precision)->transform(DecimalNumber());
    list_->add_option("--min-uniqueness", query_.min_uniqueness);
    list_->add_option("--max-uniqueness", query_.max_uniqueness);
    list_->add_option("--min-time", query_.min_computation_time, "Computation time, seconds");
    list_->add_option("--max-time", query_.max_computation_time, "Computation time, seconds");

    spiral_ = pi_->add_subcommand("spiral", "Digits on the Ulam spiral around a cell");
    add_db(spiral_);
    spiral_->add_option("ID", id_, "Sequence id")->required();
    spiral_->add_option("--x", x_, "Cell column")->required();
    spiral_->add_option("--y", y_, "Cell row (grows upwards)")->required();
    spiral_->add_option("--radius", radius_,
                        "Print the disc of this radius as a grid (0..1784)");

    ids_ = pi_->add_subcommand("ids", "Make new unique identifiers from π digits");
    add_db(ids_);
    ids_->add_option("--count", count_, "How many (1..10000000)")
        ->required()
        ->transform(DecimalNumber());
    ids_->add_option("--digits", id_digits_, "Digits of π per identifier (4..32, default 12)");

    resolve_ = pi_->add_subcommand("resolve", "Check a π identifier; print its position and cell");
    add_db(resolve_);
    resolve_->add_option("PI_ID", id_, "An identifier made by 'pi ids'")->required();

    plot_.Add(pi_, add_db);
  }

  bool parsed() const { return pi_ != nullptr && pi_->parsed(); }

  // compute and ids write; search stores a pattern index it builds when it can.
  DbAccess access() const {
    if (compute_->parsed() || ids_->parsed()) return DbAccess::kReadWrite;
    if (search_->parsed() && !read_only_) return DbAccess::kReadWriteIfFree;
    if (analyze_->parsed() && !no_cache_) return DbAccess::kReadWriteIfFree;
    return DbAccess::kReadOnly;
  }

  int Run(const OpenFn& open) {
    if (plot_.parsed()) {
      if (int rc = plot_.Check(); rc != kExitOk) return rc;
    }
    if (analyze_->parsed()) return Analyze(open);
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    std::unique_ptr<PiStore> store;
    Status s = PiStore::Open(db.get(), &store);
    if (!s.ok()) return Failed("pi", s);
    if (compute_->parsed()) return Compute(store.get());
    if (get_->parsed()) return Get(store.get());
    if (search_->parsed()) return Search(store.get());
    if (stats_->parsed()) return Stats(store.get());
    if (list_->parsed()) return List(store.get());
    if (spiral_->parsed()) return Spiral(store.get());
    if (ids_->parsed()) return Ids(store.get());
    if (plot_.parsed()) return plot_.Run(store.get());
    return Resolve(store.get());
  }

 private:
  // NotFound is the caller's unknown id: bad input (exit 2) here.
  static int Failed(std::string_view context, const Status& s) {
    if (s.IsNotFound()) return Fail(kExitUsage, std::string(context) + ": " + s.message());
    return FailStatus(context, s);
  }

  int Compute(PiStore* store) {
    ComputeOptions options;
    options.digits = digits_;
    options.id = id_;
    options.verify = verify_;
    ProgressBar bar("computing π");
    if (bar.enabled()) {
      options.progress = [&bar](double f) {
        bar.Update(f);
        return true;
      };
    }
    SequenceInfo info;
    Status s = store->ComputeSequence(options, &info);
    bar.Clear();
    if (!s.ok()) return Failed("pi compute", s);
    std::printf("stored '%s': %llu digits in %.3f s, %s\n", EscapeControls(info.id).c_str(),
                static_cast<unsigned long long>(info.precision), info.computation_time,
                info.verified ? "verified (BBP hexadecimal digits agree)" : "not verified");
    return kExitOk;
  }

  int Get(PiStore* store) {
    std::string digits;
    Status s = store->ReadDigits(id_, from_, count_, &digits);
    if (!s.ok()) return Failed("pi get", s);
    return WriteLine(digits) ? kExitOk : kExitIoError;
  }

  int Search(PiStore* store) {
    if (!patterns_file_.empty()) return SearchMany(store);
    if (pattern_.empty()) return Fail(kExitUsage, "give a PATTERN or --patterns-file");
    PatternQuery query;
    query.max_mismatches = static_cast<int>(std::min<uint64_t>(mismatches_, 1000));
    query.limit = all_ ? kPage : 1;
    PatternResult result;
    Status s = store->FindPattern(id_, pattern_, query, &result);
    if (!s.ok()) return Failed("pi search", s);
    std::string line = "{\"pattern\":" + JsonQuote(pattern_) +
                       ",\"max_mismatches\":" + std::to_string(query.max_mismatches) +
                       ",\"count\":" + std::to_string(result.total) + ",\"first\":" +
                       (result.matches.empty() ? std::string("null")
                                               : std::to_string(result.matches[0].position)) +
                       "}";
    if (!WriteLine(line)) return kExitIoError;
    if (!all_) return kExitOk;
    while (true) {
      for (const PatternMatch& m : result.matches) {
        line = std::to_string(m.position);
        if (query.max_mismatches > 0) line += "\t" + std::to_string(m.mismatches);
        if (!WriteLine(line)) return kExitIoError;
      }
      query.skip += result.matches.size();
      if (result.matches.empty() || query.skip >= result.total) return kExitOk;
      s = store->FindPattern(id_, pattern_, query, &result);
      if (!s.ok()) return Failed("pi search", s);
    }
  }

  int SearchMany(PiStore* store) {
    if (!pattern_.empty() || all_ || mismatches_ > 0) {
      return Fail(kExitUsage, "--patterns-file takes no PATTERN, --all or --max-mismatches");
    }
    std::string text;
    if (int rc = ReadInputFile(patterns_file_, kMaxPatternsFileBytes, "patterns file", &text);
        rc != kExitOk) {
      return rc;
    }
    std::vector<std::string> patterns;
    for (size_t start = 0; start < text.size();) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) patterns.push_back(std::move(line));
      start = end + 1;
    }
    std::vector<PatternResult> results;
    Status s = store->FindPatterns(id_, patterns, 1, &results);
    if (!s.ok()) return Failed("pi search", s);
    for (size_t i = 0; i < patterns.size(); ++i) {
      const PatternResult& r = results[i];
      const std::string line =
          "{\"pattern\":" + JsonQuote(patterns[i]) + ",\"count\":" + std::to_string(r.total) +
          ",\"first\":" +
          (r.matches.empty() ? std::string("null") : std::to_string(r.matches[0].position)) + "}";
      if (!WriteLine(line)) return kExitIoError;
    }
    return kExitOk;
  }

  int Analyze(const OpenFn& open) {
    if (!(analysis_.cache_ttl_seconds >= 0) || analysis_.cache_ttl_seconds > 1e9) {
      return Fail(kExitUsage, "pi analyze: --cache-ttl needs a number of seconds in 0..1e9");
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    analysis_.use_cache = !no_cache_;
    std::string json;
    bool cached = false;
    Status s = AnalyzeSequenceDigits(db.get(), id_, analysis_, &json, &cached);
    if (s.IsInvalidArgument()) return Fail(kExitUsage, "pi analyze: " + s.message());
    if (!s.ok()) return Failed("pi analyze", s);
    return WriteLine(json) ? kExitOk : kExitIoError;
  }

  int Stats(PiStore* store) {
    SequenceInfo info;
    Status s = store->RetrieveSequence(id_, &info);
    if (!s.ok()) return Failed("pi stats", s);
    if (json_) return WriteLine(info.ToJson()) ? kExitOk : kExitIoError;
    std::printf("id                %s\n", EscapeControls(info.id).c_str());
    std::printf("sequence          %s\n", info.sequence.c_str());
    std::printf("precision         %llu digits\n", static_cast<unsigned long long>(info.precision));
    std::printf("algorithm         %s\n", info.algorithm.c_str());
    std::printf("computation time  %.3f s\n", info.computation_time);
    std::printf("verified          %s\n", info.verified ? "yes (BBP)" : "no");
    std::printf("uniqueness score  %.6f\n", info.uniqueness_score);
    std::printf("digits sha256     %s\n", info.digits_sha256.c_str());
    rapidjson::Document props;
    ParseJsonDocument(info.mathematical_properties, &props);
    if (!props.IsObject() || !props.HasMember("digit_distribution")) return kExitOk;
    const auto& dist = props["digit_distribution"];
    if (dist.HasMember("counts") && dist["counts"].IsArray()) {
      std::printf("digit counts     ");
      for (const auto& c : dist["counts"].GetArray()) {
        std::printf(" %llu", static_cast<unsigned long long>(c.GetUint64()));
      }
      std::printf("\n");
    }
    if (dist.HasMember("chi_square") && dist["chi_square"].IsNumber() &&
        dist.HasMember("p_value") && dist["p_value"].IsNumber()) {
      std::printf("chi-square        %.4f (9 degrees of freedom, p = %.4f)\n",
                  dist["chi_square"].GetDouble(), dist["p_value"].GetDouble());
    }
    return kExitOk;
  }

  int List(PiStore* store) {
    std::vector<SequenceInfo> found;
    uint64_t damaged = 0;
    query_.on_damaged = SkipDamaged(&damaged);
    Status s = store->SearchSequences(query_, &found);
    if (!s.ok()) return Failed("pi list", s);
    for (const SequenceInfo& info : found) {
      char line[512];
      std::snprintf(line, sizeof(line),
                    "{\"id\":%s,\"precision\":%llu,\"algorithm\":%s,\"computation_time\":%.6g,"
                    "\"verified\":%s,\"uniqueness_score\":%.6g,\"stored_at\":%.6f}",
                    JsonQuote(info.id).c_str(), static_cast<unsigned long long>(info.precision),
                    JsonQuote(info.algorithm).c_str(), info.computation_time,
                    info.verified ? "true" : "false", info.uniqueness_score, info.stored_at);
      if (!WriteLine(line)) return kExitIoError;
    }
    return FailIfSkipped("pi list", damaged);
  }

  int Spiral(PiStore* store) {
    if (radius_ < 0) {
      SpiralDigit d;
      Status s = store->DigitAt(id_, x_, y_, &d);
      if (!s.ok()) return Failed("pi spiral", s);
      std::printf("(%lld, %lld) position %llu digit %c\n", static_cast<long long>(d.x),
                  static_cast<long long>(d.y), static_cast<unsigned long long>(d.position),
                  d.digit);
      return kExitOk;
    }
    std::vector<SpiralDigit> cells;
    Status s = store->DigitsInDisc(id_, x_, y_, radius_, &cells);
    if (!s.ok()) return Failed("pi spiral", s);
    // A grid, top row first; cells outside the disc or the sequence are blank.
    const int64_t side = 2 * radius_ + 1;
    std::vector<std::string> rows(side, std::string(2 * side - 1, ' '));
    for (const SpiralDigit& c : cells) {
      rows[y_ + radius_ - c.y][2 * (c.x - x_ + radius_)] = c.digit;
    }
    for (std::string& row : rows) {
      while (!row.empty() && row.back() == ' ') row.pop_back();
      if (!WriteLine(row)) return kExitIoError;
    }
    return kExitOk;
  }

  int Ids(PiStore* store) {
    if (id_digits_ < 4 || id_digits_ > 32) return Fail(kExitUsage, "--digits must be 4..32");
    std::vector<std::string> ids;
    Status s = store->NewIds(count_, id_digits_, &ids);
    if (!s.ok()) return Failed("pi ids", s);
    for (const std::string& id : ids) {
      if (!WriteLine(id)) return kExitIoError;
    }
    return kExitOk;
  }

  int Resolve(PiStore* store) {
    PiIdInfo info;
    Status s = store->ResolveId(id_, &info);
    if (!s.ok()) return Failed("pi resolve", s);
    std::printf("{\"id\":%s,\"position\":%llu,\"x\":%lld,\"y\":%lld}\n", JsonQuote(id_).c_str(),
                static_cast<unsigned long long>(info.position), static_cast<long long>(info.x),
                static_cast<long long>(info.y));
    return kExitOk;
  }

  static constexpr uint64_t kPage = 100'000;
  // --patterns-file: a million patterns of 63 digits.
  static constexpr size_t kMaxPatternsFileBytes = 64u << 20;

  CLI::App* pi_ = nullptr;
  CLI::App* compute_ = nullptr;
  CLI::App* get_ = nullptr;
  CLI::App* search_ = nullptr;
  CLI::App* stats_ = nullptr;
  CLI::App* analyze_ = nullptr;
  DigitAnalysisOptions analysis_;
  bool no_cache_ = false;
  CLI::App* list_ = nullptr;
  CLI::App* spiral_ = nullptr;
  CLI::App* ids_ = nullptr;
  CLI::App* resolve_ = nullptr;
  PiPlotCommand plot_;

  std::string id_;
  std::string pattern_;
  std::string patterns_file_;
  uint64_t digits_ = 0;
  uint64_t from_ = 1;
  uint64_t count_ = 100;
  uint64_t mismatches_ = 0;
  bool verify_ = false;
  bool all_ = false;
  bool json_ = false;
  bool read_only_ = false;  // search --read-only
  SequenceQuery query_;
  int64_t x_ = 0;
  int64_t y_ = 0;
  int64_t radius_ = -1;
  int id_digits_ = 12;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_PI_H_

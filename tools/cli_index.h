// The `spirapi index ...` commands: create, list, drop, rebuild and verify
// secondary indexes (include/spirapi/index.h, docs/QUERY.md "Indexes").
// Included by cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_INDEX_H_
#define SPIRAPI_TOOLS_CLI_INDEX_H_

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_index_advise.h"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/index.h"

namespace spirapi::cli {

// One index as `index list --json` and `stats --json` print it.
inline std::string IndexInfoToJson(const IndexInfo& info) {
  std::string fields;
  for (const std::string& f : info.spec.fields) {
    fields += std::string(fields.empty() ? "" : ",") + JsonQuote(f);
  }
  return "{\"name\":" + JsonQuote(info.spec.name) + ",\"component\":\"" +
         ComponentName(info.spec.component) + "\"" +
         (info.spec.schema.empty() ? "" : ",\"schema\":" + JsonQuote(info.spec.schema)) +
         ",\"type\":\"" + IndexTypeName(info.spec.type) + "\",\"fields\":[" + fields +
         "],\"state\":\"" + info.state + "\",\"entries\":" + std::to_string(info.entries) +
         ",\"key_bytes\":" + std::to_string(info.key_bytes) +
         ",\"queries\":" + std::to_string(info.queries) +
         ",\"created_us\":" + std::to_string(info.created_us) + "}";
}

class IndexCommands {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    index_ = app->add_subcommand("index", "Secondary indexes: create, list, drop, rebuild, verify, advise");
    index_->require_subcommand(1);

    create_ = index_->add_subcommand(
        "create", "Create an index and write its entries for the existing records");
    add_db(create_);
    auto* component =
        create_->add_option("--component", component_, "The component whose records it indexes");
    auto* schema = create_->add_option(
        "--schema", schema_,
        "The schema whose records it indexes, by their values as the schema presents them");
    component->excludes(schema);
    schema->excludes(component);
    create_->add_option("--field", fields_,
                        "A path to index (repeat for a compound index, up to 4): "
                        "'precision', 'stats.mean', '@metadata.source'")
        ->required();
    create_->add_option("--type", type_,
                        "btree (ordered; the default), hash (equality only), spiral (points "
                        "[x, y]: $within) or similarity (one string field: $contains, $near)")
        ->check(CLI::IsMember({"btree", "hash", "spiral", "similarity"}));
    create_->add_option("--name", name_,
                        "Its name, 1..40 of [A-Za-z0-9_-] (default: component and fields)");

    list_ = index_->add_subcommand("list", "List the indexes with their state and size");
    add_db(list_);
    list_->add_flag("--json", json_, "One JSON object per index");

    drop_ = index_->add_subcommand("drop", "Remove an index and its entries");
    add_db(drop_);
    drop_->add_option("NAME", name_, "The index")->required();

    rebuild_ = index_->add_subcommand(
        "rebuild", "Write an index's entries again from the records, or finish a build");
    add_db(rebuild_);
    rebuild_->add_option("NAME", name_, "The index")->required();

    verify_ = index_->add_subcommand(
        "verify", "Check that indexes hold exactly their records' values (exit 3 if not)");
    add_db(verify_);
    verify_->add_option("NAME", name_, "The index (default: every ready index)");
    advise_.Add(index_, add_db);
  }

  bool parsed() const { return index_ != nullptr && index_->parsed(); }
  DbAccess access() const {
    const bool reads =
        list_->parsed() || verify_->parsed() || (advise_.parsed() && !advise_.writes());
    return reads ? DbAccess::kReadOnly : DbAccess::kReadWrite;
  }

  int Run(const OpenFn& open) {
    IndexSpec spec;
    if (create_->parsed()) {
      if (component_.empty() == schema_.empty()) {
        return Fail(kExitUsage, "index create: give --component or --schema");
      }
      spec.schema = schema_;
      Status s = schema_.empty() ? ParseComponent(component_, &spec.component) : Status::OK();
      if (!schema_.empty()) spec.component = Component::kSchema;
      if (s.ok()) s = ParseIndexType(type_, &spec.type);
      if (!s.ok()) return Fail(kExitUsage, "index create: " + s.message());
      spec.fields = fields_;
      spec.name =
          name_.empty() ? DefaultName(schema_.empty() ? component_ : schema_, fields_) : name_;
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (create_->parsed()) {
      Status s = CreateIndex(db.get(), spec);
      if (!s.ok()) return FailCode("index create", s);
      return Report(db.get(), spec.name, "created", seconds());
    }
    if (rebuild_->parsed()) {
      Status s = RebuildIndex(db.get(), name_);
      if (!s.ok()) return FailCode("index rebuild", s);
      return Report(db.get(), name_, "rebuilt", seconds());
    }
    if (drop_->parsed()) {
      Status s = DropIndex(db.get(), name_);
      if (!s.ok()) return FailCode("index drop", s);
      std::fprintf(stderr, "dropped index %s\n", name_.c_str());
      return kExitOk;
    }
    if (verify_->parsed()) return Verify(db.get());
    if (advise_.parsed()) return advise_.Run(db.get());
    return List(db.get());
  }

 private:
  // "sequence_precision", "cache_stats_mean_n": what --name defaults to.
  static std::string DefaultName(const std::string& component,
                                 const std::vector<std::string>& fields) {
    std::string name = component;
    for (const std::string& f : fields) {
      name += '_';
      for (char c : f) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-';
        if (c != '@') name += ok ? c : '_';
      }
    }
    return name.substr(0, 40);
  }

  // An unknown index or a bad spec is bad input; other failures as usual.
  static int FailCode(const char* what, const Status& s) {
    if (s.IsNotFound() || s.IsInvalidArgument()) {
      return Fail(kExitUsage, std::string(what) + ": " + s.message());
    }
    return FailStatus(what, s);
  }

  int Report(DB* db, const std::string& name, const char* verb, double secs) {
    std::vector<IndexInfo> infos;
    Status s = ListIndexes(db, &infos);
    if (!s.ok()) return FailStatus("index", s);
    for (const IndexInfo& info : infos) {
      if (info.spec.name != name) continue;
      std::fprintf(stderr, "%s index %s: %" PRIu64 " entries in %.2f s\n", verb, name.c_str(),
                   info.entries, secs);
    }
    return kExitOk;
  }

  int List(DB* db) {
    std::vector<IndexInfo> infos;
    Status s = ListIndexes(db, &infos);
    if (!s.ok()) return FailStatus("index list", s);
    if (!json_ && !infos.empty()) {
      WriteLine("name                 component  type       state     entries     key bytes  fields");
    }
    for (const IndexInfo& info : infos) {
      std::string fields;
      for (const std::string& f : info.spec.fields) fields += (fields.empty() ? "" : ",") + f;
      char line[512];
      if (json_) {
        if (!WriteLine(IndexInfoToJson(info))) return kExitIoError;
        continue;
      } else {
        std::snprintf(line, sizeof(line), "%-20s %-10s %-10s %-8s %8" PRIu64 " %13" PRIu64 "  %s",
                      info.spec.name.c_str(),
                      info.spec.schema.empty() ? ComponentName(info.spec.component)
                                               : ("schema " + info.spec.schema).c_str(),
                      IndexTypeName(info.spec.type), info.state.c_str(), info.entries,
                      info.key_bytes, EscapeControls(fields).c_str());
      }
      if (!WriteLine(line)) return kExitIoError;
    }
    return kExitOk;
  }

  int Verify(DB* db) {
    std::vector<IndexMismatch> mismatches;
    Status s = VerifyIndex(db, name_, &mismatches);
    if (!s.ok()) return FailCode("index verify", s);
    for (const IndexMismatch& m : mismatches) {
      WriteLine("index " + m.index + ": record '" + EscapeControls(m.record_id) + "': " + m.what);
    }
    if (mismatches.empty()) {
      std::fprintf(stderr, "indexes match their records\n");
      return kExitOk;
    }
    return Fail(kExitCorruption, "index verify: " + std::to_string(mismatches.size()) +
                                     " mismatches; 'spirapi index rebuild NAME' repairs an index");
  }

  CLI::App* index_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* drop_ = nullptr;
  CLI::App* rebuild_ = nullptr;
  CLI::App* verify_ = nullptr;
  IndexAdviseCommand advise_;
  std::string component_, schema_, type_ = "btree", name_;
  std::vector<std::string> fields_;
  bool json_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_INDEX_H_

// The schema commands: `spirapi schema create|show|list|evolve|rollback|export|import`,
// and the record commands `spirapi insert|update|delete|find|history|migrate`. Included by
// cli_main.cc only. An unknown schema is bad input here (exit code 2).

#ifndef SPIRAPI_TOOLS_CLI_SCHEMA_H_
#define SPIRAPI_TOOLS_CLI_SCHEMA_H_

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_input.h"
#include "cli_insert.h"
#include "cli_parse_error.h"
#include "cli_util.h"
#include "spirapi/db.h"
#include "schema/field_value.h"  // ParseIsoDatetime
#include "spirapi/schema.h"
#include "util/json.h"
#include "util/json_document.h"

namespace spirapi::cli {

class SchemaCommands {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    schema_ = app->add_subcommand("schema", "Dynamic schemas: create, show, list, evolve");
    schema_->require_subcommand(1);

    create_ = schema_->add_subcommand("create", "Create a schema");
    add_db(create_);
    create_->add_option("NAME", name_, "Schema name")->required();
    create_->add_option("--zone", zone_,
                        "structured, flexible (default), emergent, temporal or relational");
    create_->add_option("--fields", json_, "Field definitions as a JSON object")->required();

    show_ = schema_->add_subcommand("show", "Print a schema as JSON");
    add_db(show_);
    show_->add_option("NAME", name_, "Schema name")->required();
    show_->add_flag("--history", history_, "Print the evolution history only, one change a line");

    list_ = schema_->add_subcommand("list", "List schemas: name, zone, version");
    add_db(list_);

    evolve_ = schema_->add_subcommand("evolve", "Change a schema (one change, a new version)");
    add_db(evolve_);
    evolve_->add_option("NAME", name_, "Schema name")->required();
    auto* add = evolve_->add_option("--add", add_, "FIELD JSON: add a field")->expected(2);
    auto* drop = evolve_->add_option("--drop", drop_, "FIELD: drop a field");
    auto* alter = evolve_->add_option("--alter", alter_, "FIELD JSON: redefine a field")
                      ->expected(2);
    auto* rename = evolve_->add_option("--rename", rename_, "OLD NEW: rename a field")
                       ->expected(2);
    add->excludes(drop)->excludes(alter)->excludes(rename);
    drop->excludes(alter)->excludes(rename);
    alter->excludes(rename);
    evolve_->add_option("--reason", reason_, "Why, kept in the history");

    rollback_ = schema_->add_subcommand("rollback", "Make an earlier version's fields current");
    add_db(rollback_);
    rollback_->add_option("NAME", name_, "Schema name")->required();
    rollback_->add_option("--to-version", to_version_, "The version to return to")->required();
    rollback_->add_flag("--force", force_,
                        "Rewrite records written since that violate it (their old form is kept "
                        "in METADATA schema-rollback/...)");

    export_ = schema_->add_subcommand("export", "Print a schema as JSON Schema or SQL DDL");
    add_db(export_);
    export_->add_option("NAME", name_, "Schema name")->required();
    export_->add_option("--format", format_, "json-schema or sql (SQLite dialect)")->required();

    import_ = schema_->add_subcommand("import", "Create a schema from a JSON Schema file");
    add_db(import_);
    import_->add_option("NAME", name_, "Schema name")->required();
    import_->add_option("FILE", file_, "JSON Schema (draft 2020-12) document")
        ->required()
        ->check(ExistingInputFile());

    insert_ = app->add_subcommand("insert", "Validate records against a schema and store them: "
                                            "one given as JSON, or a JSON-lines file");
    add_db(insert_);
    insert_->add_option("SCHEMA", name_, "Schema name")->required();
    insert_file_.Add(insert_, insert_->add_option("JSON", json_, "The record, a JSON object"));

    update_ = app->add_subcommand("update", "Replace a record of a schema (validated)");
    add_db(update_);
    update_->add_option("SCHEMA", name_, "Schema name")->required();
    update_->add_option("ID", id_, "Record id")->required();
    update_->add_option("JSON", json_, "The record's new fields, a JSON object")->required();

    delete_ = app->add_subcommand("delete", "Delete a record of a schema (references restrict "
                                            "or cascade); prints every record deleted");
    add_db(delete_);
    delete_->add_option("SCHEMA", name_, "Schema name")->required();
    delete_->add_option("ID", id_, "Record id")->required();

    history_cmd_ = app->add_subcommand("history", "Every version of a record of a temporal "
                                                  "schema, one JSON object a line");
    add_db(history_cmd_);
    history_cmd_->add_option("SCHEMA", name_, "Schema name")->required();
    history_cmd_->add_option("ID", id_, "Record id")->required();

    migrate_ = app->add_subcommand("migrate", "Rewrite a schema's older records as its current "
                                              "version presents them (resumes if interrupted)");
    add_db(migrate_);
    migrate_->add_option("SCHEMA", name_, "Schema name")->required();

    find_ = app->add_subcommand("find", "Print a schema's records, one JSON object a line");
    add_db(find_);
    find_->add_option("SCHEMA", name_, "Schema name")->required();
    find_->add_option("--where", where_, "FIELD=VALUE (VALUE as JSON; plain text is a string)");
    find_->add_option("--as-of", as_of_,
                      "Temporal schemas: the records as they were at TIME (ISO 8601, UTC "
                      "unless it says otherwise, or seconds since the Unix epoch)");
  }

  bool parsed() const {
    for (const CLI::App* command : {schema_, insert_, update_, delete_, history_cmd_, find_,
                                    migrate_}) {
      if (command != nullptr && command->parsed()) return true;
    }
    return false;
  }

  // show, list, export, history and find only read.
  DbAccess access() const {
    for (const CLI::App* command : {show_, list_, export_, history_cmd_, find_}) {
      if (command->parsed()) return DbAccess::kReadOnly;
    }
    return DbAccess::kReadWrite;
  }

  int Run(const OpenFn& open) {
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    std::unique_ptr<SchemaManager> schemas;
    Status s = SchemaManager::Open(db.get(), &schemas);
    if (!s.ok()) return Failed("schema", s);
    if (create_->parsed()) return Create(schemas.get());
    if (show_->parsed()) return Show(schemas.get());
    if (list_->parsed()) return List(schemas.get());
    if (evolve_->parsed()) return Evolve(schemas.get());
    if (rollback_->parsed()) return Rollback(schemas.get());
    if (update_->parsed()) return Update(schemas.get());
    if (delete_->parsed()) return Delete(schemas.get());
    if (history_cmd_->parsed()) return History(schemas.get());
    if (export_->parsed()) return Export(schemas.get());
    if (import_->parsed()) return Import(schemas.get());
    if (insert_->parsed()) return Insert(schemas.get());
    if (migrate_->parsed()) return Migrate(schemas.get());
    return Find(schemas.get());
  }

 private:
  // schema import: a JSON Schema is a few KiB; this is generous.
  static constexpr size_t kMaxSchemaFileBytes = 16u << 20;

  static int Failed(std::string_view context, const Status& s) {
    if (s.IsNotFound() || s.IsConflict()) {
      return Fail(kExitUsage, std::string(context) + ": " + s.message());
    }
    return FailStatus(context, s);
  }

  int Create(SchemaManager* schemas) {
    SchemaZone zone = SchemaZone::kFlexible;
    Status s = zone_.empty() ? Status::OK() : ParseSchemaZone(zone_, &zone);
    SchemaInfo info;
    if (s.ok()) s = schemas->CreateSchema(name_, zone, json_, &info);
    if (!s.ok()) return Failed("schema create", s);
    return WriteLine(info.json) ? kExitOk : kExitIoError;
  }

  int Show(SchemaManager* schemas) {
    SchemaInfo info;
    Status s = schemas->GetSchema(name_, &info);
    if (!s.ok()) return Failed("schema show", s);
    rapidjson::Document doc;
    ParseJsonDocument(info.json, &doc);
    if (history_) {
      for (const auto& change : doc["evolution_history"].GetArray()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        change.Accept(w);
        if (!WriteLine(buffer.GetString())) return kExitIoError;
      }
      return kExitOk;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    doc.Accept(w);
    return WriteLine(buffer.GetString()) ? kExitOk : kExitIoError;
  }

  int List(SchemaManager* schemas) {
    std::vector<SchemaInfo> all;
    Status s = schemas->ListSchemas(&all);
    if (!s.ok()) return Failed("schema list", s);
    for (const SchemaInfo& info : all) {
      const std::string line = "{\"name\":" + JsonQuote(info.name) + ",\"zone\":\"" +
                               SchemaZoneName(info.zone) +
                               "\",\"version\":" + std::to_string(info.version) + "}";
      if (!WriteLine(line)) return kExitIoError;
    }
    return kExitOk;
  }

  int Evolve(SchemaManager* schemas) {
    SchemaChange change;
    change.reason = reason_;
    if (add_.size() == 2) {
      change.action = "add";
      change.field = add_[0];
      change.new_definition = add_[1];
    } else if (!drop_.empty()) {
      change.action = "drop";
      change.field = drop_;
    } else if (alter_.size() == 2) {
      change.action = "alter";
      change.field = alter_[0];
      change.new_definition = alter_[1];
    } else if (rename_.size() == 2) {
      change.action = "rename";
      change.field = rename_[0];
      change.new_name = rename_[1];
    } else {
      return Fail(kExitUsage, "schema evolve needs one of --add, --drop, --alter, --rename");
    }
    SchemaInfo info;
    Status s = schemas->Evolve(name_, change, &info);
    if (!s.ok()) return Failed("schema evolve", s);
    std::printf("schema '%s' is at version %llu\n", EscapeControls(info.name).c_str(),
                static_cast<unsigned long long>(info.version));
    return kExitOk;
  }

  int Rollback(SchemaManager* schemas) {
    RollbackReport report;
    SchemaInfo info;
    Status s = schemas->Rollback(name_, to_version_, force_, &report, &info);
    if (!s.ok()) return Failed("schema rollback", s);
    std::printf("schema '%s' is at version %llu with the fields of version %llu; "
                "%llu records written since checked, %llu rewritten\n",
                EscapeControls(info.name).c_str(), static_cast<unsigned long long>(info.version),
                static_cast<unsigned long long>(to_version_),
                static_cast<unsigned long long>(report.checked),
                static_cast<unsigned long long>(report.rewritten));
    return kExitOk;
  }

  int Update(SchemaManager* schemas) {
    Status s = schemas->Update(name_, id_, json_);
    return s.ok() ? kExitOk : Failed("update", s);
  }

  int Delete(SchemaManager* schemas) {
    DeleteReport report;
    Status s = schemas->Delete(name_, id_, &report);
    if (!s.ok()) return Failed("delete", s);
    for (const std::string& deleted : report.deleted) {
      if (!WriteLine(deleted)) return kExitIoError;
    }
    return kExitOk;
  }

  int History(SchemaManager* schemas) {
    std::vector<SchemaRecord> versions;
    Status s = schemas->History(name_, id_, &versions);
    if (!s.ok()) return Failed("history", s);
    for (const SchemaRecord& r : versions) {
      if (!WriteLine(RecordLine(r))) return kExitIoError;
    }
    return kExitOk;
  }

  // A record as one line of JSON; with validity times when it has them.
  static std::string RecordLine(const SchemaRecord& r) {
    std::string line = "{\"id\":" + JsonQuote(r.id) +
                       ",\"schema_version\":" + std::to_string(r.schema_version);
    if (r.valid_from > 0) {
      char times[96];
      std::snprintf(times, sizeof(times), ",\"valid_from\":%.6f,\"valid_to\":", r.valid_from);
      line += times;
      if (r.valid_to > 0) {
        std::snprintf(times, sizeof(times), "%.6f", r.valid_to);
        line += times;
      } else {
        line += "null";
      }
      if (r.deleted) line += ",\"deleted\":true";
    }
    return line + ",\"record\":" + r.json + "}";
  }

  int Export(SchemaManager* schemas) {
    SchemaFormat format;
    if (format_ == "json-schema") {
      format = SchemaFormat::kJsonSchema;
    } else if (format_ == "sql") {
      format = SchemaFormat::kSqlDdl;
    } else {
      return Fail(kExitUsage, "--format must be json-schema or sql, not '" + format_ + "'");
    }
    std::string out;
    Status s = schemas->ExportSchema(name_, format, &out);
    if (!s.ok()) return Failed("schema export", s);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return WriteLine(out) ? kExitOk : kExitIoError;
  }

  int Import(SchemaManager* schemas) {
    std::string text;
    if (int rc = ReadInputFile(file_, kMaxSchemaFileBytes, "JSON Schema file", &text);
        rc != kExitOk) {
      return rc;
    }
    SchemaInfo info;
    Status s = schemas->ImportSchema(name_, text, &info);
    if (!s.ok()) return Failed("schema import", s);
    return WriteLine(info.json) ? kExitOk : kExitIoError;
  }

  int Insert(SchemaManager* schemas) {
    if (insert_file_.given()) return insert_file_.Run(schemas, name_);
    if (insert_->get_option("JSON")->count() == 0) {
      return Fail(kExitUsage, "insert needs the record as JSON, or --file");
    }
    std::string id;
    Status s = schemas->Insert(name_, json_, &id);
    if (!s.ok()) return Failed("insert", s);
    return WriteLine(id) ? kExitOk : kExitIoError;
  }

  int Migrate(SchemaManager* schemas) {
    MigrationReport report;
    Status s = schemas->Migrate(name_, &report);
    if (!s.ok()) return Failed("migrate", s);
    std::printf("migrated schema '%s': %llu records rewritten, %llu already current\n",
                EscapeControls(name_).c_str(), static_cast<unsigned long long>(report.rewritten),
                static_cast<unsigned long long>(report.current));
    return kExitOk;
  }

  // [-]digits[.digits]: strtod alone would also take "nan", "inf",
  // hexadecimal and leading blanks.
  static bool IsDecimal(std::string_view text) {
    if (text.starts_with('-')) text.remove_prefix(1);
    const size_t dot = text.find('.');
    const auto all_digits = [](std::string_view part) {
      return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
    };
    return all_digits(text.substr(0, dot)) &&
           (dot == std::string_view::npos || all_digits(text.substr(dot + 1)));
  }

  // --as-of: ISO 8601, or decimal seconds since the epoch.
  static int ParseAsOf(const std::string& text, double* at) {
    std::string why;
    if (IsDecimal(text)) {
      *at = std::strtod(text.c_str(), nullptr);
      if (std::isfinite(*at)) return kExitOk;
      why = "too large";
    } else if (schema::ParseIsoDatetime(text, at, &why)) {
      return kExitOk;
    }
    return Fail(kExitUsage, "--as-of takes an ISO 8601 time or seconds since the epoch, not " +
                                JsonQuote(text) + (why.empty() ? "" : ": " + why));
  }

  int Find(SchemaManager* schemas) {
    std::vector<std::pair<std::string, std::string>> where;
    for (const std::string& w : where_) {
      const size_t eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Fail(kExitUsage, "--where takes FIELD=VALUE, got '" + w + "'");
      }
      std::string value = w.substr(eq + 1);
      // Too deep to probe (the parse recurses): Find refuses it as JSON.
      if (!JsonNestsDeeperThan(value, kMaxJsonDepth)) {
        rapidjson::Document probe;
        if (!ParseJsonDocument(value, &probe)) value = JsonQuote(value);  // plain text: a string
      }
      where.emplace_back(w.substr(0, eq), value);
    }
    std::vector<SchemaRecord> records;
    Status s;
    if (find_->get_option("--as-of")->count() == 0) {
      s = schemas->Find(name_, where, &records);
    } else {
      double at = 0;
      if (int rc = ParseAsOf(as_of_, &at); rc != kExitOk) return rc;
      s = schemas->FindAsOf(name_, where, at, &records);
    }
    if (!s.ok()) return Failed("find", s);
    for (const SchemaRecord& r : records) {
      if (!WriteLine(RecordLine(r))) return kExitIoError;
    }
    return kExitOk;
  }

  CLI::App* schema_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* evolve_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* import_ = nullptr;
  CLI::App* insert_ = nullptr;
  CLI::App* find_ = nullptr;
  CLI::App* migrate_ = nullptr;
  CLI::App* rollback_ = nullptr;
  CLI::App* update_ = nullptr;
  CLI::App* delete_ = nullptr;
  CLI::App* history_cmd_ = nullptr;
  InsertFileCommand insert_file_;

  std::string name_;
  std::string zone_;
  std::string json_;
  bool history_ = false;
  std::vector<std::string> add_;
  std::string drop_;
  std::vector<std::string> alter_;
  std::vector<std::string> rename_;
  std::string reason_;
  std::string format_;
  std::string file_;
  std::vector<std::string> where_;
  std::string as_of_;
  std::string id_;
  uint64_t to_version_ = 0;
  bool force_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_SCHEMA_H_

#include "dashboard/pages.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "dashboard/html.h"
#include "schema/schema_json.h"
#include "spirapi/health.h"
#include "spirapi/plot.h"
#include "spirapi/query_log.h"
#include "util/human_units.h"
#include "util/json.h"
#include "util/json_document.h"

namespace spirapi::dashboard {

namespace {

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "–";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", 100.0 * static_cast<double>(part) / whole);
  return text;
}

std::string Code(std::string_view text) { return "<code>" + Escape(text) + "</code>"; }

std::string Link(std::string_view path, std::string_view key, std::string_view label) {
  return "<a href=\"" + std::string(path) + UrlEncode(key) + "\">" + Escape(label) + "</a>";
}

// The health findings, worst first (CheckHealth, docs/HEALTH.md).
std::string Findings(const HealthReport& report) {
  std::vector<const HealthFinding*> findings;
  for (const HealthFinding& f : report.findings) findings.push_back(&f);
  std::stable_sort(findings.begin(), findings.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->severity) > static_cast<int>(b->severity);
  });
  Table t({"severity", "check", "finding", "recommendation"});
  for (const HealthFinding* f : findings) {
    const char* severity = HealthSeverityName(f->severity);
    t.RawCell(std::string("<span class=\"sev sev-") + severity + "\">" + severity + "</span>");
    t.Cell(f->check).Cell(f->message).Cell(f->recommendation);
    t.EndRow();
  }
  return t.Html();
}

uint64_t LiveRecords(const DbStats& st) {
  uint64_t live = 0;
  for (const ComponentStats& c : st.components) live += c.live_records;
  return live;
}

bool ParseObject(std::string_view json, rapidjson::Document* doc) {
  return ParseJsonDocument(json, doc) && doc->IsObject();
}

std::string JsonText(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : schema::CompactJson(v);
}

}  // namespace

Status OverviewPage(Sources& src, std::string* html) {
  DbStats st;
  Status s = src.db->GetStats(&st);
  if (!s.ok()) return s;
  std::string figures = "<div class=\"figures\">";
  figures += Figure(GroupDigits(LiveRecords(st)), "live records");
  figures += Figure(FormatBytes(st.total_disk_bytes), "on disk");
  figures += Figure(GroupDigits(st.last_sequence), "last commit");
  figures += Figure(std::to_string(st.journal_files) + " / " + FormatBytes(st.journal_bytes),
                    "journals not yet flushed");
  figures += Figure(Percent(st.block_cache_hits, st.block_cache_hits + st.block_cache_misses),
                    "block cache hit rate (this process)");
  figures += Figure(FormatBytes(st.index_memory_bytes), "index in memory");
  figures +=
      Figure(st.last_backup_id.empty() ? "none" : st.last_backup_id, "last backup (this process)");
  figures += "</div>";
  *html += Card("", figures);
  HealthReport health;
  s = src.db->CheckHealth(HealthOptions(), &health);
  if (!s.ok()) return s;
  *html += Card(std::string("Health: ") + HealthSeverityName(health.overall()), Findings(health));

  Table settings({"setting", "value"});
  settings.Cell("compression")
      .Cell(std::string(CompressionCodecName(st.compression_codec)) + " level " +
            std::to_string(st.compression_level));
  settings.EndRow();
  settings.Cell("block size").Cell(std::to_string(st.block_size_kib) + " KiB");
  settings.EndRow();
  settings.Cell("segment files up to").Cell(std::to_string(st.max_file_size_mb) + " MiB");
  settings.EndRow();
  settings.Cell("optimized for").Cell(st.optimized_for.empty() ? "–" : st.optimized_for);
  settings.EndRow();
  settings.Cell("encryption").Cell(st.encrypted ? "AES-256-GCM" : "none");
  settings.EndRow();
  settings.Cell("automatic backups every")
      .Cell(st.backup_interval_hours > 0 ? std::to_string(st.backup_interval_hours) + " h" : "–");
  settings.EndRow();
  *html += Card("Settings", settings.Html());
  return Status::OK();
}

Status ComponentsPage(Sources& src, std::string* html) {
  DbStats st;
  Status s = src.db->GetStats(&st);
  if (!s.ok()) return s;
  Table t({"component", "#live records", "#stored versions", "#segment files", "#segment bytes",
           "#garbage (estimate)"});
  for (Component c : kAllComponents) {
    const ComponentStats& cs = st.components[static_cast<int>(c)];
    t.Cell(ComponentName(c)).Cell(cs.live_records).Cell(cs.stored_versions).Cell(cs.segment_files);
    t.Cell(FormatBytes(cs.segment_bytes)).Cell(FormatBytes(cs.garbage_bytes));
    t.EndRow();
  }
  *html += Card("", t.Html());
  return Status::OK();
}

Status SchemasPage(Sources& src, std::string* html) {
  std::vector<SchemaInfo> schemas;
  Status s = src.schemas->ListSchemas(&schemas);
  if (!s.ok()) return s;
  if (schemas.empty()) {
    *html += Card("", "<p class=\"muted\">no schemas</p>");
    return Status::OK();
  }
  Table t({"schema", "zone", "#version", "#fields", "#changes"});
  for (const SchemaInfo& info : schemas) {
    rapidjson::Document doc;
    size_t fields = 0, changes = 0;
    if (ParseObject(info.json, &doc)) {
      if (doc.HasMember("fields") && doc["fields"].IsObject()) fields = doc["fields"].MemberCount();
      if (doc.HasMember("evolution_history") && doc["evolution_history"].IsArray()) {
        changes = doc["evolution_history"].Size();
      }
    }
    t.RawCell(Link("/schemas/", info.name, info.name)).Cell(SchemaZoneName(info.zone));
    t.Cell(info.version).Cell(fields).Cell(changes);
    t.EndRow();
  }
  *html += Card("", t.Html());
  return Status::OK();
}

Status SchemaPage(Sources& src, std::string_view name, std::string* html) {
  SchemaInfo info;
  Status s = src.schemas->GetSchema(name, &info);
  if (!s.ok()) return s;
  rapidjson::Document doc;
  if (!ParseObject(info.json, &doc)) {
    return Status::Corruption("schema " + std::string(name) + ": its definition is not JSON");
  }
  *html += Card("", "<p>zone <b>" + Escape(SchemaZoneName(info.zone)) + "</b>, version <b>" +
                        std::to_string(info.version) + "</b></p>");
  Table fields({"field", "type", "rules"});
  if (doc.HasMember("fields") && doc["fields"].IsObject()) {
    for (const auto& m : doc["fields"].GetObject()) {
      std::string type;
      if (m.value.IsObject() && m.value.HasMember("type")) type = JsonText(m.value["type"]);
      fields.Cell(JsonText(m.name)).Cell(type).RawCell(Code(schema::CompactJson(m.value)));
      fields.EndRow();
    }
  }
  *html += Card("Fields", fields.Html());
  Table history({"#version", "when", "action", "field", "reason", "before", "after"});
  if (doc.HasMember("evolution_history") && doc["evolution_history"].IsArray()) {
    const auto& changes = doc["evolution_history"].GetArray();
    for (rapidjson::SizeType i = changes.Size(); i-- > 0;) {  // newest first
      const rapidjson::Value& c = changes[i];
      if (!c.IsObject()) continue;
      auto text = [&](const char* key) {
        return c.HasMember(key) && !c[key].IsNull() ? JsonText(c[key]) : std::string();
      };
      uint64_t version =
          c.HasMember("version") && c["version"].IsUint64() ? c["version"].GetUint64() : 0;
      double when =
          c.HasMember("timestamp") && c["timestamp"].IsNumber() ? c["timestamp"].GetDouble() : 0;
      history.Cell(version).Cell(FormatQueryLogTime(static_cast<int64_t>(when * 1e6)));
      history.Cell(text("action")).Cell(text("field")).Cell(text("reason"));
      history.RawCell(Code(text("old_definition"))).RawCell(Code(text("new_definition")));
      history.EndRow();
    }
  }
  *html += Card("Evolution history",
                history.empty() ? "<p class=\"muted\">no changes</p>" : history.Html());
  return Status::OK();
}

Status SequencesPage(Sources& src, std::string* html) {
  std::vector<SequenceInfo> sequences;
  Status s = src.pi->SearchSequences(SequenceQuery(), &sequences);
  if (!s.ok()) return s;
  if (sequences.empty()) {
    *html += Card("", "<p class=\"muted\">no π sequences</p>");
    return Status::OK();
  }
  Table t({"sequence", "#digits", "algorithm", "verified", "#uniqueness", "stored", "digits"});
  for (const SequenceInfo& info : sequences) {
    char uniqueness[32];
    std::snprintf(uniqueness, sizeof(uniqueness), "%.4f", info.uniqueness_score);
    t.RawCell(Link("/sequences/", info.id, info.id)).Cell(info.precision).Cell(info.algorithm);
    t.Cell(info.verified ? "yes" : "no").Cell(uniqueness);
    t.Cell(FormatQueryLogTime(static_cast<int64_t>(info.stored_at * 1e6)));
    t.RawCell(Code(info.sequence));
    t.EndRow();
  }
  *html += Card("", t.Html());
  return Status::OK();
}

Status SequencePage(Sources& src, std::string_view id, std::string* html) {
  SequenceInfo info;
  Status s = src.pi->RetrieveSequence(id, &info);
  if (!s.ok()) return s;
  Table about({"property", "value"});
  about.Cell("digits after 3.").Cell(info.precision);
  about.EndRow();
  about.Cell("algorithm").Cell(info.algorithm);
  about.EndRow();
  about.Cell("computation time").Cell(FormatSeconds(info.computation_time));
  about.EndRow();
  about.Cell("BBP-verified").Cell(info.verified ? "yes" : "no");
  about.EndRow();
  about.Cell("digits SHA-256").RawCell(Code(info.digits_sha256));
  about.EndRow();
  about.Cell("start").RawCell(Code(info.sequence));
  about.EndRow();
  *html += Card("", about.Html());

  std::string charts = "<div class=\"charts\">";
  for (PlotKind kind : {PlotKind::kDistribution, PlotKind::kSpiral, PlotKind::kRuns}) {
    std::string svg;
    s = PlotSequence(src.pi.get(), id, kind, PlotFormat::kSvg, PlotOptions(), &svg);
    if (!s.ok()) return s;
    charts += "<div class=\"chart\">" + svg + "</div>";
  }
  *html += Card("Charts", charts + "</div>");

  rapidjson::Document doc;
  if (!ParseObject(info.mathematical_properties, &doc)) return Status::OK();
  if (doc.HasMember("digit_distribution") && doc["digit_distribution"].IsObject()) {
    const rapidjson::Value& d = doc["digit_distribution"];
    Table t({"#digit", "#count", "#share"});
    uint64_t total = d.HasMember("total") && d["total"].IsUint64() ? d["total"].GetUint64() : 0;
    if (d.HasMember("counts") && d["counts"].IsArray()) {
      int digit = 0;
      for (const auto& count : d["counts"].GetArray()) {
        uint64_t n = count.IsUint64() ? count.GetUint64() : 0;
        t.Cell(static_cast<uint64_t>(digit++)).Cell(n).Cell(Percent(n, total));
        t.EndRow();
      }
    }
    std::string chi = d.HasMember("chi_square") ? JsonText(d["chi_square"]) : "–";
    std::string p = d.HasMember("p_value") ? JsonText(d["p_value"]) : "–";
    *html += Card("Digit distribution", t.Html() + "<p>χ² " + Escape(chi) +
                                            " (9 degrees of freedom), p = " + Escape(p) + "</p>");
  }
  return Status::OK();
}

Status QueriesPage(Sources& src, std::string* html) {
  auto table = [&](double min_seconds, uint64_t limit, std::string* out) {
    Table t(
        {"started", "#seconds", "source", "#rows examined", "#rows returned", "status", "query"});
    QueryLogFilter filter;
    filter.min_seconds = min_seconds;
    filter.limit = limit;
    Status s = ReadQueryLog(src.db, filter, [&](const QueryLogEntry& e) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%.4f", e.seconds);
      t.Cell(FormatQueryLogTime(e.time_us)).Cell(seconds).Cell(e.source);
      t.Cell(e.rows_examined).Cell(e.rows_returned).Cell(e.status).RawCell(Code(e.query));
      t.EndRow();
      return true;
    });
    *out = t.empty() ? "<p class=\"muted\">none</p>" : t.Html();
    return s;
  };
  std::string slow, recent;
  Status s = table(kDefaultSlowQuerySeconds, 50, &slow);
  if (s.ok()) s = table(0, 100, &recent);
  if (!s.ok()) return s;
  char heading[64];
  std::snprintf(heading, sizeof(heading), "Slow queries (%g s or more, newest 50)",
                kDefaultSlowQuerySeconds);
  *html += Card(heading, slow);
  *html += Card("Recent queries (newest 100)", recent);
  return Status::OK();
}

}  // namespace spirapi::dashboard

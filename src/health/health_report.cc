// HealthReport's JSON and text, HealthThresholds::Validate, and the
// `~verify/last` record's JSON.

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "health/evaluate_health.h"
#include "util/json.h"

namespace spirapi {
namespace {

// Damage descriptions are cut to this in the record: one line, not a list.
constexpr size_t kMaxDamageText = 1000;

// Messages quote ids and errors, which may hold any character: control
// characters are shown escaped so that each finding stays one line.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

const char* HealthSeverityName(HealthSeverity severity) {
  switch (severity) {
    case HealthSeverity::kOk:
      return "ok";
    case HealthSeverity::kWarning:
      return "warning";
    case HealthSeverity::kCritical:
      return "critical";
  }
  return "critical";
}

HealthSeverity HealthReport::overall() const {
  HealthSeverity worst = HealthSeverity::kOk;
  for (const HealthFinding& f : findings) worst = std::max(worst, f.severity);
  return worst;
}

std::string HealthReport::ToJson() const {
  std::string out = std::string("{\"overall\":\"") + HealthSeverityName(overall()) +
                    "\",\"time_us\":" + std::to_string(time_us) + ",\"findings\":[";
  for (size_t i = 0; i < findings.size(); ++i) {
    const HealthFinding& f = findings[i];
    out += i > 0 ? ",{\"check\":" : "{\"check\":";
    AppendJsonString(&out, f.check);
    out += std::string(",\"severity\":\"") + HealthSeverityName(f.severity) + "\",\"message\":";
    AppendJsonString(&out, f.message);
    out += ",\"recommendation\":";
    AppendJsonString(&out, f.recommendation);
    out += "}";
  }
  return out + "]}";
}

std::string HealthReport::ToText() const {
  size_t counts[3] = {};
  for (const HealthFinding& f : findings) ++counts[static_cast<int>(f.severity)];
  std::string out = std::string("health: ") + HealthSeverityName(overall()) + " (" +
                    std::to_string(counts[2]) + " critical, " + std::to_string(counts[1]) +
                    " warnings, " + std::to_string(counts[0]) + " ok)\n";
  // Worst first; within a severity, the checks' own order.
  std::vector<const HealthFinding*> sorted;
  for (const HealthFinding& f : findings) sorted.push_back(&f);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const HealthFinding* a, const HealthFinding* b) { return a->severity > b->severity; });
  for (const HealthFinding* f : sorted) {
    std::string label = HealthSeverityName(f->severity);
    label.resize(9, ' ');
    out += label + f->check + ": " + OneLine(f->message) + "\n";
    if (!f->recommendation.empty()) out += "         -> " + OneLine(f->recommendation) + "\n";
  }
  return out;
}

Status HealthThresholds::Validate() const {
  auto bad = [](const char* field, const std::string& why) {
    return Status::InvalidArgument(std::string("health threshold ") + field + ": " + why);
  };
  const struct {
    const char* name;
    double value;
  } shares[] = {{"disk_used_warning", disk_used_warning},
                {"disk_used_critical", disk_used_critical},
                {"compaction_debt_warning", compaction_debt_warning},
                {"compaction_debt_critical", compaction_debt_critical},
                {"cache_hit_rate_warning", cache_hit_rate_warning},
                {"cache_hit_rate_drop", cache_hit_rate_drop},
                {"error_rate_warning", error_rate_warning},
                {"error_rate_critical", error_rate_critical},
                {"retry_rate_warning", retry_rate_warning}};
  for (const auto& s : shares) {
    if (!(s.value >= 0 && s.value <= 1)) return bad(s.name, "must be a share in [0, 1]");
  }
  const struct {
    const char* name;
    double value;
  } amounts[] = {{"days_until_full_warning", days_until_full_warning},
                 {"days_until_full_critical", days_until_full_critical},
                 {"verify_age_warning_days", verify_age_warning_days},
                 {"slow_query_seconds", slow_query_seconds},
                 {"backup_age_warning", backup_age_warning},
                 {"backup_age_critical", backup_age_critical}};
  for (const auto& a : amounts) {
    if (!(a.value >= 0) || !std::isfinite(a.value)) return bad(a.name, "must be a number >= 0");
  }
  if (disk_used_warning > disk_used_critical) {
    return bad("disk_used_warning", "must not exceed disk_used_critical");
  }
  if (days_until_full_warning < days_until_full_critical) {
    return bad("days_until_full_warning", "must not be below days_until_full_critical");
  }
  if (journal_backlog_warning > journal_backlog_critical) {
    return bad("journal_backlog_warning", "must not exceed journal_backlog_critical");
  }
  if (compaction_debt_warning > compaction_debt_critical) {
    return bad("compaction_debt_warning", "must not exceed compaction_debt_critical");
  }
  if (error_rate_warning > error_rate_critical) {
    return bad("error_rate_warning", "must not exceed error_rate_critical");
  }
  if (backup_age_warning > backup_age_critical) {
    return bad("backup_age_warning", "must not exceed backup_age_critical");
  }
  return Status::OK();
}

VerifyOutcome MakeVerifyOutcome(const VerifyReport& report, int64_t time_us, double seconds) {
  VerifyOutcome v;
  v.time_us = time_us;
  v.files_checked = report.files_checked;
  v.records_checked = report.records_checked;
  v.damage = report.damage.size();
  v.journal_tails = report.journal_tails.size();
  v.seconds = seconds;
  if (!report.damage.empty()) {
    const Damage& d = report.damage[0];
    std::string text = d.file + " offset " + std::to_string(d.offset);
    if (!d.component.empty() || !d.id.empty()) {
      text += ", record " + (d.component.empty() ? std::string("?") : d.component) + " '" +
              (d.id.empty() ? std::string("(id unreadable)") : d.id) + "'";
    }
    text += ": " + d.what;
    if (text.size() > kMaxDamageText) text.resize(kMaxDamageText);
    // The cut may split a character: the record must stay valid UTF-8 JSON.
    while (!text.empty() && !IsValidUtf8(text)) text.pop_back();
    v.first_damage = std::move(text);
  }
  return v;
}

std::string VerifyOutcomeToJson(const VerifyOutcome& v) {
  std::string out = "{\"time_us\":" + std::to_string(v.time_us) +
                    ",\"files_checked\":" + std::to_string(v.files_checked) +
                    ",\"records_checked\":" + std::to_string(v.records_checked) +
                    ",\"damage\":" + std::to_string(v.damage) + ",\"first_damage\":";
  AppendJsonString(&out, v.first_damage);
  out += ",\"journal_tails\":" + std::to_string(v.journal_tails) +
         ",\"seconds\":" + std::to_string(v.seconds) + "}";
  return out;
}

bool ParseVerifyOutcome(std::string_view json, VerifyOutcome* v) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto u64 = [&](const char* key, uint64_t* out) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsUint64()) return false;
    *out = it->value.GetUint64();
    return true;
  };
  auto time = doc.FindMember("time_us");
  if (time == doc.MemberEnd() || !time->value.IsInt64()) return false;
  *v = VerifyOutcome();
  v->time_us = time->value.GetInt64();
  if (!u64("files_checked", &v->files_checked) || !u64("records_checked", &v->records_checked) ||
      !u64("damage", &v->damage)) {
    return false;
  }
  u64("journal_tails", &v->journal_tails);
  auto first = doc.FindMember("first_damage");
  if (first != doc.MemberEnd() && first->value.IsString()) {
    v->first_damage.assign(first->value.GetString(), first->value.GetStringLength());
  }
  auto seconds = doc.FindMember("seconds");
  if (seconds != doc.MemberEnd() && seconds->value.IsNumber())
    v->seconds = seconds->value.GetDouble();
  return true;
}

}  // namespace spirapi

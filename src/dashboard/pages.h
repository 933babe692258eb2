// The dashboard's pages (their <main> content) and JSON API answers, read
// from the database through its public API.

#ifndef SPIRAPI_DASHBOARD_PAGES_H_
#define SPIRAPI_DASHBOARD_PAGES_H_

#include <memory>
#include <string>
#include <string_view>

#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/schema.h"
#include "spirapi/status.h"

namespace spirapi::dashboard {

// What the pages read. Opened once per dashboard.
struct Sources {
  DB* db = nullptr;
  std::unique_ptr<PiStore> pi;
  std::unique_ptr<SchemaManager> schemas;
};

// Each renders the body of one page into *html. Errors: those of the reads
// (NotFound for an unknown schema or sequence).
Status OverviewPage(Sources& src, std::string* html);
Status PerformancePage(Sources& src, std::string* html);
Status ComponentsPage(Sources& src, std::string* html);
Status SchemasPage(Sources& src, std::string* html);
Status SchemaPage(Sources& src, std::string_view name, std::string* html);
Status SequencesPage(Sources& src, std::string* html);
Status SequencePage(Sources& src, std::string_view id, std::string* html);
Status QueriesPage(Sources& src, std::string* html);

// /metrics: Prometheus's text exposition format.
Status PrometheusText(Sources& src, std::string* text);

// JSON API (/api/...): one JSON document each.
Status StatsJson(Sources& src, std::string* json);
Status SchemasJson(Sources& src, std::string* json);
Status SchemaJson(Sources& src, std::string_view name, std::string* json);
Status SequencesJson(Sources& src, std::string* json);
Status SequenceJson(Sources& src, std::string_view id, std::string* json);
// slow: only queries that ran at least kDefaultSlowQuerySeconds.
Status QueriesJson(Sources& src, bool slow, uint64_t limit, std::string* json);

}  // namespace spirapi::dashboard

#endif  // SPIRAPI_DASHBOARD_PAGES_H_

// The entries of an index over a schema's records (IndexSpec::schema): keys
// of the values as the schema presents them now (schema_history.h's
// Present), not as they are stored, since a record keeps its stored form
// across renames, widened types and added defaults. Entries name the
// record by its stored id, RecordPrefix(schema) + the SchemaRecord's id,
// so that the entries of a schema's records sort as its records do and a
// query fetches them as a component query does.

#ifndef SPIRAPI_INDEX_SCHEMA_ENTRIES_H_
#define SPIRAPI_INDEX_SCHEMA_ENTRIES_H_

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/index_catalog.h"
#include "schema/schema_model.h"
#include "spirapi/status.h"

namespace spirapi {
class DBImpl;
}

namespace spirapi::index {

// A schema parsed from its stored definition, shared by the writes that
// see the same definition: parsing compiles its patterns. Corruption if it
// does not parse.
Status ParseStoredSchema(std::string_view name, std::string_view stored,
                         std::shared_ptr<const schema::Schema>* out);
// The schema `name` at snapshot; NotFound if there is none.
Status LoadSchemaAt(DBImpl* db, uint64_t snapshot, std::string_view name,
                    std::shared_ptr<const schema::Schema>* out);

// The entries the stored record (stored id, data and metadata JSON) of
// `schema` gives def, sorted: those of its data as `schema` presents it.
// *doc is scratch.
Status PresentedEntries(const IndexDef& def, const schema::Schema& schema,
                        std::string_view stored_id, std::string_view data,
                        std::string_view metadata, rapidjson::Document* doc,
                        std::vector<std::string>* out);

}  // namespace spirapi::index

#endif  // SPIRAPI_INDEX_SCHEMA_ENTRIES_H_

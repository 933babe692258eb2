// What a schema's evolution history says about its records: where a stored
// field is now, what the fields were at an earlier version, and how a record
// written under an old version looks under the current one.
//
// History entries are in version order. A "rollback" entry at version R to
// version V means the fields at R are those of V: records written at or
// before V read through it as if the versions between had never been (so a
// field dropped and then rolled back comes back with its stored value).

#ifndef SPIRAPI_SCHEMA_SCHEMA_HISTORY_H_
#define SPIRAPI_SCHEMA_SCHEMA_HISTORY_H_

#include <map>
#include <string>
#include <string_view>

#include "schema/schema_model.h"

namespace spirapi::schema {

// Where each field of a record stored under `version` went through the
// renames, drops and rollbacks since: stored name -> current name, or ""
// once dropped (a field added later under the same name is another field).
void CurrentNames(const Schema& schema, uint64_t version,
                  std::map<std::string, std::string>* names);

// The fields of `schema` at an earlier `version`, by undoing the history.
// InvalidArgument if version is 0 or not before the current one.
Status FieldsAt(const Schema& schema, uint64_t version, std::map<std::string, FieldDef>* out);

// Current field name -> its name at `version` (renames undone), "" for a
// field that did not exist then.
std::map<std::string, std::string> NamesAt(const Schema& schema, uint64_t version);

// The stored record `json` (written under `version`) as the current schema
// presents it: fields renamed and dropped as the history says, defaults
// filled in, values of a type widened to string as text (unless
// !convert_types: then values keep their stored form).
std::string Present(const Schema& schema, std::string_view json, uint64_t version,
                    bool convert_types = true);

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_HISTORY_H_

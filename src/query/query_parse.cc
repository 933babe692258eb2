#include "query/query_parse.h"

#include <rapidjson/error/en.h>

#include "util/json.h"

namespace spirapi::query {

namespace {

Status Fault(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("query: " + (where.empty() ? "" : where + ": ") + what);
}

std::string Name(const Json& v) { return std::string(v.GetString(), v.GetStringLength()); }

const char* KindName(const Json& v) {
  switch (KindOf(&v)) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "a boolean";
    case Kind::kNumber: return "a number";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kObject: return "an object";
    default: return "nothing";
  }
}

Status ParsePathAt(const std::string& where, std::string_view text, Path* path) {
  const std::string error = ParsePath(text, path);
  return error.empty() ? Status::OK() : Fault(where, error);
}

bool IsOption(const std::string& key) {
  return key == "$sort" || key == "$limit" || key == "$skip" || key == "$fields" ||
         key == "$count" || key == "$group";
}

Status ParseFilter(const std::string& where, const Json& object, Condition* out);

// {"box": [x0, y0, x1, y1]} (x0 <= x1, y0 <= y1) or {"disc": [cx, cy, r]}
// (r >= 0): the points [x, y] of a 2-D field inside it.
Status ParseWithin(const std::string& at, const Json& v, Condition* c) {
  const char* usage = "needs {\"box\": [x0, y0, x1, y1]} or {\"disc\": [x, y, radius]}";
  if (!v.IsObject() || v.MemberCount() != 1) return Fault(at, usage);
  const std::string shape = Name(v.MemberBegin()->name);
  const Json& numbers = v.MemberBegin()->value;
  const rapidjson::SizeType want = shape == "box" ? 4 : shape == "disc" ? 3 : 0;
  if (want == 0 || !numbers.IsArray() || numbers.Size() != want) return Fault(at, usage);
  for (rapidjson::SizeType i = 0; i < want; ++i) {
    if (!numbers[i].IsNumber()) return Fault(at + "." + shape, "needs numbers");
    c->area[i] = numbers[i].IsUint64()  ? static_cast<long double>(numbers[i].GetUint64())
                 : numbers[i].IsInt64() ? static_cast<long double>(numbers[i].GetInt64())
                                        : static_cast<long double>(numbers[i].GetDouble());
  }
  c->disc = shape == "disc";
  if (c->disc ? c->area[2] < 0 : (c->area[0] > c->area[2] || c->area[1] > c->area[3])) {
    return Fault(at + "." + shape, c->disc ? "the radius is negative"
                                           : "needs x0 <= x1 and y0 <= y1");
  }
  c->op = Condition::Op::kWithin;
  return Status::OK();
}

// {"pattern": "14159265", "distance": 2}: the string values with a window of
// the pattern's length that differs from it in at most `distance` bytes.
Status ParseNear(const std::string& at, const Json& v, Condition* c) {
  const char* usage = "needs {\"pattern\": \"...\", \"distance\": n}";
  if (!v.IsObject()) return Fault(at, usage);
  const Json* pattern = nullptr;
  const Json* distance = nullptr;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string key = Name(m->name);
    if (key == "pattern") {
      pattern = &m->value;
    } else if (key == "distance") {
      distance = &m->value;
    } else {
      return Fault(at + "." + key, std::string("unknown key; ") + usage);
    }
  }
  if (pattern == nullptr || distance == nullptr) return Fault(at, usage);
  if (!pattern->IsString() || pattern->GetStringLength() == 0) {
    return Fault(at + ".pattern", std::string("needs a non-empty string, not ") +
                                      (pattern->IsString() ? "\"\"" : KindName(*pattern)));
  }
  const uint64_t length = pattern->GetStringLength();
  if (!distance->IsUint64() || distance->GetUint64() >= length) {
    return Fault(at + ".distance", "needs an integer from 0 to the pattern's length - 1 (" +
                                       std::to_string(length - 1) + "), not " + ToJson(*distance));
  }
  c->op = Condition::Op::kNear;
  c->operand = pattern;
  c->distance = distance->GetUint64();
  return Status::OK();
}

// True when some window of s of p's length differs from p in at most d
// bytes (Hamming distance).
bool WithinHamming(std::string_view s, std::string_view p, uint64_t d) {
  if (d == 0) return s.find(p) != std::string_view::npos;
  for (size_t i = 0; i + p.size() <= s.size(); ++i) {
    uint64_t differ = 0;
    for (size_t j = 0; j < p.size() && differ <= d; ++j) differ += s[i + j] != p[j];
    if (differ <= d) return true;
  }
  return false;
}

// {"$gt": 3, "$lt": 9} for `path`: one condition per operator, ANDed.
Status ParseOperators(const std::string& where, const Path& path, const Json& ops,
                      Condition* out) {
  out->op = Condition::Op::kAnd;
  for (auto m = ops.MemberBegin(); m != ops.MemberEnd(); ++m) {
    const std::string op = Name(m->name);
    const std::string at = where + "." + op;
    const Json& v = m->value;
    Condition c;
    c.path = path;
    c.operand = &v;
    if (op == "$eq" || op == "$ne") {
      c.op = op == "$eq" ? Condition::Op::kEq : Condition::Op::kNe;
    } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
      if (!v.IsNumber() && !v.IsString()) {
        return Fault(at, std::string("needs a number or a string, not ") + KindName(v));
      }
      c.op = op == "$gt"    ? Condition::Op::kGt
             : op == "$gte" ? Condition::Op::kGte
             : op == "$lt"  ? Condition::Op::kLt
                            : Condition::Op::kLte;
    } else if (op == "$in" || op == "$nin") {
      if (!v.IsArray()) return Fault(at, std::string("needs an array, not ") + KindName(v));
      c.op = op == "$in" ? Condition::Op::kIn : Condition::Op::kNin;
    } else if (op == "$exists") {
      if (!v.IsBool()) return Fault(at, std::string("needs true or false, not ") + KindName(v));
      c.op = Condition::Op::kExists;
    } else if (op == "$prefix") {
      if (!v.IsString()) return Fault(at, std::string("needs a string, not ") + KindName(v));
      c.op = Condition::Op::kPrefix;
    } else if (op == "$regex") {
      if (!v.IsString()) return Fault(at, std::string("needs a string, not ") + KindName(v));
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_shared<const RE2>(re2::StringPiece(v.GetString(), v.GetStringLength()),
                                            options);
      if (!re->ok()) return Fault(at, "not a valid RE2 expression: " + re->error());
      c.op = Condition::Op::kRegex;
      c.regex = std::move(re);
    } else if (op == "$within") {
      Status s = ParseWithin(at, v, &c);
      if (!s.ok()) return s;
    } else if (op == "$contains") {
      if (!v.IsString()) return Fault(at, std::string("needs a string, not ") + KindName(v));
      if (v.GetStringLength() == 0) return Fault(at, "needs a non-empty string");
      c.op = Condition::Op::kContains;
    } else if (op == "$near") {
      Status s = ParseNear(at, v, &c);
      if (!s.ok()) return s;
    } else if (op == "$not") {
      if (!v.IsObject() || v.MemberCount() == 0 || v.MemberBegin()->name.GetString()[0] != '$') {
        return Fault(at, "needs an object of operators, e.g. {\"$gt\": 3}");
      }
      Condition inner;
      Status s = ParseOperators(at, path, v, &inner);
      if (!s.ok()) return s;
      c.op = Condition::Op::kNot;
      c.children.push_back(std::move(inner));
    } else {
      return Fault(at, "unknown operator (one of $eq $ne $gt $gte $lt $lte $in $nin $exists "
                       "$prefix $regex $within $contains $near $not)");
    }
    out->children.push_back(std::move(c));
  }
  return Status::OK();
}

bool IsOperatorObject(const Json& v) {
  return v.IsObject() && v.MemberCount() > 0 && v.MemberBegin()->name.GetStringLength() > 0 &&
         v.MemberBegin()->name.GetString()[0] == '$';
}

Status ParseLogical(const std::string& at, const std::string& op, const Json& v,
                    Condition* out) {
  if (op == "$not") {
    if (!v.IsObject()) return Fault(at, std::string("needs an object, not ") + KindName(v));
    Condition inner;
    Status s = ParseFilter(at, v, &inner);
    if (!s.ok()) return s;
    out->op = Condition::Op::kNot;
    out->children.push_back(std::move(inner));
    return Status::OK();
  }
  if (!v.IsArray() || v.Empty()) {
    return Fault(at, std::string("needs a non-empty array of conditions, not ") + KindName(v));
  }
  out->op = op == "$and" ? Condition::Op::kAnd : Condition::Op::kOr;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const std::string item = at + "[" + std::to_string(i) + "]";
    if (!v[i].IsObject()) return Fault(item, std::string("needs an object, not ") + KindName(v[i]));
    Condition c;
    Status s = ParseFilter(item, v[i], &c);
    if (!s.ok()) return s;
    out->children.push_back(std::move(c));
  }
  return Status::OK();
}

// A filter object: paths with values or operators, and $and $or $not. At
// the top level (`where` empty) the query options ($sort...) are skipped:
// ParseQuery reads them.
Status ParseFilter(const std::string& where, const Json& object, Condition* out) {
  out->op = Condition::Op::kAnd;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    const std::string key = Name(m->name);
    if (where.empty() && IsOption(key)) continue;
    const std::string at = where.empty() ? key : where + "." + key;
    Condition c;
    if (key == "$and" || key == "$or" || key == "$not") {
      Status s = ParseLogical(at, key, m->value, &c);
      if (!s.ok()) return s;
    } else if (!key.empty() && key[0] == '$') {
      return Fault(at, "unknown key (conditions are paths, $and, $or, $not; options are $sort, "
                       "$limit, $skip, $fields, $count, $group at the top)");
    } else {
      Path path;
      Status s = ParsePathAt(at, key, &path);
      if (!s.ok()) return s;
      if (IsOperatorObject(m->value)) {
        s = ParseOperators(at, path, m->value, &c);
        if (!s.ok()) return s;
      } else {
        c.op = Condition::Op::kEq;
        c.path = std::move(path);
        c.operand = &m->value;
      }
    }
    out->children.push_back(std::move(c));
  }
  return Status::OK();
}

Status ParseCount(const std::string& at, const Json& v, uint64_t* out) {
  if (!v.IsUint64()) return Fault(at, std::string("needs an integer >= 0, not ") + KindName(v));
  *out = v.GetUint64();
  return Status::OK();
}

Status ParseSort(const Json& v, std::vector<SortKey>* out) {
  auto order = [](const std::string& at, const Json& o, bool* desc) {
    if (o.IsString() && (Name(o) == "asc" || Name(o) == "desc")) {
      *desc = Name(o) == "desc";
    } else if (o.IsInt() && (o.GetInt() == 1 || o.GetInt() == -1)) {
      *desc = o.GetInt() == -1;
    } else {
      return Fault(at, "unknown order " + ToJson(o) + " (\"asc\", \"desc\", 1 or -1)");
    }
    return Status::OK();
  };
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      SortKey k;
      const std::string at = "$sort." + Name(m->name);
      Status s = ParsePathAt(at, Name(m->name), &k.path);
      if (s.ok()) s = order(at, m->value, &k.descending);
      if (!s.ok()) return s;
      out->push_back(std::move(k));
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string at = "$sort[" + std::to_string(i) + "]";
      if (!v[i].IsString()) return Fault(at, "needs a path, \"-path\" for descending");
      std::string text = Name(v[i]);
      SortKey k;
      if (!text.empty() && text[0] == '-') {
        k.descending = true;
        text.erase(0, 1);
      }
      Status s = ParsePathAt(at, text, &k.path);
      if (!s.ok()) return s;
      out->push_back(std::move(k));
    }
  } else {
    return Fault("$sort", std::string("needs an object or an array, not ") + KindName(v));
  }
  if (out->empty()) return Fault("$sort", "names no field");
  return Status::OK();
}

Status ParseGroup(const Json& v, Query* q) {
  if (!v.IsObject()) return Fault("$group", std::string("needs an object, not ") + KindName(v));
  q->group = true;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string key = Name(m->name);
    const std::string at = "$group." + key;
    if (key == "by") {
      std::vector<const Json*> paths;
      if (m->value.IsString()) {
        paths.push_back(&m->value);
      } else if (m->value.IsArray() && !m->value.Empty()) {
        for (const Json& p : m->value.GetArray()) paths.push_back(&p);
      } else {
        return Fault(at, "needs a path or an array of paths");
      }
      for (const Json* p : paths) {
        if (!p->IsString()) return Fault(at, "needs paths (strings)");
        Path path;
        Status s = ParsePathAt(at, Name(*p), &path);
        if (!s.ok()) return s;
        q->group_by.push_back(std::move(path));
      }
      continue;
    }
    if (!m->value.IsObject() || m->value.MemberCount() != 1) {
      return Fault(at, "needs one aggregate: {\"$count\": true} or {\"$sum\"|\"$min\"|\"$max\"|"
                       "\"$avg\": \"path\"}");
    }
    Aggregate a;
    a.name = key;
    const std::string fn = Name(m->value.MemberBegin()->name);
    const Json& arg = m->value.MemberBegin()->value;
    if (fn == "$count") {
      a.fn = Aggregate::Fn::kCount;
    } else {
      a.fn = fn == "$sum"   ? Aggregate::Fn::kSum
             : fn == "$min" ? Aggregate::Fn::kMin
             : fn == "$max" ? Aggregate::Fn::kMax
             : fn == "$avg" ? Aggregate::Fn::kAvg
                            : Aggregate::Fn::kCount;
      if (a.fn == Aggregate::Fn::kCount) {
        return Fault(at + "." + fn, "unknown aggregate ($count $sum $min $max $avg)");
      }
      if (!arg.IsString()) return Fault(at + "." + fn, "needs a path");
      Status s = ParsePathAt(at + "." + fn, Name(arg), &a.path);
      if (!s.ok()) return s;
    }
    q->aggregates.push_back(std::move(a));
  }
  if (q->group_by.empty()) return Fault("$group", "needs \"by\": the path(s) to group by");
  return Status::OK();
}

bool ReadsMetadata(const Path& p) { return p.root == Path::Root::kMetadata; }

bool ReadsMetadata(const Condition& c) {
  if (ReadsMetadata(c.path)) return true;
  for (const Condition& child : c.children) {
    if (ReadsMetadata(child)) return true;
  }
  return false;
}

size_t CountConditions(const Condition& c) {
  if (c.op != Condition::Op::kAnd && c.op != Condition::Op::kOr && c.op != Condition::Op::kNot) {
    return 1;
  }
  size_t n = 0;
  for (const Condition& child : c.children) n += CountConditions(child);
  return n;
}

}  // namespace

bool Condition::Matches(const RecordView& record) const {
  switch (op) {
    case Op::kAnd:
      for (const Condition& c : children) {
        if (!c.Matches(record)) return false;
      }
      return true;
    case Op::kOr:
      for (const Condition& c : children) {
        if (c.Matches(record)) return true;
      }
      return false;
    case Op::kNot: return !children.front().Matches(record);
    default: break;
  }
  Json scratch;
  const Json* v = Resolve(path, record, &scratch);
  switch (op) {
    case Op::kEq: return v != nullptr && Equal(*v, *operand);
    case Op::kNe: return v == nullptr || !Equal(*v, *operand);
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte: {
      if (v == nullptr) return false;
      const std::optional<int> c = Compare(*v, *operand);
      if (!c.has_value()) return false;
      return op == Op::kGt ? *c > 0 : op == Op::kGte ? *c >= 0 : op == Op::kLt ? *c < 0 : *c <= 0;
    }
    case Op::kIn:
    case Op::kNin: {
      bool found = false;
      if (v != nullptr) {
        for (const Json& item : operand->GetArray()) {
          if (Equal(*v, item)) {
            found = true;
            break;
          }
        }
      }
      return op == Op::kIn ? found : !found;
    }
    case Op::kExists: return (v != nullptr) == operand->GetBool();
    case Op::kPrefix:
      return v != nullptr && v->IsString() &&
             std::string_view(v->GetString(), v->GetStringLength())
                 .starts_with(std::string_view(operand->GetString(), operand->GetStringLength()));
    case Op::kWithin: {
      if (v == nullptr || !v->IsArray() || v->Size() != 2 || !(*v)[0].IsNumber() ||
          !(*v)[1].IsNumber()) {
        return false;
      }
      long double xy[2];
      for (rapidjson::SizeType i = 0; i < 2; ++i) {
        const Json& n = (*v)[i];
        xy[i] = n.IsUint64()  ? static_cast<long double>(n.GetUint64())
                : n.IsInt64() ? static_cast<long double>(n.GetInt64())
                              : static_cast<long double>(n.GetDouble());
      }
      if (disc) {
        const long double dx = xy[0] - area[0], dy = xy[1] - area[1];
        return dx * dx + dy * dy <= area[2] * area[2];
      }
      return xy[0] >= area[0] && xy[0] <= area[2] && xy[1] >= area[1] && xy[1] <= area[3];
    }
    case Op::kContains:
    case Op::kNear:
      return v != nullptr && v->IsString() &&
             WithinHamming(std::string_view(v->GetString(), v->GetStringLength()),
                           std::string_view(operand->GetString(), operand->GetStringLength()),
                           op == Op::kNear ? distance : 0);
    case Op::kRegex:
      return v != nullptr && v->IsString() &&
             RE2::PartialMatch(re2::StringPiece(v->GetString(), v->GetStringLength()), *regex);
    default: return false;
  }
}

size_t Query::ConditionCount() const { return CountConditions(where); }

std::string Query::Describe() const {
  std::string out;
  const size_t n = ConditionCount();
  if (n > 0) out += "; filter " + std::to_string(n) + (n == 1 ? " condition" : " conditions");
  if (count) out += "; count";
  if (group) {
    out += "; group by";
    for (const Path& p : group_by) out += " " + p.text;
    out += " (one entry per group in memory)";
  }
  if (!sort.empty()) {
    out += "; sort by";
    for (const SortKey& k : sort) out += " " + k.path.text + (k.descending ? " desc" : " asc");
    if (limit.has_value()) {
      out += ", top " + std::to_string(skip + *limit) + " in memory";
    } else {
      out += ", all matching rows in memory";
    }
  }
  if (skip > 0) out += "; skip " + std::to_string(skip);
  if (limit.has_value()) out += "; limit " + std::to_string(*limit);
  if (!fields.empty()) out += "; project " + std::to_string(fields.size()) + " fields";
  return out;
}

Status ParseQuery(std::string_view text, Query* q) {
  if (JsonNestsDeeperThan(text, kMaxJsonDepth)) {
    return Fault("", "nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  // Names and strings of the query reach its rows: they must be UTF-8.
  q->document.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (q->document.HasParseError()) {
    return Fault("", "not valid JSON at offset " + std::to_string(q->document.GetErrorOffset()) +
                         ": " + rapidjson::GetParseError_En(q->document.GetParseError()));
  }
  if (!q->document.IsObject()) {
    return Fault("", std::string("needs an object, not ") + KindName(q->document));
  }
  for (auto m = q->document.MemberBegin(); m != q->document.MemberEnd(); ++m) {
    const std::string key = Name(m->name);
    const Json& v = m->value;
    Status s;
    if (key == "$sort") {
      s = ParseSort(v, &q->sort);
    } else if (key == "$limit") {
      uint64_t n = 0;
      s = ParseCount("$limit", v, &n);
      q->limit = n;
    } else if (key == "$skip") {
      s = ParseCount("$skip", v, &q->skip);
    } else if (key == "$fields") {
      if (!v.IsArray() || v.Empty()) {
        s = Fault("$fields", "needs a non-empty array of paths");
      } else {
        for (rapidjson::SizeType i = 0; i < v.Size() && s.ok(); ++i) {
          const std::string at = "$fields[" + std::to_string(i) + "]";
          if (!v[i].IsString()) {
            s = Fault(at, "needs a path");
          } else {
            Path p;
            s = ParsePathAt(at, Name(v[i]), &p);
            q->fields.push_back(std::move(p));
          }
        }
      }
    } else if (key == "$count") {
      if (!v.IsBool()) s = Fault("$count", "needs true or false");
      else q->count = v.GetBool();
    } else if (key == "$group") {
      s = ParseGroup(v, q);
    } else {
      continue;  // a condition: ParseFilter below
    }
    if (!s.ok()) return s;
  }
  if (q->count + q->group + !q->fields.empty() > 1) {
    return Fault("", "$count, $group and $fields exclude each other");
  }
  Status s = ParseFilter("", q->document, &q->where);
  if (!s.ok()) return s;
  q->uses_metadata = ReadsMetadata(q->where);
  for (const SortKey& k : q->sort) q->uses_metadata |= ReadsMetadata(k.path);
  for (const Path& p : q->fields) q->uses_metadata |= ReadsMetadata(p);
  for (const Path& p : q->group_by) q->uses_metadata |= ReadsMetadata(p);
  for (const Aggregate& a : q->aggregates) q->uses_metadata |= ReadsMetadata(a.path);
  return Status::OK();
}

}  // namespace spirapi::query

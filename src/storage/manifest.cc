#include "storage/manifest.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/filenames.h"
#include "util/hash.h"

namespace spirapi {
namespace {

std::string Body(const Manifest& m) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("format");
  w.String("spirapi");
  w.Key("format_version");
  w.Int(m.format_version);
  w.Key("compression_codec");
  w.String(CompressionCodecName(m.codec));
  w.Key("compression_level");
  w.Int(m.compression_level);
  w.Key("max_file_size_mb");
  w.Int(m.max_file_size_mb);
  w.Key("backup_interval_hours");
  w.Int(m.backup_interval_hours);
  w.Key("block_size");
  w.Uint(m.block_size);
  if (!m.optimized_for.empty()) {
    w.Key("optimized_for");
    w.String(m.optimized_for.c_str());
  }
  w.Key("encryption");
  if (m.encrypted) {
    w.StartObject();
    w.Key("cipher");
    w.String("aes-256-gcm");
    w.Key("kdf");
    w.String("scrypt");
    w.Key("n");
    w.Uint64(m.kdf.n);
    w.Key("r");
    w.Uint64(m.kdf.r);
    w.Key("p");
    w.Uint64(m.kdf.p);
    std::string salt = ToHex(reinterpret_cast<const uint8_t*>(m.kdf.salt.data()), m.kdf.salt.size());
    w.Key("salt");
    w.String(salt.c_str());
    std::string check =
        ToHex(reinterpret_cast<const uint8_t*>(m.key_check.data()), m.key_check.size());
    w.Key("key_check");
    w.String(check.c_str());
    w.EndObject();
  } else {
    w.Null();
  }
  if (!m.database_id.empty()) {
    w.Key("database_id");
    w.String(m.database_id.c_str());
  }
  w.Key("next_file_number");
  w.Uint64(m.next_file_number);
  w.Key("last_sequence");
  w.Uint64(m.last_sequence);
  w.Key("journal_floor");
  w.Uint64(m.journal_floor);
  if (m.has_change_floors) {
    w.Key("change_floors");
    w.StartObject();
    for (Component c : kAllComponents) {
      w.Key(ComponentName(c));
      w.Uint64(m.change_floors[static_cast<int>(c)]);
    }
    w.EndObject();
  }
  w.Key("segments");
  w.StartObject();
  for (Component c : kAllComponents) {
    w.Key(ComponentName(c));
    w.StartArray();
    for (const SegmentMeta& s : m.segments[static_cast<int>(c)]) {
      w.StartArray();
      w.Uint64(s.file_number);
      w.Uint64(s.size);
      w.EndArray();
    }
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

bool GetInt(const rapidjson::Value& v, const char* key, int64_t lo, int64_t hi, int64_t* out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return false;
  *out = it->value.GetInt64();
  return *out >= lo && *out <= hi;
}

}  // namespace

Status WriteManifest(FileSystem* fs, const std::string& db_path, const Manifest& m) {
  std::string body = Body(m);
  Sha256Digest digest = Sha256Of(body);
  std::string contents = body + "\n" + ToHex(digest.data(), digest.size()) + "\n";
  std::string tmp = db_path + "/" + kManifestName + ".tmp";
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(tmp, &file);
  if (s.ok()) s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs->RenameFile(tmp, db_path + "/" + kManifestName);
  if (s.ok()) s = fs->SyncDir(db_path);
  return s;
}

namespace {

// The MANIFEST's body, once its size and SHA-256 check.
Status CheckManifestBody(std::string_view contents, std::string_view* body) {
  size_t nl = contents.find('\n');
  if (nl == std::string::npos || contents.size() != nl + 1 + 64 + 1) {
    return Status::Corruption("MANIFEST is truncated or malformed");
  }
  *body = contents.substr(0, nl);
  Sha256Digest digest = Sha256Of(*body);
  if (ToHex(digest.data(), digest.size()) != contents.substr(nl + 1, 64)) {
    return Status::Corruption("MANIFEST checksum mismatch");
  }
  return Status::OK();
}

Status ReadManifestFile(FileSystem* fs, const std::string& path, std::string* contents) {
  std::unique_ptr<RandomAccessFile> file;
  Status s = fs->NewRandomAccessFile(path, &file);
  uint64_t size = 0;
  if (s.ok()) s = fs->GetFileSize(path, &size);
  if (size > (16u << 20)) return Status::Corruption("MANIFEST is implausibly large");
  if (s.ok()) s = file->Read(0, size, contents);
  return s;
}

}  // namespace

Status NewDatabaseId(std::string* id) {
  std::string bytes;
  Status s = RandomBytes(16, &bytes);
  if (s.ok()) *id = ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return s;
}

Status ReadManifest(FileSystem* fs, const std::string& db_path, Manifest* m) {
  std::string path = db_path + "/" + kManifestName;
  if (!fs->FileExists(path)) return Status::NotFound(db_path + " is not a SpiraPi database (no MANIFEST)");
  // A writer may replace the MANIFEST (rename over it) between the open and
  // the size, which are taken by name: the bytes of the old file then fail
  // the check against the new one's size. Damage fails every time.
  std::string contents;
  Status s;
  for (int attempt = 0; attempt < 4; ++attempt) {
    s = ReadManifestFile(fs, path, &contents);
    std::string_view body;
    if (s.ok()) s = CheckManifestBody(contents, &body);
    if (!s.IsCorruption()) break;
  }
  if (!s.ok()) return s;
  return ParseManifest(contents, db_path, m);
}

Status ParseManifest(std::string_view contents, const std::string& where, Manifest* m) {
  std::string_view body;
  Status s = CheckManifestBody(contents, &body);
  if (!s.ok()) return s;
  const std::string& db_path = where;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("MANIFEST does not parse");
  auto fmt = doc.FindMember("format");
  if (fmt == doc.MemberEnd() || !fmt->value.IsString() ||
      std::string(fmt->value.GetString()) != "spirapi") {
    return Status::InvalidArgument(db_path + " is not a SpiraPi database");
  }
  int64_t v;
  if (!GetInt(doc, "format_version", 1, INT32_MAX, &v)) {
    return Status::Corruption("MANIFEST has no valid format_version");
  }
  if (v > kFormatVersion) {
    return Status::NotSupported("database format version " + std::to_string(v) +
                                " is newer than this build supports (" +
                                std::to_string(kFormatVersion) + ")");
  }
  m->format_version = static_cast<int>(v);
  bool ok = true;
  ok = ok && GetInt(doc, "compression_level", 0, 9, &v);
  m->compression_level = static_cast<int>(v);
  ok = ok && GetInt(doc, "max_file_size_mb", 1, 4096, &v);
  m->max_file_size_mb = static_cast<int>(v);
  ok = ok && GetInt(doc, "backup_interval_hours", 1, 8760, &v);
  m->backup_interval_hours = static_cast<int>(v);
  ok = ok && GetInt(doc, "block_size", 4096, 1 << 24, &v);
  m->block_size = static_cast<uint32_t>(v);
  ok = ok && GetInt(doc, "next_file_number", 1, INT64_MAX, &v);
  m->next_file_number = static_cast<uint64_t>(v);
  ok = ok && GetInt(doc, "last_sequence", 0, INT64_MAX, &v);
  m->last_sequence = static_cast<uint64_t>(v);
  ok = ok && GetInt(doc, "journal_floor", 0, INT64_MAX, &v);
  m->journal_floor = static_cast<uint64_t>(v);
  if (!ok) return Status::Corruption("MANIFEST has a missing or out-of-range setting");
  auto codec = doc.FindMember("compression_codec");
  m->codec = CompressionCodec::kLzma;
  if (codec != doc.MemberEnd() &&
      (!codec->value.IsString() || !ParseCompressionCodec(codec->value.GetString(), &m->codec))) {
    return Status::Corruption("MANIFEST has an unknown compression_codec");
  }
  auto goal = doc.FindMember("optimized_for");
  m->optimized_for.clear();
  if (goal != doc.MemberEnd()) {
    OptimizationGoal g;
    if (!goal->value.IsString() || !ParseOptimizationGoal(goal->value.GetString(), &g)) {
      return Status::Corruption("MANIFEST has an unknown optimized_for");
    }
    m->optimized_for = goal->value.GetString();
  }

  auto enc = doc.FindMember("encryption");
  m->encrypted = enc != doc.MemberEnd() && enc->value.IsObject();
  if (m->encrypted) {
    const rapidjson::Value& e = enc->value;
    int64_t n, r, p;
    auto salt = e.FindMember("salt");
    auto check = e.FindMember("key_check");
    if (!GetInt(e, "n", 2, 1 << 22, &n) || !GetInt(e, "r", 1, 32, &r) ||
        !GetInt(e, "p", 1, 16, &p) || salt == e.MemberEnd() || !salt->value.IsString() ||
        check == e.MemberEnd() || !check->value.IsString() ||
        !FromHex(salt->value.GetString(), &m->kdf.salt) ||
        !FromHex(check->value.GetString(), &m->key_check)) {
      return Status::Corruption("MANIFEST has malformed encryption settings");
    }
    m->kdf.n = static_cast<uint64_t>(n);
    m->kdf.r = static_cast<uint64_t>(r);
    m->kdf.p = static_cast<uint64_t>(p);
  }

  auto id = doc.FindMember("database_id");
  m->database_id.clear();
  if (id != doc.MemberEnd()) {
    std::string raw;
    if (!id->value.IsString() || id->value.GetStringLength() != 32 ||
        !FromHex(id->value.GetString(), &raw)) {
      return Status::Corruption("MANIFEST has a malformed database_id");
    }
    m->database_id = id->value.GetString();
  }

  auto floors = doc.FindMember("change_floors");
  m->has_change_floors = floors != doc.MemberEnd();
  if (m->has_change_floors) {
    for (Component c : kAllComponents) {
      if (!floors->value.IsObject() || !GetInt(floors->value, ComponentName(c), 0, INT64_MAX, &v)) {
        return Status::Corruption("MANIFEST has malformed change_floors");
      }
      m->change_floors[static_cast<int>(c)] = static_cast<uint64_t>(v);
    }
  }

  auto segs = doc.FindMember("segments");
  if (segs == doc.MemberEnd() || !segs->value.IsObject()) {
    return Status::Corruption("MANIFEST has no segment list");
  }
  for (Component c : kAllComponents) {
    auto list = segs->value.FindMember(ComponentName(c));
    if (list == segs->value.MemberEnd() || !list->value.IsArray()) {
      return Status::Corruption(std::string("MANIFEST has no segment list for ") +
                                ComponentName(c));
    }
    auto& out = m->segments[static_cast<int>(c)];
    out.clear();
    for (const auto& item : list->value.GetArray()) {
      if (!item.IsArray() || item.Size() != 2 || !item[0].IsUint64() || !item[1].IsUint64()) {
        return Status::Corruption("MANIFEST has a malformed segment entry");
      }
      out.push_back({item[0].GetUint64(), item[1].GetUint64()});
    }
  }
  return Status::OK();
}

}  // namespace spirapi

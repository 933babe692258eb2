#include "backup/repository.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "codec/cipher.h"
#include "storage/filenames.h"
#include "util/hash.h"

namespace spirapi::backup {
namespace {

constexpr char kRepositoryName[] = "REPOSITORY";
constexpr char kFormatName[] = "spirapi-backup";
constexpr int kRepositoryVersion = 1;
constexpr size_t kCopyChunk = 1 << 20;
constexpr uint64_t kMaxRecordBytes = 64u << 20;

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteRef(Writer* w, const FileRef& ref) {
  w->StartArray();
  w->String(ref.path.c_str());
  w->Uint64(ref.size);
  w->String(ref.sha256.c_str());
  w->EndArray();
}

bool ValidSha(std::string_view hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}

bool ReadRef(const rapidjson::Value& v, FileRef* ref) {
  if (!v.IsArray() || v.Size() != 3 || !v[0].IsString() || !v[1].IsUint64() || !v[2].IsString()) {
    return false;
  }
  ref->path = v[0].GetString();
  ref->size = v[1].GetUint64();
  ref->sha256 = v[2].GetString();
  return ValidSha(ref->sha256) && !ref->path.empty() && ref->path.find("..") == std::string::npos &&
         ref->path[0] != '/';
}

bool GetU64(const rapidjson::Value& v, const char* key, uint64_t* out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsUint64()) return false;
  *out = it->value.GetUint64();
  return true;
}

bool GetI64(const rapidjson::Value& v, const char* key, int64_t* out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return false;
  *out = it->value.GetInt64();
  return true;
}

bool GetString(const rapidjson::Value& v, const char* key, std::string* out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return false;
  *out = it->value.GetString();
  return true;
}

std::string ArchiveName(uint64_t number, uint64_t size) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%06llu-%llu", static_cast<unsigned long long>(number),
                static_cast<unsigned long long>(size));
  return buf;
}

}  // namespace

uint64_t LastJournalNumber(const BackupRecord& record) {
  const std::string prefix = std::string(kJournalDir) + "/";
  uint64_t last = 0;
  for (const FileRef& f : record.files) {
    uint64_t number;
    if (f.path.rfind(prefix, 0) == 0 &&
        ParseNumberedName(f.path.substr(prefix.size()), "log", &number)) {
      last = std::max(last, number);
    }
  }
  return last;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatBackupTime(int64_t time_us) {
  const time_t secs = static_cast<time_t>(time_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(time_us % 1000000));
  return buf;
}

Status Repository::Open(FileSystem* fs, const std::string& path, bool create, bool lock,
                        std::unique_ptr<Repository>* out) {
  std::unique_ptr<Repository> repo(new Repository(fs, path));
  const std::string header = path + "/" + kRepositoryName;
  bool exists = fs->FileExists(header);
  if (!exists) {
    if (!create) return Status::InvalidArgument(path + " is not a SpiraPi backup repository");
    // Only a repository's own names may be there: what a creation that was
    // interrupted, or is running beside this one, left.
    std::vector<std::string> children;
    if (fs->GetChildren(path, &children).ok()) {
      for (const std::string& n : children) {
        if (n != "." && n != ".." && n != "objects" && n != "backups" && n != "journals" &&
            n != "tmp" && n != "LOCK" && n != kRepositoryName) {
          return Status::InvalidArgument(path +
                                         " is not empty and not a backup repository; give an "
                                         "empty or new directory");
        }
      }
    }
  }
  Status s = fs->CreateDir(path);
  for (const char* dir : {"objects", "backups", "journals", "tmp"}) {
    if (s.ok()) s = fs->CreateDir(path + "/" + dir);
  }
  if (!s.ok()) return s;
  if (lock) {
    s = fs->LockFile(path + "/LOCK", &repo->lock_);
    if (!s.ok()) {
      return Status::Busy("backup repository " + path +
                          " is in use by another backup, archive, prune or restore");
    }
  }
  // Checked again under the lock: another creator may have finished.
  if (!fs->FileExists(header)) {
    s = repo->WriteRecordFile(path, kRepositoryName,
                              std::string("{\"format\":\"") + kFormatName + "\",\"version\":" +
                                  std::to_string(kRepositoryVersion) + ",\"database_id\":\"\"}");
    if (!s.ok()) return s;
  }
  std::string body;
  s = repo->ReadRecordFile(header, &body);
  if (!s.ok()) return s;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  std::string format;
  uint64_t version = 0;
  if (doc.HasParseError() || !doc.IsObject() || !GetString(doc, "format", &format) ||
      format != kFormatName || !GetU64(doc, "version", &version) ||
      !GetString(doc, "database_id", &repo->database_id_)) {
    return Status::Corruption(header + " is malformed");
  }
  if (version > kRepositoryVersion) {
    return Status::NotSupported("backup repository " + path + " has version " +
                                std::to_string(version) + ", newer than this build supports");
  }
  *out = std::move(repo);
  return Status::OK();
}

Status Repository::Bind(const std::string& database_id) {
  if (database_id_ == database_id) return Status::OK();
  if (!database_id_.empty()) {
    return Status::InvalidArgument(
        "backup repository " + path_ + " holds backups of another database (id " + database_id_ +
        "; this one is " + (database_id.empty() ? std::string("without an id") : database_id) +
        "): give each database a repository of its own");
  }
  if (database_id.empty()) return Status::OK();
  Status s = WriteRecordFile(path_, kRepositoryName,
                             std::string("{\"format\":\"") + kFormatName +
                                 "\",\"version\":" + std::to_string(kRepositoryVersion) +
                                 ",\"database_id\":\"" + database_id + "\"}");
  if (s.ok()) database_id_ = database_id;
  return s;
}

Status Repository::WriteRecordFile(const std::string& dir, const std::string& name,
                                   const std::string& body) {
  Sha256Digest digest = Sha256Of(body);
  const std::string contents = body + "\n" + ToHex(digest.data(), digest.size()) + "\n";
  std::string tmp;
  std::unique_ptr<WritableFile> file;
  Status s = NewTemporary(&tmp, &file);
  if (s.ok()) s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs_->RenameFile(tmp, dir + "/" + name);
  if (s.ok()) s = fs_->SyncDir(dir);
  if (!s.ok()) fs_->RemoveFile(tmp);
  return s;
}

Status Repository::ReadRecordFile(const std::string& path, std::string* body) {
  std::unique_ptr<RandomAccessFile> file;
  uint64_t size = 0;
  Status s = fs_->NewRandomAccessFile(path, &file);
  if (s.ok()) s = fs_->GetFileSize(path, &size);
  if (s.ok() && size > kMaxRecordBytes) return Status::Corruption(path + " is implausibly large");
  std::string contents;
  if (s.ok()) s = file->Read(0, size, &contents);
  if (!s.ok()) return s;
  const size_t nl = contents.find('\n');
  if (nl == std::string::npos || contents.size() != nl + 66) {
    return Status::Corruption(path + " is truncated or malformed");
  }
  *body = contents.substr(0, nl);
  Sha256Digest digest = Sha256Of(*body);
  if (ToHex(digest.data(), digest.size()) != std::string_view(contents).substr(nl + 1, 64)) {
    return Status::Corruption(path + " fails its SHA-256 check");
  }
  return Status::OK();
}

Status Repository::NewTemporary(std::string* path, std::unique_ptr<WritableFile>* file) {
  std::string random;
  Status s = RandomBytes(8, &random);
  if (!s.ok()) return s;
  *path = path_ + "/tmp/" + ToHex(reinterpret_cast<const uint8_t*>(random.data()), random.size()) +
          "-" + std::to_string(++temporaries_) + ".part";
  return fs_->NewWritableFile(*path, file);
}

void Repository::ClearTemporary() {
  std::vector<std::string> names;
  if (!fs_->GetChildren(path_ + "/tmp", &names).ok()) return;
  for (const std::string& n : names) {
    if (n != "." && n != "..") fs_->RemoveFile(path_ + "/tmp/" + n);
  }
}

std::string Repository::ObjectPath(std::string_view sha256) const {
  return path_ + "/objects/" + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256);
}

bool Repository::HasObject(std::string_view sha256, uint64_t size) {
  uint64_t actual = 0;
  return fs_->GetFileSize(ObjectPath(sha256), &actual).ok() && actual == size;
}

Status Repository::InstallObject(const std::string& tmp, const FileRef& ref, uint64_t* new_bytes) {
  if (HasObject(ref.sha256, ref.size)) {
    fs_->RemoveFile(tmp);
    return Status::OK();
  }
  const std::string dir = path_ + "/objects/" + ref.sha256.substr(0, 2);
  const bool new_dir = !fs_->FileExists(dir);
  Status s = fs_->CreateDir(dir);
  if (s.ok()) s = fs_->RenameFile(tmp, ObjectPath(ref.sha256));
  if (s.ok()) s = fs_->SyncDir(dir);
  if (s.ok() && new_dir) s = fs_->SyncDir(path_ + "/objects");
  if (!s.ok()) {
    fs_->RemoveFile(tmp);
    return s;
  }
  *new_bytes += ref.size;
  return Status::OK();
}

Status Repository::AddObject(const RandomAccessFile& src, uint64_t size,
                             const CopyProgress& progress, FileRef* ref, uint64_t* new_bytes) {
  std::string tmp;
  std::unique_ptr<WritableFile> file;
  Status s = NewTemporary(&tmp, &file);
  if (!s.ok()) return s;
  Sha256 hash;
  std::string chunk;
  uint64_t done = 0;
  while (s.ok() && done < size) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, size - done));
    s = src.Read(done, n, &chunk);
    if (s.ok() && chunk.size() != n) {
      s = Status::IOError(ref->path + ": the file ended at " + std::to_string(done + chunk.size()) +
                          " bytes, before the " + std::to_string(size) + " it had");
    }
    if (!s.ok()) break;
    hash.Update(chunk);
    s = file->Append(chunk);
    done += n;
    if (s.ok() && progress && !progress(n)) s = Status::Cancelled("backup cancelled");
  }
  if (s.ok()) s = file->Sync();
  Status c = file->Close();
  if (s.ok()) s = c;
  if (!s.ok()) {
    fs_->RemoveFile(tmp);
    return s;
  }
  Sha256Digest digest = hash.Finish();
  ref->size = size;
  ref->sha256 = ToHex(digest.data(), digest.size());
  return InstallObject(tmp, *ref, new_bytes);
}

Status Repository::AddObjectBytes(std::string_view bytes, FileRef* ref, uint64_t* new_bytes) {
  Sha256Digest digest = Sha256Of(bytes);
  ref->size = bytes.size();
  ref->sha256 = ToHex(digest.data(), digest.size());
  if (HasObject(ref->sha256, ref->size)) return Status::OK();
  std::string tmp;
  std::unique_ptr<WritableFile> file;
  Status s = NewTemporary(&tmp, &file);
  if (s.ok()) s = file->Append(bytes);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (!s.ok()) {
    fs_->RemoveFile(tmp);
    return s;
  }
  return InstallObject(tmp, *ref, new_bytes);
}

Status Repository::CheckObject(const FileRef& ref,
                               const std::function<void(std::string_view)>& fn) {
  const std::string path = ObjectPath(ref.sha256);
  const std::string what = "object " + ref.sha256 + " (" + ref.path + ")";
  std::unique_ptr<RandomAccessFile> file;
  uint64_t size = 0;
  Status s = fs_->NewRandomAccessFile(path, &file);
  if (s.IsNotFound() || (s.ok() && !fs_->FileExists(path))) {
    return Status::Corruption(what + " is missing from the repository");
  }
  if (s.ok()) s = fs_->GetFileSize(path, &size);
  if (!s.ok()) return s;
  if (size != ref.size) {
    return Status::Corruption(what + " has " + std::to_string(size) + " bytes, not " +
                              std::to_string(ref.size));
  }
  Sha256 hash;
  std::string chunk;
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, size - done));
    s = file->Read(done, n, &chunk);
    if (!s.ok()) return s;
    if (chunk.size() != n) return Status::Corruption(what + " is shorter than its size");
    hash.Update(chunk);
    fn(chunk);
    done += n;
  }
  Sha256Digest digest = hash.Finish();
  if (ToHex(digest.data(), digest.size()) != ref.sha256) {
    return Status::Corruption(what + " fails its SHA-256 check: its bytes are damaged");
  }
  return Status::OK();
}

Status Repository::ReadObject(const FileRef& ref, std::string* contents) {
  contents->clear();
  contents->reserve(ref.size);
  return CheckObject(ref, [contents](std::string_view chunk) { contents->append(chunk); });
}

Status Repository::CopyObjectTo(const FileRef& ref, uint64_t length, const std::string& dest,
                                const CopyProgress& progress) {
  std::unique_ptr<WritableFile> out;
  Status s = fs_->NewWritableFile(dest, &out);
  if (!s.ok()) return s;
  uint64_t written = 0;
  Status write_status;
  bool cancelled = false;
  s = CheckObject(ref, [&](std::string_view chunk) {
    if (!write_status.ok() || cancelled || written >= length) return;
    std::string_view part =
        chunk.substr(0, static_cast<size_t>(std::min<uint64_t>(chunk.size(), length - written)));
    write_status = out->Append(part);
    written += part.size();
    if (progress && !progress(part.size())) cancelled = true;
  });
  if (s.ok()) s = write_status;
  if (s.ok() && cancelled) s = Status::Cancelled("restore cancelled");
  if (s.ok()) s = out->Sync();
  Status c = out->Close();
  if (s.ok()) s = c;
  if (!s.ok()) fs_->RemoveFile(dest);
  return s;
}

std::string Repository::NewBackupId(int64_t created_us) {
  for (int64_t t = created_us;; ++t) {
    const std::string id = FormatBackupTime(t);
    if (!fs_->FileExists(path_ + "/backups/" + id)) return id;
  }
}

Status Repository::WriteBackup(const BackupRecord& r) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("id");
  w.String(r.info.id.c_str());
  w.Key("database_id");
  w.String(r.database_id.c_str());
  w.Key("created_us");
  w.Int64(r.info.created_us);
  w.Key("finished_us");
  w.Int64(r.info.finished_us);
  w.Key("commit");
  w.Uint64(r.info.commit);
  w.Key("bytes");
  w.Uint64(r.info.bytes);
  w.Key("new_bytes");
  w.Uint64(r.info.new_bytes);
  w.Key("encrypted");
  w.Bool(r.info.encrypted);
  w.Key("manifest");
  WriteRef(&w, r.manifest);
  w.Key("files");
  w.StartArray();
  for (const FileRef& f : r.files) WriteRef(&w, f);
  w.EndArray();
  w.EndObject();
  return WriteRecordFile(path_ + "/backups", r.info.id, std::string(sb.GetString(), sb.GetSize()));
}

Status Repository::BackupNames(std::vector<std::string>* names) {
  std::vector<std::string> all;
  Status s = fs_->GetChildren(path_ + "/backups", &all);
  names->clear();
  for (std::string& n : all) {
    if (n != "." && n != "..") names->push_back(std::move(n));
  }
  std::sort(names->begin(), names->end());  // ids are times: oldest first
  return s;
}

Status Repository::ReadBackup(const std::string& name, BackupRecord* r) {
  const std::string path = path_ + "/backups/" + name;
  std::string body;
  Status s = ReadRecordFile(path, &body);
  if (!s.ok()) return s;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  bool ok =
      !doc.HasParseError() && doc.IsObject() && GetString(doc, "id", &r->info.id) &&
      r->info.id == name && GetString(doc, "database_id", &r->database_id) &&
      GetI64(doc, "created_us", &r->info.created_us) &&
      GetI64(doc, "finished_us", &r->info.finished_us) && GetU64(doc, "commit", &r->info.commit) &&
      GetU64(doc, "bytes", &r->info.bytes) && GetU64(doc, "new_bytes", &r->info.new_bytes) &&
      doc.HasMember("encrypted") && doc["encrypted"].IsBool() && doc.HasMember("manifest") &&
      ReadRef(doc["manifest"], &r->manifest) && doc.HasMember("files") && doc["files"].IsArray();
  if (ok) {
    r->info.encrypted = doc["encrypted"].GetBool();
    for (const auto& v : doc["files"].GetArray()) {
      FileRef f;
      if (!ReadRef(v, &f)) {
        ok = false;
        break;
      }
      r->files.push_back(std::move(f));
    }
  }
  if (!ok) return Status::Corruption("backup record " + path + " is malformed");
  r->info.files = r->files.size() + 1;
  return Status::OK();
}

Status Repository::ReadBackups(std::vector<BackupRecord>* records) {
  records->clear();
  std::vector<std::string> names;
  Status s = BackupNames(&names);
  for (size_t i = 0; s.ok() && i < names.size(); ++i) {
    records->emplace_back();
    s = ReadBackup(names[i], &records->back());
  }
  return s;
}

Status Repository::RemoveBackup(const std::string& id) {
  Status s = fs_->RemoveFile(path_ + "/backups/" + id);
  if (s.ok()) s = fs_->SyncDir(path_ + "/backups");
  return s;
}

Status Repository::WriteArchivedJournal(const ArchivedJournal& j) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("number");
  w.Uint64(j.number);
  w.Key("prev");
  w.Uint64(j.prev);
  w.Key("first_seq");
  w.Uint64(j.first_seq);
  w.Key("last_seq");
  w.Uint64(j.last_seq);
  w.Key("archived_us");
  w.Int64(j.archived_us);
  w.Key("file");
  WriteRef(&w, j.file);
  w.EndObject();
  return WriteRecordFile(path_ + "/journals", ArchiveName(j.number, j.file.size),
                         std::string(sb.GetString(), sb.GetSize()));
}

Status Repository::ReadArchive(std::vector<ArchivedJournal>* journals) {
  journals->clear();
  std::vector<std::string> names;
  Status s = fs_->GetChildren(path_ + "/journals", &names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    const std::string path = path_ + "/journals/" + name;
    std::string body;
    s = ReadRecordFile(path, &body);
    if (!s.ok()) return s;
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    ArchivedJournal j;
    const bool ok = !doc.HasParseError() && doc.IsObject() && GetU64(doc, "number", &j.number) &&
                    GetU64(doc, "prev", &j.prev) && GetU64(doc, "first_seq", &j.first_seq) &&
                    GetU64(doc, "last_seq", &j.last_seq) &&
                    GetI64(doc, "archived_us", &j.archived_us) && doc.HasMember("file") &&
                    ReadRef(doc["file"], &j.file) && name == ArchiveName(j.number, j.file.size);
    if (!ok) return Status::Corruption("archived journal record " + path + " is malformed");
    journals->push_back(std::move(j));
  }
  std::sort(journals->begin(), journals->end(), [](const auto& a, const auto& b) {
    return a.number != b.number ? a.number < b.number : a.file.size < b.file.size;
  });
  return Status::OK();
}

Status Repository::RemoveArchivedJournal(const ArchivedJournal& j) {
  return fs_->RemoveFile(path_ + "/journals/" + ArchiveName(j.number, j.file.size));
}

Status Repository::ArchivedSizes(std::map<uint64_t, uint64_t>* sizes) {
  sizes->clear();
  std::vector<std::string> names;
  Status s = fs_->GetChildren(path_ + "/journals", &names);
  for (const std::string& n : names) {
    unsigned long long number = 0, size = 0;
    char tail = 0;
    if (std::sscanf(n.c_str(), "%llu-%llu%c", &number, &size, &tail) != 2 ||
        n != ArchiveName(number, size)) {
      continue;
    }
    uint64_t& longest = (*sizes)[number];
    longest = std::max<uint64_t>(longest, size);
  }
  return s;
}

Status Repository::ListObjects(std::vector<std::string>* names) {
  names->clear();
  std::vector<std::string> dirs;
  Status s = fs_->GetChildren(path_ + "/objects", &dirs);
  if (!s.ok()) return s;
  for (const std::string& d : dirs) {
    if (d.size() != 2) continue;
    std::vector<std::string> files;
    s = fs_->GetChildren(path_ + "/objects/" + d, &files);
    if (!s.ok()) return s;
    for (const std::string& f : files) {
      if (ValidSha(f)) names->push_back(f);
    }
  }
  return Status::OK();
}

Status Repository::RemoveObject(std::string_view sha256) {
  return fs_->RemoveFile(ObjectPath(sha256));
}

}  // namespace spirapi::backup
